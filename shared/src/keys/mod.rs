//! Key builders: the single place that knows how records map to `PK`/`SK`.
//! docs/data-model.md lists every access pattern built from these. Areas added later keep
//! their builders in a file of their own in this folder.

pub mod agent_bots;
pub mod audit_logs;
pub mod automation_rules;
pub mod campaigns;
pub mod canned_responses;
pub mod contacts;
pub mod conversations;
pub mod custom_attributes;
pub mod custom_filters;
pub mod help_center;
pub mod inboxes;
pub mod reports;
pub mod teams;
pub mod webhooks;

use crate::store::Key;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

pub const ACCOUNT: &str = "ACCOUNT";
pub const USER: &str = "USER";
pub const BOT: &str = "BOT";

pub fn account(id: i64) -> Key {
    Key::new(format!("{ACCOUNT}#{id}"), ACCOUNT)
}

/// An account's membership of a user, in the account partition (listing members).
pub fn account_member(account_id: i64, user_id: i64) -> Key {
    Key::new(format!("ACCOUNT#{account_id}"), format!("MEMBER#{user_id}"))
}

pub fn account_members_prefix() -> &'static str {
    "MEMBER#"
}

/// An account's outbox event, time-ordered by ULID.
pub fn account_event(account_id: i64, ulid: &str) -> Key {
    Key::new(format!("ACCOUNT#{account_id}"), format!("EVENT#{ulid}"))
}

pub fn user(id: i64) -> Key {
    Key::new(user_partition(id), USER)
}

pub fn user_partition(id: i64) -> String {
    format!("{USER}#{id}")
}

/// The same membership mirrored in the user partition (profile: one query).
pub fn user_membership(user_id: i64, account_id: i64) -> Key {
    Key::new(user_partition(user_id), format!("MEMBERSHIP#{account_id}"))
}

pub fn user_memberships_prefix() -> &'static str {
    "MEMBERSHIP#"
}

/// Uniqueness claim and lookup of a user by lower-cased email.
pub fn user_email(email_lowercase: &str) -> Key {
    Key::new(format!("EMAIL#{email_lowercase}"), "EMAIL")
}

pub fn agent_bot(id: i64) -> Key {
    Key::new(format!("{BOT}#{id}"), BOT)
}

pub fn platform_app(id: i64) -> Key {
    Key::new(platform_app_partition(id), "APP")
}

pub fn platform_app_partition(id: i64) -> String {
    format!("APP#{id}")
}

/// A platform app's right to an object ("permissible"), kept in the object's partition so
/// the object and the right come back in one batch read (or, for users, one query).
pub fn permissible(app_id: i64, kind_partition: &str, object_id: i64) -> Key {
    Key::new(
        format!("{kind_partition}#{object_id}"),
        format!("{}{app_id}", permissibles_prefix()),
    )
}

pub fn permissibles_prefix() -> &'static str {
    "PERMITTED#APP#"
}

/// GSI1 key of a permissible: an app's objects of one kind, by id.
pub fn permissible_index(app_id: i64, kind_partition: &str, object_id: i64) -> (String, String) {
    (
        permissible_index_partition(app_id, kind_partition),
        format!("{object_id:016}"),
    )
}

pub fn permissible_index_partition(app_id: i64, kind_partition: &str) -> String {
    format!("APP#{app_id}#{kind_partition}")
}

pub fn access_token(token: &str) -> Key {
    Key::new(format!("TOKEN#{token}"), "TOKEN")
}

pub fn sso_token(user_id: i64, token: &str) -> Key {
    Key::new(format!("SSO#{token}"), format!("USER#{user_id}"))
}

/// Installation-wide settings (e.g. the embedded blob-signing secret).
pub fn installation_setting(name: &str) -> Key {
    Key::new("INSTALLATION", format!("SETTING#{name}"))
}

/// Last-change marker of one kind of account data (`label`, `inbox`, `team`): Chatwoot's
/// `cache_keys`, which clients use to refresh their caches.
pub fn account_cache_key(account_id: i64, kind: &str) -> Key {
    Key::new(
        format!("{ACCOUNT}#{account_id}"),
        format!("CACHE_KEY#{kind}"),
    )
}

pub fn account_partition(account_id: i64) -> String {
    format!("{ACCOUNT}#{account_id}")
}

pub fn label(account_id: i64, label_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{label_id}", labels_prefix()),
    )
}

pub fn labels_prefix() -> &'static str {
    "LABEL#"
}

/// Uniqueness claim of a label title within an account.
pub fn label_title(account_id: i64, title: &str) -> Key {
    Key::new(
        account_partition(account_id),
        format!("LABEL_TITLE#{}", claim_text(title)),
    )
}

/// Longest claimed text kept verbatim in a sort key; longer text is claimed by its SHA-256
/// (DynamoDB sort keys hold at most 1024 bytes, and a 255-character name can take 1020).
const VERBATIM_CLAIM_BYTES: usize = 512;

/// The form of a claimed value (a name, a short code) inside a sort key.
pub fn claim_text(text: &str) -> Cow<'_, str> {
    if text.len() <= VERBATIM_CLAIM_BYTES {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("~sha256:{}", hex::encode(Sha256::digest(text))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_claims_are_hashed() {
        assert_eq!(claim_text("sales"), "sales");
        let two_byte = "é".repeat(255);
        assert_eq!(claim_text(&two_byte), two_byte.as_str());
        let three_byte = "€".repeat(255);
        let claimed = claim_text(&three_byte);
        assert!(claimed.starts_with("~sha256:"));
        assert_ne!(claim_text(&"€".repeat(254)), claimed);
        for name in [two_byte, three_byte, "𝄞".repeat(255)] {
            assert!(label_title(1, &name).sk.len() < 1024);
        }
    }
}
