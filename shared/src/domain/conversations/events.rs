//! The outbox records of a conversation change. Chatwoot's webhook-facing conversation events
//! (`conversation_status_changed`, `conversation_opened`, `conversation_resolved`,
//! `conversation_updated` with its `changed_attributes`) are derived here from the state
//! before and after the save, so no action can forget one; the internal facts an action
//! knows of (`assignee_changed`, `first_reply_created`, …) come from its [`Effects`].
//!
//! Every record carries the conversation as saved, and message events the message, so a
//! consumer renders what the change produced without reading state that may have moved on.

use super::change::Effects;
use crate::clock::iso_millis;
use crate::model::conversation::{Conversation, Message, Status};
use crate::outbox::EventRecord;
use crate::store::WriteOp;
use serde_json::{json, Map, Value};

/// Chatwoot's `conversation_updated` fires only when one of these changed.
fn watched(conversation: &Conversation) -> [(&'static str, Value); 10] {
    let time = |ms: Option<i64>| ms.map(iso_millis);
    let c = conversation;
    [
        ("team_id", json!(c.team_id)),
        ("assignee_id", json!(c.assignee_id)),
        ("assignee_agent_bot_id", json!(c.assignee_agent_bot_id)),
        ("status", json!(c.status.as_str())),
        ("snoozed_until", json!(time(c.snoozed_until_ms))),
        ("custom_attributes", json!(c.custom_attributes)),
        ("label_list", json!(c.labels)),
        ("waiting_since", json!(time(c.waiting_since_ms))),
        (
            "first_reply_created_at",
            json!(time(c.first_reply_created_at_ms)),
        ),
        ("priority", json!(c.priority)),
    ]
}

fn language(conversation: &Conversation) -> Option<&Value> {
    conversation
        .additional_attributes
        .get("conversation_language")
}

/// One element of Chatwoot's `changed_attributes`: `{name: {previous_value, current_value}}`.
pub fn change(name: &str, previous: Value, current: Value) -> Value {
    json!({ name: {"previous_value": previous, "current_value": current} })
}

/// The events a save from `before` to `after` implies, in Chatwoot's order: status change
/// (with `conversation_opened` / `conversation_resolved`), then `conversation_updated`.
pub fn derived(before: &Conversation, after: &Conversation) -> Vec<(&'static str, Value)> {
    let mut events = Vec::new();
    if before.status != after.status {
        events.push((
            "conversation_status_changed",
            json!({"changed_attributes": [change(
                "status",
                json!(before.status.as_str()),
                json!(after.status.as_str()),
            )]}),
        ));
        match after.status {
            Status::Open => events.push(("conversation_opened", json!({}))),
            Status::Resolved => events.push(("conversation_resolved", json!({}))),
            _ => {}
        }
    }
    let mut changed: Vec<Value> = watched(before)
        .into_iter()
        .zip(watched(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((name, old), (_, new))| change(name, old, new))
        .collect();
    if language(before) != language(after) {
        changed.push(change(
            "additional_attributes",
            json!(before.additional_attributes),
            json!(after.additional_attributes),
        ));
    }
    if !changed.is_empty() {
        changed.push(change(
            "updated_at",
            json!(iso_millis(before.updated_at_ms)),
            json!(iso_millis(after.updated_at_ms)),
        ));
        events.push((
            "conversation_updated",
            json!({"changed_attributes": changed}),
        ));
    }
    events
}

/// The outbox writes of a save: each event of `effects` with the conversation as saved and,
/// for message events, the message it names.
pub fn writes(conversation: &Conversation, effects: &Effects, now_ms: i64) -> Vec<WriteOp> {
    let messages = || effects.messages.iter().chain(&effects.replaced);
    effects
        .events
        .iter()
        .map(|(name, payload)| {
            let mut payload = match payload {
                Value::Object(map) => map.clone(),
                _ => Map::new(),
            };
            let message_id = payload.get("message_id").and_then(Value::as_i64);
            if let Some(message) = message_id.and_then(|id| messages().find(|m| m.id == id)) {
                payload.insert("message".into(), snapshot(message));
            }
            record(conversation, name, payload, now_ms).write()
        })
        .collect()
}

/// One event about `conversation` (its display id, inbox and saved state added).
pub fn record(
    conversation: &Conversation,
    name: &str,
    mut payload: Map<String, Value>,
    now_ms: i64,
) -> EventRecord {
    payload.insert("conversation_id".into(), json!(conversation.display_id));
    payload.insert("inbox_id".into(), json!(conversation.inbox_id));
    payload.insert("conversation".into(), snapshot(conversation));
    EventRecord::new(
        conversation.account_id,
        name,
        Value::Object(payload),
        now_ms,
    )
}

fn snapshot<T: serde::Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// The saved conversation of an event record, if it carries one.
pub fn conversation_of(event: &EventRecord) -> Option<Conversation> {
    serde_json::from_value(event.payload.get("conversation")?.clone()).ok()
}

/// The message of a message event record, if it carries one.
pub fn message_of(event: &EventRecord) -> Option<Message> {
    serde_json::from_value(event.payload.get("message")?.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> Conversation {
        serde_json::from_value(json!({
            "id": 1, "display_id": 7, "account_id": 1, "inbox_id": 2,
            "channel_type": "Channel::Api", "contact_id": 3, "source_id": "s",
            "hmac_verified": false, "uuid": "u", "status": "open", "priority": null,
            "assignee_id": null, "assignee_agent_bot_id": null, "team_id": null,
            "campaign_id": null, "snoozed_until_ms": null, "additional_attributes": {},
            "custom_attributes": {}, "labels": [], "agent_last_seen_at_ms": null,
            "assignee_last_seen_at_ms": null, "contact_last_seen_at_ms": null,
            "first_reply_created_at_ms": null, "waiting_since_ms": null,
            "last_activity_at_ms": 0, "unread_count": 0, "last_incoming_at_ms": null,
            "human_replies": 0, "last_message": null, "last_non_activity_message": null,
            "created_at_ms": 0, "updated_at_ms": 0
        }))
        .unwrap()
    }

    #[test]
    fn resolving_reports_the_status_change_and_the_update() {
        let before = conversation();
        let mut after = before.clone();
        after.status = Status::Resolved;
        after.updated_at_ms = 1000;
        let events = derived(&before, &after);
        let names: Vec<_> = events.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "conversation_status_changed",
                "conversation_resolved",
                "conversation_updated"
            ]
        );
        assert_eq!(
            events[0].1["changed_attributes"],
            json!([{"status": {"previous_value": "open", "current_value": "resolved"}}])
        );
        assert_eq!(
            events[2].1["changed_attributes"][0],
            json!({"status": {"previous_value": "open", "current_value": "resolved"}})
        );
    }

    #[test]
    fn unwatched_changes_are_not_updates() {
        let before = conversation();
        let mut after = before.clone();
        after.unread_count = 4;
        after.agent_last_seen_at_ms = Some(5);
        assert!(derived(&before, &after).is_empty());
        after.labels = vec!["vip".into()];
        after
            .additional_attributes
            .insert("conversation_language".into(), json!("de"));
        let events = derived(&before, &after);
        let changed = events[0].1["changed_attributes"].as_array().unwrap();
        let keys: Vec<_> = changed
            .iter()
            .flat_map(|c| c.as_object().unwrap().keys().cloned())
            .collect();
        assert_eq!(keys, ["label_list", "additional_attributes", "updated_at"]);
    }
}
