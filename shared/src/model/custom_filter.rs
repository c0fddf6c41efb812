//! Custom filters: a user's saved views (conversation, contact or report queries).

use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Chatwoot's `filter_type` enum, in its integer order.
pub const FILTER_TYPES: &[&str] = &["conversation", "contact", "report"];

/// The most filters one user may keep in one account (Chatwoot's `Limits`).
pub const MAX_FILTERS_PER_USER: i64 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomFilter {
    pub id: i64,
    pub account_id: i64,
    /// The owner: only they see the filter.
    pub user_id: i64,
    pub name: String,
    /// One of [`FILTER_TYPES`].
    pub filter_type: String,
    /// Stored verbatim (usually `{"payload": [conditions…]}`).
    pub query: Map<String, Value>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for CustomFilter {
    const ENTITY: &'static str = "custom_filter";

    fn key(&self) -> Key {
        keys::custom_filters::custom_filter(self.account_id, self.user_id, self.id)
    }
}

super::versioned!(CustomFilter);

/// How many filters a user has in an account: written with every create and delete, and
/// conditioned on the value read, so the limit holds under concurrent creates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomFilterCount {
    pub account_id: i64,
    pub user_id: i64,
    pub count: i64,
}

impl Record for CustomFilterCount {
    const ENTITY: &'static str = "custom_filter_count";

    fn key(&self) -> Key {
        keys::custom_filters::custom_filter_count(self.account_id, self.user_id)
    }
}
