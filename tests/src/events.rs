//! Driving the event dispatcher and the scheduler from tests, each through its IAM role: the
//! outbox records a request wrote, handled by the real dispatcher with the real HTTP adapter
//! (loopback allowed: receivers listen there); a scheduler tick.

use crate::iam::guarded;
use crate::template::Lambda;
use dispatcher::http::HttpPoster;
use serde_json::Value;
use shared::events::delivery::RetryPolicy;
use shared::events::{Dispatcher, Handled};
use shared::outbox::EventRecord;
use shared::store::{from_item, Query};
use shared::{AppResult, AppState};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A dispatcher over `state` through the dispatcher's IAM role, whose retries wait
/// milliseconds, not seconds.
pub fn dispatcher(state: Arc<AppState>) -> Dispatcher {
    let poster = Arc::new(HttpPoster::new(true, Duration::from_secs(5)));
    Dispatcher {
        retry: RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(10),
            rounds: 2,
        },
        ..Dispatcher::new(guarded(&state, Lambda::Dispatcher), poster)
    }
}

/// One scheduler run (a tick) over `state` through the scheduler's IAM role.
pub async fn run_scheduler(state: &AppState) -> AppResult<Value> {
    scheduler::run(&guarded(state, Lambda::Scheduler)).await
}

/// The account's outbox records, oldest first.
pub async fn outbox(state: &AppState, account_id: i64) -> Vec<EventRecord> {
    let prefix = shared::keys::account_event(account_id, "");
    let items = shared::domain::query_all(state, Query::prefix(prefix.pk, prefix.sk))
        .await
        .expect("outbox readable");
    items
        .into_iter()
        .map(|item| from_item(item).expect("an event record"))
        .collect()
}

/// Handles every event of the account not in `seen` (handled before: the stream hands each
/// record over once), and the events those produce (automation actions), until none is left;
/// returns the events handled.
pub async fn dispatch_all(
    dispatcher: &Dispatcher,
    account_id: i64,
    seen: &Mutex<HashSet<String>>,
) -> Vec<EventRecord> {
    let mut handled = Vec::new();
    loop {
        let fresh: Vec<EventRecord> = outbox(&dispatcher.state, account_id)
            .await
            .into_iter()
            .filter(|event| seen.lock().unwrap().insert(event.event_id.clone()))
            .collect();
        if fresh.is_empty() {
            return handled;
        }
        for event in fresh {
            // An event left to retry is handled again, as the stream would, until its
            // targets are delivered or given up.
            let mut rounds = 0;
            while dispatcher.handle(&event).await.expect("event handled") == Handled::RetryLater {
                rounds += 1;
                assert!(rounds < 10, "{} never settles", event.name);
            }
            handled.push(event);
        }
    }
}

/// Everything DynamoDB Local's stream of `table` holds, as the event Lambda would hand the
/// dispatcher (`{"Records":[{"eventName", "dynamodb": {"SequenceNumber", "NewImage"}}]}`).
pub async fn stream_event(table: &str) -> serde_json::Value {
    use aws_sdk_dynamodbstreams::types::ShardIteratorType;
    let sdk = aws_config::load_from_env().await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let listed = streams
        .list_streams()
        .table_name(table)
        .send()
        .await
        .expect("streams listed");
    let arn = listed
        .streams()
        .first()
        .and_then(|s| s.stream_arn())
        .expect("the table has a stream")
        .to_owned();
    let description = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("stream described");
    let shards = description
        .stream_description()
        .map(|d| d.shards().to_vec())
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id().unwrap_or_default())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("shard iterator")
            .shard_iterator;
        while let Some(current) = iterator.take() {
            let page = streams
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .expect("records");
            if page.records().is_empty() {
                break;
            }
            for record in page.records() {
                let change = record.dynamodb().expect("a change");
                let image = change.new_image().cloned().map(serde_dynamo::Item::from);
                records.push(serde_json::json!({
                    "eventName": record.event_name().map(|n| n.as_str()).unwrap_or_default(),
                    "dynamodb": {
                        "SequenceNumber": change.sequence_number().unwrap_or_default(),
                        "NewImage": image,
                    },
                }));
            }
            iterator = page.next_shard_iterator().map(str::to_owned);
        }
    }
    serde_json::json!({ "Records": records })
}
