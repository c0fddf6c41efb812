//! Identifiers and secrets.
//!
//! Chatwoot clients expect integer ids that JavaScript can hold (≤ 2^53 − 1). A global counter
//! item would be a write hot spot, so ids are time-ordered instead: 41 bits of milliseconds
//! since 2025-01-01 and 12 random bits. Every record is created with a "key must not exist"
//! condition on its id-keyed item, so the rare collision fails that write and is retried with a
//! fresh id (see [`crate::domain::create_with_fresh_id`]) rather than ever overwriting.

use rand::distr::Alphanumeric;
use rand::Rng;
use std::sync::atomic::{AtomicI64, Ordering};

/// 2025-01-01T00:00:00Z in Unix milliseconds.
const EPOCH_MS: i64 = 1_735_689_600_000;
const RANDOM_BITS: u32 = 12;
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The last id this process handed out: ids from one process strictly increase, so records
/// created one after another list in creation order even within one millisecond.
static LAST_ID: AtomicI64 = AtomicI64::new(0);

/// A new id for the given instant (milliseconds since the Unix epoch).
pub fn new_id(now_ms: i64) -> i64 {
    let elapsed = (now_ms - EPOCH_MS).max(1);
    let random: i64 = rand::rng().random_range(0..(1 << RANDOM_BITS));
    let candidate = ((elapsed << RANDOM_BITS) | random) & MAX_SAFE_INTEGER;
    let mut last = LAST_ID.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST_ID.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

/// The smallest id [`new_id`] can hand out at an instant: where a range of ids by time
/// begins.
pub fn first_id_at(ms: i64) -> i64 {
    ((ms - EPOCH_MS).max(0) << RANDOM_BITS) & MAX_SAFE_INTEGER
}

/// An API access token: 24 base58 characters, the shape Rails' `has_secure_token` gives.
pub fn access_token() -> String {
    let alphabet = bs58_alphabet();
    let mut rng = rand::rng();
    (0..24)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn bs58_alphabet() -> &'static [u8] {
    b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
}

/// `n` random bytes as lower-case hex (SSO tokens, secrets).
pub fn hex_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    hex::encode(buf)
}

/// A random alphanumeric string (pubsub tokens, identifiers).
pub fn alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A random RFC 4122 version-4 UUID string.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A ULID (the time-ordered sort key of event records), strictly increasing within this process (the random part counts up within a
/// millisecond), so records written together keep their order: the outbox events of one
/// change are consumed in the order the change produced them.
pub fn ulid() -> String {
    use std::sync::{Mutex, OnceLock};
    static GENERATOR: OnceLock<Mutex<ulid::Generator>> = OnceLock::new();
    let mut generator = GENERATOR
        .get_or_init(|| Mutex::new(ulid::Generator::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    generator
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_javascript_and_grow_with_time() {
        let now = 1_800_000_000_000;
        let a = new_id(now);
        let b = new_id(now + 1);
        assert!(a > 0 && a <= MAX_SAFE_INTEGER);
        assert!(b > a, "a later millisecond always sorts after: {a} {b}");
        let same_ms: Vec<i64> = (0..100).map(|_| new_id(now + 5)).collect();
        assert!(
            same_ms.windows(2).all(|w| w[1] > w[0]),
            "one process's ids increase"
        );
        // 41 bits of milliseconds last until about 2094.
        let far = EPOCH_MS + (1i64 << 41) - 1;
        assert!(new_id(far) <= MAX_SAFE_INTEGER);
    }

    #[test]
    fn tokens_have_their_shapes() {
        let token = access_token();
        assert_eq!(token.len(), 24);
        assert!(token.bytes().all(|c| bs58_alphabet().contains(&c)));
        assert_ne!(access_token(), token);
        assert_eq!(hex_secret(32).len(), 64);
        let uuid = uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }
}
