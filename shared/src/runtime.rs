//! The Lambda entry point every function binary shares: state built once per cold start,
//! then each API Gateway event handed to the function's router.

use crate::http::Router;
use crate::state::{AppState, Config, Provision, StorageMode};
use std::sync::Arc;

pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let mode = StorageMode::from_env("aws")?;
    let config = Config::from_env("http://127.0.0.1:3000");
    let built = AppState::build(&mode, config, Provision::Existing).await?;
    let state = Arc::new(built.state);
    let router = Arc::new(router);
    lambda_http::run(lambda_http::service_fn(move |request| {
        let state = state.clone();
        let router = router.clone();
        async move { Ok::<_, std::convert::Infallible>(router.handle(state, request).await) }
    }))
    .await
}
