//! Canned responses: an account's saved replies, inserted by short code.

use super::Record;
use crate::keys::canned_responses as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// Chatwoot's `CannedResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CannedResponse {
    pub id: i64,
    pub account_id: i64,
    /// Unique per account (exact, case-sensitive) through a `CANNED_SHORT_CODE#` claim item.
    pub short_code: String,
    pub content: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for CannedResponse {
    const ENTITY: &'static str = "canned_response";

    fn key(&self) -> Key {
        keys::canned_response(self.account_id, self.id)
    }
}

super::versioned!(CannedResponse);

/// Claims a short code in an account; creating it conditionally is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShortCodeClaim {
    pub account_id: i64,
    pub short_code: String,
    pub canned_response_id: i64,
}

impl Record for ShortCodeClaim {
    const ENTITY: &'static str = "canned_short_code";

    fn key(&self) -> Key {
        keys::canned_short_code(self.account_id, &self.short_code)
    }
}
