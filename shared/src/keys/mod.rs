//! Key builders: the single place that knows how records map to `PK`/`SK`.
//! docs/data-model.md lists every access pattern built from these. Areas added later keep
//! their builders in a file of their own in this folder.

pub mod canned_responses;
pub mod custom_attributes;
pub mod custom_filters;
pub mod inboxes;
pub mod teams;

use crate::store::Key;

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
        format!("LABEL_TITLE#{title}"),
    )
}

// --- agent bots (settings area) ---

/// GSI1 partition of the bots an account owns (`GET /api/v1/accounts/{id}/agent_bots`).
pub fn account_bots_index_partition(account_id: i64) -> String {
    format!("{ACCOUNT}#{account_id}#BOTS")
}

/// GSI1 partition of the system bots (no account), listed for every account.
pub const SYSTEM_BOTS: &str = "SYSTEM_BOTS";

/// A bot's GSI1 key pair: its account's bot list, or the system bots', ordered by id.
pub fn agent_bot_index(account_id: Option<i64>, bot_id: i64) -> (String, String) {
    let partition = match account_id {
        Some(account_id) => account_bots_index_partition(account_id),
        None => SYSTEM_BOTS.to_owned(),
    };
    (partition, format!("{bot_id:016}"))
}

/// The bot's partition: the bot and the platform apps' rights to it.
pub fn agent_bot_partition(bot_id: i64) -> String {
    format!("{BOT}#{bot_id}")
}
// --- end agent bots (settings area) ---
