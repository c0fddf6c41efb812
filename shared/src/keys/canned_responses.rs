//! Canned responses, in the account partition: `CANNED_RESPONSE#<id>` and the claim of
//! each short code, `CANNED_SHORT_CODE#<short code>` (unique per account, case-sensitive as
//! in Chatwoot).

use super::account_partition;
use super::claim_text;
use crate::store::Key;

pub fn canned_response(account_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id}", canned_responses_prefix()),
    )
}

pub fn canned_responses_prefix() -> &'static str {
    "CANNED_RESPONSE#"
}

/// Uniqueness claim of a short code within an account.
pub fn canned_short_code(account_id: i64, short_code: &str) -> Key {
    Key::new(
        account_partition(account_id),
        format!("CANNED_SHORT_CODE#{}", claim_text(short_code)),
    )
}
