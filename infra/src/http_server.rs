//! The local server's HTTP/1.1 side: each connection served by hyper with the whole API
//! behind it, within limits a slow or silent client cannot outlast (API Gateway applies its
//! own in AWS).

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use shared::http::{body_bytes, lambda_request, MAX_BODY_BYTES};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

use crate::LocalApi;

/// How long a client may take to send what it started.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From the connection's first byte (or the previous response) to the end of the headers.
    pub headers: Duration,
    /// From the end of the headers to the end of the body.
    pub body: Duration,
}

impl Timeouts {
    /// 10 s for the headers, 30 s for a body of up to [`MAX_BODY_BYTES`].
    pub const LOCAL: Timeouts = Timeouts {
        headers: Duration::from_secs(10),
        body: Duration::from_secs(30),
    };
}

/// Serves one connection until the client closes it or runs out of time.
pub async fn serve_connection(stream: TcpStream, api: Arc<LocalApi>, timeouts: Timeouts) {
    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let api = api.clone();
        async move { Ok::<_, Infallible>(serve(&api, request, timeouts.body).await) }
    });
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "connection closed");
    }
}

async fn serve(
    api: &LocalApi,
    request: hyper::Request<hyper::body::Incoming>,
    body_timeout: Duration,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let collected =
        tokio::time::timeout(body_timeout, Limited::new(body, MAX_BODY_BYTES).collect());
    let response = match collected.await {
        Ok(Ok(collected)) => {
            api.handle(lambda_request(parts, collected.to_bytes()))
                .await
        }
        Ok(Err(_)) => shared::http::response::error_response(
            &shared::AppError::PayloadTooLarge,
            shared::http::Family::Application,
        ),
        Err(_) => shared::http::response::json_response(
            StatusCode::REQUEST_TIMEOUT,
            &serde_json::json!({"status": 408, "error": "Request Timeout"}),
        ),
    };
    let (parts, body) = response.into_parts();
    hyper::Response::from_parts(parts, Full::new(body_bytes(body)))
}
