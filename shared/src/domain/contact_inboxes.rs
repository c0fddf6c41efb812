//! Contact-inboxes: a contact as known to one inbox under a source id (Chatwoot's
//! `ContactInboxBuilder`). API and website inboxes generate a random UUID when no source id
//! is given, so every such call links the contact anew.

use crate::domain::{retrying, store_conflict};
use crate::error::{AppError, AppResult};
use crate::keys::contacts as keys;
use crate::model::contact::{Contact, ContactInbox};
use crate::model::inbox::Inbox;
use crate::model::{epoch_ms, Mirrored, Record};
use crate::state::AppState;
use crate::store::{StoreError, WriteOp};
use serde_json::json;

/// The contact-inbox for (inbox, source id), created for `contact` when the source id is
/// new. A source id already owned by another contact is refused, as Chatwoot refuses it for
/// API and website inboxes: 422 `{"error":"source_id should be unique"}`.
pub async fn find_or_create(
    state: &AppState,
    contact: &Contact,
    inbox: &Inbox,
    source_id: Option<&str>,
    hmac_verified: bool,
) -> AppResult<ContactInbox> {
    let source_id = match source_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(given) => given.to_owned(),
        None => crate::ids::uuid_v4(),
    };
    if let Some(existing) = find(state, inbox.account_id, inbox.id, &source_id).await? {
        return owned_by(existing, contact);
    }
    let now = epoch_ms(state.clock.now());
    let link = ContactInbox {
        id: crate::ids::new_id(state.clock.now_ms()),
        account_id: inbox.account_id,
        contact_id: contact.id,
        inbox_id: inbox.id,
        source_id: source_id.clone(),
        hmac_verified,
        pubsub_token: crate::ids::alphanumeric(24),
        created_at_ms: now,
    };
    let [item, mirror] = link.items();
    let ops = vec![WriteOp::create(item), WriteOp::put(mirror)];
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(link),
        // Another request claimed the same source id first.
        Err(StoreError::ConditionFailed { .. }) => {
            match find(state, inbox.account_id, inbox.id, &source_id).await? {
                Some(existing) => owned_by(existing, contact),
                None => Err(AppError::Unavailable),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The contact-inbox of a source id in an inbox, if any.
pub async fn find(
    state: &AppState,
    account_id: i64,
    inbox_id: i64,
    source_id: &str,
) -> AppResult<Option<ContactInbox>> {
    let item = state
        .store
        .get(&keys::source(account_id, inbox_id, source_id))
        .await?;
    Ok(item.map(ContactInbox::from_item).transpose()?)
}

fn owned_by(existing: ContactInbox, contact: &Contact) -> AppResult<ContactInbox> {
    if existing.contact_id == contact.id {
        Ok(existing)
    } else {
        Err(source_id_taken())
    }
}

pub fn source_id_taken() -> AppError {
    AppError::Unprocessable(json!("source_id should be unique"))
}
