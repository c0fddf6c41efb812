//! Blobs in a folder, for the embedded mode. URLs point at the local server's `/blobs/`
//! route and carry an expiry and an HMAC-SHA256 signature over method, key and expiry.

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::blob::{validate_key, Blob, BlobError, BlobStore};
use shared::clock::Clock;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The URL path under which the local server serves blobs.
pub const BLOB_ROUTE: &str = "/blobs/";
const CONTENT_TYPE_SUFFIX: &str = ".content-type";

pub struct FsBlobStore {
    root: PathBuf,
    base_url: String,
    secret: Vec<u8>,
    /// Stamps and checks URL expiry: the domain's clock, so signing and checking agree.
    clock: Arc<dyn Clock>,
}

impl FsBlobStore {
    /// `base_url` is where the local server listens (`http://127.0.0.1:3000`).
    pub fn new(
        root: &Path,
        base_url: &str,
        secret: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(backend)?;
        Ok(FsBlobStore {
            root: root.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret: secret.to_vec(),
            clock,
        })
    }

    fn now_seconds(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }

    fn signature(&self, method: &str, key: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(format!("{method}\n{key}\n{expires}").as_bytes());
        mac
    }

    fn signed_url(&self, method: &str, key: &str, ttl: Duration) -> String {
        let expires = self.now_seconds() + ttl.as_secs() as i64;
        let signature = hex::encode(self.signature(method, key, expires).finalize().into_bytes());
        format!(
            "{}{BLOB_ROUTE}{key}?expires={expires}&signature={signature}",
            self.base_url
        )
    }

    /// Checks a URL's signature in constant time, and that it has not expired.
    pub fn verify(&self, method: &str, key: &str, expires: i64, signature_hex: &str) -> bool {
        if expires < self.now_seconds() || validate_key(key).is_err() {
            return false;
        }
        let Ok(signature) = hex::decode(signature_hex) else {
            return false;
        };
        self.signature(method, key, expires)
            .verify_slice(&signature)
            .is_ok()
    }
}

fn backend(e: impl std::fmt::Display) -> BlobError {
    BlobError::Backend(e.to_string())
}

fn content_type_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(CONTENT_TYPE_SUFFIX);
    PathBuf::from(name)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(backend)?;
        }
        // Write beside, then rename: a reader never sees half a file.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, &bytes).await.map_err(backend)?;
        tokio::fs::write(content_type_path(&path), content_type)
            .await
            .map_err(backend)?;
        tokio::fs::rename(&partial, &path).await.map_err(backend)
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        let path = self.path(key)?;
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let content_type = tokio::fs::read_to_string(content_type_path(&path))
            .await
            .unwrap_or_else(|_| "application/octet-stream".into());
        Ok(Some(Blob {
            bytes: Bytes::from(bytes),
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        for file in [content_type_path(&path), path] {
            match tokio::fs::remove_file(&file).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> Result<String, BlobError> {
        validate_key(key)?;
        Ok(self.signed_url("GET", key, ttl))
    }

    async fn presign_put(
        &self,
        key: &str,
        _content_type: &str,
        ttl: Duration,
    ) -> Result<String, BlobError> {
        validate_key(key)?;
        Ok(self.signed_url("PUT", key, ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signed_urls_verify_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        // Years before the wall clock: only the store's own clock decides expiry.
        let clock = Arc::new(shared::clock::FixedClock::at_ms(1_600_000_000_000));
        let store = FsBlobStore::new(
            dir.path(),
            "http://127.0.0.1:3000/",
            b"secret",
            clock.clone(),
        )
        .unwrap();
        store
            .put("a/b.txt", Bytes::from_static(b"hi"), "text/plain")
            .await
            .unwrap();
        let blob = store.get("a/b.txt").await.unwrap().unwrap();
        assert_eq!(blob.bytes.as_ref(), b"hi");
        assert_eq!(blob.content_type, "text/plain");
        let url = store
            .presign_get("a/b.txt", Duration::from_secs(60))
            .await
            .unwrap();
        let query = url.split_once('?').unwrap().1;
        let mut expires = 0;
        let mut signature = String::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "expires" => expires = v.parse().unwrap(),
                "signature" => signature = v.into_owned(),
                _ => {}
            }
        }
        assert!(url.starts_with("http://127.0.0.1:3000/blobs/a/b.txt?"));
        assert!(store.verify("GET", "a/b.txt", expires, &signature));
        assert!(!store.verify("PUT", "a/b.txt", expires, &signature));
        assert!(!store.verify("GET", "a/c.txt", expires, &signature));
        assert!(!store.verify("GET", "a/b.txt", expires + 1, &signature));
        assert!(!store.verify("GET", "a/b.txt", 1, &signature));
        clock.advance_ms(61_000);
        assert!(!store.verify("GET", "a/b.txt", expires, &signature));
        store.delete("a/b.txt").await.unwrap();
        assert_eq!(store.get("a/b.txt").await.unwrap(), None);
    }
}
