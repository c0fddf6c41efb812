//! Conversations, their messages, the per-account display-id counter and the conversation
//! views the lists are read from.
//!
//! | item | PK | SK |
//! | --- | --- | --- |
//! | conversation | `CONV#<account>#<display id>` | `CONV` |
//! | message (a conversation's messages: one query, by id) | `CONV#<account>#<display id>` | `MSG#<id, 19 digits>` |
//! | display-id counter | `ACCOUNT#<account>` | `COUNTER#conversation` |
//! | view entry (a copy of the conversation) | `CONVS#<account>#<scope>#<status>` | `V#<last activity ms, 13 digits>#<display id, 10 digits>` |
//! | view counter (`all`, `unassigned`, `u<user>`) | `CONVS#<account>#<scope>#<status>` | `COUNT` |
//! | pending direct upload (TTL one day) | `UPLOAD#<signed id>` | `UPLOAD` |
//! | conversation by uuid (survey page, CSAT API: one get) | `CONV_UUID#<uuid>` | `CONV_UUID` |
//! | CSAT survey response (one per survey message) | `CSAT#<account>#<message id>` | `CSAT` |
//! | CSAT survey sent (metrics' sent count) | `CSAT_SENT#<account>` | `<created ms, 13 digits>#<message id, 19 digits>` |
//! | GSI1: an account's CSAT responses by time | `CSATS#<account>` | `<created ms, 13 digits>#<message id, 19 digits>` |
//!
//! Scopes: `ALL`, `INBOX#<id>`, `TEAM#<id>`, `LABEL#<title>`, `USER#<assignee>`,
//! `UNASSIGNED`, `CONTACT#<id>`. docs/data-model.md explains which list reads which view.

use super::account_partition;
use crate::store::Key;

pub fn conversation_partition(account_id: i64, display_id: i64) -> String {
    format!("CONV#{account_id}#{display_id}")
}

pub fn conversation(account_id: i64, display_id: i64) -> Key {
    Key::new(conversation_partition(account_id, display_id), "CONV")
}

pub fn messages_prefix() -> &'static str {
    "MSG#"
}

/// Sort key of a message id: fixed width so string order is numeric order.
pub fn message_sk(message_id: i64) -> String {
    format!("{}{message_id:019}", messages_prefix())
}

pub fn message(account_id: i64, display_id: i64, message_id: i64) -> Key {
    Key::new(
        conversation_partition(account_id, display_id),
        message_sk(message_id),
    )
}

/// The per-account sequence conversation display ids are drawn from (atomic increment).
pub fn display_id_counter(account_id: i64) -> Key {
    Key::new(account_partition(account_id), "COUNTER#conversation")
}

/// A pending direct upload, by its signed id.
pub fn direct_upload(signed_id: &str) -> Key {
    Key::new(format!("UPLOAD#{signed_id}"), "UPLOAD")
}

/// Which conversation a uuid names (written with the conversation).
pub fn by_uuid(uuid: &str) -> Key {
    Key::new(
        format!("CONV_UUID#{}", super::claim_text(uuid)),
        "CONV_UUID",
    )
}

/// The CSAT response to one survey message.
pub fn csat_response(account_id: i64, message_id: i64) -> Key {
    Key::new(format!("CSAT#{account_id}#{message_id}"), "CSAT")
}

/// An account's sent CSAT surveys, by time (key-only entries).
pub fn csat_sent_partition(account_id: i64) -> String {
    format!("CSAT_SENT#{account_id}")
}

/// The entry of one sent survey.
pub fn csat_sent(account_id: i64, created_at_ms: i64, message_id: i64) -> Key {
    Key::new(
        csat_sent_partition(account_id),
        csat_response_index_sk(created_at_ms, message_id),
    )
}

/// GSI1 partition of an account's CSAT responses.
pub fn csat_responses_index(account_id: i64) -> String {
    format!("CSATS#{account_id}")
}

/// GSI1 sort key of a response: by creation time, then message id.
pub fn csat_response_index_sk(created_at_ms: i64, message_id: i64) -> String {
    format!("{:013}#{message_id:019}", created_at_ms.max(0))
}

/// The partition of one view of an account's conversations in one status.
pub fn view_partition(account_id: i64, scope: &str, status: &str) -> String {
    format!("CONVS#{account_id}#{scope}#{status}")
}

pub fn view_entries_prefix() -> &'static str {
    "V#"
}

pub fn view_entry(
    account_id: i64,
    scope: &str,
    status: &str,
    last_activity_at_ms: i64,
    display_id: i64,
) -> Key {
    Key::new(
        view_partition(account_id, scope, status),
        format!(
            "{}{:013}#{display_id:010}",
            view_entries_prefix(),
            last_activity_at_ms.max(0)
        ),
    )
}

pub fn view_counter(account_id: i64, scope: &str, status: &str) -> Key {
    Key::new(view_partition(account_id, scope, status), "COUNT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_entries_sort_by_activity_then_display_id_and_not_with_the_counter() {
        let early = view_entry(1, "ALL", "open", 999, 20);
        let later = view_entry(1, "ALL", "open", 1_000, 3);
        let tie = view_entry(1, "ALL", "open", 1_000, 4);
        assert!(early.sk < later.sk && later.sk < tie.sk);
        assert!(!view_counter(1, "ALL", "open")
            .sk
            .starts_with(view_entries_prefix()));
        assert!(message_sk(9) < message_sk(10));
        assert_eq!(conversation(1, 5).pk, message(1, 5, 7).pk);
    }
}
