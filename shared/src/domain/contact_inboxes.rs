//! Contact-inboxes: a contact as known to one inbox under a source id (Chatwoot's
//! `ContactInboxBuilder`). API and website inboxes generate a random UUID when no source id
//! is given, so every such call links the contact anew.

use crate::domain::save_claiming;
use crate::error::{AppError, AppResult};
use crate::keys::contacts as keys;
use crate::model::contact::{Contact, ContactInbox, ContactInboxRef};
use crate::model::inbox::Inbox;
use crate::model::{epoch_ms, Mirrored, Record};
use crate::state::AppState;
use crate::store::WriteOp;
use serde_json::json;

/// The contact-inbox for (inbox, source id), created for `contact` when the source id is
/// new. A source id already owned by another contact is refused, as Chatwoot refuses it for
/// API and website inboxes: 422 `{"error":"source_id should be unique"}`. The link's two
/// items and the contact's list of inboxes ([`Contact::inboxes`]) change in one transaction.
pub async fn find_or_create(
    state: &AppState,
    contact: &Contact,
    inbox: &Inbox,
    source_id: Option<&str>,
    hmac_verified: bool,
) -> AppResult<ContactInbox> {
    let link = new_link(state, contact, inbox, source_id, hmac_verified);
    if let Some(existing) = find(state, inbox.account_id, inbox.id, &link.source_id).await? {
        return owned_by(existing, contact);
    }
    let saved = save_claiming(
        state,
        contact.clone(),
        |contact| {
            contact.inboxes.push(link_ref(&link));
            Ok(link_ops(&link))
        },
        |_| source_id_taken(),
    )
    .await;
    match saved {
        Ok(_) => Ok(link),
        // Another request claimed the same source id first: for this contact or another.
        Err(taken) if taken == source_id_taken() => {
            match find(state, inbox.account_id, inbox.id, &link.source_id).await? {
                Some(existing) => owned_by(existing, contact),
                None => Err(AppError::Unavailable),
            }
        }
        Err(e) => Err(e),
    }
}

/// A new contact-inbox of `contact` (not yet stored). API and website inboxes use the given
/// source id, else a random UUID.
pub fn new_link(
    state: &AppState,
    contact: &Contact,
    inbox: &Inbox,
    source_id: Option<&str>,
    hmac_verified: bool,
) -> ContactInbox {
    let source_id = match source_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(given) => given.to_owned(),
        None => crate::ids::uuid_v4(),
    };
    ContactInbox {
        id: crate::ids::new_id(state.clock.now_ms()),
        account_id: inbox.account_id,
        contact_id: contact.id,
        inbox_id: inbox.id,
        source_id,
        hmac_verified,
        pubsub_token: crate::ids::alphanumeric(24),
        created_at_ms: epoch_ms(state.clock.now()),
    }
}

pub fn link_ref(link: &ContactInbox) -> ContactInboxRef {
    ContactInboxRef {
        inbox_id: link.inbox_id,
        source_id: link.source_id.clone(),
    }
}

/// The link's writes: the source-side claim (created only if the source id is free) first,
/// then the contact-side copy.
pub fn link_ops(link: &ContactInbox) -> Vec<WriteOp> {
    let [item, mirror] = link.items();
    vec![WriteOp::create(item), WriteOp::put(mirror)]
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
