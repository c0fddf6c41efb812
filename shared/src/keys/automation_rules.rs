//! Automation rules: items of the account partition keyed by id, zero-padded so the
//! partition reads in id (creation) order, Chatwoot's "DB order".

use super::account_partition;
use crate::store::Key;

pub fn automation_rule(account_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id:016}", automation_rules_prefix()),
    )
}

pub fn automation_rules_prefix() -> &'static str {
    "AUTOMATION_RULE#"
}
