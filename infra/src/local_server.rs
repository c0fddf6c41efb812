//! `make run`: the whole API on http://127.0.0.1:${PORT:-3000}, over the embedded on-disk
//! store by default (`STORAGE=aws` for DynamoDB + S3). See the README's configuration table.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use infra::{LocalApi, LocalState};
use shared::domain::platform;
use shared::events::Dispatcher;
use shared::http::{body_bytes, lambda_request, MAX_BODY_BYTES};
use shared::state::{Config, Provision, StorageMode};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How often the local server runs the scheduler's job (in AWS: every minute).
const SCHEDULER_PERIOD: std::time::Duration = std::time::Duration::from_secs(30);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    shared::telemetry::init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let mode = StorageMode::from_env("embedded")?;
    let config = Config::from_env(&format!("http://{host}:{port}"));
    let built = LocalState::open(&mode, config, Provision::Create { stream: true }).await?;
    let state = Arc::new(built.state);

    match std::env::var("PLATFORM_APP_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    {
        Some(token) => {
            let app = platform::ensure_app_with_token(&state, &token, "Local platform app").await?;
            println!("Platform app {app} accepts the token from PLATFORM_APP_TOKEN.");
        }
        None => println!(
            "No PLATFORM_APP_TOKEN set. Create a platform app and print its token with:\n  \
             make admin-token        (or: cargo run -p infra --bin admin -- create-platform-app)\n\
             or restart with PLATFORM_APP_TOKEN=<any secret> make run"
        ),
    }
    match &mode {
        StorageMode::Embedded { data_dir } => {
            println!("Data: embedded store in {}", data_dir.display())
        }
        StorageMode::Aws { table, bucket } => {
            println!("Data: DynamoDB table {table}, S3 bucket {bucket}")
        }
    }

    match built.change_log {
        Some(log) => {
            let poster = Arc::new(dispatcher::http::HttpPoster::from_config(&state.config));
            let events = Arc::new(Dispatcher::new(state.clone(), poster));
            tokio::spawn(infra::local_stream::tail(events, log));
            println!("Events: webhooks, agent bots and automation rules run in this process");
        }
        None => println!(
            "Events: not delivered by this process (with STORAGE=aws the dispatcher function \
             consumes the table's stream)"
        ),
    }
    tokio::spawn(scheduler::every(state.clone(), SCHEDULER_PERIOD));
    println!(
        "Schedule: one-off campaigns run every {} s in this process",
        SCHEDULER_PERIOD.as_secs()
    );
    let api = Arc::new(LocalApi::new(state, built.blobs));
    let address: SocketAddr = format!("{host}:{port}").parse()?;
    let listener = TcpListener::bind(address).await?;
    println!("Chatwoot-compatible API listening on http://{address}");

    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => {
                println!("Stopping.");
                return Ok(());
            }
        };
        let api = api.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let api = api.clone();
                async move { Ok::<_, Infallible>(serve(&api, request).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
}

async fn serve(
    api: &LocalApi,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let response = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => {
            api.handle(lambda_request(parts, collected.to_bytes()))
                .await
        }
        Err(_) => shared::http::response::error_response(
            &shared::AppError::PayloadTooLarge,
            shared::http::Family::Application,
        ),
    };
    let (parts, body) = response.into_parts();
    hyper::Response::from_parts(parts, Full::new(body_bytes(body)))
}
