//! Avatar images in the blob store, for users and agent bots.

use crate::error::{AppResult, ValidationErrors};
use crate::state::AppState;
use bytes::Bytes;
use std::time::Duration;

/// S3's longest presigned-URL lifetime; avatar URLs are re-signed on every read.
const URL_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
const MAX_BYTES: usize = 15 * 1024 * 1024;
const IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
];

#[derive(Debug, Clone)]
pub struct AvatarUpload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// Stores the image under `avatars/<folder>/<ulid>/<file name>` and answers its key.
pub async fn store(state: &AppState, folder: &str, upload: &AvatarUpload) -> AppResult<String> {
    store_image(state, "avatar", &format!("avatars/{folder}"), upload).await
}

/// Stores an image (an avatar, a portal logo) under `<folder>/<ulid>/<file name>` and answers
/// its key; a file that is no image, or too large, fails as `attribute`.
pub async fn store_image(
    state: &AppState,
    attribute: &str,
    folder: &str,
    upload: &AvatarUpload,
) -> AppResult<String> {
    let mut errors = ValidationErrors::new();
    if !IMAGE_TYPES.contains(&upload.content_type.as_str()) {
        errors.add(attribute, "filetype not supported");
    }
    if upload.bytes.len() > MAX_BYTES {
        errors.add(attribute, "size is too big");
    }
    errors.into_result()?;
    let key = format!(
        "{folder}/{}/{}",
        crate::ids::ulid(),
        crate::blob::safe_file_name(&upload.filename)
    );
    state
        .blobs
        .put(&key, upload.bytes.clone(), &upload.content_type)
        .await?;
    Ok(key)
}

/// The avatar's URL, or `""` as Chatwoot renders a missing avatar.
pub async fn url(state: &AppState, key: Option<&str>) -> AppResult<String> {
    match key {
        Some(key) => Ok(state.blobs.presign_get(key, URL_TTL).await?),
        None => Ok(String::new()),
    }
}

/// Removes a replaced or deleted image; a failure only leaves an unreferenced file.
pub async fn discard(state: &AppState, key: Option<&str>) {
    if let Some(key) = key {
        if let Err(e) = state.blobs.delete(key).await {
            tracing::warn!(error = %e, "could not delete a replaced image");
        }
    }
}
