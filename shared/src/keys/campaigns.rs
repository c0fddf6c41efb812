//! Campaigns.
//!
//! | item | PK | SK | GSI1PK / GSI1SK |
//! | --- | --- | --- | --- |
//! | campaign | `ACCOUNT#<account>` | `CAMPAIGN#<display id, 10 digits>` | `CAMPAIGNS#<account>#INBOX#<inbox>` / `<display id, 10 digits>` |
//! | display-id counter | `ACCOUNT#<account>` | `COUNTER#campaign` | |
//! | due entry (a one-off campaign waiting for its time) | `CAMPAIGN_DUE` | `<scheduled ms, 13 digits>#<account>#<display id>` | |
//!
//! Display ids are zero-padded, so the account's campaigns read in display-id (creation)
//! order. Due entries of every account share one partition ordered by time: the scheduler
//! reads what is due with one query.

use super::account_partition;
use crate::store::Key;

pub fn campaign(account_id: i64, display_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{display_id:010}", campaigns_prefix()),
    )
}

pub fn campaigns_prefix() -> &'static str {
    "CAMPAIGN#"
}

/// The per-account sequence campaign display ids are drawn from (atomic increment).
pub fn display_id_counter(account_id: i64) -> Key {
    Key::new(account_partition(account_id), "COUNTER#campaign")
}

/// GSI1 key of a campaign: its inbox's campaigns, by display id.
pub fn inbox_index(account_id: i64, inbox_id: i64, display_id: i64) -> (String, String) {
    (
        inbox_index_partition(account_id, inbox_id),
        format!("{display_id:010}"),
    )
}

pub fn inbox_index_partition(account_id: i64, inbox_id: i64) -> String {
    format!("CAMPAIGNS#{account_id}#INBOX#{inbox_id}")
}

pub fn due_partition() -> &'static str {
    "CAMPAIGN_DUE"
}

pub fn due(scheduled_at_ms: i64, account_id: i64, display_id: i64) -> Key {
    Key::new(
        due_partition(),
        format!("{scheduled_at_ms:013}#{account_id}#{display_id}"),
    )
}

/// Sort-key bounds (inclusive, as `BETWEEN`) of the entries due from `from_ms` up to and
/// including `until_ms`: an entry's key extends its 13-digit time, so it sorts after that
/// time alone and before the next millisecond.
pub fn due_between(from_ms: i64, until_ms: i64) -> (String, String) {
    (format!("{from_ms:013}"), format!("{:013}", until_ms + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_bounds_take_whole_milliseconds() {
        let (from, until) = due_between(1_000, 2_000);
        let inside = [due(1_000, 7, 1).sk, due(2_000, 99, 12).sk];
        let outside = [due(999, 7, 1).sk, due(2_001, 1, 1).sk];
        for sk in inside {
            assert!(from <= sk && sk <= until, "{sk}");
        }
        for sk in outside {
            assert!(!(from <= sk && sk <= until), "{sk}");
        }
    }
}
