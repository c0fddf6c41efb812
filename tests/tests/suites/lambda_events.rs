//! The sample events in `events/`. The API Gateway HTTP API (payload v2) requests are parsed
//! by `lambda_http` exactly as the Lambda runtime does and handed to the function the file is
//! named after: the raw path reaches the router, and each request gets its handler's answer,
//! not a 404. The dispatcher's DynamoDB stream batch and the scheduler's EventBridge tick go
//! to those functions' handlers (`make bench-lambda` starts every function with its sample).

use api_tests::iam::guarded;
use api_tests::template::Lambda;
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

/// Hands the sample to its function's router, over `state` through the function's IAM role.
async fn invoke_with(state: std::sync::Arc<shared::AppState>, file: &str) -> (u16, Value) {
    let request =
        lambda_http::request::from_str(&event(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let (router, function) = match file.split('-').next().unwrap() {
        "platform" => (platform::router(), Lambda::Platform),
        "application" => (application::router(), Lambda::Application),
        "client" => (client::router(), Lambda::Client),
        "reports" => (reports::router(), Lambda::Reports),
        other => panic!("no function {other}"),
    };
    let response = router.handle(guarded(&state, function), request).await;
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
    let response = client::router()
        .handle(guarded(&state, Lambda::Client), request)
        .await;
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

/// The stream sample (one outbox record, `contact_created`), pointed at this test's account,
/// reaches the account's webhook, and the batch reports no failure.
#[tokio::test]
async fn the_sample_stream_batch_is_delivered_to_the_accounts_webhook() {
    let api = api_tests::TestApi::new().await;
    let fx = api.account_fixture().await;
    let receiver = api_tests::receiver::Receiver::start().await;
    api.post(&format!("/api/v1/accounts/{}/webhooks", fx.account))
        .token(&fx.admin.1)
        .json(json!({"webhook": {"url": receiver.url, "subscriptions": ["contact_created"]}}))
        .send()
        .await
        .expect(200);
    let mut batch: Value = serde_json::from_str(&event("dispatcher-stream.json")).unwrap();
    let image = &mut batch["Records"][0]["dynamodb"]["NewImage"];
    let account = json!({"N": fx.account.to_string()});
    image["account_id"] = account.clone();
    image["payload"]["M"]["contact"]["M"]["account_id"] = account;
    image["PK"] = json!({"S": format!("ACCOUNT#{}", fx.account)});

    let handler = api_tests::events::dispatcher(api.state().clone());
    let answer = dispatcher::handle_batch(&handler, serde_json::from_value(batch).unwrap()).await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let delivered = receiver.events("contact_created");
    assert_eq!(delivered.len(), 1);
    let payload = delivered[0].json();
    assert_eq!(payload["event"], "contact_created");
    assert_eq!(payload["email"], "carla@example.com");
}

/// The scheduler ignores its tick's content: the sample is a scheduled event, and a run over
/// an installation without campaigns sends nothing.
#[tokio::test]
async fn the_sample_tick_is_a_scheduled_event_and_a_run_sends_nothing() {
    let tick: Value = serde_json::from_str(&event("scheduler-tick.json")).unwrap();
    assert_eq!(tick["detail-type"], "Scheduled Event");
    let (state, _, _dir) = fresh_state().await;
    assert_eq!(
        api_tests::events::run_scheduler(&state).await.unwrap(),
        json!({"campaigns": 0, "conversations": 0})
    );
}
