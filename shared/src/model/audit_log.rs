//! Audit log entries: who changed what in an account (Chatwoot's `audits` rows, written by
//! the `audited` gem and Chatwoot's enterprise audit concerns).

use super::Record;
use crate::keys::audit_logs as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Chatwoot's `Enterprise::AuditLog`. Every entry here is associated with its account
/// (`associated_type` `Account`), which is what Chatwoot's account listing selects.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditLog {
    pub id: i64,
    pub account_id: i64,
    pub auditable_type: String,
    /// `None` for rows that have no id of their own here (inbox and team memberships are
    /// keyed by inbox or team and user).
    pub auditable_id: Option<i64>,
    /// `create`, `update`, `destroy` or `sign_in`.
    pub action: String,
    /// `{attr: [old, new]}` for an update, the attributes for a create or destroy, null for a
    /// sign-in.
    pub audited_changes: Value,
    pub version: i64,
    /// `None` when no user made the change (the Platform API, background work).
    pub user_id: Option<i64>,
    pub user_type: Option<String>,
    /// The acting user's e-mail at the time.
    pub username: Option<String>,
    pub request_uuid: Option<String>,
    pub created_at_ms: i64,
}

impl Record for AuditLog {
    const ENTITY: &'static str = "audit_log";

    fn key(&self) -> Key {
        keys::audit_log(self.account_id, self.id)
    }
}
