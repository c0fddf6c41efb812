//! Chatwoot's custom filter JSON (times in ISO-8601).

use crate::clock::iso_millis;
use crate::model::custom_filter::CustomFilter;
use serde_json::{json, Value};

pub fn custom_filter(filter: &CustomFilter) -> Value {
    json!({
        "id": filter.id,
        "name": filter.name,
        "filter_type": filter.filter_type,
        "query": filter.query,
        "created_at": iso_millis(filter.created_at_ms),
        "updated_at": iso_millis(filter.updated_at_ms),
    })
}
