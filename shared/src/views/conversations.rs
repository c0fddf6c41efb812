//! Chatwoot's conversation JSON (`api/v1/conversations/partials/_conversation.json.jbuilder`),
//! message JSON (`messages/index`/`create`) and the message "push" format conversations embed.

use crate::clock::iso_millis;
use crate::domain::conversations::related::Related;
use crate::model::conversation::{Attachment, Conversation, Message, Sender};
use crate::model::AgentBot;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What rendering needs besides the records: related records and signed attachment URLs.
pub struct Context<'a> {
    pub related: &'a Related,
    /// Attachment id → signed URL.
    pub urls: &'a HashMap<i64, String>,
}

/// Epoch seconds of an optional time, `0` when unset (Rails' `nil.to_i`).
pub fn seconds(ms: Option<i64>) -> Value {
    json!(ms.map_or(0, |ms| ms / 1000))
}

/// The slim agent-bot JSON conversation meta and assignment answers show.
pub fn bot_slim(bot: &AgentBot, thumbnail: &str) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(bot.id));
    map.insert("name".into(), json!(bot.name));
    map.insert("description".into(), json!(bot.description));
    map.insert("thumbnail".into(), json!(thumbnail));
    if bot.account_id.is_some() {
        map.insert("outgoing_url".into(), json!(bot.outgoing_url));
    }
    map.insert("bot_type".into(), json!(bot.bot_type));
    Value::Object(map)
}

/// A message sender's push data, if the sender still exists.
pub fn sender(sender: Option<Sender>, context: &Context) -> Option<Value> {
    let related = context.related;
    match sender? {
        Sender::User(id) => related
            .agents
            .get(&id)
            .map(|(agent, thumbnail)| super::user_push(agent, thumbnail)),
        Sender::Contact(id) => related
            .contacts
            .get(&id)
            .map(|(contact, thumbnail)| super::contacts::push(contact, thumbnail)),
        Sender::AgentBot(id) => related.bots.get(&id).map(|(bot, thumbnail)| {
            json!({"id": bot.id, "name": bot.name, "avatar_url": thumbnail, "type": "agent_bot"})
        }),
    }
}

fn attachment(a: &Attachment, message: &Message, context: &Context) -> Value {
    let url = context.urls.get(&a.id).cloned().unwrap_or_default();
    let thumb = if a.file_type == "image" {
        url.clone()
    } else {
        String::new()
    };
    json!({
        "id": a.id,
        "message_id": message.id,
        "file_type": a.file_type,
        "account_id": message.account_id,
        "extension": a.extension,
        "data_url": url,
        "thumb_url": thumb,
        "file_size": a.file_size,
        "width": null,
        "height": null,
    })
}

/// The attachments' push data; `None` when the message has none (the key is then absent).
pub fn attachments(message: &Message, context: &Context) -> Option<Value> {
    (!message.attachments.is_empty()).then(|| {
        Value::Array(
            message
                .attachments
                .iter()
                .map(|a| attachment(a, message, context))
                .collect(),
        )
    })
}

/// The message JSON of the messages endpoints. `echo_id` is shown when the request sent one.
pub fn message(message: &Message, echo_id: Option<&str>, context: &Context) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(message.id));
    map.insert("content".into(), json!(message.content));
    map.insert("inbox_id".into(), json!(message.inbox_id));
    if let Some(echo) = echo_id {
        map.insert("echo_id".into(), json!(echo));
    }
    map.insert("conversation_id".into(), json!(message.conversation_id));
    map.insert("message_type".into(), json!(message.message_type));
    map.insert("content_type".into(), json!(message.content_type));
    map.insert("status".into(), json!(message.status));
    map.insert(
        "content_attributes".into(),
        json!(message.content_attributes),
    );
    map.insert("created_at".into(), json!(message.created_at_ms / 1000));
    map.insert("private".into(), json!(message.private));
    map.insert("source_id".into(), json!(message.source_id));
    if let Some(sender) = sender(message.sender, context) {
        map.insert("sender".into(), sender);
    }
    if let Some(files) = attachments(message, context) {
        map.insert("attachments".into(), files);
    }
    Value::Object(map)
}

/// `Message#push_event_data`: every column plus the conversation summary and the sender.
pub fn push_message(message: &Message, conversation: &Conversation, context: &Context) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(message.id));
    map.insert("content".into(), json!(message.content));
    map.insert("account_id".into(), json!(message.account_id));
    map.insert("inbox_id".into(), json!(message.inbox_id));
    map.insert("conversation_id".into(), json!(message.conversation_id));
    map.insert("message_type".into(), json!(message.message_type));
    map.insert("created_at".into(), json!(message.created_at_ms / 1000));
    map.insert(
        "updated_at".into(),
        json!(iso_millis(message.updated_at_ms)),
    );
    map.insert("private".into(), json!(message.private));
    map.insert("status".into(), json!(message.status));
    map.insert("source_id".into(), json!(message.source_id));
    map.insert("content_type".into(), json!(message.content_type));
    map.insert(
        "content_attributes".into(),
        json!(message.content_attributes),
    );
    map.insert(
        "sender_type".into(),
        json!(message.sender.map(Sender::type_name)),
    );
    map.insert("sender_id".into(), json!(message.sender.map(Sender::id)));
    map.insert("external_source_ids".into(), json!({}));
    map.insert(
        "additional_attributes".into(),
        json!(message.additional_attributes),
    );
    map.insert("processed_message_content".into(), json!(message.content));
    map.insert("sentiment".into(), json!({}));
    map.insert(
        "conversation".into(),
        json!({
            "assignee_id": conversation.assignee_id,
            "unread_count": conversation.unread_count.min(10),
            "last_activity_at": conversation.last_activity_at_ms / 1000,
            "contact_inbox": {"source_id": conversation.source_id},
        }),
    );
    if let Some(sender) = sender(message.sender, context) {
        map.insert("sender".into(), sender);
    }
    if let Some(files) = attachments(message, context) {
        map.insert("attachments".into(), files);
    }
    Value::Object(map)
}

/// The conversation JSON every conversation endpoint answers with.
pub fn conversation(c: &Conversation, context: &Context) -> Value {
    let related = context.related;
    let contact = related.contacts.get(&c.contact_id);
    let mut meta = Map::new();
    meta.insert(
        "sender".into(),
        contact.map_or(json!({}), |(contact, thumbnail)| {
            let mut sender = super::contacts::contact(contact, thumbnail);
            sender.insert("type".into(), json!("contact"));
            Value::Object(sender)
        }),
    );
    meta.insert("channel".into(), json!(c.channel_type));
    if let Some((agent, thumbnail)) = c.assignee_id.and_then(|id| related.agents.get(&id)) {
        meta.insert("assignee".into(), super::agent(agent, thumbnail));
        meta.insert("assignee_type".into(), json!("User"));
    } else if let Some((bot, thumbnail)) =
        c.assignee_agent_bot_id.and_then(|id| related.bots.get(&id))
    {
        meta.insert("assignee".into(), bot_slim(bot, thumbnail));
        meta.insert("assignee_type".into(), json!("AgentBot"));
    }
    if let Some(team) = c.team_id.and_then(|id| related.teams.get(&id)) {
        meta.insert("team".into(), super::teams::team_payload(team));
    }
    meta.insert("hmac_verified".into(), json!(c.hmac_verified));
    let push = |m: &Message| push_message(m, c, context);
    json!({
        "meta": meta,
        "id": c.display_id,
        "messages": c.last_message.iter().map(push).collect::<Vec<_>>(),
        "account_id": c.account_id,
        "uuid": c.uuid,
        "additional_attributes": c.additional_attributes,
        "agent_last_seen_at": seconds(c.agent_last_seen_at_ms),
        "assignee_last_seen_at": seconds(c.assignee_last_seen_at_ms),
        "can_reply": true,
        "contact_last_seen_at": seconds(c.contact_last_seen_at_ms),
        "custom_attributes": c.custom_attributes,
        "inbox_id": c.inbox_id,
        "labels": c.labels,
        "muted": contact.is_some_and(|(contact, _)| contact.blocked),
        "snoozed_until": c.snoozed_until_ms.map(iso_millis),
        "status": c.status.as_str(),
        "created_at": c.created_at_ms / 1000,
        "updated_at": c.updated_at_ms as f64 / 1000.0,
        "timestamp": c.last_activity_at_ms / 1000,
        "first_reply_created_at": seconds(c.first_reply_created_at_ms),
        "unread_count": c.unread_count.min(10),
        "last_non_activity_message": c.last_non_activity_message.as_ref().map(push),
        "last_activity_at": c.last_activity_at_ms / 1000,
        "priority": c.priority,
        "waiting_since": seconds(c.waiting_since_ms),
        "sla_policy_id": null,
    })
}

/// One result of `GET /conversations/search`: the conversation in brief with the messages
/// that matched.
pub fn search_result(
    c: &Conversation,
    messages: &[Message],
    related: &Related,
    inbox: Option<&crate::model::inbox::Inbox>,
) -> Value {
    let contact = related.contacts.get(&c.contact_id);
    let sender_name = |m: &Message| match m.sender {
        Some(Sender::User(id)) => related.agents.get(&id).map(|(a, _)| a.user.name.clone()),
        Some(Sender::Contact(id)) => related.contacts.get(&id).map(|(c, _)| c.name.clone()),
        Some(Sender::AgentBot(id)) => related.bots.get(&id).and_then(|(b, _)| b.name.clone()),
        None => None,
    };
    json!({
        "id": c.display_id,
        "uuid": c.uuid,
        "created_at": c.created_at_ms / 1000,
        "contact": contact.map(|(contact, _)| json!({"id": contact.id, "name": contact.name})),
        "inbox": inbox.map(|i| json!({"id": i.id, "name": i.name, "channel_type": i.channel.channel_type()})),
        "messages": messages.iter().map(|m| json!({
            "content": m.content,
            "id": m.id,
            "sender_name": sender_name(m),
            "message_type": m.message_type,
            "created_at": m.created_at_ms / 1000,
        })).collect::<Vec<_>>(),
        "account_id": c.account_id,
    })
}
