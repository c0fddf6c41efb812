//! What every handler is given: the store, the blob store, the clock and the configuration,
//! built once per cold start (Lambda) or process (local server, tests).

use crate::blob::s3::S3BlobStore;
use crate::blob::BlobStore;
use crate::clock::{Clock, SystemClock};
use crate::store::dynamo::DynamoStore;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Config {
    /// Base of absolute links (SSO login URLs, widget scripts); no trailing slash.
    pub frontend_url: String,
    /// Lets outbound webhook and bot calls reach loopback and private addresses.
    pub allow_private_webhook_targets: bool,
    /// Chatwoot's flood guard: the most messages a conversation takes in a minute
    /// (`CONVERSATION_MESSAGE_PER_MINUTE_LIMIT`, default 200).
    pub messages_per_minute: i64,
    /// Chatwoot's `ENABLE_INBOX_EVENTS`: deliver `inbox_created` / `inbox_updated`.
    pub enable_inbox_events: bool,
}

pub const DEFAULT_MESSAGES_PER_MINUTE: i64 = 200;

impl Config {
    /// Every setting at its default (tests, benchmarks).
    pub fn with_defaults(frontend_url: &str) -> Self {
        Config {
            frontend_url: frontend_url.to_owned(),
            allow_private_webhook_targets: false,
            messages_per_minute: DEFAULT_MESSAGES_PER_MINUTE,
            enable_inbox_events: false,
        }
    }

    pub fn from_env(default_frontend_url: &str) -> Self {
        Config {
            frontend_url: env_or("FRONTEND_URL", default_frontend_url)
                .trim_end_matches('/')
                .to_owned(),
            allow_private_webhook_targets: flag("ALLOW_PRIVATE_WEBHOOK_TARGETS"),
            messages_per_minute: env_or("CONVERSATION_MESSAGE_PER_MINUTE_LIMIT", "")
                .parse()
                .unwrap_or(DEFAULT_MESSAGES_PER_MINUTE),
            enable_inbox_events: flag("ENABLE_INBOX_EVENTS"),
        }
    }
}

/// Where data lives, chosen by `STORAGE`.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageMode {
    /// `STORAGE=embedded`: one redb file and a blob folder under `DATA_DIR`.
    Embedded { data_dir: PathBuf },
    /// `STORAGE=aws`: DynamoDB `TABLE_NAME` and S3 `BUCKET_NAME` from the standard AWS
    /// environment (`AWS_ENDPOINT_URL_*` for emulators or LocalStack).
    Aws { table: String, bucket: String },
}

impl StorageMode {
    pub fn from_env(default: &str) -> Result<Self, String> {
        match env_or("STORAGE", default).as_str() {
            "embedded" => Ok(StorageMode::Embedded {
                data_dir: PathBuf::from(env_or("DATA_DIR", ".data")),
            }),
            "aws" => Ok(StorageMode::Aws {
                table: env_or("TABLE_NAME", "chatwoot"),
                bucket: env_or("BUCKET_NAME", "chatwoot-blobs"),
            }),
            other => Err(format!(
                "STORAGE must be 'embedded' or 'aws', not '{other}'"
            )),
        }
    }
}

/// A boolean setting: `true` or `1`.
fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    /// The clock the adapters were built with: replacing it alone would split "now" in two
    /// (the domain stamping one time, the store's expiry reading another).
    pub clock: Arc<dyn Clock>,
    pub config: Config,
}

impl AppState {
    /// The same state over another view of the storage port (a counting decorator).
    pub fn with_store(&self, store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            blobs: self.blobs.clone(),
            clock: self.clock.clone(),
            config: self.config.clone(),
        }
    }
}

/// What [`AppState::aws`] does about its table and bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// Use them as they are: a deployed stack's, made by the template. The DynamoDB
    /// connection is opened while building (a function's init phase, not its first request).
    Existing,
    /// Create them when missing (the local server and the tests, against emulators). `stream`
    /// gives the table the stream the dispatcher reads; the test suites leave it off except
    /// where they read it, because DynamoDB Local slows down with every stream it keeps
    /// (measured: a suite 8–15× slower once a few hundred test tables had one).
    Create { stream: bool },
}

impl AppState {
    /// A deployed function's state: DynamoDB and S3 as the environment names them, on the
    /// wall clock. The embedded mode is the local server's (`make run`), not a function's.
    pub async fn for_function(config: Config) -> Result<AppState, String> {
        match StorageMode::from_env("aws")? {
            StorageMode::Aws { table, bucket } => {
                let clock = Arc::new(SystemClock);
                Self::aws(&table, &bucket, config, Provision::Existing, clock).await
            }
            StorageMode::Embedded { .. } => Err(
                "STORAGE=embedded is served by the local server (make run); a function needs STORAGE=aws"
                    .into(),
            ),
        }
    }

    /// The AWS state. `clock` is the one notion of now: the domain stamps times with it and
    /// the store judges items' TTL by it (S3 checks its presigned URLs against AWS's time).
    pub async fn aws(
        table: &str,
        bucket: &str,
        config: Config,
        provision: Provision,
        clock: Arc<dyn Clock>,
    ) -> Result<AppState, String> {
        let sdk = aws_config::load_from_env().await;
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
        // S3's virtual-host addressing needs DNS for `bucket.host`; emulators have none.
        let endpoint_overridden = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(endpoint_overridden)
                .build(),
        );
        let store = DynamoStore::new(dynamo, table, clock.clone());
        let blobs = S3BlobStore::new(s3, bucket);
        match provision {
            Provision::Create { stream } => {
                store
                    .ensure_table(stream)
                    .await
                    .map_err(|e| e.to_string())?;
                blobs.ensure_bucket().await.map_err(|e| e.to_string())?;
            }
            Provision::Existing => store.warm().await,
        }
        Ok(AppState {
            store: Arc::new(store),
            blobs: Arc::new(blobs),
            clock,
            config,
        })
    }
}
