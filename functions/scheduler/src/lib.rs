//! The scheduler function: invoked every minute by an EventBridge schedule (see
//! `template.yaml`), it runs the one-off campaigns whose time has come. The local server runs
//! the same job on a timer ([`every`]). A run is safe to repeat or to overlap with another:
//! each campaign is claimed before it is sent (see `shared::domain::campaigns::oneoff`).

use serde_json::{json, Value};
use shared::domain::campaigns::oneoff;
use shared::{AppResult, AppState};
use std::sync::Arc;
use std::time::Duration;

/// One run; answers what it did (the Lambda's result, also logged).
pub async fn run(state: &AppState) -> AppResult<Value> {
    let report = oneoff::run_due(state).await?;
    if report.campaigns > 0 {
        tracing::info!(
            campaigns = report.campaigns,
            conversations = report.conversations,
            "one-off campaigns sent"
        );
    }
    Ok(json!({
        "campaigns": report.campaigns,
        "conversations": report.conversations,
    }))
}

/// Runs the job every `period` until the task is dropped (the local server's schedule).
pub async fn every(state: Arc<AppState>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        if let Err(e) = run(&state).await {
            tracing::warn!(error = %e, "scheduled run failed");
        }
    }
}
