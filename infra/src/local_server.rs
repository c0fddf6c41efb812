//! `make run`: the whole API on http://127.0.0.1:${PORT:-3000}, over the embedded on-disk
//! store by default (`STORAGE=aws` for DynamoDB + S3). See the README's configuration table.

use infra::http_server::{serve_connection, Timeouts};
use infra::{LocalApi, LocalState};
use shared::domain::platform;
use shared::events::Dispatcher;
use shared::state::{Config, Provision, StorageMode};
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
        tokio::spawn(serve_connection(stream, api.clone(), Timeouts::LOCAL));
    }
}
