//! The Client API's rules: a visitor is an API inbox (addressed by its public identifier)
//! and a contact-inbox in it (addressed by its source id). The two are the only credentials,
//! so every lookup is scoped by both, and a miss anywhere is the same 404.
//!
//! Identity verification: when a request carries `identifier_hash`, or the inbox makes it
//! mandatory, the hash must be the HMAC-SHA256 of `identifier` under the inbox's HMAC token.
//! A verified contact-inbox reaches all of its contact's conversations; an unverified one
//! only the conversations started through it.

use crate::domain::actor::Actor;
use crate::domain::contacts::{self, ContactChanges};
use crate::domain::conversations::change::Effects;
use crate::domain::conversations::{self, actions};
use crate::domain::{contact_inboxes, query_all};
use crate::error::{AppError, AppResult};
use crate::keys::{
    contacts as contact_keys, conversations as conversation_keys, inboxes as inbox_keys,
};
use crate::model::contact::{Contact, ContactClaim, ContactInbox};
use crate::model::conversation::{Conversation, Message, MessageType, Status};
use crate::model::inbox::{Channel, Inbox, PublicInbox};
use crate::model::{Mirrored, Record};
use crate::state::AppState;
use crate::store::{Query, SortKey, WriteOp};
use futures::{StreamExt, TryStreamExt};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Map, Value};
use sha2::Sha256;

/// The API inbox a public identifier names. Website tokens are not accepted (Chatwoot's
/// Client API serves API channels only): like unknown identifiers, 404.
pub async fn inbox(state: &AppState, identifier: &str) -> AppResult<Inbox> {
    crate::domain::inboxes::load_public(state, identifier)
        .await?
        .filter(|inbox| matches!(inbox.channel, Channel::Api(_)))
        .ok_or(AppError::NotFound)
}

async fn lookup(state: &AppState, identifier: &str) -> AppResult<PublicInbox> {
    crate::domain::inboxes::find_public(state, identifier)
        .await?
        .filter(|public| public.channel == "api")
        .ok_or(AppError::NotFound)
}

/// A contact's session: the inbox, the contact-inbox and the contact.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub inbox: Inbox,
    pub link: ContactInbox,
    pub contact: Contact,
}

impl Visitor {
    pub fn actor(&self) -> Actor {
        Actor::Contact {
            id: self.contact.id,
            name: self.contact.name.clone(),
        }
    }

    /// Chatwoot's scoping: the contact's own conversations, and of those only the ones of
    /// this contact-inbox unless it is verified.
    pub fn reaches(&self, conversation: &Conversation) -> bool {
        conversation.account_id == self.inbox.account_id
            && conversation.contact_id == self.contact.id
            && (self.link.hmac_verified
                || (conversation.inbox_id == self.inbox.id
                    && conversation.source_id == self.link.source_id))
    }
}

/// The visitor of `(identifier, source_id)`: three round trips (the identifier, then the
/// inbox with the contact-inbox, then the contact).
pub async fn visitor(state: &AppState, identifier: &str, source_id: &str) -> AppResult<Visitor> {
    Ok(read_visitor(state, identifier, source_id, None).await?.0)
}

/// The visitor and one conversation it reaches, by display id (any other → 404), in the
/// visitor's three round trips: the conversation is read in the inbox's batch.
pub async fn visitor_and_conversation(
    state: &AppState,
    identifier: &str,
    source_id: &str,
    display_id: i64,
) -> AppResult<(Visitor, Conversation)> {
    let (visitor, conversation) =
        read_visitor(state, identifier, source_id, Some(display_id)).await?;
    let conversation = conversation
        .filter(|c| visitor.reaches(c))
        .ok_or(AppError::NotFound)?;
    Ok((visitor, conversation))
}

async fn read_visitor(
    state: &AppState,
    identifier: &str,
    source_id: &str,
    display_id: Option<i64>,
) -> AppResult<(Visitor, Option<Conversation>)> {
    let public = lookup(state, identifier).await?;
    let account_id = public.account_id;
    let mut keys = vec![
        inbox_keys::inbox(account_id, public.inbox_id),
        contact_keys::source(account_id, public.inbox_id, source_id),
    ];
    keys.extend(display_id.map(|d| conversation_keys::conversation(account_id, d)));
    let mut found = state.store.get_many(&keys).await?.into_iter();
    let inbox = found.next().flatten().ok_or(AppError::NotFound)?;
    let link = found.next().flatten().ok_or(AppError::NotFound)?;
    let conversation = found
        .next()
        .flatten()
        .map(Conversation::from_item)
        .transpose()?;
    let link = ContactInbox::from_item(link)?;
    // A long source id is keyed by its hash: the stored one must be the one asked for.
    if link.source_id != source_id {
        return Err(AppError::NotFound);
    }
    let contact = contacts::load(state, link.account_id, link.contact_id).await?;
    let visitor = Visitor {
        inbox: Inbox::from_item(inbox)?,
        link,
        contact,
    };
    Ok((visitor, conversation))
}

/// The HMAC failure Chatwoot's widget API answers (its Client API raises a 500 instead: a
/// failed credential is the caller's fault, so 401 here).
pub fn hmac_failed() -> AppError {
    AppError::Unauthorized("HMAC failed: Invalid Identifier Hash Provided".into())
}

/// Checks the identity proof when one is given or the inbox requires it. Answers the
/// identifier proven, if a check ran.
pub fn verify_identity(
    inbox: &Inbox,
    identifier: Option<&str>,
    identifier_hash: Option<&str>,
) -> AppResult<Option<String>> {
    let hash = identifier_hash.map(str::trim).filter(|h| !h.is_empty());
    if hash.is_none() && !inbox.channel.hmac_mandatory() {
        return Ok(None);
    }
    let identifier = identifier.unwrap_or_default();
    let given = hash
        .and_then(|h| hex::decode(h.to_ascii_lowercase()).ok())
        .ok_or_else(hmac_failed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(inbox.channel.hmac_token().as_bytes())
        .map_err(|_| AppError::Internal("HMAC key".into()))?;
    mac.update(identifier.as_bytes());
    mac.verify_slice(&given).map_err(|_| hmac_failed())?;
    Ok(Some(identifier.to_owned()))
}

/// After a successful check on show or update: the proven identifier must not contradict
/// the contact's own (nothing changes then), and the contact-inbox becomes verified only
/// when the contact carries that identifier.
pub async fn bind_identity(state: &AppState, visitor: &mut Visitor, proven: &str) -> AppResult<()> {
    match visitor.contact.identifier.as_deref() {
        Some(own) if !own.is_empty() && own != proven => Err(hmac_failed()),
        Some(own) if own == proven && !visitor.link.hmac_verified => {
            let verified = ContactInbox {
                hmac_verified: true,
                ..visitor.link.clone()
            };
            let [item, mirror] = verified.items();
            state
                .store
                .write(vec![
                    WriteOp::Put {
                        item,
                        condition: Some(crate::store::Condition::Exists),
                    },
                    WriteOp::put(mirror),
                ])
                .await?;
            visitor.link = verified;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What `POST /contacts` is given.
#[derive(Debug, Clone, Default)]
pub struct NewVisitor {
    pub source_id: Option<String>,
    pub identifier: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Chatwoot's `ContactInboxWithContactBuilder`: an existing source id answers its
/// contact-inbox as it is; otherwise the account's contact with that identifier, email or
/// phone number (in that order) is linked, or a new contact is made (named at random when no
/// name is given).
pub async fn create_visitor(state: &AppState, inbox: Inbox, new: NewVisitor) -> AppResult<Visitor> {
    let account_id = inbox.account_id;
    if let Some(source_id) = present(&new.source_id) {
        if let Some(link) = contact_inboxes::find(state, account_id, inbox.id, source_id).await? {
            let contact = contacts::load(state, account_id, link.contact_id).await?;
            return Ok(Visitor {
                inbox,
                link,
                contact,
            });
        }
    }
    let source_id = present(&new.source_id).map(str::to_owned);
    if let Some(contact) = existing_contact(state, account_id, &new).await? {
        let link =
            contact_inboxes::find_or_create(state, &contact, &inbox, source_id.as_deref(), false)
                .await?;
        return Ok(Visitor {
            inbox,
            link,
            contact,
        });
    }
    let changes = ContactChanges {
        name: Some(Some(
            present(&new.name).map_or_else(random_name, str::to_owned),
        )),
        email: Some(present(&new.email).map(str::to_owned)),
        phone_number: Some(present(&new.phone_number).map(str::to_owned)),
        identifier: Some(present(&new.identifier).map(str::to_owned)),
        custom_attributes: new.custom_attributes.clone(),
        ..ContactChanges::default()
    };
    let (contact, link) = contacts::create(
        state,
        account_id,
        &changes,
        Some((&inbox, source_id.as_deref())),
    )
    .await?;
    let link = link.ok_or_else(|| AppError::Internal("contact-inbox not created".into()))?;
    Ok(Visitor {
        inbox,
        link,
        contact,
    })
}

/// The account's contact holding the identifier, else the email, else the phone number.
async fn existing_contact(
    state: &AppState,
    account_id: i64,
    new: &NewVisitor,
) -> AppResult<Option<Contact>> {
    let email = present(&new.email).map(str::to_lowercase);
    let wanted: Vec<(&str, String)> = [
        ("identifier", present(&new.identifier).map(str::to_owned)),
        ("email", email),
        (
            "phone_number",
            present(&new.phone_number).map(str::to_owned),
        ),
    ]
    .into_iter()
    .filter_map(|(field, value)| value.map(|v| (field, v)))
    .collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let keys: Vec<_> = wanted
        .iter()
        .map(|(field, value)| contact_keys::claim(account_id, field, value))
        .collect();
    let holder = state
        .store
        .get_many(&keys)
        .await?
        .into_iter()
        .flatten()
        .next()
        .map(ContactClaim::from_item)
        .transpose()?;
    match holder {
        Some(claim) => Ok(Some(
            contacts::load(state, account_id, claim.contact_id).await?,
        )),
        None => Ok(None),
    }
}

/// A readable random name for an anonymous contact (Chatwoot uses "haikunator" names).
pub fn random_name() -> String {
    const ADJECTIVES: [&str; 16] = [
        "autumn", "hidden", "bitter", "misty", "silent", "empty", "dry", "dark", "summer", "icy",
        "delicate", "quiet", "white", "cool", "spring", "winter",
    ];
    const NOUNS: [&str; 16] = [
        "waterfall",
        "river",
        "breeze",
        "moon",
        "rain",
        "wind",
        "sea",
        "morning",
        "snow",
        "lake",
        "sunset",
        "pine",
        "shadow",
        "leaf",
        "dawn",
        "glitter",
    ];
    let mut rng = rand::rng();
    format!(
        "{}-{}-{}",
        ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
        NOUNS[rng.random_range(0..NOUNS.len())],
        rng.random_range(0..1000)
    )
}

/// What `PATCH /contacts/{source_id}` may change (never the identifier); blank values are
/// ignored.
#[derive(Debug, Clone, Default)]
pub struct Identification {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
}

/// Chatwoot's `ContactIdentifyAction` without an identifier: when another contact of the
/// account already has the email (or, unless that contact's email contradicts the one
/// given, the phone number), this contact is merged into it; then the values are saved on
/// the contact that remains (custom attributes merged into the stored ones).
pub async fn identify(
    state: &AppState,
    contact: Contact,
    given: Identification,
) -> AppResult<Contact> {
    let email = present(&given.email).map(str::to_lowercase);
    let phone = present(&given.phone_number).map(str::to_owned);
    let account_id = contact.account_id;
    // Who holds the e-mail and the phone number: one batch read.
    let wanted: Vec<_> = [("email", &email), ("phone_number", &phone)]
        .into_iter()
        .filter_map(|(field, value)| Some(contact_keys::claim(account_id, field, value.as_ref()?)))
        .collect();
    let mut holders = Vec::new();
    for item in state.store.get_many(&wanted).await? {
        holders.push(item.map(ContactClaim::from_item).transpose()?);
    }
    let mut holders = holders.into_iter();
    let email_holder = email.as_ref().and_then(|_| holders.next().flatten());
    let phone_holder = phone.as_ref().and_then(|_| holders.next().flatten());
    let mut contact = contact;
    let mut write_phone = phone.clone();
    if let Some(owner) = email_holder
        .map(|c| c.contact_id)
        .filter(|id| *id != contact.id)
    {
        let base = contacts::load(state, account_id, owner).await?;
        contact = contacts::merge(state, base, contact).await?;
    }
    if let Some(owner) = phone_holder
        .map(|c| c.contact_id)
        .filter(|id| *id != contact.id)
    {
        let base = contacts::load(state, account_id, owner).await?;
        let contradicts = email.is_some()
            && base.email.as_deref().is_some_and(|e| !e.is_empty())
            && base.email != email;
        if contradicts {
            write_phone = None;
        } else {
            contact = contacts::merge(state, base, contact).await?;
        }
    }
    let changes = ContactChanges {
        name: present(&given.name).map(|n| Some(n.to_owned())),
        email: email.map(Some),
        phone_number: write_phone.map(Some),
        custom_attributes: given.custom_attributes.filter(|m| !m.is_empty()),
        ..ContactChanges::default()
    };
    contacts::update(state, contact, &changes).await
}

/// The visitor's conversations (all of the contact's when verified), each with its public
/// messages, oldest first.
/// How many conversations' messages the list reads at once.
const CONCURRENT_MESSAGE_READS: usize = 8;

/// The contact's conversations in this inbox, each with its public messages. Each
/// conversation's messages are a partition of their own, so this is one query per
/// conversation; they run [`CONCURRENT_MESSAGE_READS`] at a time, so the wait grows by one
/// round trip per eight conversations, not per conversation.
pub async fn conversations_with_messages(
    state: &AppState,
    visitor: &Visitor,
) -> AppResult<Vec<(Conversation, Vec<Message>)>> {
    let mut found: Vec<Conversation> =
        actions::of_contact(state, visitor.inbox.account_id, visitor.contact.id)
            .await?
            .into_iter()
            .filter(|c| visitor.reaches(c))
            .collect();
    found.sort_by_key(|c| c.display_id);
    futures::stream::iter(found)
        .map(|conversation| async move {
            let messages = public_messages(state, &conversation).await?;
            Ok((conversation, messages))
        })
        .buffered(CONCURRENT_MESSAGE_READS)
        .try_collect()
        .await
}

/// Every public message of a conversation (private notes and activity messages left out),
/// oldest first.
pub async fn public_messages(
    state: &AppState,
    conversation: &Conversation,
) -> AppResult<Vec<Message>> {
    let query = Query::prefix(conversation.key().pk, conversation_keys::messages_prefix());
    let mut messages = Vec::new();
    for item in query_all(state, query).await? {
        let message = Message::from_item(item)?;
        if message.is_public() {
            messages.push(message);
        }
    }
    messages.sort_by_key(|m| (m.created_at_ms, m.id));
    Ok(messages)
}

/// `toggle_status`: the contact can only resolve (a resolved conversation stays as it is).
pub async fn resolve(
    state: &AppState,
    visitor: &Visitor,
    conversation: Conversation,
) -> AppResult<Conversation> {
    if conversation.status == Status::Resolved {
        return Ok(conversation);
    }
    let actor = visitor.actor();
    let (conversation, _) = conversations::save(state, conversation, |c| {
        let mut effects = Effects::default();
        actions::set_status(c, Status::Resolved, Some(&actor), &mut effects);
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// The most messages one `update_last_seen` marks read (the rest stay delivered).
const READ_RECEIPTS: usize = 500;
/// How many receipts are written at the same time.
const RECEIPTS_IN_FLIGHT: usize = 16;

/// `update_last_seen`: the contact has seen the conversation now, and the messages sent to
/// them since they last looked (not private notes) become `read`. The receipts are written
/// after the conversation, each only if the message did not change meanwhile: as Chatwoot's
/// deferred job, best effort.
pub async fn update_last_seen(state: &AppState, conversation: Conversation) -> AppResult<()> {
    let now = state.clock.now_ms();
    let since = conversation.contact_last_seen_at_ms.unwrap_or(0);
    let (conversation, _) = conversations::save(state, conversation, |c| {
        c.contact_last_seen_at_ms = Some(now);
        Ok(Effects::default())
    })
    .await?;
    let query = Query {
        sk: SortKey::Between(
            conversation_keys::message_sk(crate::ids::first_id_at(since)),
            conversation_keys::message_sk(i64::MAX),
        ),
        limit: Some(READ_RECEIPTS),
        ..Query::partition(conversation.key().pk)
    };
    let page = state.store.query(&query).await?;
    let mut receipts = Vec::new();
    for item in page.items {
        let message = Message::from_item(item)?;
        let unread = matches!(message.status.as_str(), "sent" | "delivered");
        let to_contact = !matches!(
            message.kind(),
            Some(MessageType::Incoming) | Some(MessageType::Activity)
        ) && !message.private;
        if unread && to_contact && message.created_at_ms <= now {
            let version = message.version;
            let mut read = message;
            read.status = "read".into();
            read.version = version + 1;
            receipts.push(WriteOp::replace_version(read.to_item(), version));
        }
    }
    // Each on its own (a message changed meanwhile keeps its state), a few at a time.
    use futures::StreamExt;
    futures::stream::iter(receipts)
        .for_each_concurrent(RECEIPTS_IN_FLIGHT, |receipt| async move {
            if let Err(e) = state.store.write(vec![receipt]).await {
                tracing::debug!(error = %e, "read receipt skipped");
            }
        })
        .await;
    Ok(())
}

/// `toggle_typing`: `on` and `off` are events; anything else does nothing.
pub async fn typing(
    state: &AppState,
    visitor: &Visitor,
    conversation: &Conversation,
    status: Option<&str>,
) -> AppResult<()> {
    match status {
        Some("on") => actions::typing(state, &visitor.actor(), conversation, true, false).await,
        Some("off") => actions::typing(state, &visitor.actor(), conversation, false, false).await,
        _ => Ok(()),
    }
}
