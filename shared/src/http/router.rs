//! One router per function: a table of (method, path pattern, handler) matched on the raw
//! path, so the same code serves API Gateway, `cargo lambda watch`, the local server and tests.

use super::response::{error_response, Family};
use super::ApiRequest;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use futures::future::BoxFuture;
use http::Method;
use lambda_http::{Body, Response};
use std::sync::Arc;
use std::time::Instant;

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
    family: Family,
    paths: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
}

impl Router {
    pub fn new(family: Family) -> Self {
        Router {
            family,
            paths: matchit::Router::new(),
            endpoints: Vec::new(),
        }
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

    /// The endpoint and handler for a method and path, with the matched path parameters.
    fn lookup<'p>(
        &self,
        method: &Method,
        path: &'p str,
    ) -> Option<(&Endpoint, Handler, matchit::Params<'_, 'p>)> {
        let path = path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        let matched = self.paths.at(path).ok()?;
        let endpoint = &self.endpoints[*matched.value];
        let handler = endpoint
            .methods
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, h)| *h)?;
        Some((endpoint, handler, matched.params))
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

    pub async fn dispatch(&self, state: Arc<AppState>, mut request: ApiRequest) -> Response<Body> {
        let started = Instant::now();
        let method = request.method.clone();
        let (route, result) = match self.find(&mut request) {
            Some(handler) => (request.route, handler(state, request).await),
            None => ("", Err(AppError::RouteNotFound)),
        };
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                if let AppError::Internal(detail) = &error {
                    tracing::error!(%detail, route, "request failed");
                }
                error_response(&error, self.family)
            }
        };
        tracing::info!(
            method = %method,
            route,
            status = response.status().as_u16(),
            latency_us = started.elapsed().as_micros() as u64,
            "request"
        );
        response
    }
}
