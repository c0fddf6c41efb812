//! The dispatcher function: the table's DynamoDB stream in, deliveries out. Each stream
//! record that carries an outbox event is handed to [`Dispatcher::handle`]; records that
//! must be tried again are reported as batch item failures, so Lambda retries them (and
//! only them onward) while every other record of the batch counts as done.

pub mod http;

use serde::Deserialize;
use serde_json::{json, Value};
use shared::events::{Dispatcher, Handled};
use shared::outbox::{EventRecord, EVENT_ENTITY};

/// A DynamoDB stream event as Lambda delivers it (only what is read here).
#[derive(Debug, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    pub dynamodb: StreamChange,
}

#[derive(Debug, Deserialize)]
pub struct StreamChange {
    #[serde(rename = "SequenceNumber", default)]
    pub sequence_number: String,
    #[serde(rename = "NewImage")]
    pub new_image: Option<serde_dynamo::Item>,
}

impl StreamRecord {
    /// The outbox event this record inserted, if it is one (the event source mapping
    /// filters on it too; this keeps a mis-set filter harmless).
    pub fn event(&self) -> Option<Result<EventRecord, String>> {
        if self.event_name != "INSERT" {
            return None;
        }
        let image = self.dynamodb.new_image.clone()?;
        let item: serde_json::Map<String, Value> = match serde_dynamo::from_item(image) {
            Ok(item) => item,
            Err(e) => return Some(Err(e.to_string())),
        };
        if item.get("_et").and_then(Value::as_str) != Some(EVENT_ENTITY) {
            return None;
        }
        Some(serde_json::from_value(Value::Object(item)).map_err(|e| e.to_string()))
    }
}

/// Handles a batch; answers Lambda's partial batch response
/// (`{"batchItemFailures":[{"itemIdentifier": <sequence number>}]}`).
pub async fn handle_batch(dispatcher: &Dispatcher, event: StreamEvent) -> Value {
    let mut failures = Vec::new();
    for record in &event.records {
        let Some(parsed) = record.event() else {
            continue;
        };
        let retry = match parsed {
            // A record that cannot be read will not read better later: log and drop it.
            Err(e) => {
                tracing::error!(error = %e, "stream record is not an outbox event");
                false
            }
            Ok(event) => match dispatcher.handle(&event).await {
                Ok(Handled::Done) => false,
                Ok(Handled::RetryLater) => true,
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.name, "event not handled");
                    true
                }
            },
        };
        if retry {
            failures.push(json!({"itemIdentifier": record.dynamodb.sequence_number}));
        }
    }
    json!({"batchItemFailures": failures})
}
