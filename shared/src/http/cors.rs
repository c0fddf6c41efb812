//! Cross-origin access for the public paths, as Chatwoot's `rack-cors` set-up allows it on
//! `/public/api/*`: any origin, any method, any request header, no credentials. The token
//! APIs (platform, application, reports) get none, as in Chatwoot's default install.

use http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Response};

const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/// How long a browser may reuse a preflight answer (rack-cors' default, in seconds).
const MAX_AGE_SECONDS: &str = "7200";

/// Whether a request is a preflight: an `OPTIONS` naming the method it asks about.
pub fn is_preflight(method: &Method, headers: &http::HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a preflight: every method, and the request headers it asked for.
pub fn preflight(headers: &http::HeaderMap) -> Response<Body> {
    let mut response = Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS)
        .header(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS)
        .header(header::VARY, "Access-Control-Request-Headers")
        .body(Body::Empty)
        .expect("valid response parts");
    if let Some(requested) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    allow_any_origin(&mut response);
    response
}

/// Lets a page on any origin read the response.
pub fn allow_any_origin(response: &mut Response<Body>) {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}
