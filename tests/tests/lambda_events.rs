//! The sample API Gateway HTTP API (payload v2) events in `events/`, parsed by `lambda_http`
//! exactly as the Lambda runtime does and handed to the function the file is named after:
//! the raw path reaches the router, and each request gets its handler's answer, not a 404.

use api_tests::{fresh_state, json};
use serde_json::Value;
use shared::http::body_bytes;

fn event(file: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn invoke(file: &str) -> (u16, Value) {
    let (state, _, _dir) = fresh_state().await;
    invoke_with(state, file).await
}

async fn invoke_with(state: std::sync::Arc<shared::AppState>, file: &str) -> (u16, Value) {
    let request =
        lambda_http::request::from_str(&event(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let router = match file.split('-').next().unwrap() {
        "platform" => platform::router(),
        "application" => application::router(),
        "client" => client::router(),
        "reports" => reports::router(),
        other => panic!("no function {other}"),
    };
    let response = router.handle(state, request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&body_bytes(response.into_body())).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn sample_events_reach_their_handlers() {
    // The sample tokens are not in a fresh store: the handlers answer with their auth errors.
    assert_eq!(
        invoke("platform-create-account.json").await,
        (401, json!({"error": "Invalid access_token"}))
    );
    assert_eq!(
        invoke("platform-get-account.json").await,
        (401, json!({"error": "Invalid access_token"}))
    );
    for file in ["application-get-profile.json", "reports-summary.json"] {
        assert_eq!(
            invoke(file).await,
            (401, json!({"error": "Invalid Access Token"})),
            "{file}"
        );
    }
    // The sample inbox identifier is unknown: the Client API's 404.
    assert_eq!(
        invoke("client-get-inbox.json").await,
        (404, json!({"status": 404, "error": "Not Found"}))
    );
}

#[tokio::test]
async fn the_survey_page_event_gets_the_page() {
    let (state, _, _dir) = fresh_state().await;
    let request = lambda_http::request::from_str(&event("client-survey-page.json")).unwrap();
    let response = client::router().handle(state, request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let html = String::from_utf8(body_bytes(response.into_body()).to_vec()).unwrap();
    assert!(html.contains("\"uuid\":\"6c1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b\""));
}

#[tokio::test]
async fn a_sample_create_event_creates_the_account_from_its_body() {
    let (state, _, _dir) = fresh_state().await;
    let sample: Value = serde_json::from_str(&event("platform-create-account.json")).unwrap();
    let token = sample["headers"]["api_access_token"].as_str().unwrap();
    shared::domain::platform::create_app(&state, "Sample", Some(token))
        .await
        .unwrap();
    let (status, account) = invoke_with(state, "platform-create-account.json").await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["name"], "Acme");
    assert_eq!(account["status"], "active");
}
