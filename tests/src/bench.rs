//! What the benchmarks share: the API over a store whose round trips are counted, latency
//! percentiles, and counts from the environment.

use crate::TestApi;
use shared::state::AppState;
use shared::store::CountingStore;
use std::sync::Arc;
use std::time::Duration;

/// The whole API over an empty store (embedded, or DynamoDB and S3 from the environment when
/// `aws`) seen through a [`CountingStore`], and the counter. `adjust` changes the state first.
pub async fn counted_api(
    aws: bool,
    adjust: impl FnOnce(&mut AppState),
) -> (TestApi, CountingStore) {
    let (state, blobs, scratch) = crate::empty_state(aws).await;
    let counter = CountingStore::new(state.store.clone());
    let mut state = AppState {
        store: Arc::new(counter.clone()),
        ..state
    };
    adjust(&mut state);
    (TestApi::over(Arc::new(state), blobs, scratch), counter)
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
