//! The event outbox. A state change that Chatwoot turns into a webhook, agent-bot call,
//! automation run or reporting fact writes one [`EventRecord`] in the same transaction as
//! the change, so the event exists exactly when the change does. Delivery reads the records
//! (the table's stream in AWS, a tail of the outbox locally) in a later stage.

use crate::keys;
use crate::store::{to_item, WriteOp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long delivered-or-not event records stay readable (the stream keeps 24 h).
const RETENTION_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// Always `"event"`: lets stream consumers tell outbox records from other items.
    #[serde(rename = "_et")]
    pub entity: String,
    /// Time-ordered, unique: the delivery id.
    pub event_id: String,
    pub account_id: i64,
    /// Chatwoot's event name, e.g. `conversation_created`, `account_created`.
    pub name: String,
    /// What the event is about, rendered when the change was made.
    pub payload: Value,
    pub created_at_ms: i64,
    /// The automation rule whose action caused this change: such events do not run rules
    /// again (Chatwoot's loop prevention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_rule_id: Option<i64>,
    /// The table's TTL attribute ([`crate::store::EXPIRES_AT`]).
    pub expires_at: i64,
}

tokio::task_local! {
    static AUTOMATION_RULE: i64;
}

/// Runs `work` as automation rule `rule_id`: every event recorded inside carries the rule's
/// id, so the change it made does not trigger rules again.
pub async fn as_automation_rule<F: std::future::Future>(rule_id: i64, work: F) -> F::Output {
    AUTOMATION_RULE.scope(rule_id, work).await
}

pub const EVENT_ENTITY: &str = "event";

/// The event an automation rule's `send_webhook_event` action records: written by the rule's
/// actions, addressed and rendered by the dispatcher's targets and payloads.
pub const AUTOMATION_WEBHOOK: &str = "automation_webhook";

impl EventRecord {
    pub fn new(account_id: i64, name: &str, payload: Value, now_ms: i64) -> Self {
        let event_id = crate::ids::ulid();
        let key = keys::account_event(account_id, &event_id);
        EventRecord {
            pk: key.pk,
            sk: key.sk,
            entity: EVENT_ENTITY.into(),
            event_id,
            account_id,
            name: name.into(),
            payload,
            created_at_ms: now_ms,
            automation_rule_id: AUTOMATION_RULE.try_with(|id| *id).ok(),
            expires_at: now_ms / 1000 + RETENTION_SECONDS,
        }
    }

    /// The write that records this event; goes into the same transaction as the change.
    pub fn write(&self) -> WriteOp {
        WriteOp::create(to_item(self))
    }
}
