//! Blobs in S3 (one private bucket per stack); reads and uploads by presigned URL.

use super::{validate_key, Blob, BlobError, BlobStore};
use async_trait::async_trait;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use bytes::Bytes;
use std::time::Duration;

pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

fn backend(e: impl std::fmt::Debug) -> BlobError {
    BlobError::Backend(format!("{e:?}"))
}

/// Maps an S3 call's failure: no answer (timeout, connection, unreadable response) or an
/// answer asking to come back later is [`BlobError::Unavailable`], anything else a failure.
fn failed<E, R>(e: SdkError<E, R>) -> BlobError
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let transient = matches!(
        e,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    ) || matches!(
        e.code(),
        Some("SlowDown" | "ServiceUnavailable" | "InternalError" | "RequestTimeout")
    );
    if transient {
        BlobError::Unavailable(format!("{e:?}"))
    } else {
        backend(e)
    }
}

impl S3BlobStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3BlobStore {
            client,
            bucket: bucket.into(),
        }
    }

    /// Creates the bucket unless it exists (local runs and tests; stacks get it from the template).
    pub async fn ensure_bucket(&self) -> Result<(), BlobError> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("BucketAlreadyOwnedByYou") | Some("BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Signed on the wall clock, not the injected one: S3 checks the signature against AWS's
    /// own time, which no test controls.
    fn presigning(ttl: Duration) -> Result<PresigningConfig, BlobError> {
        PresigningConfig::expires_in(ttl).map_err(backend)
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        validate_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .set_content_disposition(
                (!super::shown_inline(content_type)).then(|| "attachment".into()),
            )
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(failed)
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        validate_key(key)?;
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) if e.code() == Some("NoSuchKey") => return Ok(None),
            Err(e) => return Err(failed(e)),
        };
        let content_type = output
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = output.body.collect().await.map_err(backend)?.into_bytes();
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        validate_key(key)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(failed)
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> Result<String, BlobError> {
        validate_key(key)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(Self::presigning(ttl)?)
            .await
            .map_err(backend)?;
        Ok(request.uri().to_owned())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, BlobError> {
        validate_key(key)?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .presigned(Self::presigning(ttl)?)
            .await
            .map_err(backend)?;
        Ok(request.uri().to_owned())
    }
}
