//! The Lambda entry point every function binary shares: state built once per cold start,
//! then each API Gateway event handed to the function's router.

use crate::http::Router;
use crate::state::{AppState, Config};
use std::sync::Arc;

pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let config = Config::from_env("http://127.0.0.1:3000");
    let state = Arc::new(AppState::for_function(config).await?);
    let router = Arc::new(router);
    lambda_http::run(lambda_http::service_fn(move |request| {
        let state = state.clone();
        let router = router.clone();
        async move { Ok::<_, std::convert::Infallible>(router.handle(state, request).await) }
    }))
    .await
}
