//! What the fuzz targets share: a request built from fuzzed parts, parsed as the handlers
//! parse it, and every typed accessor the handlers use applied to the result.

use bytes::Bytes;
use shared::http::{lambda_request, ApiRequest, Params};

/// Keys the accessors are tried with besides the ones the input itself names.
const COMMON_KEYS: &[&str] = &[
    "name",
    "page",
    "id",
    "labels",
    "custom_attributes",
    "payload",
];

/// A POST with `content_type`, the query string (when it forms a valid URI) and the body;
/// its parameters parsed as the handlers do. Parse errors are fine (4xx); panics are not.
pub fn parse_request(content_type: Option<&str>, query: &str, body: &[u8]) -> Option<Params> {
    let uri = format!("/api/v1/accounts/1/contacts?{query}");
    let mut builder = http::Request::builder().method("POST");
    builder = match uri.parse::<http::Uri>() {
        Ok(uri) => builder.uri(uri),
        Err(_) => builder.uri("/api/v1/accounts/1/contacts"),
    };
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    let (parts, ()) = builder.body(()).ok()?.into_parts();
    let request = ApiRequest::from_lambda(lambda_request(parts, Bytes::copy_from_slice(body)));
    futures::executor::block_on(request.params()).ok()
}

/// Applies every accessor to every key the parameters hold (and a few common ones), and to
/// the parameters wrapped under each object key.
pub fn exercise(params: &Params) {
    let keys: Vec<String> = params
        .as_object()
        .keys()
        .cloned()
        .chain(COMMON_KEYS.iter().map(|k| (*k).to_owned()))
        .collect();
    for key in &keys {
        let _ = params.get(key);
        let _ = params.has(key);
        let _ = params.string(key);
        let _ = params.optional_string(key);
        let _ = params.integer(key);
        let _ = params.boolean(key);
        let _ = params.string_list(key);
        let _ = params.integer_list(key);
        let _ = params.object(key);
        let _ = params.file(key);
        let _ = params.files_of(key);
        let wrapped = params.wrapped(key, None);
        let _ = wrapped.string("name");
        let _ = params.require(key, Some(&["name", "email"]));
    }
    let _ = params.page();
}
