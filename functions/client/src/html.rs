//! The headers every HTML page of this function carries (the CSAT survey page and the
//! help-center pages): each page names its own Content-Security-Policy; none may be framed,
//! sniffed into another type or leak its address (a survey link is a credential) as a referrer.

use http::{header, StatusCode};
use lambda_http::{Body, Response};

pub fn page(
    status: StatusCode,
    cache_control: &str,
    content_security_policy: &str,
    body: String,
) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::CONTENT_SECURITY_POLICY, content_security_policy)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::REFERRER_POLICY, "no-referrer")
        .body(Body::Text(body))
        .expect("valid response parts")
}
