//! What became of each (event, target) pair: one record per delivery, next to the event in
//! the account partition. Handling an event again (a stream retry, a restarted local tail)
//! reads its records in one query and skips what is settled, so a target that succeeded is
//! not posted again and one that failed is retried only as far as its rounds allow.

use crate::outbox::EventRecord;
use crate::store::{from_item, to_item, Key, Query, WriteOp};
use crate::{error::AppResult, state::AppState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const DELIVERY_ENTITY: &str = "delivery";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Delivered,
    /// Failed so far; tried again when the event is handled again.
    Retrying,
    /// Given up (a permanent failure, or the rounds ran out).
    Failed,
}

impl DeliveryStatus {
    pub fn settled(self) -> bool {
        self != DeliveryStatus::Retrying
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "_et")]
    pub entity: String,
    pub event_id: String,
    pub event: String,
    /// The target's stable name (`webhook:12`, `api_inbox:3`, `agent_bot:5`, `automation`, …).
    pub target: String,
    /// The `X-Chatwoot-Delivery` id.
    pub delivery_id: String,
    pub status: DeliveryStatus,
    /// HTTP attempts made over all rounds.
    pub attempts: u32,
    /// Times the event was handled for this target.
    pub rounds: u32,
    pub response_status: Option<u16>,
    pub error: Option<String>,
    pub updated_at_ms: i64,
    /// Kept as long as the event.
    pub expires_at: i64,
}

fn prefix(event_id: &str) -> String {
    format!("DELIVERY#{event_id}#")
}

pub fn key(event: &EventRecord, target: &str) -> Key {
    Key::new(
        event.pk.clone(),
        format!("{}{target}", prefix(&event.event_id)),
    )
}

impl DeliveryRecord {
    /// A fresh record for `target`, not yet tried.
    pub fn new(event: &EventRecord, target: &str, delivery_id: String) -> Self {
        let key = key(event, target);
        DeliveryRecord {
            pk: key.pk,
            sk: key.sk,
            entity: DELIVERY_ENTITY.into(),
            event_id: event.event_id.clone(),
            event: event.name.clone(),
            target: target.into(),
            delivery_id,
            status: DeliveryStatus::Retrying,
            attempts: 0,
            rounds: 0,
            response_status: None,
            error: None,
            updated_at_ms: 0,
            expires_at: event.expires_at,
        }
    }

    pub fn write(&self) -> WriteOp {
        WriteOp::put(to_item(self))
    }
}

/// The event's delivery records by target: one query.
pub async fn of_event(
    state: &AppState,
    event: &EventRecord,
) -> AppResult<HashMap<String, DeliveryRecord>> {
    let items = crate::domain::query_all(
        state,
        Query::prefix(event.pk.clone(), prefix(&event.event_id)),
    )
    .await?;
    Ok(items
        .into_iter()
        .filter_map(|item| from_item::<DeliveryRecord>(item).ok())
        .map(|record| (record.target.clone(), record))
        .collect())
}
