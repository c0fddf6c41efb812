//! Observability and HTTP hardening, through the real routers with the production log and
//! metric subscriber writing into a buffer: one JSON request line per request (request id,
//! account, route, method, status, latency) and nothing private in any line; one EMF object
//! per request whose round trips match the storage port's count; CORS on the public paths
//! only; security headers on the HTML pages.

use api_tests::{email, json, AccountFixture, TestApi, TestResponse};
use async_trait::async_trait;
use base64::prelude::{Engine, BASE64_STANDARD};
use bytes::Bytes;
use http::Method;
use infra::LocalApi;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::http::lambda_request;
use shared::store::{Item, Key, Page, Query, Store, StoreError, WriteOp};
use shared::telemetry::{LogFormat, Metrics, Settings};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tracing::instrument::WithSubscriber;

const NAMESPACE: &str = "ChatwootApiTest";

/// Everything the subscriber wrote.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Capture {
    type Writer = Capture;

    fn make_writer(&'w self) -> Capture {
        self.clone()
    }
}

/// What one run printed: the raw text and its lines as JSON.
struct Output {
    text: String,
    lines: Vec<Value>,
}

impl Output {
    fn request_lines(&self) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l["message"] == "request")
            .collect()
    }

    /// The one request line (the run made one request).
    #[track_caller]
    fn request_line(&self) -> &Value {
        let lines = self.request_lines();
        assert_eq!(lines.len(), 1, "request lines in:\n{}", self.text);
        lines[0]
    }

    fn metric_objects(&self) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l.get("_aws").is_some())
            .collect()
    }

    #[track_caller]
    fn metric_object(&self) -> &Value {
        let objects = self.metric_objects();
        assert_eq!(objects.len(), 1, "metric objects in:\n{}", self.text);
        objects[0]
    }
}

/// Runs `work` under the subscriber Lambda gets (JSON lines, EMF metrics when `metrics`),
/// with `filter` as `RUST_LOG`.
async fn captured<F: Future>(metrics: bool, filter: &str, work: F) -> (F::Output, Output) {
    let capture = Capture::default();
    let settings = Settings {
        format: LogFormat::Json,
        metrics: if metrics {
            Metrics::Emf {
                namespace: NAMESPACE.into(),
            }
        } else {
            Metrics::Off
        },
        filter: filter.into(),
    };
    let subscriber = shared::telemetry::subscriber(&settings, capture.clone());
    let result = work.with_subscriber(subscriber).await;
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (result, Output { text, lines })
}

fn is_ulid(text: &str) -> bool {
    text.len() == 26 && ulid::Ulid::from_string(text).is_ok()
}

#[tokio::test]
async fn each_request_logs_one_json_line_with_its_id_account_route_and_outcome() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let path = format!("/api/v1/accounts/{}/canned_responses", fx.account);
    let (response, output) = captured(true, "info", api.get(&path).token(&fx.admin.1).send()).await;
    response.expect(200);
    let line = output.request_line();
    assert_eq!(line["level"], "INFO");
    assert!(is_ulid(line["request_id"].as_str().unwrap()), "{line}");
    assert_eq!(line["account_id"], fx.account);
    assert_eq!(
        line["route"],
        "/api/v1/accounts/{account_id}/canned_responses"
    );
    assert_eq!(line["method"], "GET");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().unwrap() >= 0.0, "{line}");
    // Only these fields: nothing of the request's headers, query or body.
    let mut keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "account_id",
            "latency_ms",
            "level",
            "message",
            "method",
            "request_id",
            "route",
            "status"
        ]
    );

    // A route without an account, and a path no route serves.
    let (_, output) = captured(
        true,
        "info",
        api.get("/api/v1/profile").token(&fx.admin.1).send(),
    )
    .await;
    let line = output.request_line();
    assert_eq!(line["route"], "/api/v1/profile");
    assert!(line.get("account_id").is_none(), "{line}");
    let (response, output) = captured(true, "info", api.get("/api/v1/nowhere/at/all").send()).await;
    response.expect(404);
    let line = output.request_line();
    assert_eq!(line["route"], shared::http::router::UNMATCHED_ROUTE);
    assert_eq!(line["status"], 404);
}

#[tokio::test]
async fn api_gateway_request_id_is_the_logged_id() {
    let api = TestApi::new().await;
    let event = std::fs::read_to_string(format!(
        "{}/../events/application-get-profile.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let request = lambda_http::request::from_str(&event).unwrap();
    let (response, output) = captured(true, "info", api.api.handle(request)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(output.request_line()["request_id"], "Nk2Y9jKhoAMEVhA=");
    assert_eq!(output.metric_object()["request_id"], "Nk2Y9jKhoAMEVhA=");
    // The event's token is not logged.
    assert!(
        !output.text.contains("user-access-token-456"),
        "{}",
        output.text
    );
}

/// Requests full of tokens and personal data; none of it may reach a log line.
#[tokio::test]
async fn tokens_and_personal_data_never_reach_the_logs() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let inbox = api
        .post(&format!("/api/v1/accounts/{}/inboxes", fx.account))
        .token(&fx.admin.1)
        .json(json!({"name": "Support", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200)
        .text("inbox_identifier");
    let contact_email = email("private-person");
    let visitor_email = email("private-visitor");
    let phone = "+15550009876";
    let secret_content = "my card number is 4111 1111 1111 1111";
    let wrong_token = "not-a-real-token-9f8e7d";
    let base = format!("/api/v1/accounts/{}", fx.account);
    let contacts = format!("{base}/contacts");
    let contact =
        json!({"name": "Zebulon Privatename", "email": contact_email, "phone_number": phone});

    let ((created, duplicate, source, searched), output) =
        captured(true, "info,shared=debug", async {
            let created = api
                .post(&contacts)
                .token(&fx.admin.1)
                .json(contact.clone())
                .send()
                .await;
            let duplicate = api
                .post(&contacts)
                .token(&fx.admin.1)
                .json(contact.clone())
                .send()
                .await;
            let searched = api
                .get(&format!("{contacts}/search?q={contact_email}"))
                .token(&fx.admin.1)
                .send()
                .await;
            api.get(&format!("{base}/conversations"))
                .token(wrong_token)
                .send()
                .await
                .expect(401);
            let public = format!("/public/api/v1/inboxes/{inbox}/contacts");
            let source = api
                .post(&public)
                .json(json!({"name": "Vera Visitor", "email": visitor_email}))
                .send()
                .await
                .expect(200)
                .text("source_id");
            let conversations = format!("{public}/{source}/conversations");
            let conversation = api
                .post(&conversations)
                .json(json!({}))
                .send()
                .await
                .expect(200)
                .id();
            api.post(&format!("{conversations}/{conversation}/messages"))
                .json(json!({"content": secret_content}))
                .send()
                .await
                .expect(200);
            (created, duplicate, source, searched)
        })
        .await;
    created.expect(200);
    duplicate.expect(422);
    searched.expect(200);
    assert_eq!(output.request_lines().len(), 7, "{}", output.text);
    for private in [
        fx.admin.1.as_str(),
        wrong_token,
        &contact_email,
        &visitor_email,
        phone,
        "Privatename",
        "Vera Visitor",
        secret_content,
        &source,
        &inbox,
        "search?q",
    ] {
        assert!(
            !output.text.contains(private),
            "{private:?} logged:\n{}",
            output.text
        );
    }
}

/// A store whose every call fails: internal errors on demand.
struct BrokenStore;

#[async_trait]
impl Store for BrokenStore {
    async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
        Err(StoreError::Backend("disk on fire".into()))
    }
    async fn get_many(&self, _: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        Err(StoreError::Backend("disk on fire".into()))
    }
    async fn query(&self, _: &Query) -> Result<Page, StoreError> {
        Err(StoreError::Backend("disk on fire".into()))
    }
    async fn write(&self, _: Vec<WriteOp>) -> Result<(), StoreError> {
        Err(StoreError::Backend("disk on fire".into()))
    }
    async fn increment(&self, _: &Key, _: &str, _: i64) -> Result<i64, StoreError> {
        Err(StoreError::Backend("disk on fire".into()))
    }
}

#[tokio::test]
async fn an_internal_error_is_logged_with_its_detail_and_request_id() {
    let api = TestApi::new().await;
    let broken = LocalApi::new(
        Arc::new(api.state().with_store(Arc::new(BrokenStore))),
        None,
    );
    let (parts, ()) = http::Request::get("/api/v1/profile")
        .header("api_access_token", "some-token-123")
        .body(())
        .unwrap()
        .into_parts();
    let (response, output) = captured(
        true,
        "info",
        broken.handle(lambda_request(parts, Bytes::new())),
    )
    .await;
    assert_eq!(response.status(), 500);
    let request_id = output.request_line()["request_id"].clone();
    let errors: Vec<&Value> = output
        .lines
        .iter()
        .filter(|l| l["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{}", output.text);
    assert_eq!(errors[0]["request_id"], request_id);
    assert_eq!(errors[0]["route"], "/api/v1/profile");
    assert!(
        errors[0]["detail"]
            .as_str()
            .unwrap()
            .contains("disk on fire"),
        "{}",
        errors[0]
    );
    assert_eq!(output.request_line()["status"], 500);
    assert!(!output.text.contains("some-token-123"));
}

#[tokio::test]
async fn each_request_emits_one_emf_object_with_its_round_trips() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let path = format!("/api/v1/accounts/{}/canned_responses", fx.account);
    api.create_id(
        &path,
        &fx.admin.1,
        json!({"short_code": "hi", "content": "Hello"}),
    )
    .await;
    let expected = api.round_trips(Method::GET, &path, &fx.admin.1).await;
    assert!(expected.reads > 0);

    let (_, output) = captured(true, "info", api.get(&path).token(&fx.admin.1).send()).await;
    let emf = output.metric_object();
    let mut metrics = vec![
        json!({"Name": "latency_ms", "Unit": "Milliseconds"}),
        json!({"Name": "store_reads", "Unit": "Count"}),
        json!({"Name": "store_writes", "Unit": "Count"}),
    ];
    // DynamoDB reports the request units each call consumed; the embedded store has none.
    let on_dynamo = api_tests::aws_backend();
    if on_dynamo {
        metrics.push(json!({"Name": "store_read_units", "Unit": "Count"}));
        metrics.push(json!({"Name": "store_write_units", "Unit": "Count"}));
        assert!(emf["store_read_units"].as_f64().unwrap() >= expected.reads as f64);
        assert_eq!(emf["store_write_units"], 0.0);
    } else {
        assert!(emf.get("store_read_units").is_none(), "{emf}");
    }
    assert_eq!(
        emf["_aws"]["CloudWatchMetrics"],
        json!([{
            "Namespace": NAMESPACE,
            "Dimensions": [["function", "route"]],
            "Metrics": metrics,
        }])
    );
    assert!(emf["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    assert_eq!(emf["function"], "application");
    assert_eq!(
        emf["route"],
        "/api/v1/accounts/{account_id}/canned_responses"
    );
    assert_eq!(emf["store_reads"], expected.reads);
    assert_eq!(emf["store_writes"], expected.writes);
    assert_eq!(emf["status"], 200);
    assert!(emf["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(emf["request_id"], output.request_line()["request_id"]);

    // A create writes; each request of a run gets its own object.
    let (_, output) = captured(true, "info", async {
        api.create_id(
            &path,
            &fx.admin.1,
            json!({"short_code": "bye", "content": "Bye"}),
        )
        .await;
        api.get(&path).token(&fx.admin.1).send().await
    })
    .await;
    let objects = output.metric_objects();
    assert_eq!(objects.len(), 2, "{}", output.text);
    assert!(
        objects[0]["store_writes"].as_u64().unwrap() >= 1,
        "{}",
        objects[0]
    );
    assert_eq!(objects[1]["store_writes"], 0);
    assert_eq!(objects[1]["store_reads"], expected.reads);
    if on_dynamo {
        // At least one unit per item written (the canned response, its claim, the counter).
        assert!(objects[0]["store_write_units"].as_f64().unwrap() >= 1.0);
    }
}

#[tokio::test]
async fn metrics_off_prints_no_emf_object() {
    let api = TestApi::new().await;
    let (response, output) = captured(false, "info", api.get("/api/v1/profile").send()).await;
    response.expect(401);
    assert!(output.metric_objects().is_empty(), "{}", output.text);
    output.request_line();
}

async fn preflight(api: &TestApi, path: &str) -> TestResponse {
    api.request(Method::OPTIONS, path)
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, x-custom")
        .send()
        .await
}

fn allow_origin(response: &TestResponse) -> Option<&str> {
    response
        .headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn public_paths_answer_preflights_and_allow_any_origin() {
    let api = TestApi::new().await;
    for path in [
        "/public/api/v1/inboxes/some-inbox/contacts",
        "/public/api/v1/csat_survey/some-uuid",
        "/hc/some-portal/en",
        "/public/api/v1/no/such/route",
    ] {
        let response = preflight(&api, path).await.expect(204);
        assert_eq!(allow_origin(&response), Some("*"), "{path}");
        let methods = response.headers["access-control-allow-methods"]
            .to_str()
            .unwrap();
        for method in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
            assert!(methods.contains(method), "{path}: {methods}");
        }
        assert_eq!(
            response.headers["access-control-allow-headers"], "content-type, x-custom",
            "{path}"
        );
        assert!(response.raw.is_empty());
    }
    // The answers themselves, found or not, may be read from any origin.
    for path in [
        "/public/api/v1/inboxes/some-inbox",
        "/public/api/v1/csat_survey/some-uuid",
        "/hc/some-portal/en",
    ] {
        let response = api
            .get(path)
            .header("origin", "https://shop.example.com")
            .send()
            .await;
        assert_eq!(allow_origin(&response), Some("*"), "{path}");
    }
}

#[tokio::test]
async fn token_apis_have_no_cross_origin_access() {
    let api = TestApi::new().await;
    let fx: AccountFixture = api.account_fixture().await;
    for path in [
        format!("/api/v1/accounts/{}/contacts", fx.account),
        "/api/v1/profile".to_owned(),
        "/platform/api/v1/accounts".to_owned(),
        format!("/api/v2/accounts/{}/reports/summary", fx.account),
    ] {
        let response = preflight(&api, &path).await;
        assert_ne!(response.status, 204, "{path}");
        assert_eq!(allow_origin(&response), None, "{path}");
        let response = api
            .get(&path)
            .token(&fx.admin.1)
            .header("origin", "https://shop.example.com")
            .send()
            .await;
        assert_eq!(allow_origin(&response), None, "{path}");
    }
}

/// The survey page and a help-center page carry the same hardening headers.
#[tokio::test]
async fn html_pages_carry_security_headers() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = format!("obs-{}", ulid::Ulid::new().to_string().to_lowercase());
    api.post(&format!("/api/v1/accounts/{}/portals", fx.account))
        .token(&fx.admin.1)
        .json(json!({
            "name": "Help", "slug": slug,
            "config": {"allowed_locales": ["en"], "default_locale": "en"},
        }))
        .send()
        .await
        .expect(200);
    for path in [
        format!("/survey/responses/{}", ulid::Ulid::new()),
        format!("/hc/{slug}/en"),
        "/hc/no-such-portal/en".to_owned(),
    ] {
        let response = api.get(&path).send().await;
        assert!(
            response.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let header = |name: &str| {
            response
                .headers
                .get(name)
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
    }
}

/// The survey page's script runs under its policy: the policy names the script's hash.
#[tokio::test]
async fn the_survey_page_policy_allows_exactly_its_own_script() {
    let api = TestApi::new().await;
    let response = api
        .get(&format!("/survey/responses/{}", ulid::Ulid::new()))
        .send()
        .await
        .expect(200);
    let page = String::from_utf8(response.raw.to_vec()).unwrap();
    let start = page.find("<script>").unwrap() + "<script>".len();
    let end = start + page[start..].find("</script>").unwrap();
    let hash = BASE64_STANDARD.encode(Sha256::digest(&page.as_bytes()[start..end]));
    let csp = response.headers["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'unsafe-inline'"));
}
