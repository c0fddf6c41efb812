//! The scheduler function: an EventBridge schedule's target (see `template.yaml`).

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use shared::state::{AppState, Config};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = Config::from_env("http://127.0.0.1:3000");
    let state = Arc::new(AppState::for_function(config).await?);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        // A failed run is reported to Lambda, which retries the invocation; runs are safe to
        // repeat.
        async move {
            scheduler::run(&state)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
