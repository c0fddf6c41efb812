//! The local server's promises: path prefixes reach the function API Gateway would invoke,
//! the embedded store survives a restart, and `PLATFORM_APP_TOKEN` is idempotent.

use api_tests::json;
use infra::{function_for, Function, LocalApi};
use shared::domain::platform;
use shared::http::{body_bytes, lambda_request};
use shared::state::Config;
use std::sync::Arc;

#[test]
fn prefixes_route_like_the_template() {
    for (path, function) in [
        ("/platform/api/v1/accounts", Some(Function::Platform)),
        ("/api/v1/profile", Some(Function::Application)),
        ("/api/v1/accounts/1/agents", Some(Function::Application)),
        (
            "/accounts/1/conversations/2/messages",
            Some(Function::Application),
        ),
        ("/api/v2/accounts/1/reports", Some(Function::Reports)),
        ("/public/api/v1/inboxes/abc", Some(Function::Client)),
        ("/survey/responses/uuid", Some(Function::Client)),
        ("/hc/portal/en", Some(Function::Client)),
        ("/api/v3/anything", None),
        ("/", None),
    ] {
        assert_eq!(function_for(path), function, "{path}");
    }
    // Every route key in template.yaml is served by the function the table names.
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let mut checked = 0;
    for line in template.lines() {
        let Some(route) = line.trim().strip_prefix("RouteKey:") else {
            continue;
        };
        let route = route.trim().trim_matches('"').trim_matches('\'');
        let path = route
            .split_whitespace()
            .nth(1)
            .unwrap()
            .replace("{proxy+}", "x")
            .replace("{uuid}", "u");
        assert!(
            function_for(&path).is_some(),
            "template route {route} has no local function"
        );
        checked += 1;
    }
    assert!(checked >= 7, "found {checked} route keys in template.yaml");
}

fn config() -> Config {
    Config::with_defaults("http://127.0.0.1:3000")
}

async fn call(
    api: &LocalApi,
    method: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let (parts, ()) = http::Request::builder()
        .method(method)
        .uri(path)
        .header("api_access_token", token)
        .header("content-type", "application/json")
        .body(())
        .unwrap()
        .into_parts();
    let bytes = if body.is_null() {
        bytes::Bytes::new()
    } else {
        bytes::Bytes::from(body.to_string())
    };
    let response = api.handle(lambda_request(parts, bytes)).await;
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&body_bytes(response.into_body()))
        .unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test]
async fn embedded_data_survives_a_restart_and_the_platform_token_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let account_id = {
        let built =
            store_embedded::open(dir.path(), config(), Arc::new(shared::clock::SystemClock))
                .unwrap();
        let state = Arc::new(built.state);
        let first = platform::ensure_app_with_token(&state, "startup-token", "Local")
            .await
            .unwrap();
        let again = platform::ensure_app_with_token(&state, "startup-token", "Local")
            .await
            .unwrap();
        assert_eq!(first, again, "the same app, not a second one");
        let api = LocalApi::new(state, Some(built.blobs));
        let (status, account) = call(
            &api,
            "POST",
            "/platform/api/v1/accounts",
            "startup-token",
            json!({"name": "Durable"}),
        )
        .await;
        assert_eq!(status, 200);
        account["id"].as_i64().unwrap()
    };
    // A new process over the same folder.
    let built =
        store_embedded::open(dir.path(), config(), Arc::new(shared::clock::SystemClock)).unwrap();
    let state = Arc::new(built.state);
    platform::ensure_app_with_token(&state, "startup-token", "Local")
        .await
        .unwrap();
    let api = LocalApi::new(state.clone(), Some(built.blobs));
    let (status, account) = call(
        &api,
        "GET",
        &format!("/platform/api/v1/accounts/{account_id}"),
        "startup-token",
        json!(null),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(account["name"], "Durable");
    // A token that belongs to a user cannot become a platform token.
    let (_, user) = call(
        &api,
        "POST",
        "/platform/api/v1/users",
        "startup-token",
        json!({"name": "U", "email": "u@example.com", "password": "Password1!"}),
    )
    .await;
    let user_token = user["access_token"].as_str().unwrap();
    assert!(platform::ensure_app_with_token(&state, user_token, "Local")
        .await
        .is_err());
    let (status, _) = call(&api, "GET", "/nothing/here", "startup-token", json!(null)).await;
    assert_eq!(status, 404);
}

/// A client that stops mid-headers is disconnected, and one that stops mid-body is answered
/// 408, once their time is up; a client that sends its request whole is served meanwhile.
#[tokio::test]
async fn slow_clients_cannot_hold_a_connection() {
    use infra::http_server::{serve_connection, Timeouts};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let dir = tempfile::tempdir().unwrap();
    let built =
        store_embedded::open(dir.path(), config(), Arc::new(shared::clock::SystemClock)).unwrap();
    let api = Arc::new(LocalApi::new(Arc::new(built.state), Some(built.blobs)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let timeouts = Timeouts {
        headers: Duration::from_millis(300),
        body: Duration::from_millis(300),
    };
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, api.clone(), timeouts));
        }
    });
    // Everything the server sends until it closes the connection (at most 5 s).
    let answer = |request: &'static [u8]| async move {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut received = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
            .await
            .expect("the server gave up on the client")
            .ok();
        String::from_utf8_lossy(&received).into_owned()
    };
    let (stalled_headers, stalled_body, whole) = tokio::join!(
        answer(b"GET /api/v1/profile HTTP/1.1\r\nHost: x\r\n"),
        answer(b"POST /api/v1/profile HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"),
        answer(b"GET /api/v1/profile HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert!(!stalled_headers.contains("HTTP/1.1 2"), "{stalled_headers}");
    assert!(stalled_body.starts_with("HTTP/1.1 408"), "{stalled_body}");
    assert!(whole.starts_with("HTTP/1.1 401"), "served: {whole}");
}
