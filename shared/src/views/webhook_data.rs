//! Chatwoot's webhook and agent-bot bodies: the `webhook_data` of conversations (their push
//! data), messages, contacts, users and bots, merged with the event's name.

use super::conversations::{self as conversation_views, seconds, Context};
use crate::clock::iso_millis;
use crate::domain::conversations::related::Related;
use crate::model::contact::{Contact, ContactInbox};
use crate::model::conversation::{Conversation, Message, MessageType, Sender};
use crate::model::inbox::{Channel, Inbox};
use crate::model::Account;
use serde_json::{json, Map, Value};

/// `Account#webhook_data`.
pub fn account(account: &Account) -> Value {
    json!({"id": account.id, "name": account.name})
}

/// `Inbox#webhook_data`.
pub fn inbox(inbox: &Inbox) -> Value {
    json!({"id": inbox.id, "name": inbox.name})
}

/// `Contact#webhook_data` (contact events, contact senders and typists).
pub fn contact(contact: &Contact, thumbnail: &str, account: &Account) -> Value {
    json!({
        "account": self::account(account),
        "additional_attributes": contact.additional_attributes,
        "avatar": thumbnail,
        "custom_attributes": contact.custom_attributes,
        "email": contact.email,
        "id": contact.id,
        "identifier": contact.identifier,
        "name": contact.name,
        "phone_number": contact.phone_number,
        "thumbnail": thumbnail,
        "blocked": contact.blocked,
    })
}

/// The `webhook_data` of a message sender or a typist, by type; `None` when it is gone.
pub fn person(sender: Sender, related: &Related, account: &Account) -> Option<Value> {
    match sender {
        Sender::User(id) => related.agents.get(&id).map(|(agent, _)| {
            let user = &agent.user;
            json!({"id": user.id, "name": user.name, "email": user.email, "type": "user"})
        }),
        Sender::AgentBot(id) => related
            .bots
            .get(&id)
            .map(|(bot, _)| json!({"id": bot.id, "name": bot.name, "type": "agent_bot"})),
        Sender::Contact(id) => related
            .contacts
            .get(&id)
            .map(|(found, thumbnail)| contact(found, thumbnail, account)),
    }
}

/// The conversation's `ContactInbox` as Rails serialises the row (every column). The link
/// keeps no update time: its creation time stands in for `updated_at`.
pub fn contact_inbox_row(link: &ContactInbox) -> Value {
    json!({
        "id": link.id,
        "contact_id": link.contact_id,
        "inbox_id": link.inbox_id,
        "source_id": link.source_id,
        "hmac_verified": link.hmac_verified,
        "pubsub_token": link.pubsub_token,
        "created_at": iso_millis(link.created_at_ms),
        "updated_at": iso_millis(link.created_at_ms),
    })
}

/// `Conversation#webhook_data` (its push data): `last_chat` is the latest message neither
/// private nor an activity, `contact_inbox` the conversation's link.
pub fn conversation(
    c: &Conversation,
    contact_inbox: Option<&ContactInbox>,
    last_chat: Option<&Message>,
    context: &Context,
) -> Value {
    let related = context.related;
    let assignee = c
        .assignee_id
        .map(Sender::User)
        .or(c.assignee_agent_bot_id.map(Sender::AgentBot));
    let meta = json!({
        "sender": related
            .contacts
            .get(&c.contact_id)
            .map(|(contact, thumbnail)| super::contacts::push(contact, thumbnail)),
        "assignee": conversation_views::sender(assignee, context),
        "team": c
            .team_id
            .and_then(|id| related.teams.get(&id))
            .map(|team| json!({"id": team.id, "name": team.name})),
        "hmac_verified": contact_inbox.map(|link| link.hmac_verified),
    });
    let messages: Vec<Value> = last_chat
        .map(|m| conversation_views::push_message(m, c, context))
        .into_iter()
        .collect();
    json!({
        "additional_attributes": c.additional_attributes,
        "can_reply": true,
        "channel": c.channel_type,
        "contact_inbox": contact_inbox.map(contact_inbox_row),
        "id": c.display_id,
        "inbox_id": c.inbox_id,
        "messages": messages,
        "labels": c.labels,
        "meta": meta,
        "status": c.status.as_str(),
        "custom_attributes": c.custom_attributes,
        "snoozed_until": c.snoozed_until_ms.map(iso_millis),
        "unread_count": c.unread_count.min(10),
        "first_reply_created_at": c.first_reply_created_at_ms.map(iso_millis),
        "priority": c.priority,
        "waiting_since": seconds(c.waiting_since_ms),
        "agent_last_seen_at": seconds(c.agent_last_seen_at_ms),
        "contact_last_seen_at": seconds(c.contact_last_seen_at_ms),
        "last_activity_at": c.last_activity_at_ms / 1000,
        "timestamp": c.last_activity_at_ms / 1000,
        "created_at": c.created_at_ms / 1000,
        "updated_at": c.updated_at_ms as f64 / 1000.0,
    })
}

/// Whether Chatwoot posts events of this message (`webhook_sendable?`): incoming, outgoing
/// and template messages, private notes included; never activities.
pub fn is_sendable(message: &Message) -> bool {
    matches!(
        message.kind(),
        Some(MessageType::Incoming | MessageType::Outgoing | MessageType::Template)
    )
}

/// The content a message goes out with (`MessageContentPresenter#outgoing_content`): a
/// CSAT survey outside the web widget carries the survey link instead of the question.
pub fn outgoing_content(
    message: &Message,
    conversation: &Conversation,
    inbox: &Inbox,
    frontend_url: &str,
) -> Option<String> {
    let survey = message.content_type == crate::domain::conversations::survey::CONTENT_TYPE
        && !matches!(inbox.channel, Channel::WebWidget(_));
    if !survey {
        return message.content.clone();
    }
    let link = format!("{frontend_url}/survey/responses/{}", conversation.uuid);
    let custom = inbox.csat_config.get("message").and_then(Value::as_str);
    Some(match custom.filter(|text| !text.trim().is_empty()) {
        Some(text) => format!("{text} {link}"),
        None => format!("Please rate this conversation, {link}"),
    })
}

/// Who and where a message webhook body is about, besides the message.
pub struct MessageScope<'a> {
    pub account: &'a Account,
    pub inbox: &'a Inbox,
    /// The conversation's webhook data.
    pub conversation: Value,
    pub content: Option<String>,
    pub context: &'a Context<'a>,
}

/// `Message#webhook_data`.
pub fn message(m: &Message, scope: MessageScope) -> Value {
    let mut map = Map::new();
    map.insert("account".into(), account(scope.account));
    map.insert(
        "additional_attributes".into(),
        json!(m.additional_attributes),
    );
    map.insert("content_attributes".into(), json!(m.content_attributes));
    map.insert("content_type".into(), json!(m.content_type));
    map.insert("content".into(), json!(scope.content));
    map.insert("conversation".into(), scope.conversation);
    map.insert("created_at".into(), json!(iso_millis(m.created_at_ms)));
    map.insert("id".into(), json!(m.id));
    map.insert("inbox".into(), inbox(scope.inbox));
    map.insert(
        "message_type".into(),
        json!(m.kind().map(MessageType::as_str)),
    );
    map.insert("private".into(), json!(m.private));
    map.insert(
        "sender".into(),
        json!(m
            .sender
            .and_then(|s| person(s, scope.context.related, scope.account))),
    );
    map.insert("source_id".into(), json!(m.source_id));
    if let Some(files) = conversation_views::attachments(m, scope.context) {
        map.insert("attachments".into(), files);
    }
    Value::Object(map)
}

/// The typing events' body.
pub fn typing(event: &str, user: Option<Value>, conversation: Value, is_private: bool) -> Value {
    json!({
        "event": event,
        "user": user,
        "conversation": conversation,
        "is_private": is_private,
    })
}

/// An entity's webhook data as a body: merged with `"event"`, and `changed_attributes`
/// when the event has them.
pub fn with_event(mut data: Value, event: &str, changed_attributes: Option<&Value>) -> Value {
    if let Value::Object(map) = &mut data {
        map.insert("event".into(), json!(event));
        if let Some(changed) = changed_attributes {
            map.insert("changed_attributes".into(), changed.clone());
        }
    }
    data
}
