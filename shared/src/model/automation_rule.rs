//! Automation rules: an account's "when this event happens and these conditions hold, do
//! these actions".

use super::Record;
use crate::keys::automation_rules as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Chatwoot's `AutomationRule`. Conditions and actions are kept as the client sent them
/// (Chatwoot stores them as JSON and reads them when the rule runs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AutomationRule {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub event_name: String,
    /// `{attribute_key, filter_operator, values, query_operator, custom_attribute_type?}`.
    pub conditions: Vec<Value>,
    /// `{action_name, action_params}`.
    pub actions: Vec<Value>,
    pub active: bool,
    /// The files its `send_attachment` actions send.
    #[serde(default)]
    pub files: Vec<RuleFile>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

/// A file of a rule: an account's uploaded blob, named in `send_attachment` by its blob id
/// (the signed id of the upload), kept with the rule so it outlives the upload record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleFile {
    pub id: i64,
    pub blob_id: String,
    pub blob_key: String,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
}

impl Record for AutomationRule {
    const ENTITY: &'static str = "automation_rule";

    fn key(&self) -> Key {
        keys::automation_rule(self.account_id, self.id)
    }
}

super::versioned!(AutomationRule);
