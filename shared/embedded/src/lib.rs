//! The embedded mode's adapters: the store in one `redb` file and blobs in a folder, both
//! under one data directory. `make run` and the tests use them; no Lambda function depends
//! on this crate, so redb stays out of the deployed binaries.

mod blobs;
mod store;

pub use blobs::{FsBlobStore, BLOB_ROUTE};
pub use store::EmbeddedStore;

use shared::clock::Clock;
use shared::state::{AppState, Config};
use std::path::Path;
use std::sync::Arc;

/// The embedded state, with the concrete adapters the local server needs beside it.
pub struct Embedded {
    pub state: AppState,
    /// Checks the URLs it signed (the local server's `/blobs/` route).
    pub blobs: Arc<FsBlobStore>,
    /// Its change log stands in for the table's stream locally.
    pub store: EmbeddedStore,
}

/// Opens (or creates) the store and blob folder under `data_dir`. `clock` is the one notion
/// of now: the domain stamps times with it and the adapters judge expiry (items' TTL,
/// signed URLs) by it.
pub fn open(data_dir: &Path, config: Config, clock: Arc<dyn Clock>) -> Result<Embedded, String> {
    let store = EmbeddedStore::open(data_dir, clock.clone()).map_err(|e| e.to_string())?;
    let secret = local_secret(&data_dir.join("blob-signing.key"))?;
    let blobs = Arc::new(
        FsBlobStore::new(
            &data_dir.join("blobs"),
            &config.frontend_url,
            &secret,
            clock.clone(),
        )
        .map_err(|e| e.to_string())?,
    );
    Ok(Embedded {
        state: AppState {
            store: Arc::new(store.clone()),
            blobs: blobs.clone(),
            clock,
            config,
        },
        blobs,
        store,
    })
}

/// The URL-signing secret: made once, kept in the data folder.
fn local_secret(path: &Path) -> Result<Vec<u8>, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        if let Ok(bytes) = hex::decode(existing.trim()) {
            if bytes.len() >= 32 {
                return Ok(bytes);
            }
        }
    }
    let secret = shared::ids::hex_secret(32);
    std::fs::write(path, &secret).map_err(|e| format!("writing {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    hex::decode(secret).map_err(|e| e.to_string())
}
