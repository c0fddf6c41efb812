//! One router per function: a table of (method, path pattern, handler) matched on the raw
//! path, so the same code serves API Gateway, `cargo lambda watch`, the local server and tests.

use super::cors;
use super::response::{error_response, Family};
use super::ApiRequest;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{CountingStore, Store};
use crate::telemetry;
use futures::future::BoxFuture;
use http::Method;
use lambda_http::{Body, Response};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// The route logged for a path no route matches.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

pub type HandlerFuture = BoxFuture<'static, AppResult<Response<Body>>>;
pub type Handler = fn(Arc<AppState>, ApiRequest) -> HandlerFuture;

/// Turns `async fn(Arc<AppState>, ApiRequest) -> AppResult<Response<Body>>` into a [`Handler`].
#[macro_export]
macro_rules! handler {
    ($f:path) => {
        |state, request| Box::pin($f(state, request))
    };
}

struct Endpoint {
    pattern: &'static str,
    methods: Vec<(Method, Handler)>,
}

pub struct Router {
    /// The function's name, the `function` dimension of its metrics.
    function: &'static str,
    family: Family,
    paths: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
    /// Path prefixes any origin may call from a browser (see [`cors`]).
    cross_origin_prefixes: &'static [&'static str],
}

impl Router {
    pub fn new(function: &'static str, family: Family) -> Self {
        Router {
            function,
            family,
            paths: matchit::Router::new(),
            endpoints: Vec::new(),
            cross_origin_prefixes: &[],
        }
    }

    /// Opens the paths under these prefixes to any origin: preflights answered, every
    /// response marked readable cross-origin.
    pub fn cross_origin(mut self, prefixes: &'static [&'static str]) -> Self {
        self.cross_origin_prefixes = prefixes;
        self
    }

    fn cross_origin_path(&self, path: &str) -> bool {
        self.cross_origin_prefixes
            .iter()
            .any(|prefix| path.starts_with(prefix))
    }

    /// Adds a route; `pattern` uses `{name}` for path parameters.
    pub fn route(mut self, method: Method, pattern: &'static str, handler: Handler) -> Self {
        let index = match self.endpoints.iter().position(|e| e.pattern == pattern) {
            Some(index) => index,
            None => {
                self.paths
                    .insert(pattern, self.endpoints.len())
                    .unwrap_or_else(|e| panic!("route {pattern}: {e}"));
                self.endpoints.push(Endpoint {
                    pattern,
                    methods: Vec::new(),
                });
                self.endpoints.len() - 1
            }
        };
        self.endpoints[index].methods.push((method, handler));
        self
    }

    /// Rails' `resources` routes both PATCH and PUT to `update`.
    pub fn update(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::PATCH, pattern, handler)
            .route(Method::PUT, pattern, handler)
    }

    pub fn get(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::GET, pattern, handler)
    }

    pub fn post(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::POST, pattern, handler)
    }

    pub fn delete(self, pattern: &'static str, handler: Handler) -> Self {
        self.route(Method::DELETE, pattern, handler)
    }

    /// Whether a request with this method and concrete path reaches a handler: the
    /// route-coverage test walks Chatwoot's operations with it.
    pub fn serves(&self, method: &Method, path: &str) -> bool {
        self.lookup(method, path).is_some()
    }

    /// The route pattern a path matches, whatever the method.
    fn pattern(&self, path: &str) -> Option<&'static str> {
        self.endpoint_at(path).map(|(endpoint, _)| endpoint.pattern)
    }

    /// The endpoint a path matches (a trailing slash ignored), with its path parameters.
    fn endpoint_at<'p>(&self, path: &'p str) -> Option<(&Endpoint, matchit::Params<'_, 'p>)> {
        let path = path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        let matched = self.paths.at(path).ok()?;
        Some((&self.endpoints[*matched.value], matched.params))
    }

    /// The endpoint and handler for a method and path, with the matched path parameters.
    fn lookup<'p>(
        &self,
        method: &Method,
        path: &'p str,
    ) -> Option<(&Endpoint, Handler, matchit::Params<'_, 'p>)> {
        let (endpoint, params) = self.endpoint_at(path)?;
        let handler = endpoint
            .methods
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, h)| *h)?;
        Some((endpoint, handler, params))
    }

    /// Finds the handler for a request, filling in its path parameters.
    fn find(&self, request: &mut ApiRequest) -> Option<Handler> {
        let (endpoint, handler, params) = self.lookup(&request.method, &request.path)?;
        let path_params = params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let route = endpoint.pattern;
        request.path_params = path_params;
        request.route = route;
        Some(handler)
    }

    pub async fn handle(
        &self,
        state: Arc<AppState>,
        request: lambda_http::Request,
    ) -> Response<Body> {
        self.dispatch(state, ApiRequest::from_lambda(request)).await
    }

    /// Serves one request and reports it: one log line (request id, account, route,
    /// method, status, latency; never headers, query, body or tokens) and, when metrics are
    /// on, one metric event with the store round trips the request cost (and, on DynamoDB,
    /// the request units it consumed).
    pub async fn dispatch(&self, state: Arc<AppState>, request: ApiRequest) -> Response<Body> {
        let started = Instant::now();
        let method = request.method.clone();
        let request_id = request.request_id.clone();
        let counter = telemetry::metrics_enabled().then(|| CountingStore::new(state.store.clone()));
        let consumed_before = counter.as_ref().and_then(|c| c.consumed());
        let state = match &counter {
            Some(counter) => Arc::new(state.with_store(Arc::new(counter.clone()))),
            None => state,
        };
        let cross_origin = self.cross_origin_path(&request.path);
        let span = tracing::info_span!("request", request_id = %request_id);
        let (route, account_id, mut response) = self
            .respond(state, request, cross_origin)
            .instrument(span)
            .await;
        if cross_origin {
            cors::allow_any_origin(&mut response);
        }
        let route = if route.is_empty() {
            UNMATCHED_ROUTE
        } else {
            route
        };
        let status = response.status().as_u16();
        let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
        tracing::info!(
            request_id = %request_id,
            account_id,
            method = %method,
            route,
            status,
            latency_ms,
            "request"
        );
        if let Some(counter) = counter {
            let store = counter.take();
            let units = counter
                .consumed()
                .zip(consumed_before)
                .map(|(after, before)| after.since(before));
            tracing::info!(
                target: telemetry::METRICS_TARGET,
                function = self.function,
                route,
                latency_ms,
                store_reads = store.reads,
                store_writes = store.writes,
                store_read_units = units.map(|u| u.read_units),
                store_write_units = units.map(|u| u.write_units),
                status,
                request_id = %request_id,
            );
        }
        response
    }

    /// The response, with the matched route pattern (empty when none matched) and the
    /// account the path names.
    async fn respond(
        &self,
        state: Arc<AppState>,
        mut request: ApiRequest,
        cross_origin: bool,
    ) -> (&'static str, Option<i64>, Response<Body>) {
        if cross_origin && cors::is_preflight(&request.method, &request.headers) {
            let route = self.pattern(&request.path).unwrap_or("");
            return (route, None, cors::preflight(&request.headers));
        }
        let Some(handler) = self.find(&mut request) else {
            return (
                "",
                None,
                error_response(&AppError::RouteNotFound, self.family),
            );
        };
        let route = request.route;
        let account_id = request.path_id("account_id").ok();
        let request_id = request.request_id.clone();
        let response = match handler(state, request).await {
            Ok(response) => response,
            Err(error) => {
                if let AppError::Internal(detail) = &error {
                    tracing::error!(request_id = %request_id, route, %detail, "request failed");
                }
                error_response(&error, self.family)
            }
        };
        (route, account_id, response)
    }
}
