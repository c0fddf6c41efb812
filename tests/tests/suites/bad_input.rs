//! Bad input: oversized and deeply nested bodies, invalid UTF-8, wrong types, huge pages,
//! impossible ids, unknown enum values, path traversal in file names and markup in what the
//! public pages show. Each gets a clear 4xx with Chatwoot's error body, or a safe answer;
//! never a 5xx, and a refused request writes nothing.

use api_tests::world::{Tenant, World};
use api_tests::{json, multipart, TestApi, TestResponse};
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use shared::http::MAX_BODY_BYTES;

/// What a request must get.
#[derive(Clone)]
enum Outcome {
    /// This status and body.
    Exactly(u16, Value),
    /// This status, with a JSON object body (Chatwoot's error envelope).
    Status(u16),
    /// Any 2xx or 4xx with a JSON body (the input is coerced or ignored, as in Chatwoot).
    Safe,
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    content_type: &'static str,
    body: Bytes,
    outcome: Outcome,
}

fn case(name: &'static str, method: Method, path: String, body: Value, outcome: Outcome) -> Case {
    Case {
        name,
        method,
        path,
        content_type: "application/json",
        body: Bytes::from(body.to_string()),
        outcome,
    }
}

fn raw(name: &'static str, path: String, body: impl Into<Bytes>, outcome: Outcome) -> Case {
    Case {
        name,
        method: Method::POST,
        path,
        content_type: "application/json",
        body: body.into(),
        outcome,
    }
}

fn not_found() -> Outcome {
    Outcome::Exactly(404, json!({"error": "Resource could not be found"}))
}

/// The framework's answer to a parameter of the wrong type (Rails' own 400).
fn bad_request(message: &str) -> Outcome {
    Outcome::Exactly(
        400,
        json!({"status": 400, "error": "Bad Request", "message": message}),
    )
}

fn not_an_integer(key: &str) -> Outcome {
    bad_request(&format!("{key} must be an integer"))
}

fn invalid(message: &str, attribute: &str) -> Outcome {
    Outcome::Exactly(422, json!({"message": message, "attributes": [attribute]}))
}

/// `depth` arrays inside each other, as a field's value.
fn nested(depth: usize) -> String {
    format!("{{\"title\": {}1{}}}", "[".repeat(depth), "]".repeat(depth))
}

fn refused_requests(a: &Tenant) -> Vec<Case> {
    let base = format!("/api/v1/accounts/{}", a.account);
    let labels = format!("{base}/labels");
    let conversation = format!("{base}/conversations/{}", a.conversation);
    let bad_json = Outcome::Status(400);
    // Fields nested deeper than Rack allows are dropped: nothing is left to create from.
    let label_missing = Outcome::Exactly(
        422,
        json!({"error": "param is missing or the value is empty: label"}),
    );
    let mut oversized = b"{\"title\": \"big\", \"description\": \"".to_vec();
    oversized.resize(MAX_BODY_BYTES + 1, b'a');
    oversized.extend(b"\"}");
    vec![
        raw(
            "a body beyond the limit",
            labels.clone(),
            oversized,
            Outcome::Exactly(413, json!({"status": 413, "error": "Payload Too Large"})),
        ),
        raw(
            "10k nested arrays",
            labels.clone(),
            nested(10_000),
            bad_json.clone(),
        ),
        raw(
            "10k nested objects",
            labels.clone(),
            format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
            bad_json.clone(),
        ),
        Case {
            content_type: "application/x-www-form-urlencoded",
            ..raw(
                "a form key 10k brackets deep",
                labels.clone(),
                format!("title{}=x", "[a]".repeat(10_000)),
                label_missing.clone(),
            )
        },
        raw(
            "a query key 10k brackets deep",
            format!("{labels}?title{}=x", "[a]".repeat(10_000)),
            "",
            label_missing,
        ),
        raw(
            "invalid UTF-8 in a JSON string",
            labels.clone(),
            b"{\"title\": \"bad\xff\xfe\"}".to_vec(),
            bad_json.clone(),
        ),
        raw(
            "a truncated JSON body",
            labels.clone(),
            "{\"title\": \"x",
            bad_json,
        ),
        case(
            "an array for a string",
            Method::POST,
            labels.clone(),
            json!({"title": ["a", "b"]}),
            invalid("Title must not be blank", "title"),
        ),
        case(
            "an object for a string",
            Method::POST,
            format!("{base}/teams"),
            json!({"name": {"a": 1}}),
            invalid("Name must not be blank", "name"),
        ),
        case(
            "text for an inbox id",
            Method::POST,
            format!("{base}/conversations"),
            json!({"inbox_id": "abc", "contact_id": a.contact}),
            not_an_integer("inbox_id"),
        ),
        case(
            "an array for an inbox id",
            Method::POST,
            format!("{base}/conversations"),
            json!({"inbox_id": [a.api_inbox], "contact_id": a.contact}),
            not_an_integer("inbox_id"),
        ),
        case(
            "text for the user ids of a team",
            Method::POST,
            format!("{base}/teams/{}/team_members", a.team),
            json!({"user_ids": "abc"}),
            bad_request("user_ids must be an array"),
        ),
        case(
            "an unknown conversation status",
            Method::POST,
            format!("{conversation}/toggle_status"),
            json!({"status": "bogus"}),
            Outcome::Status(422),
        ),
        case(
            "an unknown message type",
            Method::POST,
            format!("{conversation}/messages"),
            json!({"content": "hi", "message_type": "bogus"}),
            Outcome::Status(422),
        ),
        case(
            "an unknown agent role",
            Method::POST,
            format!("{base}/agents"),
            json!({"name": "New", "email": api_tests::email("role"), "role": "superuser"}),
            Outcome::Status(422),
        ),
        case(
            "an unknown member role",
            Method::PATCH,
            format!("{base}/agents/{}", a.agent.0),
            json!({"role": "owner"}),
            Outcome::Status(422),
        ),
        case(
            "an unknown priority",
            Method::POST,
            format!("{conversation}/toggle_priority"),
            json!({"priority": "bogus"}),
            Outcome::Status(422),
        ),
        case(
            "a negative contact id",
            Method::GET,
            format!("{base}/contacts/-1"),
            Value::Null,
            not_found(),
        ),
        case(
            "an overflowing contact id",
            Method::PUT,
            format!("{base}/contacts/99999999999999999999999999"),
            json!({"name": "x"}),
            not_found(),
        ),
        case(
            "a negative conversation id",
            Method::POST,
            format!("{base}/conversations/-1/messages"),
            json!({"content": "x"}),
            not_found(),
        ),
        case(
            "an overflowing conversation id",
            Method::PATCH,
            format!("{base}/conversations/18446744073709551617"),
            json!({"priority": "low"}),
            not_found(),
        ),
        case(
            "a zero label id",
            Method::DELETE,
            format!("{base}/labels/0"),
            Value::Null,
            not_found(),
        ),
        case(
            "an overflowing message id",
            Method::DELETE,
            format!("{conversation}/messages/-99999999999999999999"),
            Value::Null,
            not_found(),
        ),
        case(
            "an overflowing account id",
            Method::GET,
            "/api/v1/accounts/99999999999999999999999/labels".to_owned(),
            Value::Null,
            not_found(),
        ),
    ]
}

fn safe_requests(a: &Tenant) -> Vec<Case> {
    let base = format!("/api/v1/accounts/{}", a.account);
    let get = |name, path: String| case(name, Method::GET, path, Value::Null, Outcome::Safe);
    vec![
        get(
            "a huge page of conversations",
            format!("{base}/conversations?page=99999999999999999999999999"),
        ),
        get(
            "a huge page of contacts",
            format!("{base}/contacts?page=18446744073709551616"),
        ),
        get(
            "a negative page of contacts",
            format!("{base}/contacts?page=-5"),
        ),
        get(
            "a huge page of a search",
            format!("{base}/contacts/search?q=a&page=99999999999999999999"),
        ),
        get(
            "invalid UTF-8 in a search",
            format!("{base}/contacts/search?q=%FF%FE%FD"),
        ),
        get(
            "invalid UTF-8 in a status filter",
            format!("{base}/conversations?status=%C3%28&assignee_type=%FF"),
        ),
        get(
            "unknown conversation filters",
            format!("{base}/conversations?status=bogus&assignee_type=bogus&sort_by=bogus"),
        ),
        get(
            "a huge page of messages",
            format!(
                "{base}/conversations/{}/messages?before=99999999999999999999999",
                a.conversation
            ),
        ),
        get(
            "a huge report range",
            format!(
                "/api/v2/accounts/{}/reports/summary?type=account&since=-99999999999999999999&until=99999999999999999999",
                a.account
            ),
        ),
        case(
            "a number for a string",
            Method::POST,
            format!("{base}/canned_responses"),
            json!({"short_code": 12345, "content": 678}),
            Outcome::Safe,
        ),
    ]
}

fn outcome_holds(outcome: &Outcome, response: &TestResponse) -> bool {
    match outcome {
        Outcome::Exactly(status, body) => response.status == *status && response.body == *body,
        Outcome::Status(status) => response.status == *status && response.body.is_object(),
        Outcome::Safe => {
            response.status < 500 && response.status != 404 && !response.body.is_null()
        }
    }
}

async fn send(api: &TestApi, token: &str, case: &Case) -> TestResponse {
    api.request(case.method.clone(), &case.path)
        .token(token)
        .body(case.content_type, case.body.clone())
        .send()
        .await
}

/// What A's administrator sees of the account: every list a refused request could change.
async fn snapshot(api: &TestApi, a: &Tenant) -> Vec<Value> {
    let base = format!("/api/v1/accounts/{}", a.account);
    let mut seen = Vec::new();
    for rest in [
        "/labels".to_owned(),
        "/teams".to_owned(),
        format!("/teams/{}/team_members", a.team),
        "/agents".to_owned(),
        "/contacts".to_owned(),
        "/canned_responses".to_owned(),
        "/conversations?status=all".to_owned(),
        format!("/conversations/{}", a.conversation),
        format!("/conversations/{}/messages", a.conversation),
    ] {
        let response = api
            .get(&format!("{base}{rest}"))
            .token(&a.admin.1)
            .send()
            .await
            .expect(200);
        let mut body = response.body;
        api_tests::forget_clock_fields(&mut body);
        seen.push(body);
    }
    seen
}

#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_writes_nothing() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let a = &world.a;
    let before = snapshot(&api, a).await;
    let refused = refused_requests(a);
    let safe = safe_requests(a);
    let mut failures = Vec::new();
    for case in refused.iter().chain(&safe) {
        let response = send(&api, &a.admin.1, case).await;
        if !outcome_holds(&case.outcome, &response) {
            failures.push(format!(
                "{} ({} {}): {} {}",
                case.name,
                case.method,
                case.path.chars().take(120).collect::<String>(),
                response.status,
                String::from_utf8_lossy(&response.raw)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
        // The refused ones come first: nothing may have changed by the last of them.
        if std::ptr::eq(case, refused.last().expect("cases")) {
            assert_eq!(snapshot(&api, a).await, before, "a refused request wrote");
        }
    }
    println!(
        "bad input: {} refused and {} safe cases",
        refused.len(),
        safe.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn attachment_names_cannot_leave_the_blob_key_space() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let a = &world.a;
    let messages = format!(
        "/api/v1/accounts/{}/conversations/{}/messages",
        a.account, a.conversation
    );
    for (name, stored) in [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("..", "file"),
        ("/etc/shadow", "shadow"),
        ("a/../../b c<script>.txt", "b_c_script_.txt"),
        ("%2e%2e%2fsecret", "_2e_2e_2fsecret"),
    ] {
        let (content_type, body) = multipart(
            &[("content", "file")],
            &[("attachments[]", name, "text/plain", b"x")],
        );
        let created = api
            .post(&messages)
            .token(&a.admin.1)
            .body(&content_type, body)
            .send()
            .await
            .expect(200);
        let attachment = &created.body["attachments"][0];
        let url = attachment["data_url"].as_str().expect("data_url");
        let path = url.split('?').next().unwrap();
        assert!(
            !path.contains("..") && !path.contains("%2e%2e") && !path.contains('\\'),
            "{name}: {url}"
        );
        assert!(
            path.ends_with(&format!("/{stored}")),
            "{name} is stored under its sanitized name: {url}"
        );
        let (status, bytes) = api_tests::fetch_url(&api, Method::GET, url, "", Bytes::new()).await;
        assert_eq!((status, bytes.as_ref()), (200, b"x".as_ref()), "{url}");
    }
}

const SCRIPT: &str = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";

#[tokio::test]
async fn markup_in_what_the_public_pages_show_is_escaped() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let a = &world.a;
    let base = format!("/api/v1/accounts/{}", a.account);

    // The CSAT page embeds the survey, feedback included.
    api.patch(&format!("/public/api/v1/csat_survey/{}", a.conversation_uuid))
        .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 1, "feedback_message": SCRIPT}}}}))
        .send()
        .await
        .expect(200);
    api.patch(&base)
        .token(&a.admin.1)
        .json(json!({"name": SCRIPT}))
        .send()
        .await
        .expect(200);
    let page = api
        .get(&format!("/survey/responses/{}", a.conversation_uuid))
        .send()
        .await
        .expect(200);
    let html = String::from_utf8(page.raw.to_vec()).expect("utf-8 page");
    assert!(html.contains("alert(1)"), "the survey is on the page");
    assert_markup_escaped(&html, "CSAT page");

    // Portal pages show the article's title and content, and the category's name.
    let article = api
        .post(&format!("{base}/portals/{}/articles", a.portal_slug))
        .token(&a.admin.1)
        .json(json!({"title": SCRIPT, "content": format!("Intro {SCRIPT}"), "author_id": a.admin.0, "category_id": a.category, "status": "published"}))
        .send()
        .await
        .expect(200);
    let slug = article.body["payload"]["slug"]
        .as_str()
        .expect("article slug")
        .to_owned();
    for path in [
        format!("/hc/{}/articles/{slug}", a.portal_slug),
        format!("/hc/{}/en", a.portal_slug),
    ] {
        let page = api.get(&path).send().await.expect(200);
        let html = String::from_utf8(page.raw.to_vec()).expect("utf-8 page");
        assert!(html.contains("alert(1)"), "{path} shows the article");
        assert_markup_escaped(&html, &path);
    }
}

#[track_caller]
fn assert_markup_escaped(html: &str, page: &str) {
    for raw in [
        "<script>alert",
        "</script><script>",
        "<img src=x",
        "onerror=alert(2)>",
    ] {
        assert!(!html.contains(raw), "{page} shows {raw:?} unescaped");
    }
}
