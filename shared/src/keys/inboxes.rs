//! Inboxes, their members, their agent-bot link and the public lookup of an inbox by its
//! public identifier (API inbox identifier or web-widget website token).
//!
//! Everything except the public lookup lives in the account partition:
//!
//! | item | SK |
//! | --- | --- |
//! | inbox | `INBOX#<inbox>` |
//! | member, inbox side (members of an inbox: one query) | `INBOX_MEMBER#<inbox>#<user>` |
//! | member, user side (inboxes of an agent: one query) | `USER_INBOX#<user>#<inbox>` |
//! | agent-bot link (is a bot attached anywhere in the account: one query) | `BOT_INBOX#<bot>#<inbox>` |
//! | an agent's inbox set (`i<inbox>` = 1 while a member; read with the account guard) | `USER_INBOX_SET#<user>` |
//!
//! The public lookup is its own partition `PUBLIC_INBOX#<identifier>` (one `GetItem` for the
//! Client API and the widget), written in the same transaction as the inbox.

use super::account_partition;
use crate::store::Key;

pub fn inbox(account_id: i64, inbox_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{inbox_id}", inboxes_prefix()),
    )
}

/// Every inbox of an account (`INBOX#`; the member items start `INBOX_`, so never match).
pub fn inboxes_prefix() -> &'static str {
    "INBOX#"
}

/// A user's membership of an inbox, on the inbox side.
pub fn inbox_member(account_id: i64, inbox_id: i64, user_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{user_id}", inbox_members_prefix(inbox_id)),
    )
}

pub fn inbox_members_prefix(inbox_id: i64) -> String {
    format!("INBOX_MEMBER#{inbox_id}#")
}

/// The same membership on the user side, written in the same transaction.
pub fn user_inbox(account_id: i64, user_id: i64, inbox_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{inbox_id}", user_inboxes_prefix(user_id)),
    )
}

pub fn user_inboxes_prefix(user_id: i64) -> String {
    format!("USER_INBOX#{user_id}#")
}

/// An agent's inboxes as one item (`i<inbox>` attributes, 1 while a member), kept in the
/// same transactions as the membership items, so conversation lists need no query for them.
pub fn agent_inbox_set(account_id: i64, user_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("USER_INBOX_SET#{user_id}"),
    )
}

/// The attribute of `inbox_id` in an agent's inbox set.
pub fn inbox_set_attribute(inbox_id: i64) -> String {
    format!("i{inbox_id}")
}

/// The inbox ids an agent's inbox-set item holds.
pub fn inbox_set_members(item: &crate::store::Item) -> std::collections::BTreeSet<i64> {
    item.iter()
        .filter(|(_, v)| v.as_i64().is_some_and(|n| n > 0))
        .filter_map(|(k, _)| k.strip_prefix('i')?.parse().ok())
        .collect()
}

/// An inbox's public identifier (API `inbox_identifier` or widget `website_token`) → account
/// and inbox ids.
pub fn public_inbox(identifier: &str) -> Key {
    Key::new(
        format!("PUBLIC_INBOX#{}", super::claim_text(identifier)),
        "PUBLIC_INBOX",
    )
}

/// An agent bot connected to an inbox of the account (Chatwoot's `agent_bot_inboxes` row).
pub fn bot_inbox(account_id: i64, bot_id: i64, inbox_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{inbox_id}", bot_inboxes_prefix(bot_id)),
    )
}

pub fn bot_inboxes_prefix(bot_id: i64) -> String {
    format!("BOT_INBOX#{bot_id}#")
}

/// The id after the last `#` of a sort key (`USER_INBOX#7#42` → 42).
pub fn trailing_id(sk: &str) -> Option<i64> {
    sk.rsplit('#').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_do_not_overlap() {
        let inbox = inbox(1, 12);
        let member = inbox_member(1, 12, 34);
        assert!(inbox.sk.starts_with(inboxes_prefix()));
        assert!(!member.sk.starts_with(inboxes_prefix()));
        assert!(member.sk.starts_with(&inbox_members_prefix(12)));
        assert!(!member.sk.starts_with(&inbox_members_prefix(1)));
        assert_eq!(trailing_id(&user_inbox(1, 34, 12).sk), Some(12));
        assert_eq!(trailing_id(&bot_inbox(1, 5, 12).sk), Some(12));
    }
}
