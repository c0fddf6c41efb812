//! Contacts: the customers of an account.

use crate::error::{AppError, AppResult};
use crate::keys::contacts as keys;
use crate::model::contact::Contact;
use crate::model::Record;
use crate::state::AppState;

/// A contact of the account by id (any contact, resolved or not); unknown → 404.
pub async fn load(state: &AppState, account_id: i64, contact_id: i64) -> AppResult<Contact> {
    let item = state
        .store
        .get(&keys::contact(account_id, contact_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Contact::from_item(item)?)
}
