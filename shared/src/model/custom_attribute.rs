//! Custom attribute definitions: the account's catalogue of extra contact and conversation
//! fields.

use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Chatwoot's `attribute_model` enum, in its integer order.
pub const ATTRIBUTE_MODELS: &[&str] = &["conversation_attribute", "contact_attribute"];

/// Chatwoot's `attribute_display_type` enum, in its integer order.
pub const DISPLAY_TYPES: &[&str] = &[
    "text", "number", "currency", "percent", "link", "date", "list", "checkbox",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CustomAttributeDefinition {
    pub id: i64,
    pub account_id: i64,
    pub attribute_display_name: String,
    /// One of [`DISPLAY_TYPES`].
    pub attribute_display_type: String,
    pub attribute_description: Option<String>,
    /// Unique per (account, model) through an `ATTRIBUTE_KEY#` claim item.
    pub attribute_key: String,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
    /// The options of a `list` attribute (stored as given).
    pub attribute_values: Vec<Value>,
    /// One of [`ATTRIBUTE_MODELS`].
    pub attribute_model: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for CustomAttributeDefinition {
    const ENTITY: &'static str = "custom_attribute_definition";

    fn key(&self) -> Key {
        keys::custom_attributes::custom_attribute(self.account_id, self.id)
    }
}

super::versioned!(CustomAttributeDefinition);

/// Claims an attribute key for one model in an account; creating it conditionally is the
/// uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttributeKeyClaim {
    pub account_id: i64,
    pub attribute_model: String,
    pub attribute_key: String,
    pub definition_id: i64,
}

impl Record for AttributeKeyClaim {
    const ENTITY: &'static str = "custom_attribute_key";

    fn key(&self) -> Key {
        keys::custom_attributes::custom_attribute_key(
            self.account_id,
            &self.attribute_model,
            &self.attribute_key,
        )
    }
}
