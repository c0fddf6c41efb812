//! The local server's stand-in for the stream: a tail of the embedded store's change log.
//! Entries are handled in commit order and removed once settled; an entry to retry stays in
//! the log (so a restart picks it up again) and is tried again after a growing pause.

use shared::events::{Dispatcher, Handled};
use shared::outbox::EventRecord;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store_embedded::EmbeddedStore;
use tokio::time::Instant;

const BATCH: usize = 100;
const FIRST_PAUSE: Duration = Duration::from_secs(5);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

/// Runs until the task is dropped.
pub async fn tail(dispatcher: Arc<Dispatcher>, log: EmbeddedStore) {
    // Entries waiting for a retry: when they are due, and the pause that got them there.
    let mut waiting: HashMap<u64, (Instant, Duration)> = HashMap::new();
    loop {
        let entries = match log.changes_after(0, BATCH).await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(error = %e, "change log unreadable");
                Vec::new()
            }
        };
        let now = Instant::now();
        let mut progressed = false;
        for (seq, item) in entries {
            if waiting.get(&seq).is_some_and(|(due, _)| *due > now) {
                continue;
            }
            let outcome = match serde_json::from_value::<EventRecord>(item.into()) {
                Ok(event) => dispatcher.handle(&event).await,
                Err(e) => {
                    tracing::error!(error = %e, "change log entry is not an outbox event");
                    Ok(Handled::Done)
                }
            };
            match outcome {
                Ok(Handled::Done) => {
                    waiting.remove(&seq);
                    if let Err(e) = log.acknowledge(seq).await {
                        tracing::warn!(error = %e, "change log entry not removed");
                    }
                    progressed = true;
                }
                other => {
                    if let Err(e) = other {
                        tracing::warn!(error = %e, "event not handled");
                    }
                    let pause = waiting
                        .get(&seq)
                        .map_or(FIRST_PAUSE, |(_, pause)| (*pause * 2).min(LONGEST_PAUSE));
                    waiting.insert(seq, (Instant::now() + pause, pause));
                }
            }
        }
        if progressed {
            continue;
        }
        match waiting.values().map(|(due, _)| *due).min() {
            Some(due) => {
                tokio::select! {
                    _ = log.changed() => {}
                    _ = tokio::time::sleep_until(due) => {}
                }
            }
            None => log.changed().await,
        }
    }
}
