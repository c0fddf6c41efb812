//! Chatwoot's team JSON.

use crate::model::team::Team;
use serde_json::{json, Value};

/// A team as the Application API renders it; `is_member` says whether the caller is in it.
pub fn team(team: &Team, is_member: bool) -> Value {
    json!({
        "id": team.id,
        "name": team.name,
        "description": team.description,
        "allow_auto_assign": team.allow_auto_assign,
        "account_id": team.account_id,
        "is_member": is_member,
    })
}

/// A team without a caller (event payloads).
pub fn team_payload(team: &Team) -> Value {
    json!({
        "id": team.id,
        "name": team.name,
        "description": team.description,
        "allow_auto_assign": team.allow_auto_assign,
        "account_id": team.account_id,
    })
}
