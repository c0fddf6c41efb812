//! Secrets: signed blob URLs refuse tampering and expiry, and sign-in links carry a fresh
//! token each time. (Token and HMAC comparisons are constant-time in the code: access tokens
//! via `subtle`'s constant-time compare, the Client API's `identifier_hash` and blob signatures via
//! the `hmac` crate's `verify_slice`.)

use api_tests::world::World;
use api_tests::{aws_backend, fetch_url, TestApi, FRONTEND_URL};
use bytes::Bytes;
use http::Method;

/// `url` with its query parameter `name` replaced by `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (path, query) = url.split_once('?').expect("signed URL");
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[tokio::test]
async fn attachment_urls_are_signed_and_refuse_tampering() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let url = world.a.attachment_url.clone();
    let (status, bytes) = fetch_url(&api, Method::GET, &url, "", Bytes::new()).await;
    assert_eq!((status, bytes.as_ref()), (200, b"alpha".as_ref()));
    if aws_backend() {
        // S3 presigned: the signature and its lifetime are in the URL (S3 checks them).
        assert!(
            url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires="),
            "{url}"
        );
        return;
    }
    assert!(url.starts_with(FRONTEND_URL), "{url}");
    let signature = url.split("signature=").nth(1).expect("signature");
    let flipped: String = signature
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == '0' {
                    '1'
                } else {
                    '0'
                }
            } else {
                c
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let expires: i64 = url
        .split("expires=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .and_then(|value| value.parse().ok())
        .expect("expires");
    let other_key = url.replacen("/attachments/", "/attachments/x", 1);
    for (name, tampered) in [
        (
            "a changed signature",
            with_param(&url, "signature", &flipped),
        ),
        ("no signature", with_param(&url, "signature", "")),
        (
            "a later expiry",
            with_param(&url, "expires", &(expires + 3600).to_string()),
        ),
        ("an expiry in the past", with_param(&url, "expires", "1")),
        ("another key", other_key),
    ] {
        let (status, body) = fetch_url(&api, Method::GET, &tampered, "", Bytes::new()).await;
        assert_eq!(status, 403, "{name}: {}", String::from_utf8_lossy(&body));
        assert_ne!(body.as_ref(), b"alpha", "{name}");
    }
    // A signed GET is no licence to write.
    let (status, _) = fetch_url(&api, Method::PUT, &url, "text/plain", Bytes::from("owned")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn every_sign_in_link_carries_a_fresh_secret() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let login = format!("/platform/api/v1/users/{}/login", world.a.admin.0);
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let link = api
            .get(&login)
            .token(&world.platform)
            .send()
            .await
            .expect(200)
            .text("url");
        let token = link
            .split("sso_auth_token=")
            .nth(1)
            .expect("token in link")
            .to_owned();
        assert_eq!(token.len(), 64, "{link}");
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{link}");
        tokens.push(token);
    }
    assert_ne!(tokens[0], tokens[1]);
    // Another app may not ask for the link.
    api.get(&login)
        .token(&world.other_platform)
        .send()
        .await
        .expect(401);
}
