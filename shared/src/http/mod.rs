//! The HTTP layer: requests as API Gateway (payload v2) hands them to Lambda, one router per
//! function matching on the raw path, and Chatwoot's responses and error bodies.

pub mod cors;
pub mod params;
pub mod response;
pub mod router;

pub use params::{Params, UploadedFile};
pub use response::{empty_ok, json_ok, no_content, Family};
pub use router::{Handler, HandlerFuture, Router};

use crate::error::{AppError, AppResult};
use bytes::Bytes;
use http::{HeaderMap, Method};
use lambda_http::{Body, RequestExt};

/// API Gateway's payload limit; the local server enforces the same.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One request, decoupled from where it came from (API Gateway, the local server, a test).
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
    /// Path parameters captured by the matched route, e.g. `("id", "42")`.
    pub path_params: Vec<(String, String)>,
    /// The matched route pattern (for logs and metrics).
    pub route: &'static str,
    /// API Gateway's request id (`requestContext.requestId`), else the Lambda invocation's,
    /// else a fresh ULID (local server, tests): ties a request's log lines together.
    pub request_id: String,
}

impl ApiRequest {
    pub fn from_lambda(request: lambda_http::Request) -> Self {
        let raw = request.raw_http_path().to_owned();
        let request_id = request_id(&request);
        let (parts, body) = request.into_parts();
        let path = if raw.is_empty() {
            parts.uri.path().to_owned()
        } else {
            raw
        };
        let body = body_bytes(body);
        ApiRequest {
            method: parts.method,
            path,
            headers: parts.headers,
            query: parts.uri.query().map(str::to_owned),
            body,
            path_params: Vec::new(),
            route: "",
            request_id,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// A path parameter as captured (text).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter, percent-decoded (a slug may hold any character); 404 when absent.
    pub fn path_text(&self, name: &str) -> AppResult<String> {
        let raw = self.path_param(name).ok_or(AppError::NotFound)?;
        Ok(percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned())
    }

    /// A numeric path id. Rails' `find` with text that is no id finds nothing: 404.
    pub fn path_id(&self, name: &str) -> AppResult<i64> {
        self.path_param(name)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .ok_or(AppError::NotFound)
    }

    pub fn query(&self) -> Params {
        Params::from_urlencoded(self.query.as_deref().unwrap_or("").as_bytes())
    }

    /// Body parameters (JSON, form or multipart) merged over the query string's.
    pub async fn params(&self) -> AppResult<Params> {
        Ok(self.body_params().await?.merged_over(self.query()))
    }

    async fn body_params(&self) -> AppResult<Params> {
        if self.body.len() > MAX_BODY_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        let content_type = self.header("content-type").unwrap_or("");
        // Media types are case-insensitive; the multipart boundary is not.
        let media_type = content_type.to_ascii_lowercase();
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        if media_type.starts_with("multipart/form-data") {
            return self.multipart(content_type).await;
        }
        if media_type.starts_with("application/x-www-form-urlencoded") {
            return Ok(Params::from_urlencoded(&self.body));
        }
        // JSON is the default, as for Chatwoot's `format: json` routes.
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(map)) => Ok(Params::from_object(map)),
            // Rails files a non-object JSON body under `_json`; no route reads it.
            Ok(_) => Ok(Params::default()),
            Err(e) => Err(AppError::BadRequest(format!("body is not valid JSON: {e}"))),
        }
    }

    async fn multipart(&self, content_type: &str) -> AppResult<Params> {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| AppError::BadRequest(format!("multipart boundary: {e}")))?;
        let body = self.body.clone();
        let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut params = Params::default();
        let bad = |e: multer::Error| AppError::BadRequest(format!("multipart body: {e}"));
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            match field.file_name().map(str::to_owned) {
                Some(filename) => {
                    let content_type = field
                        .content_type()
                        .map(|m| m.essence_str().to_owned())
                        .unwrap_or_else(|| "application/octet-stream".into());
                    let bytes = field.bytes().await.map_err(bad)?;
                    params.insert_file(
                        &name,
                        UploadedFile {
                            filename,
                            content_type,
                            bytes,
                        },
                    );
                }
                None => {
                    let text = field.text().await.map_err(bad)?;
                    params.insert_field(&name, serde_json::Value::String(text));
                }
            }
        }
        Ok(params)
    }

    /// The access token: `api_access_token` header (any case, `-` or `_`), else
    /// `Authorization: Bearer <token>`. An empty header counts as none.
    pub fn access_token(&self) -> Option<&str> {
        let header = self
            .header("api_access_token")
            .or_else(|| self.header("api-access-token"))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        header.or_else(|| {
            let value = self.header("authorization")?.trim();
            let (scheme, token) = value.split_once(' ')?;
            let token = token.trim();
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
        })
    }
}

fn request_id(request: &lambda_http::Request) -> String {
    let gateway = match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.request_id.clone()
        }
        _ => None,
    };
    gateway
        .or_else(|| {
            request
                .lambda_context_ref()
                .map(|context| context.request_id.clone())
        })
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| ulid::Ulid::new().to_string())
}

/// The bytes of a Lambda body, whichever form it came in.
pub fn body_bytes(body: Body) -> Bytes {
    match body {
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        // `Body` is non-exhaustive; nothing else carries bytes today.
        _ => Bytes::new(),
    }
}

/// Builds the request API Gateway would hand a function (text when the body is UTF-8, as
/// with `isBase64Encoded: false`): for the local server and tests.
pub fn lambda_request(parts: http::request::Parts, body: Bytes) -> lambda_http::Request {
    let path = parts.uri.path().to_owned();
    let body = if body.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(body.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    http::Request::from_parts(parts, body).with_raw_http_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn multipart_fields_and_files() {
        let body = b"--XB\r\nContent-Disposition: form-data; name=\"profile[name]\"\r\n\r\nJo\r\n--XB\r\nContent-Disposition: form-data; name=\"profile[avatar]\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XB--\r\n".to_vec();
        let (parts, ()) = http::Request::post("/x")
            .header("content-type", "multipart/form-data; boundary=XB")
            .body(())
            .unwrap()
            .into_parts();
        let request = ApiRequest::from_lambda(lambda_request(parts, Bytes::from(body)));
        let params = request.params().await.unwrap().wrapped("profile", None);
        assert_eq!(params.string("name").as_deref(), Some("Jo"));
        let file = params.file("avatar").unwrap();
        assert_eq!(file.bytes.as_ref(), b"\x89PNG");
        assert_eq!(file.content_type, "image/png");
    }
}
