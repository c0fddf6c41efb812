//! Audit logs, in the account partition:
//!
//! | item | SK |
//! | --- | --- |
//! | entry, time-ordered by its id (a descending query is newest first) | `AUDIT_LOG#<id, 16 digits>` |
//! | the number of entries (`total_entries`), moved in each entry's transaction | `AUDIT_LOG_COUNT` |

use super::account_partition;
use crate::store::Key;

pub fn audit_log(account_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id:016}", audit_logs_prefix()),
    )
}

pub fn audit_logs_prefix() -> &'static str {
    "AUDIT_LOG#"
}

pub fn audit_log_count(account_id: i64) -> Key {
    Key::new(account_partition(account_id), "AUDIT_LOG_COUNT")
}

/// The counter attribute of [`audit_log_count`].
pub const TOTAL: &str = "total";
