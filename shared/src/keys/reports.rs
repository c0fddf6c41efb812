//! Reporting: the facts (Chatwoot's `reporting_events` rows) and the write-time aggregates.
//!
//! - Facts: `RF#<account>` (every fact), `RF#<account>#I#<inbox>` and `RF#<account>#U#<user>`
//!   (copies for the list's filters), sorted by `<created ms>#<id>`; GSI1 `RFC#<account>#<display
//!   id>` lists one conversation's facts.
//! - Aggregates: `RPT#<account>#<scope>` with one item per UTC day (`D#yyyy-mm-dd`, counters
//!   per quarter hour) and one per UTC month (`M#yyyy-mm`, counters per day).
//! - Fold markers: `REPORTED#<event>#<part>` in the account partition, one per folded
//!   event part, written in the same transaction as its aggregates.

use super::account_partition;
use crate::store::Key;

pub fn facts_partition(account_id: i64) -> String {
    format!("RF#{account_id}")
}

pub fn inbox_facts_partition(account_id: i64, inbox_id: i64) -> String {
    format!("RF#{account_id}#I#{inbox_id}")
}

pub fn user_facts_partition(account_id: i64, user_id: i64) -> String {
    format!("RF#{account_id}#U#{user_id}")
}

/// Sort key of a fact: time-ordered, unique by id.
pub fn fact_sort(created_at_ms: i64, id: i64) -> String {
    format!("{}{id:016}", fact_time_prefix(created_at_ms))
}

/// The sort-key prefix of every fact recorded in the given millisecond.
pub fn fact_time_prefix(created_at_ms: i64) -> String {
    format!("{created_at_ms:013}#")
}

/// GSI1 partition of one conversation's facts.
pub fn conversation_facts(account_id: i64, display_id: i64) -> String {
    format!("RFC#{account_id}#{display_id}")
}

pub fn aggregates_partition(account_id: i64, scope: &str) -> String {
    format!("RPT#{account_id}#{scope}")
}

/// The day item (`yyyy-mm-dd`, UTC) of a scope.
pub fn day_aggregate(account_id: i64, scope: &str, date: &str) -> Key {
    Key::new(aggregates_partition(account_id, scope), format!("D#{date}"))
}

/// The month item (`yyyy-mm`, UTC) of a scope.
pub fn month_aggregate(account_id: i64, scope: &str, month: &str) -> Key {
    Key::new(
        aggregates_partition(account_id, scope),
        format!("M#{month}"),
    )
}

/// Marks one part of an event as folded into the aggregates (the idempotency guard).
pub fn folded(account_id: i64, event_id: &str, part: usize) -> Key {
    Key::new(
        account_partition(account_id),
        format!("REPORTED#{event_id}#{part}"),
    )
}
