//! The blob port's contract, over the folder store (URLs served by the local server) and S3
//! (`TEST_STORAGE=aws`: moto), including presigned URLs fetched over HTTP.

use api_tests::{fetch_url, TestApi};
use bytes::Bytes;
use http::Method;
use shared::blob::BlobError;
use std::time::Duration;

#[tokio::test]
async fn put_get_delete_keep_bytes_and_content_type() {
    let api = TestApi::new().await;
    let blobs = &api.state().blobs;
    let bytes = Bytes::from_static(b"\x00\x01binary\xff");
    blobs
        .put("attachments/1/a.bin", bytes.clone(), "application/x-test")
        .await
        .unwrap();
    let blob = blobs.get("attachments/1/a.bin").await.unwrap().unwrap();
    assert_eq!(blob.bytes, bytes);
    assert_eq!(blob.content_type, "application/x-test");
    // Overwrite, then delete; deleting twice is fine.
    blobs
        .put(
            "attachments/1/a.bin",
            Bytes::from_static(b"v2"),
            "text/plain",
        )
        .await
        .unwrap();
    assert_eq!(
        blobs
            .get("attachments/1/a.bin")
            .await
            .unwrap()
            .unwrap()
            .bytes
            .as_ref(),
        b"v2"
    );
    blobs.delete("attachments/1/a.bin").await.unwrap();
    blobs.delete("attachments/1/a.bin").await.unwrap();
    assert_eq!(blobs.get("attachments/1/a.bin").await.unwrap(), None);
    assert_eq!(blobs.get("never/written").await.unwrap(), None);
}

#[tokio::test]
async fn keys_that_could_escape_are_refused() {
    let api = TestApi::new().await;
    let blobs = &api.state().blobs;
    for key in ["../etc/passwd", "/abs", "a//b", "a b"] {
        let refused = blobs.put(key, Bytes::from_static(b"x"), "text/plain").await;
        assert!(matches!(refused, Err(BlobError::InvalidKey(_))), "{key}");
        assert!(matches!(
            blobs.presign_get(key, Duration::from_secs(60)).await,
            Err(BlobError::InvalidKey(_))
        ));
    }
}

#[tokio::test]
async fn presigned_urls_read_and_upload_over_http() {
    let api = TestApi::new().await;
    let blobs = &api.state().blobs;
    let bytes = Bytes::from_static(b"\x89PNG presigned bytes");
    blobs
        .put("avatars/x/pic.png", bytes.clone(), "image/png")
        .await
        .unwrap();
    let url = blobs
        .presign_get("avatars/x/pic.png", Duration::from_secs(300))
        .await
        .unwrap();
    let (status, fetched) = fetch_url(&api, Method::GET, &url, "", Bytes::new()).await;
    assert_eq!(status, 200, "{url}");
    assert_eq!(fetched, bytes);

    let upload = blobs
        .presign_put("uploads/y/file.txt", "text/plain", Duration::from_secs(300))
        .await
        .unwrap();
    let (status, _) = fetch_url(
        &api,
        Method::PUT,
        &upload,
        "text/plain",
        Bytes::from_static(b"uploaded"),
    )
    .await;
    assert_eq!(status, 200, "{upload}");
    let stored = blobs.get("uploads/y/file.txt").await.unwrap().unwrap();
    assert_eq!(stored.bytes.as_ref(), b"uploaded");
    assert_eq!(stored.content_type, "text/plain");

    // A GET URL does not authorise an upload to the same key. (moto checks no signatures,
    // so this holds for our own signer only; real S3 signs the method too.)
    if api_tests::aws_backend() {
        return;
    }
    let (status, _) = fetch_url(
        &api,
        Method::PUT,
        &url,
        "image/png",
        Bytes::from_static(b"evil"),
    )
    .await;
    assert!(status == 403 || status == 400, "{status}");
    assert_eq!(
        blobs.get("avatars/x/pic.png").await.unwrap().unwrap().bytes,
        bytes
    );
}
