//! The whole API in one process, routed by path prefix exactly as the API Gateway routes in
//! `template.yaml` send requests to the four functions; plus the embedded mode's blob URLs.

pub mod http_server;
pub mod local_stream;

use http::{Method, StatusCode};
use lambda_http::{Body, RequestExt, Response};
use shared::clock::SystemClock;
use shared::http::response::json_response;
use shared::http::Router;
use shared::state::{Config, Provision, StorageMode};
use shared::AppState;
use std::sync::Arc;
use store_embedded::{FsBlobStore, BLOB_ROUTE};

/// The project's OpenAPI document: the operations it implements, generated from Chatwoot's by
/// `infra/openapi/generate.py`. The local server answers `GET /openapi.json` with it.
pub const OPENAPI_DOCUMENT: &str = include_str!("../../docs/openapi.json");
pub const OPENAPI_ROUTE: &str = "/openapi.json";

/// The four Lambda functions a request can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Platform,
    Application,
    Client,
    Reports,
}

impl Function {
    pub const ALL: [Function; 4] = [
        Function::Platform,
        Function::Application,
        Function::Client,
        Function::Reports,
    ];
}

/// Path prefixes → function: the same table as the `AWS::ApiGatewayV2::Route`s of the template.
pub const ROUTES: &[(&str, Function)] = &[
    ("/platform/api/v1/", Function::Platform),
    ("/api/v1/", Function::Application),
    ("/accounts/", Function::Application),
    ("/api/v2/", Function::Reports),
    ("/public/api/v1/", Function::Client),
    ("/survey/responses/", Function::Client),
    ("/hc/", Function::Client),
];

pub fn function_for(path: &str) -> Option<Function> {
    ROUTES
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, function)| *function)
}

/// The four functions' routers, built once.
pub struct Routers {
    platform: Router,
    application: Router,
    client: Router,
    reports: Router,
}

impl Routers {
    pub fn new() -> Self {
        Routers {
            platform: platform::router(),
            application: application::router(),
            client: client::router(),
            reports: reports::router(),
        }
    }

    pub fn router(&self, function: Function) -> &Router {
        match function {
            Function::Platform => &self.platform,
            Function::Application => &self.application,
            Function::Client => &self.client,
            Function::Reports => &self.reports,
        }
    }
}

impl Default for Routers {
    fn default() -> Self {
        Self::new()
    }
}

pub struct LocalApi {
    pub state: Arc<AppState>,
    /// The state each function serves its requests over, in [`Function::ALL`]'s order.
    function_states: [Arc<AppState>; 4],
    routers: Routers,
    blobs: Option<Arc<FsBlobStore>>,
}

impl LocalApi {
    /// Every function over the one `state`.
    pub fn new(state: Arc<AppState>, blobs: Option<Arc<FsBlobStore>>) -> Self {
        Self::per_function(state.clone(), |_| state.clone(), blobs)
    }

    /// Each function over a state of its own, as deployed functions each hold one (the tests
    /// give each the adapters its IAM role allows); `state` is the one [`LocalApi::state`]
    /// answers.
    pub fn per_function(
        state: Arc<AppState>,
        state_of: impl Fn(Function) -> Arc<AppState>,
        blobs: Option<Arc<FsBlobStore>>,
    ) -> Self {
        LocalApi {
            state,
            function_states: Function::ALL.map(state_of),
            routers: Routers::new(),
            blobs,
        }
    }

    /// Serves one request as the deployed stack would.
    pub async fn handle(&self, request: lambda_http::Request) -> Response<Body> {
        let path = request.raw_http_path().to_owned();
        if let (Some(blobs), Some(key)) = (&self.blobs, path.strip_prefix(BLOB_ROUTE)) {
            return serve_blob(blobs, key, request).await;
        }
        if path == OPENAPI_ROUTE && request.method() == Method::GET {
            return Response::builder()
                .status(StatusCode::OK)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Body::Text(OPENAPI_DOCUMENT.to_owned()))
                .expect("valid response");
        }
        match function_for(&path) {
            Some(function) => {
                let place = Function::ALL.iter().position(|f| *f == function);
                let state = &self.function_states[place.expect("every function is in ALL")];
                self.routers
                    .router(function)
                    .handle(state.clone(), request)
                    .await
            }
            None => json_response(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"status": 404, "error": "Not Found"}),
            ),
        }
    }
}

/// `GET`/`PUT /blobs/<key>?expires=..&signature=..`: URLs the folder store signed.
async fn serve_blob(
    blobs: &FsBlobStore,
    key: &str,
    request: lambda_http::Request,
) -> Response<Body> {
    let query = request.uri().query().unwrap_or("").to_owned();
    let mut expires = 0i64;
    let mut signature = String::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "expires" => expires = value.parse().unwrap_or(0),
            "signature" => signature = value.into_owned(),
            _ => {}
        }
    }
    let forbidden = || {
        json_response(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"error": "invalid or expired signature"}),
        )
    };
    let method = request.method().clone();
    if (method != Method::GET && method != Method::PUT)
        || !blobs.verify(method.as_str(), key, expires, &signature)
    {
        return forbidden();
    }
    use shared::blob::BlobStore;
    if method == Method::PUT {
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = shared::http::body_bytes(request.into_body());
        return match blobs.put(key, bytes, &content_type).await {
            Ok(()) => shared::http::empty_ok(),
            Err(e) => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &serde_json::json!({"error": e.to_string()}),
            ),
        };
    }
    match blobs.get(key).await {
        Ok(Some(blob)) => Response::builder()
            .status(StatusCode::OK)
            .header(
                http::header::CONTENT_DISPOSITION,
                if shared::blob::shown_inline(&blob.content_type) {
                    "inline"
                } else {
                    "attachment"
                },
            )
            .header(http::header::CONTENT_TYPE, blob.content_type)
            .header(http::header::CACHE_CONTROL, "private, max-age=300")
            // Users' bytes on the API's origin: never sniffed into another type, and sandboxed
            // (no script, no same-origin access) whatever they hold.
            .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(
                http::header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            )
            .body(Body::Binary(blob.bytes.to_vec()))
            .expect("valid response"),
        Ok(None) => json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"status": 404, "error": "Not Found"}),
        ),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &serde_json::json!({"error": e.to_string()}),
        ),
    }
}

/// What the local server and the admin command run over: the embedded store (with its blob
/// folder and change log), or DynamoDB and S3 as `STORAGE=aws` names them, on the wall clock.
pub struct LocalState {
    pub state: AppState,
    /// The folder store whose URLs the local server checks (embedded mode).
    pub blobs: Option<Arc<FsBlobStore>>,
    /// The change log the local stream tails (embedded mode).
    pub change_log: Option<store_embedded::EmbeddedStore>,
}

impl LocalState {
    /// `provision` says what to do about a missing table and bucket (`STORAGE=aws`).
    pub async fn open(
        mode: &StorageMode,
        config: Config,
        provision: Provision,
    ) -> Result<LocalState, String> {
        let clock = Arc::new(SystemClock);
        match mode {
            StorageMode::Embedded { data_dir } => {
                let embedded = store_embedded::open(data_dir, config, clock)?;
                Ok(LocalState {
                    state: embedded.state,
                    blobs: Some(embedded.blobs),
                    change_log: Some(embedded.store),
                })
            }
            StorageMode::Aws { table, bucket } => {
                let state = AppState::aws(table, bucket, config, provision, clock).await?;
                Ok(LocalState {
                    state,
                    blobs: None,
                    change_log: None,
                })
            }
        }
    }
}
