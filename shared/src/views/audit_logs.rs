//! Chatwoot's audit log listing (`enterprise/.../audit_logs/show.json.jbuilder`).

use crate::domain::audit_logs::{Listing, PAGE_SIZE};
use crate::model::audit_log::AuditLog;
use serde_json::{json, Value};

/// The auditable's push data, where it still exists and has any (users; Chatwoot's other
/// audited records have none).
fn auditable(log: &AuditLog, listing: &Listing) -> Value {
    let Some(id) = log.auditable_id else {
        return Value::Null;
    };
    match log.auditable_type.as_str() {
        "User" => listing
            .users
            .get(&id)
            .map_or(Value::Null, |(agent, thumbnail)| {
                super::user_push(agent, thumbnail)
            }),
        _ => Value::Null,
    }
}

fn audit_log(log: &AuditLog, listing: &Listing) -> Value {
    json!({
        "id": log.id,
        "auditable_id": log.auditable_id,
        "auditable_type": log.auditable_type,
        "auditable": auditable(log, listing),
        "associated_id": log.account_id,
        "associated_type": "Account",
        "user_id": log.user_id,
        "user_type": log.user_type,
        "username": log.username,
        "action": log.action,
        "audited_changes": log.audited_changes,
        "version": log.version,
        "comment": null,
        "request_uuid": log.request_uuid,
        "created_at": log.created_at_ms.div_euclid(1000),
        "remote_address": null,
    })
}

pub fn page(listing: &Listing, current_page: usize) -> Value {
    json!({
        "per_page": PAGE_SIZE,
        "total_entries": listing.total_entries,
        "current_page": current_page,
        "audit_logs": listing
            .logs
            .iter()
            .map(|log| audit_log(log, listing))
            .collect::<Vec<_>>(),
    })
}
