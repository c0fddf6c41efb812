//! Time, injected: the domain asks a [`Clock`], so tests (and reports) can control it.
//!
//! One clock per state: the adapters are built with the same one, and judge expiry (items'
//! TTL, signed blob URLs) by it, so a fixed time is fixed everywhere. What stays on the wall
//! clock does so on purpose: S3's presigned URLs (AWS checks them), log timestamps, latency
//! and back-off timers, and ULIDs (they order event records; nothing reads time from them).

use std::sync::atomic::{AtomicI64, Ordering};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    fn now_ms(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until moved.
pub struct FixedClock {
    ms: AtomicI64,
}

impl FixedClock {
    pub fn at_ms(ms: i64) -> Self {
        FixedClock {
            ms: AtomicI64::new(ms),
        }
    }

    pub fn advance_ms(&self, by: i64) {
        self.ms.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        let ms = self.ms.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .expect("clock within range")
    }
}

/// Rails' JSON form of a time: ISO-8601 in UTC with milliseconds (`2025-03-04T10:11:12.345Z`).
pub fn iso_millis(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let t = t
        .replace_nanosecond((t.nanosecond() / 1_000_000) * 1_000_000)
        .unwrap_or(t);
    let text = t.format(&Rfc3339).unwrap_or_default();
    // Rfc3339 drops trailing zero fractions; Rails always prints three digits.
    match text.find('.') {
        Some(dot) => {
            let (head, tail) = text.split_at(dot);
            let digits: String = tail[1..].chars().take_while(char::is_ascii_digit).collect();
            format!("{head}.{:0<3}Z", &digits[..digits.len().min(3)])
        }
        None => format!("{}.000Z", text.trim_end_matches('Z')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rails_time_format() {
        assert_eq!(iso_millis(1_741_083_072_345), "2025-03-04T10:11:12.345Z");
        assert_eq!(iso_millis(1_741_083_072_000), "2025-03-04T10:11:12.000Z");
        assert_eq!(iso_millis(1_741_083_072_300), "2025-03-04T10:11:12.300Z");
    }
}
