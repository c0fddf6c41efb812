//! Custom filters: private to their user, so each user's filters share a sort-key prefix in
//! the account partition (a user's list is one query; another user's id is simply not found),
//! with one counter item per user enforcing the per-user limit.

use super::account_partition;
use crate::store::Key;

pub fn custom_filter(account_id: i64, user_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id:016}", user_custom_filters_prefix(user_id)),
    )
}

/// The sort-key prefix of one user's filters (ids zero-padded: creation order).
pub fn user_custom_filters_prefix(user_id: i64) -> String {
    format!("CUSTOM_FILTER#{user_id:016}#")
}

/// How many filters the user has in the account (attribute `count`).
pub fn custom_filter_count(account_id: i64, user_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("CUSTOM_FILTER_COUNT#{user_id:016}"),
    )
}
