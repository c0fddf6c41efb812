//! The dispatcher function: consumes the table's stream (see `template.yaml`).

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use shared::events::Dispatcher;
use shared::state::{AppState, Config};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = Config::from_env("http://127.0.0.1:3000");
    let poster = Arc::new(dispatcher::http::HttpPoster::from_config(&config));
    let state = AppState::for_function(config).await?;
    let dispatcher = Arc::new(Dispatcher::new(Arc::new(state), poster));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<dispatcher::StreamEvent>| {
            let dispatcher = dispatcher.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(
                    dispatcher::handle_batch(&dispatcher, event.payload).await,
                )
            }
        },
    ))
    .await
}
