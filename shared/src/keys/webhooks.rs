//! Account webhooks, in the account partition: `WEBHOOK#<id>` and the claim of each URL,
//! `WEBHOOK_URL#<url>` (unique per account, exactly as typed, as Chatwoot's unique index).
//! The claims' prefix does not start with `WEBHOOK#`, so the account's webhooks are one
//! prefix query that reads nothing else.

use super::{account_partition, claim_text};
use crate::store::Key;

pub fn webhook(account_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id}", webhooks_prefix()),
    )
}

pub fn webhooks_prefix() -> &'static str {
    "WEBHOOK#"
}

/// Uniqueness claim of a URL within an account.
pub fn webhook_url(account_id: i64, url: &str) -> Key {
    Key::new(
        account_partition(account_id),
        format!("WEBHOOK_URL#{}", claim_text(url)),
    )
}
