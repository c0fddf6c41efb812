//! What the benchmarks share: the API over a store whose round trips are counted, latency
//! percentiles, and counts from the environment.

use crate::TestApi;
use http::Method;
use shared::state::AppState;
use shared::store::{Capacity, CountingStore, Store};
use std::sync::Arc;
use std::time::Duration;

/// The whole API over an empty store (embedded, or DynamoDB and S3 from the environment when
/// `aws`) seen through a [`CountingStore`], and the counter. `adjust` changes the state first.
pub async fn counted_api(
    aws: bool,
    adjust: impl FnOnce(&mut AppState),
) -> (TestApi, CountingStore) {
    let (state, blobs, scratch) =
        crate::empty_state(aws, Arc::new(shared::clock::SystemClock)).await;
    let counter = CountingStore::new(state.store.clone());
    let mut state = AppState {
        store: Arc::new(counter.clone()),
        ..state
    };
    crate::adjust_keeping_clock(&mut state, adjust);
    (TestApi::over(Arc::new(state), blobs, scratch), counter)
}

/// How often a bench repeats each request, reads and writes apart.
#[derive(Clone, Copy)]
pub struct Repeats {
    pub read: usize,
    pub write: usize,
}

impl Repeats {
    pub fn of(&self, method: &Method) -> usize {
        if method == Method::GET {
            self.read
        } else {
            self.write
        }
    }
}

/// The most request units one request consumed, over the requests seen so far: DynamoDB's
/// answers counted by its store; nothing on the embedded store.
#[derive(Default)]
pub struct MostUnits(Option<Capacity>);

impl MostUnits {
    /// What the store has consumed so far: take it before a request, hand it to [`Self::after`].
    pub fn before(counter: &CountingStore) -> Option<Capacity> {
        counter.consumed()
    }

    pub fn after(&mut self, counter: &CountingStore, before: Option<Capacity>) {
        if let (Some(after), Some(before)) = (counter.consumed(), before) {
            let used = after.since(before);
            let most = self.0.unwrap_or_default();
            self.0 = Some(Capacity {
                read_units: most.read_units.max(used.read_units),
                write_units: most.write_units.max(used.write_units),
            });
        }
    }

    /// Read and write units as table cells ("-" where the store reports none).
    pub fn cells(&self) -> [String; 2] {
        match self.0 {
            Some(c) => [c.read_units.to_string(), c.write_units.to_string()],
            None => ["-".to_owned(), "-".to_owned()],
        }
    }
}

/// The `p` quantile (0..1) of sorted latencies, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1000.0
}

/// A count from the environment variable `name`, or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a count, not '{value}'")),
        Err(_) => default,
    }
}
