//! Chatwoot renders canned responses raw: every column, times in ISO-8601.

use crate::clock::iso_millis;
use crate::model::canned_response::CannedResponse;
use serde_json::{json, Value};

pub fn canned_response(canned: &CannedResponse) -> Value {
    json!({
        "id": canned.id,
        "account_id": canned.account_id,
        "short_code": canned.short_code,
        "content": canned.content,
        "created_at": iso_millis(canned.created_at_ms),
        "updated_at": iso_millis(canned.updated_at_ms),
    })
}
