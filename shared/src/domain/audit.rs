//! Recording audited changes (Chatwoot's enterprise `audited` concerns): who made a change
//! ([`AuditActor`]), what changed ([`AuditChange`]), and the writes that add it to the
//! account's audit log.
//!
//! Entries are written by the change they record, in the same transaction: areas build them
//! with [`entry`] (or [`entries`] for several in one transaction) and add the writes to their
//! own. Each entry is an item keyed by its time-ordered id in the account partition, and every
//! transaction that adds entries also adds their number to one counter item, so the listing
//! ([`super::audit_logs`]) is one query and `total_entries` one read, however long the log
//! grows.
//!
//! A leaf: every audited area (agents, inboxes, teams, users…) imports it, while the listing
//! sits above the agents it shows; this module imports no feature module.

use crate::error::AppResult;
use crate::keys::audit_logs as keys;
use crate::model::audit_log::AuditLog;
use crate::model::{Record, User};
use crate::state::AppState;
use crate::store::WriteOp;
use serde::Serialize;
use serde_json::{Map, Value};

/// Attributes the `audited` gem never records.
const NEVER_AUDITED: &[&str] = &["id", "created_at_ms", "updated_at_ms", "_v"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Destroy,
    SignIn,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Destroy => "destroy",
            AuditAction::SignIn => "sign_in",
        }
    }
}

/// The user behind a change: Chatwoot records their id, type `User` and e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditUser {
    pub id: i64,
    pub email: String,
}

/// Who made an audited change, and in which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    /// `None` when no user acts (the Platform API, cascades): Chatwoot's entries then carry
    /// no user either.
    pub user: Option<AuditUser>,
    pub request_uuid: String,
}

impl AuditActor {
    /// A signed-in user's change; `request_id` is the client's `X-Request-Id`, if any.
    pub fn user(user: &User, request_id: Option<&str>) -> Self {
        AuditActor {
            user: Some(AuditUser {
                id: user.id,
                email: user.email.clone(),
            }),
            request_uuid: request_uuid(request_id),
        }
    }

    /// A change no user makes (a platform app, work following another change).
    pub fn without_user(request_id: Option<&str>) -> Self {
        AuditActor {
            user: None,
            request_uuid: request_uuid(request_id),
        }
    }
}

/// Rails' request id: the client's `X-Request-Id` reduced to word characters, `-` and `@`
/// (at most 255), else a fresh UUID.
fn request_uuid(request_id: Option<&str>) -> String {
    let sanitized: String = request_id
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@'))
        .take(255)
        .collect();
    if sanitized.is_empty() {
        crate::ids::uuid_v4()
    } else {
        sanitized
    }
}

/// The acting user of a request, read by id (one `GetItem`): the e-mail is recorded with
/// each entry.
pub async fn user_actor(
    state: &AppState,
    user_id: i64,
    request_id: Option<&str>,
) -> AppResult<AuditActor> {
    let user = state
        .store
        .get(&crate::keys::user(user_id))
        .await?
        .map(User::from_item)
        .transpose()?;
    Ok(match user {
        Some(user) => AuditActor::user(&user, request_id),
        None => AuditActor::without_user(request_id),
    })
}

/// One audited change, before it is stamped with its actor and time.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChange {
    pub auditable_type: &'static str,
    pub auditable_id: Option<i64>,
    pub action: AuditAction,
    pub audited_changes: Value,
    /// The `audited` gem's revision number of the record: 1 for its creation, one more for
    /// each later audited change. Versioned records count their lock version after the change
    /// plus one (a deletion counts as one more change); memberships, which carry none, count
    /// any later change as revision 2.
    pub version: i64,
}

impl AuditChange {
    /// A record created with these (audited) attributes.
    pub fn created(
        auditable_type: &'static str,
        auditable_id: Option<i64>,
        attributes: Map<String, Value>,
    ) -> Self {
        AuditChange {
            auditable_type,
            auditable_id,
            action: AuditAction::Create,
            audited_changes: Value::Object(attributes),
            version: 1,
        }
    }

    /// A record changed from `before` to `after` (audited attributes of each): the changed
    /// ones as `{attr: [old, new]}`, or `None` when none changed (the gem writes nothing then).
    pub fn updated(
        auditable_type: &'static str,
        auditable_id: i64,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
        version: i64,
    ) -> Option<Self> {
        let changed: Map<String, Value> = after
            .iter()
            .filter_map(|(name, new)| {
                let old = before.get(name).unwrap_or(&Value::Null);
                (old != new).then(|| (name.clone(), Value::Array(vec![old.clone(), new.clone()])))
            })
            .collect();
        (!changed.is_empty()).then(|| AuditChange {
            auditable_type,
            auditable_id: Some(auditable_id),
            action: AuditAction::Update,
            audited_changes: Value::Object(changed),
            version,
        })
    }

    /// A record deleted with these (audited) attributes.
    pub fn destroyed(
        auditable_type: &'static str,
        auditable_id: Option<i64>,
        attributes: Map<String, Value>,
        version: i64,
    ) -> Self {
        AuditChange {
            auditable_type,
            auditable_id,
            action: AuditAction::Destroy,
            audited_changes: Value::Object(attributes),
            version,
        }
    }

    /// A user signing in (Chatwoot records the user as the auditable, without changes).
    pub fn signed_in(user_id: i64) -> Self {
        AuditChange {
            auditable_type: "User",
            auditable_id: Some(user_id),
            action: AuditAction::SignIn,
            audited_changes: Value::Null,
            version: 1,
        }
    }
}

/// A record's audited attributes: its stored fields but `skipped` and those the gem never
/// records (id, timestamps, lock version).
pub fn attributes(record: &impl Serialize, skipped: &[&str]) -> Map<String, Value> {
    let mut map = crate::store::to_item(record);
    map.retain(|name, _| {
        !NEVER_AUDITED.contains(&name.as_str()) && !skipped.contains(&name.as_str())
    });
    map
}

/// The writes recording one change in the account's audit log, for the change's own
/// transaction: the entry and the counter.
pub fn entry(
    account_id: i64,
    actor: &AuditActor,
    now_ms: i64,
    change: AuditChange,
) -> Vec<WriteOp> {
    entries(account_id, actor, now_ms, [change])
}

/// The writes recording several changes made in one transaction: an entry each and one
/// counter write for all (a transaction may not touch the counter twice). Nothing when there
/// is no change.
pub fn entries(
    account_id: i64,
    actor: &AuditActor,
    now_ms: i64,
    changes: impl IntoIterator<Item = AuditChange>,
) -> Vec<WriteOp> {
    let mut ops: Vec<WriteOp> = changes
        .into_iter()
        .map(|change| {
            let log = AuditLog {
                id: crate::ids::new_id(now_ms),
                account_id,
                auditable_type: change.auditable_type.to_owned(),
                auditable_id: change.auditable_id,
                action: change.action.as_str().to_owned(),
                audited_changes: change.audited_changes,
                version: change.version,
                user_id: actor.user.as_ref().map(|u| u.id),
                user_type: actor.user.as_ref().map(|_| "User".to_owned()),
                username: actor.user.as_ref().map(|u| u.email.clone()),
                request_uuid: Some(actor.request_uuid.clone()),
                created_at_ms: now_ms,
            };
            // Ids never repeat within a process and carry the millisecond, so an existing
            // key is never overwritten in practice; no condition keeps the caller's
            // transaction free of a failure it could not explain.
            WriteOp::put(log.to_item())
        })
        .collect();
    if !ops.is_empty() {
        let count = ops.len() as i64;
        ops.push(WriteOp::add(
            keys::audit_log_count(account_id),
            keys::TOTAL,
            count,
        ));
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn updates_record_old_and_new_values_of_changed_attributes() {
        let before = map(json!({"name": "a", "greeting_enabled": false, "timezone": "UTC"}));
        let after = map(json!({"name": "b", "greeting_enabled": false, "timezone": "UTC"}));
        let change = AuditChange::updated("Inbox", 7, &before, &after, 2).unwrap();
        assert_eq!(change.audited_changes, json!({"name": ["a", "b"]}));
        assert_eq!(change.action, AuditAction::Update);
        assert_eq!(AuditChange::updated("Inbox", 7, &before, &before, 2), None);
    }

    #[test]
    fn several_entries_share_one_counter_write() {
        let actor = AuditActor::without_user(Some("req-1 <x>"));
        assert_eq!(actor.request_uuid, "req-1x");
        let ops = entries(
            3,
            &actor,
            1_800_000_000_000,
            [AuditChange::signed_in(1), AuditChange::signed_in(2)],
        );
        assert_eq!(ops.len(), 3);
        assert!(
            matches!(&ops[2], WriteOp::Add { deltas, .. } if deltas == &[(keys::TOTAL.to_owned(), 2)])
        );
        assert!(entries(3, &actor, 0, []).is_empty());
    }

    #[test]
    fn request_uuid_falls_back_to_a_fresh_uuid() {
        assert_eq!(AuditActor::without_user(None).request_uuid.len(), 36);
        assert_eq!(AuditActor::without_user(Some("%%")).request_uuid.len(), 36);
    }
}
