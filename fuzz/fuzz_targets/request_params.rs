//! Any body under any of the content types the API reads, with any query string.
#![no_main]
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("multipart/form-data; boundary=fuzz"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let split = rest.iter().position(|&b| b == 0).unwrap_or(0);
    let query = String::from_utf8_lossy(&rest[..split]);
    let body = rest.get(split + 1..).unwrap_or_default();
    if let Some(params) = chatwoot_fuzz::parse_request(content_type, &query, body) {
        chatwoot_fuzz::exercise(&params);
    }
});
