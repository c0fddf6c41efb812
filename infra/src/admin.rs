//! Administration commands, against the local data or a deployed table (`STORAGE=aws`,
//! `TABLE_NAME`, `BUCKET_NAME` and the usual AWS credentials):
//!
//! `admin create-platform-app [--name NAME] [--token TOKEN]` creates a platform app and
//! prints its access token (Chatwoot does this in its super-admin console).

use infra::LocalState;
use shared::domain::platform;
use shared::state::{Config, Provision, StorageMode};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("create-platform-app") => {
            let mode = StorageMode::from_env("embedded")?;
            let config = Config::from_env("http://127.0.0.1:3000");
            let built = LocalState::open(&mode, config, Provision::Existing).await?;
            let name = flag("--name").unwrap_or_else(|| "Platform app".into());
            let app = platform::create_app(&built.state, &name, flag("--token").as_deref()).await?;
            println!("Created platform app {} ({name}).", app.id);
            println!("PLATFORM_APP_TOKEN={}", app.access_token);
            Ok(())
        }
        _ => {
            eprintln!("usage: admin create-platform-app [--name NAME] [--token TOKEN]");
            std::process::exit(2);
        }
    }
}
