//! Chatwoot's custom attribute definition JSON (times in ISO-8601).

use crate::clock::iso_millis;
use crate::model::custom_attribute::CustomAttributeDefinition;
use serde_json::{json, Value};

pub fn custom_attribute_definition(definition: &CustomAttributeDefinition) -> Value {
    json!({
        "id": definition.id,
        "attribute_display_name": definition.attribute_display_name,
        "attribute_display_type": definition.attribute_display_type,
        "attribute_description": definition.attribute_description,
        "attribute_key": definition.attribute_key,
        "regex_pattern": definition.regex_pattern,
        "regex_cue": definition.regex_cue,
        "attribute_values": definition.attribute_values,
        "attribute_model": definition.attribute_model,
        // Chatwoot's column exists but no endpoint sets it.
        "default_value": Value::Null,
        "created_at": iso_millis(definition.created_at_ms),
        "updated_at": iso_millis(definition.updated_at_ms),
    })
}
