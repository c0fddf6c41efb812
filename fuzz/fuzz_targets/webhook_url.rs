//! Webhook URL validation: never panics, and what it accepts is an absolute http(s) URL with
//! a host and no whitespace or control characters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::domain::webhooks::url_is_valid;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if url_is_valid(text) {
        let lower = text.to_ascii_lowercase();
        assert!(lower.starts_with("http://") || lower.starts_with("https://"));
        assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
});
