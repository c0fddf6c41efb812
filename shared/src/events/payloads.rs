//! Chatwoot's webhook bodies for an event record: [`load`] reads what the body shows besides
//! what the record carries (the conversation and message as saved, the contact as saved),
//! [`EventContext::body`] renders it with [`crate::views::webhook_data`].
//!
//! Round trips of [`load`]: a conversation, message or typing event reads the account, the
//! inbox, the conversation's contact-inbox and every person shown (contact, assignee, team,
//! message sender, typist) in one batch; when the conversation's latest non-activity message
//! is a private note, a query of the older messages comes first (newest first,
//! [`CHAT_LOOKUP_PAGE`] a page, until one neither private nor an activity). A contact event
//! reads the account (one get). docs/data-model.md ("Event payloads") lists them.

use crate::domain::avatars;
use crate::domain::conversations::events;
use crate::domain::conversations::related::{self, Related};
use crate::error::AppResult;
use crate::keys::{self, contacts as contact_keys, conversations as conversation_keys};
use crate::model::contact::{Contact, ContactInbox};
use crate::model::conversation::{Conversation, Message, Sender};
use crate::model::inbox::Inbox;
use crate::model::{Account, Record};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::{Index, Query, SortKey};
use crate::views::conversations::Context;
use crate::views::webhook_data::{self, MessageScope};
use serde_json::Value;
use std::collections::HashMap;

/// How many older messages one read of the latest-chat-message lookup takes.
pub const CHAT_LOOKUP_PAGE: usize = 10;

/// Everything the payloads of one event need, read in as few round trips as possible.
pub struct EventContext {
    name: String,
    changed_attributes: Option<Value>,
    account: Account,
    subject: Subject,
}

enum Subject {
    Contact {
        contact: Box<Contact>,
        thumbnail: String,
    },
    Conversation(Box<ConversationSubject>),
}

/// A conversation event's subject: the conversation as saved, with what its webhook data
/// shows.
struct ConversationSubject {
    conversation: Conversation,
    inbox: Inbox,
    contact_inbox: Option<ContactInbox>,
    /// The latest message neither private nor an activity (`messages.chat.last`).
    last_chat: Option<Message>,
    related: Related,
    urls: HashMap<i64, String>,
    frontend_url: String,
    kind: Kind,
}

/// Which body a conversation event has.
enum Kind {
    Conversation,
    Message(Box<Message>),
    Typing { user: Sender, is_private: bool },
}

/// Reads what the event's payload needs (account, inbox, contact, contact-inbox link, assignee,
/// team, message sender… in one `get_many` batch where possible). `Ok(None)` when the event
/// has no webhook body (internal events, activity messages) or its subject is gone.
pub async fn load(state: &AppState, event: &EventRecord) -> AppResult<Option<EventContext>> {
    let kind = match event.name.as_str() {
        "contact_created" | "contact_updated" => return load_contact(state, event).await,
        "conversation_created"
        | "conversation_updated"
        | "conversation_status_changed"
        | "conversation_opened"
        | "conversation_resolved"
        | crate::outbox::AUTOMATION_WEBHOOK => Kind::Conversation,
        "conversation_typing_on" | "conversation_typing_off" => {
            let Some(user) = event
                .payload
                .get("user")
                .and_then(|user| serde_json::from_value(user.clone()).ok())
            else {
                return Ok(None);
            };
            let is_private = event.payload.get("is_private").and_then(Value::as_bool);
            Kind::Typing {
                user,
                is_private: is_private.unwrap_or(false),
            }
        }
        "message_created" | "message_updated" => match events::message_of(event) {
            Some(message) if webhook_data::is_sendable(&message) => {
                Kind::Message(Box::new(message))
            }
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    load_conversation(state, event, kind).await
}

async fn load_contact(state: &AppState, event: &EventRecord) -> AppResult<Option<EventContext>> {
    let Some(contact) = event
        .payload
        .get("contact")
        .and_then(|contact| serde_json::from_value::<Contact>(contact.clone()).ok())
    else {
        return Ok(None);
    };
    let Some(account) = state.store.get(&keys::account(contact.account_id)).await? else {
        return Ok(None);
    };
    let thumbnail = avatars::url(state, contact.avatar_key.as_deref()).await?;
    Ok(Some(EventContext {
        name: event.name.clone(),
        changed_attributes: event.payload.get("changed_attributes").cloned(),
        account: Account::from_item(account)?,
        subject: Subject::Contact {
            contact: Box::new(contact),
            thumbnail,
        },
    }))
}

async fn load_conversation(
    state: &AppState,
    event: &EventRecord,
    kind: Kind,
) -> AppResult<Option<EventContext>> {
    let Some(conversation) = events::conversation_of(event) else {
        return Ok(None);
    };
    let message = match &kind {
        Kind::Message(message) => Some(message.as_ref()),
        _ => None,
    };
    let last_chat = last_chat_message(state, &conversation, message).await?;
    let account_id = conversation.account_id;
    let inbox_id = conversation.inbox_id;
    let extra = [
        keys::account(account_id),
        keys::inboxes::inbox(account_id, inbox_id),
        contact_keys::source(account_id, inbox_id, &conversation.source_id),
    ];
    let messages: Vec<&Message> = message.into_iter().chain(last_chat.as_ref()).collect();
    let typist: Vec<Sender> = match &kind {
        Kind::Typing { user, .. } => vec![*user],
        _ => Vec::new(),
    };
    let (related, found) = related::load_with(
        state,
        account_id,
        &[&conversation],
        &messages,
        &typist,
        &extra,
    )
    .await?;
    let mut found = found.into_iter();
    let mut next = || found.next().flatten();
    let (Some(account), Some(inbox), link) = (next(), next(), next()) else {
        return Ok(None);
    };
    let urls = related::attachment_urls(state, &[], &messages).await?;
    Ok(Some(EventContext {
        name: event.name.clone(),
        changed_attributes: event.payload.get("changed_attributes").cloned(),
        account: Account::from_item(account)?,
        subject: Subject::Conversation(Box::new(ConversationSubject {
            inbox: Inbox::from_item(inbox)?,
            contact_inbox: link.map(ContactInbox::from_item).transpose()?,
            last_chat,
            related,
            urls,
            frontend_url: state.config.frontend_url.clone(),
            kind,
            conversation,
        })),
    }))
}

/// The conversation's latest message neither private nor an activity, as of its save. The
/// conversation keeps its latest non-activity message: only when that is a private note
/// are older messages read (newest first).
async fn last_chat_message(
    state: &AppState,
    conversation: &Conversation,
    event_message: Option<&Message>,
) -> AppResult<Option<Message>> {
    let Some(kept) = &conversation.last_non_activity_message else {
        return Ok(None);
    };
    if !kept.private {
        // The kept copy's content is cut short; the event's own message is whole.
        let whole = event_message.filter(|m| m.id == kept.id).unwrap_or(kept);
        return Ok(Some(whole.clone()));
    }
    let mut query = Query {
        index: Index::Primary,
        pk: conversation_keys::conversation_partition(
            conversation.account_id,
            conversation.display_id,
        ),
        sk: SortKey::Between(
            conversation_keys::message_sk(0),
            conversation_keys::message_sk(kept.id - 1),
        ),
        forward: false,
        limit: Some(CHAT_LOOKUP_PAGE),
        cursor: None,
    };
    loop {
        let page = state.store.query(&query).await?;
        for item in page.items {
            let message = Message::from_item(item)?;
            if !message.private && !message.is_activity() {
                return Ok(Some(message));
            }
        }
        match page.cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(None),
        }
    }
}

impl ConversationSubject {
    fn context(&self) -> Context<'_> {
        Context {
            related: &self.related,
            urls: &self.urls,
        }
    }

    /// `Conversation#webhook_data`.
    fn data(&self) -> Value {
        webhook_data::conversation(
            &self.conversation,
            self.contact_inbox.as_ref(),
            self.last_chat.as_ref(),
            &self.context(),
        )
    }
}

impl EventContext {
    /// The event's inbox, when it has one (the dispatcher routes by its API webhook_url and bot).
    pub fn inbox(&self) -> Option<&Inbox> {
        match &self.subject {
            Subject::Conversation(subject) => Some(&subject.inbox),
            Subject::Contact { .. } => None,
        }
    }

    /// The conversation as saved with the event, when it has one.
    pub fn conversation(&self) -> Option<&Conversation> {
        match &self.subject {
            Subject::Conversation(subject) => Some(&subject.conversation),
            Subject::Contact { .. } => None,
        }
    }

    /// Chatwoot's body: the entity's webhook data merged with `"event": <event name>` (and
    /// `changed_attributes` where Chatwoot sends them).
    pub fn body(&self) -> Value {
        let changed = self.changed_attributes.as_ref();
        let subject = match &self.subject {
            Subject::Contact { contact, thumbnail } => {
                let data = webhook_data::contact(contact, thumbnail, &self.account);
                return webhook_data::with_event(data, &self.name, changed);
            }
            Subject::Conversation(subject) => subject,
        };
        match &subject.kind {
            Kind::Conversation => webhook_data::with_event(subject.data(), &self.name, changed),
            Kind::Message(message) => {
                let context = subject.context();
                let content = webhook_data::outgoing_content(
                    message,
                    &subject.conversation,
                    &subject.inbox,
                    &subject.frontend_url,
                );
                let data = webhook_data::message(
                    message,
                    MessageScope {
                        account: &self.account,
                        inbox: &subject.inbox,
                        conversation: subject.data(),
                        content,
                        context: &context,
                    },
                );
                webhook_data::with_event(data, &self.name, None)
            }
            Kind::Typing { user, is_private } => webhook_data::typing(
                &self.name,
                webhook_data::person(*user, &subject.related, &self.account),
                subject.data(),
                *is_private,
            ),
        }
    }

    /// Conversation webhook data with `"event": event_name` (automation `send_webhook_event`
    /// posts this with `automation_event.<name>`); None without a conversation.
    pub fn conversation_body(&self, event_name: &str) -> Option<Value> {
        match &self.subject {
            Subject::Conversation(subject) => {
                Some(webhook_data::with_event(subject.data(), event_name, None))
            }
            Subject::Contact { .. } => None,
        }
    }
}
