//! The black-box harness: the whole API (all four function routers behind the local
//! server's prefix routing) over a fresh store per test. `TEST_STORAGE=aws` runs the same
//! suites against DynamoDB + S3 from the standard AWS environment (DynamoDB Local and moto
//! via `infra/emulators.sh`, or LocalStack with `AWS_ENDPOINT_URL`).

use bytes::Bytes;
use http::Method;
use infra::LocalApi;
use serde_json::Value;
use shared::clock::{Clock, SystemClock};
use shared::http::{body_bytes, lambda_request};
use shared::state::{AppState, Config, Provision};
use std::sync::Arc;

pub mod bench;
pub mod clock;
pub mod events;
pub mod faults;
pub mod iam;
pub mod operations;
pub mod receiver;
pub mod template;
pub mod world;

pub use serde_json::json;

/// Which adapters the suites run over.
pub fn aws_backend() -> bool {
    aws_requested("TEST_STORAGE")
}

/// Whether the environment variable `variable` asks for the AWS adapters (`aws`) rather than
/// the embedded ones (`embedded`, the default).
pub fn aws_requested(variable: &str) -> bool {
    match std::env::var(variable).as_deref() {
        Ok("aws") => true,
        Ok("embedded") | Err(_) => false,
        Ok(other) => panic!("{variable} must be 'embedded' or 'aws', not '{other}'"),
    }
}

pub const FRONTEND_URL: &str = "http://chat.test";

/// The suites create and drop tables freely: they must only ever talk to an emulator (or
/// LocalStack), never to a real account or the instance-metadata service.
fn refuse_real_aws() {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    let endpoint =
        set("AWS_ENDPOINT_URL") || (set("AWS_ENDPOINT_URL_DYNAMODB") && set("AWS_ENDPOINT_URL_S3"));
    assert!(
        endpoint && set("AWS_ACCESS_KEY_ID"),
        "TEST_STORAGE=aws needs emulator endpoints and keys in the environment \
         (eval \"$(bash infra/emulators.sh start)\", or AWS_ENDPOINT_URL + keys for LocalStack)"
    );
}

/// What a test's store leaves behind, removed when the test is done: the embedded store's
/// folder, or the emulator's table. DynamoDB Local slows down with every table it holds
/// (measured: 440 idle tables make a suite 3–4× slower), so each test drops its own.
pub enum Scratch {
    Folder(tempfile::TempDir),
    Table(String),
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Scratch::Table(name) = self {
            let name = name.clone();
            // Drop cannot await and may run inside a runtime: a thread of its own deletes it.
            // A table left behind only costs speed, so a failed delete is no test failure.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    let config =
                        aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                    let client = aws_sdk_dynamodb::Client::new(&config);
                    let _ = client.delete_table().table_name(name).send().await;
                })
            })
            .join();
        }
    }
}

/// A fresh, empty store for one test: a temporary folder, or a new table and bucket.
pub async fn fresh_state() -> (
    Arc<AppState>,
    Option<Arc<store_embedded::FsBlobStore>>,
    Option<Scratch>,
) {
    let (state, blobs, scratch) = empty_state(aws_backend(), Arc::new(SystemClock)).await;
    (Arc::new(state), blobs, scratch)
}

/// An empty store on the chosen adapter, not yet shared, so a caller (a benchmark) can wrap
/// its store first. `clock` is the state's one notion of now, the adapters' included.
pub async fn empty_state(
    aws: bool,
    clock: Arc<dyn Clock>,
) -> (
    AppState,
    Option<Arc<store_embedded::FsBlobStore>>,
    Option<Scratch>,
) {
    let config = Config::with_defaults(FRONTEND_URL);
    if aws {
        refuse_real_aws();
        let name = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
        let state = AppState::aws(
            &name,
            &name,
            config,
            Provision::Create { stream: false },
            clock,
        )
        .await
        .unwrap_or_else(|e| {
            panic!("TEST_STORAGE=aws needs DynamoDB and S3 endpoints (run infra/emulators.sh): {e}")
        });
        (state, None, Some(Scratch::Table(name)))
    } else {
        let dir = tempfile::tempdir().expect("temp dir");
        let built = store_embedded::open(dir.path(), config, clock).expect("embedded store");
        (built.state, Some(built.blobs), Some(Scratch::Folder(dir)))
    }
}

/// Applies `adjust`, refusing a swapped clock: the adapters keep the one they were built with,
/// so a new one would split "now" in two.
pub fn adjust_keeping_clock(state: &mut AppState, adjust: impl FnOnce(&mut AppState)) {
    let clock = state.clock.clone();
    adjust(state);
    assert!(
        Arc::ptr_eq(&clock, &state.clock),
        "set a clock through TestApi::with_clock, which gives it to the adapters too"
    );
}

/// The API as deployed: each function's requests reach `state`'s adapters only through its
/// IAM role in `template.yaml` ([`iam::guarded`]).
fn guarded_api(state: Arc<AppState>, blobs: Option<Arc<store_embedded::FsBlobStore>>) -> LocalApi {
    let state_of = |function: infra::Function| iam::guarded(&state, function.into());
    LocalApi::per_function(state.clone(), state_of, blobs)
}

pub struct TestApi {
    pub api: LocalApi,
    _scratch: Option<Scratch>,
}

#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

impl TestResponse {
    /// `body[key]` as an integer id.
    pub fn id(&self) -> i64 {
        self.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
    }

    pub fn text(&self, key: &str) -> String {
        self.body[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {}", self.body))
            .to_owned()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
}

pub struct RequestBuilder<'a> {
    api: &'a TestApi,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl RequestBuilder<'_> {
    pub fn token(self, token: &str) -> Self {
        self.header("api_access_token", token)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Bytes::from(body.to_string());
        self.header("content-type", "application/json")
    }

    /// A raw body with its content type (malformed JSON, forms, multipart).
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub async fn send(self) -> TestResponse {
        let mut builder = http::Request::builder().method(self.method).uri(&self.path);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let (parts, ()) = builder.body(()).expect("request").into_parts();
        let response = self.api.api.handle(lambda_request(parts, self.body)).await;
        let (parts, body) = response.into_parts();
        let raw = body_bytes(body);
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or(Value::Null)
        };
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            raw,
        }
    }
}

impl TestApi {
    pub async fn new() -> Self {
        let (state, blobs, scratch) = fresh_state().await;
        Self::over(state, blobs, scratch)
    }

    /// The API over a fresh store whose state `adjust` changes first (a lower limit, a
    /// decorated store). A fixed clock goes in through [`TestApi::with_clock`].
    pub async fn with_state(adjust: impl FnOnce(&mut AppState)) -> Self {
        let (mut state, blobs, scratch) = empty_state(aws_backend(), Arc::new(SystemClock)).await;
        adjust_keeping_clock(&mut state, adjust);
        Self::over(Arc::new(state), blobs, scratch)
    }

    /// The API over a fresh store whose adapters and domain all read `clock`.
    pub async fn with_clock(clock: Arc<dyn Clock>) -> Self {
        let (state, blobs, scratch) = empty_state(aws_backend(), clock).await;
        Self::over(Arc::new(state), blobs, scratch)
    }

    /// The API over a given state; `scratch` (its folder or table) lives as long as it.
    pub fn over(
        state: Arc<AppState>,
        blobs: Option<Arc<store_embedded::FsBlobStore>>,
        scratch: Option<Scratch>,
    ) -> Self {
        TestApi {
            api: guarded_api(state, blobs),
            _scratch: scratch,
        }
    }

    /// The state behind every function, unguarded: for a test's own setup and checks.
    pub fn state(&self) -> &Arc<AppState> {
        &self.api.state
    }

    /// The state over a counting view of the same store, and the counter (for measuring a
    /// domain call's round trips).
    pub fn counted_state(&self) -> (Arc<AppState>, shared::store::CountingStore) {
        let state = self.state();
        let counter = shared::store::CountingStore::new(state.store.clone());
        let counted = Arc::new(state.with_store(Arc::new(counter.clone())));
        (counted, counter)
    }

    /// The store round trips of one request that must succeed (200), measured through a
    /// counting view of the same store.
    pub async fn round_trips(
        &self,
        method: Method,
        path: &str,
        token: &str,
    ) -> shared::store::RoundTrips {
        let (counted, counter) = self.counted_state();
        let (parts, ()) = http::Request::builder()
            .method(method)
            .uri(path)
            .header("api_access_token", token)
            .body(())
            .expect("request")
            .into_parts();
        let response = guarded_api(counted, None)
            .handle(lambda_request(parts, Bytes::new()))
            .await;
        assert_eq!(response.status(), 200, "{path}");
        counter.take()
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            api: self,
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::DELETE, path)
    }

    /// A new platform app's token (apps are made by operators, not through the API).
    pub async fn platform_token(&self) -> String {
        shared::domain::platform::create_app(self.state(), "Test app", None)
            .await
            .expect("platform app")
            .access_token
    }

    /// Creates a contact in the account at `base` (`/api/v1/accounts/{id}`), which must
    /// succeed, and answers its id (Chatwoot wraps it: `payload.contact.id`).
    pub async fn create_contact(&self, base: &str, token: &str, body: Value) -> i64 {
        let created = self
            .post(&format!("{base}/contacts"))
            .token(token)
            .json(body)
            .send()
            .await
            .expect(200);
        created.body["payload"]["contact"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no contact id in {}", created.body))
    }

    /// POSTs a create that must succeed (200) and answers the new record's id.
    pub async fn create_id(&self, path: &str, token: &str, body: Value) -> i64 {
        self.post(path)
            .token(token)
            .json(body)
            .send()
            .await
            .expect(200)
            .id()
    }

    pub async fn create_account(&self, platform: &str, name: &str) -> i64 {
        self.create_id(
            "/platform/api/v1/accounts",
            platform,
            json!({ "name": name }),
        )
        .await
    }

    /// Creates a user; answers (id, access token).
    pub async fn create_user(&self, platform: &str, email: &str) -> (i64, String) {
        let user = self
            .post("/platform/api/v1/users")
            .token(platform)
            .json(json!({ "name": "Test User", "email": email, "password": "Password1!" }))
            .send()
            .await
            .expect(200);
        (user.id(), user.text("access_token"))
    }

    pub async fn add_member(&self, platform: &str, account: i64, user: i64, role: &str) {
        self.post(&format!(
            "/platform/api/v1/accounts/{account}/account_users"
        ))
        .token(platform)
        .json(json!({ "user_id": user, "role": role }))
        .send()
        .await
        .expect(200);
    }
}

/// Fetches an absolute URL the blob store signed: through the local server's routes when it
/// is one of ours, else over plain HTTP (the S3 emulator). Answers (status, body).
pub async fn fetch_url(
    api: &TestApi,
    method: Method,
    url: &str,
    content_type: &str,
    body: Bytes,
) -> (u16, Bytes) {
    if let Some(path) = url.strip_prefix(FRONTEND_URL) {
        let response = api
            .request(method, path)
            .body(content_type, body)
            .send()
            .await;
        return (response.status, response.raw);
    }
    plain_http(method, url, content_type, body).await
}

/// A minimal HTTP/1.1 exchange (one request, `Connection: close`) for `http://` URLs.
async fn plain_http(method: Method, url: &str, content_type: &str, body: Bytes) -> (u16, Bytes) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("plain http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut content = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        content = dechunk(&content);
    }
    (status, Bytes::from(content))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// A unique e-mail address for a test.
pub fn email(prefix: &str) -> String {
    format!(
        "{prefix}-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// An account with one member of each role, plus outsiders, for account-scoped suites.
pub struct AccountFixture {
    pub platform: String,
    pub account: i64,
    pub admin: (i64, String),
    pub agent: (i64, String),
    /// A user of another account only.
    pub outsider: (i64, String),
    /// An agent bot token (bots may use none of the routes of part 1).
    pub bot_token: String,
    /// An account the administrator also belongs to, suspended.
    pub suspended_account: i64,
    /// An account of the same installation the administrator does not belong to.
    pub other_account: i64,
}

impl TestApi {
    pub async fn account_fixture(&self) -> AccountFixture {
        let platform = self.platform_token().await;
        let account = self.create_account(&platform, "Acme").await;
        let other_account = self.create_account(&platform, "Other").await;
        let suspended_account = self.create_account(&platform, "Suspended").await;
        let admin = self.create_user(&platform, &email("admin")).await;
        let agent = self.create_user(&platform, &email("agent")).await;
        let outsider = self.create_user(&platform, &email("outsider")).await;
        self.add_member(&platform, account, admin.0, "administrator")
            .await;
        self.add_member(&platform, account, agent.0, "agent").await;
        self.add_member(&platform, other_account, outsider.0, "administrator")
            .await;
        self.add_member(&platform, suspended_account, admin.0, "administrator")
            .await;
        self.patch(&format!("/platform/api/v1/accounts/{suspended_account}"))
            .token(&platform)
            .json(json!({"status": "suspended"}))
            .send()
            .await
            .expect(200);
        let bot_token = self
            .post("/platform/api/v1/agent_bots")
            .token(&platform)
            .json(json!({"name": "Bot", "account_id": account}))
            .send()
            .await
            .expect(200)
            .text("access_token");
        AccountFixture {
            platform,
            account,
            admin,
            agent,
            outsider,
            bot_token,
            suspended_account,
            other_account,
        }
    }
}

/// An API inbox of a fixture's account, a contact and an open conversation between them.
pub struct OpenConversation {
    /// `/api/v1/accounts/{account}`.
    pub base: String,
    pub inbox: i64,
    pub contact: i64,
    pub conversation: i64,
}

impl TestApi {
    /// Creates an [`OpenConversation`] in `fx`'s account as its administrator.
    pub async fn open_conversation(&self, fx: &AccountFixture) -> OpenConversation {
        let base = format!("/api/v1/accounts/{}", fx.account);
        let admin = &fx.admin.1;
        let inbox = self
            .create_id(
                &format!("{base}/inboxes"),
                admin,
                json!({"name": "API", "channel": {"type": "api"}}),
            )
            .await;
        let contact = self
            .create_contact(
                &base,
                admin,
                json!({"name": "Carla", "email": "carla@example.com"}),
            )
            .await;
        let conversation = self
            .create_id(
                &format!("{base}/conversations"),
                admin,
                json!({"inbox_id": inbox, "contact_id": contact}),
            )
            .await;
        OpenConversation {
            base,
            inbox,
            contact,
            conversation,
        }
    }
}

impl TestApi {
    /// Points an API inbox's webhook (where its outgoing messages go) at `url`.
    pub async fn set_inbox_webhook(&self, base: &str, inbox: i64, token: &str, url: &str) {
        self.patch(&format!("{base}/inboxes/{inbox}"))
            .token(token)
            .json(json!({"channel": {"webhook_url": url}}))
            .send()
            .await
            .expect(200);
    }
}

/// One account-scoped route for [`check_account_guards`]: `{account}` in the path is filled
/// in; `{id}` should already name a real object of the fixture's account.
pub struct GuardedRoute {
    pub method: Method,
    pub path: String,
    pub body: Value,
    pub admin_only: bool,
    /// Agent bots of the account may use it (Chatwoot's bot endpoints): the bot case becomes
    /// a bot of another account, refused as such.
    pub bots_allowed: bool,
}

impl GuardedRoute {
    pub fn new(method: Method, path: impl Into<String>, body: Value, admin_only: bool) -> Self {
        GuardedRoute {
            method,
            path: path.into(),
            body,
            admin_only,
            bots_allowed: false,
        }
    }

    pub fn bots_allowed(mut self) -> Self {
        self.bots_allowed = true;
        self
    }
}

/// Chatwoot's answers, in its order, for every route given: no token, unknown token, agent-bot
/// and platform-app tokens, unknown account, suspended account, a user of another account, and
/// (for administrator-only routes) an agent. Also checks the administrator gets past them all.
pub async fn check_account_guards(
    api: &TestApi,
    fixture: &AccountFixture,
    routes: &[GuardedRoute],
) {
    let for_account =
        |route: &GuardedRoute, account: i64| route.path.replace("{account}", &account.to_string());
    // A bot of another account, made only when a route admits bots.
    let foreign_bot = if routes.iter().any(|r| r.bots_allowed) {
        api.post("/platform/api/v1/agent_bots")
            .token(&fixture.platform)
            .json(json!({"name": "Elsewhere", "account_id": fixture.other_account}))
            .send()
            .await
            .expect(200)
            .text("access_token")
    } else {
        String::new()
    };
    for route in routes {
        let path = for_account(route, fixture.account);
        let send = |token: Option<&str>, path: String| {
            let mut request = api.request(route.method.clone(), &path);
            if let Some(token) = token {
                request = request.token(token);
            }
            if !route.body.is_null() {
                request = request.json(route.body.clone());
            }
            request.send()
        };
        let cases: Vec<(Option<&str>, String, u16, Value)> = vec![
            (
                None,
                path.clone(),
                401,
                json!({"errors": ["You need to sign in or sign up before continuing."]}),
            ),
            (
                Some("unknown-token"),
                path.clone(),
                401,
                json!({"error": "Invalid Access Token"}),
            ),
            if route.bots_allowed {
                (
                    Some(&foreign_bot),
                    path.clone(),
                    401,
                    json!({"error": "Bot is not authorized to access this account"}),
                )
            } else {
                (
                    Some(&fixture.bot_token),
                    path.clone(),
                    401,
                    json!({"error": "Access to this endpoint is not authorized for bots"}),
                )
            },
            (
                Some(&fixture.platform),
                path.clone(),
                401,
                json!({"error": "Access to this endpoint is not authorized for bots"}),
            ),
            (
                Some(&fixture.admin.1),
                for_account(route, 987_654_321),
                404,
                json!({"error": "Resource could not be found"}),
            ),
            (
                Some(&fixture.admin.1),
                for_account(route, fixture.suspended_account),
                401,
                json!({"error": "Account is suspended"}),
            ),
            (
                Some(&fixture.outsider.1),
                path.clone(),
                401,
                json!({"error": "You are not authorized to access this account"}),
            ),
        ];
        for (token, path, status, body) in cases {
            let response = send(token, path.clone()).await;
            assert_eq!(
                response.status, status,
                "{} {path} as {token:?}: {}",
                route.method, response.body
            );
            assert_eq!(response.body, body, "{} {path} as {token:?}", route.method);
        }
        if route.admin_only {
            let response = send(Some(&fixture.agent.1), path.clone()).await;
            assert_eq!(
                response.status, 401,
                "{} {path} as agent: {}",
                route.method, response.body
            );
            assert_eq!(
                response.body,
                json!({"error": "You are not authorized to do this action"})
            );
        }
    }
}

/// Sends `n` POSTs to `path` at the same time, the i-th with `body(i)`: how uniqueness races
/// are provoked.
pub async fn concurrent_posts(
    api: &std::sync::Arc<TestApi>,
    path: &str,
    token: &str,
    n: usize,
    body: impl Fn(usize) -> Value,
) -> Vec<TestResponse> {
    let requests = (0..n)
        .map(|i| (Method::POST, path.to_owned(), body(i)))
        .collect();
    concurrent_requests(api, token, requests).await
}

/// Sends every (method, path, JSON body) at the same time; answers in the same order.
pub async fn concurrent_requests(
    api: &std::sync::Arc<TestApi>,
    token: &str,
    requests: Vec<(Method, String, Value)>,
) -> Vec<TestResponse> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, body)| {
            let (api, token) = (api.clone(), token.to_owned());
            tokio::spawn(async move {
                api.request(method, &path)
                    .token(&token)
                    .json(body)
                    .send()
                    .await
            })
        })
        .collect();
    let mut responses = Vec::with_capacity(tasks.len());
    for task in tasks {
        responses.push(task.await.expect("request task"));
    }
    responses
}

/// Exactly one request won (200) and every other one got the validation error given.
#[track_caller]
pub fn assert_one_winner(responses: &[TestResponse], loser_body: &Value) {
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    for response in responses.iter().filter(|r| r.status != 200) {
        assert_eq!(response.status, 422, "{statuses:?}");
        assert_eq!(&response.body, loser_body);
    }
}

/// A `multipart/form-data` body: text fields, then files as (field, file name, content type,
/// bytes). Answers (content-type header, body).
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "XTESTBOUNDARYX";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Removes what a response derives from the reading time rather than from stored state
/// (`waiting_since`, signed URLs' expiry), so two snapshots of unchanged state compare equal.
pub fn forget_clock_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("waiting_since");
            map.values_mut().for_each(forget_clock_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(forget_clock_fields),
        // Signed blob URLs carry their signing time and expiry in the query.
        Value::String(text) if text.starts_with("http") => {
            if let Some(query) = text.find('?') {
                text.truncate(query);
            }
        }
        _ => {}
    }
}
