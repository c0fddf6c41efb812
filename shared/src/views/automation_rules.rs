//! Chatwoot's automation rule JSON (`_automation_rule.json.jbuilder`): `created_on` in epoch
//! seconds, and `files` only when the rule has some.

use crate::model::automation_rule::AutomationRule;
use serde_json::{json, Value};

/// `file_urls` are the signed URLs of the rule's files, in order.
pub fn automation_rule(rule: &AutomationRule, file_urls: &[String]) -> Value {
    let mut body = json!({
        "id": rule.id,
        "account_id": rule.account_id,
        "name": rule.name,
        "description": rule.description,
        "event_name": rule.event_name,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "created_on": rule.created_at_ms / 1000,
        "active": rule.active,
    });
    if !rule.files.is_empty() {
        body["files"] = rule
            .files
            .iter()
            .zip(file_urls)
            .map(|(file, url)| {
                json!({
                    "id": file.id,
                    "automation_rule_id": rule.id,
                    "file_type": file.content_type,
                    "account_id": rule.account_id,
                    "file_url": url,
                    "blob_id": file.blob_id,
                    "filename": file.file_name,
                })
            })
            .collect();
    }
    body
}
