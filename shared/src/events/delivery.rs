//! One HTTP delivery of an event body to a target (account webhook, API-inbox webhook URL,
//! agent bot, automation `send_webhook_event`): the request Chatwoot sends, signed as newer
//! Chatwoot signs it, through a [`Poster`] port (the HTTP adapter lives with the dispatcher
//! function), retried with backoff.

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A POST about to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub url: String,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

/// Why a POST did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PostError {
    /// The target answered with a non-2xx status (3xx included: redirects are not followed).
    #[error("the target answered {0}")]
    Status(u16),
    /// The target's address is private, loopback, link-local or otherwise not allowed.
    #[error("refused: {0}")]
    Refused(String),
    /// Connection, TLS or timeout failure.
    #[error("{0}")]
    Network(String),
}

impl PostError {
    /// Whether trying again later may help (Chatwoot retries bots on 429 and 5xx; network
    /// errors are transient too). A refused address or a 4xx answer will not change.
    pub fn retryable(&self) -> bool {
        match self {
            PostError::Status(code) => *code == 429 || *code >= 500,
            PostError::Network(_) => true,
            PostError::Refused(_) => false,
        }
    }
}

/// The outbound HTTP port.
#[async_trait]
pub trait Poster: Send + Sync {
    /// POSTs the request; `Ok` with the status for any 2xx answer.
    async fn post(&self, request: &Request) -> Result<u16, PostError>;
}

/// How often and how patiently one delivery is tried within one dispatch.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per dispatch (the first included).
    pub attempts: u32,
    /// The pause before the second attempt; doubled before each later one.
    pub first_backoff: Duration,
    /// Dispatches (stream redeliveries or local passes) after which a target that still
    /// fails is given up and recorded failed.
    pub rounds: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_secs(1),
            rounds: 3,
        }
    }
}

/// Sends `request`, retrying retryable failures with exponential backoff. Returns the last
/// result and the number of attempts made.
pub async fn send_with_retries(
    poster: &dyn Poster,
    request: &Request,
    policy: &RetryPolicy,
) -> (Result<u16, PostError>, u32) {
    let mut pause = policy.first_backoff;
    let mut attempt = 1;
    loop {
        let result = poster.post(request).await;
        match &result {
            Err(e) if e.retryable() && attempt < policy.attempts => {
                tracing::info!(attempt, error = %e, "delivery failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            _ => return (result, attempt),
        }
    }
}

/// Chatwoot's delivery request: JSON body, `X-Chatwoot-Delivery` (stable across retries),
/// `X-Chatwoot-Timestamp`, and with a secret `X-Chatwoot-Signature:
/// sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn request(
    url: &str,
    body: String,
    delivery_id: &str,
    secret: Option<&str>,
    now_s: i64,
) -> Request {
    let mut headers = vec![
        ("content-type", "application/json".to_owned()),
        ("accept", "application/json".to_owned()),
        ("x-chatwoot-delivery", delivery_id.to_owned()),
        ("x-chatwoot-timestamp", now_s.to_string()),
    ];
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        headers.push(("x-chatwoot-signature", signature(secret, now_s, &body)));
    }
    Request {
        url: url.to_owned(),
        body,
        headers,
    }
}

/// `sha256=` + hex HMAC-SHA256 over `"<timestamp>.<body>"`.
pub fn signature(secret: &str, timestamp_s: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(format!("{timestamp_s}.").as_bytes());
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The delivery id of one (event, target) pair: a UUID-shaped digest, so every retry of
/// the same delivery carries the same id and receivers can drop duplicates.
pub fn delivery_id(event_id: &str, target: &str) -> String {
    let digest = Sha256::digest(format!("{event_id}\n{target}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom, name-based
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn signature_is_hmac_over_timestamp_and_body() {
        // Reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            signature("secret", 1_700_000_000, r#"{"a":1}"#),
            "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }

    #[test]
    fn unsigned_without_secret() {
        let request = request("http://x.test/", "{}".into(), "d", None, 5);
        assert!(request
            .headers
            .iter()
            .all(|(n, _)| *n != "x-chatwoot-signature"));
        assert!(request
            .headers
            .contains(&("x-chatwoot-timestamp", "5".to_owned())));
    }

    #[test]
    fn delivery_ids_are_stable_and_distinct() {
        let a = delivery_id("01E", "webhook:1");
        assert_eq!(a, delivery_id("01E", "webhook:1"));
        assert_ne!(a, delivery_id("01E", "webhook:2"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    struct Scripted(Mutex<Vec<Result<u16, PostError>>>);

    #[async_trait]
    impl Poster for Scripted {
        async fn post(&self, _: &Request) -> Result<u16, PostError> {
            self.0.lock().unwrap().remove(0)
        }
    }

    #[tokio::test]
    async fn retries_transient_failures_only() {
        let policy = RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(1),
            rounds: 1,
        };
        let request = request("http://x.test/", "{}".into(), "d", None, 0);
        let flaky = Scripted(Mutex::new(vec![
            Err(PostError::Status(500)),
            Err(PostError::Network("reset".into())),
            Ok(200),
        ]));
        assert_eq!(
            send_with_retries(&flaky, &request, &policy).await,
            (Ok(200), 3)
        );
        let rejecting = Scripted(Mutex::new(vec![Err(PostError::Status(404)), Ok(200)]));
        assert_eq!(
            send_with_retries(&rejecting, &request, &policy).await,
            (Err(PostError::Status(404)), 1)
        );
    }
}
