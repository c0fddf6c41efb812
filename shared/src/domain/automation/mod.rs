//! Automation rules (administrators only): Chatwoot's validation of what a rule may name, the
//! rules' CRUD, and the [`engine`] that runs them on the account's events. A rule is one item
//! of the account partition; the account's rules are one query.

pub mod actions;
pub mod conditions;
pub mod engine;

use super::audit::{self, AuditActor, AuditChange};
use super::{create_with_fresh_id, query_records, retrying, save_versioned, store_conflict};
use crate::domain::filters::{standard_keys, FilterModel};
use crate::error::{AppError, AppResult};
use crate::keys::{self, automation_rules as rule_keys};
use crate::model::automation_rule::{AutomationRule, RuleFile};
use crate::model::conversation::DirectUpload;
use crate::model::custom_attribute::CustomAttributeDefinition;
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Condition, Query, StoreError, WriteOp};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// What a client sends (top-level parameters); `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct RuleChanges {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub event_name: Option<Option<String>>,
    pub active: Option<bool>,
    /// Must be a list of objects (`null` is none).
    pub conditions: Option<Value>,
    /// Must be a list of objects (`null` is none).
    pub actions: Option<Value>,
}

/// A list of objects, as conditions and actions must be; `Err` names the parameter.
fn object_list(value: &Value, attribute: &str) -> AppResult<Vec<Value>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) if items.iter().all(Value::is_object) => Ok(items.clone()),
        _ => Err(AppError::Unprocessable(
            json!({ attribute: ["is invalid"] }),
        )),
    }
}

fn apply(rule: &mut AutomationRule, changes: &RuleChanges) -> AppResult<()> {
    if let Some(name) = &changes.name {
        rule.name = name.clone().unwrap_or_default();
    }
    if let Some(description) = &changes.description {
        rule.description = description.clone();
    }
    if let Some(event_name) = &changes.event_name {
        rule.event_name = event_name.clone().unwrap_or_default();
    }
    if let Some(active) = changes.active {
        rule.active = active;
    }
    if let Some(conditions) = &changes.conditions {
        rule.conditions = object_list(conditions, "conditions")?;
    }
    if let Some(actions) = &changes.actions {
        rule.actions = object_list(actions, "actions")?;
    }
    Ok(())
}

/// A condition's or action's name field as text (`null` and absent as empty, as Ruby's
/// `join` prints `nil`).
fn name_of(item: &Value, field: &str) -> String {
    match item.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Chatwoot's rule validation, all failures in one `{"error": {attribute: [messages]}}` 422:
/// name and event name present; condition keys among the standard ones or the account's
/// custom attribute keys (`custom_keys`, of either model); known actions; at most one
/// condition without a query operator (the last); query operators `AND`/`OR`.
fn validate(rule: &AutomationRule, custom_keys: &BTreeSet<String>) -> AppResult<()> {
    let mut errors = Map::new();
    let mut add = |attribute: &str, message: String| {
        let list = errors
            .entry(attribute)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(Value::String(message));
        }
    };
    for (attribute, value) in [("name", &rule.name), ("event_name", &rule.event_name)] {
        if value.trim().is_empty() {
            add(attribute, "can't be blank".into());
        }
    }
    let unsupported: Vec<String> = rule
        .conditions
        .iter()
        .map(|c| name_of(c, "attribute_key"))
        .filter(|key| !is_standard_key(key) && !custom_keys.contains(key))
        .collect();
    if !unsupported.is_empty() {
        add(
            "conditions",
            format!(
                "Automation conditions {} not supported.",
                unsupported.join(",")
            ),
        );
    }
    let unknown: Vec<String> = rule
        .actions
        .iter()
        .map(|a| name_of(a, "action_name"))
        .filter(|name| !actions::ACTION_NAMES.contains(&name.as_str()))
        .collect();
    if !unknown.is_empty() {
        add(
            "actions",
            format!("Automation actions {} not supported.", unknown.join(",")),
        );
    }
    let without_operator = rule
        .conditions
        .iter()
        .filter(|c| c.get("query_operator").is_none_or(Value::is_null))
        .count();
    if without_operator > 1 {
        add(
            "conditions",
            "Automation conditions should have query operator.".into(),
        );
    }
    for condition in &rule.conditions {
        let valid = match condition.get("query_operator") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => {
                s.is_empty() || s.eq_ignore_ascii_case("and") || s.eq_ignore_ascii_case("or")
            }
            Some(_) => false,
        };
        if !valid {
            add(
                "conditions",
                r#"Query operator must be either "AND" or "OR""#.into(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(Value::Object(errors)))
    }
}

fn is_standard_key(key: &str) -> bool {
    standard_keys(FilterModel::Automation).any(|standard| standard == key)
}

/// The account's custom attribute keys (both models), read only when a condition names a
/// key that is not a standard one.
async fn custom_keys_for(state: &AppState, rule: &AutomationRule) -> AppResult<BTreeSet<String>> {
    let needed = rule
        .conditions
        .iter()
        .any(|c| !is_standard_key(&name_of(c, "attribute_key")));
    if !needed {
        return Ok(BTreeSet::new());
    }
    Ok(definitions(state, rule.account_id)
        .await?
        .into_iter()
        .map(|d| d.attribute_key)
        .collect())
}

/// The account's custom attribute definitions (one query).
async fn definitions(
    state: &AppState,
    account_id: i64,
) -> AppResult<Vec<CustomAttributeDefinition>> {
    super::custom_attributes::list(state, account_id, None).await
}

/// The blob ids the rule's `send_attachment` actions name (their first parameter).
fn attachment_ids(rule: &AutomationRule) -> Vec<Option<String>> {
    rule.actions
        .iter()
        .filter(|a| a.get("action_name").and_then(Value::as_str) == Some("send_attachment"))
        .map(|a| {
            a.get("action_params")
                .and_then(|p| p.get(0))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

fn invalid_attachment() -> AppError {
    AppError::Unprocessable(json!("Invalid attachment"))
}

/// The rule's files: one per `send_attachment` blob id, each a file the rule already has or a
/// direct upload of the account (one batch read of the new ones); any other id is a 422
/// `Invalid attachment`.
async fn attachment_files(
    state: &AppState,
    rule: &AutomationRule,
    kept: &[RuleFile],
) -> AppResult<Vec<RuleFile>> {
    let ids = attachment_ids(rule)
        .into_iter()
        .collect::<Option<BTreeSet<String>>>()
        .ok_or_else(invalid_attachment)?;
    let (existing, new): (Vec<String>, Vec<String>) = ids
        .into_iter()
        .partition(|id| kept.iter().any(|f| &f.blob_id == id));
    let mut files: Vec<RuleFile> = kept
        .iter()
        .filter(|f| existing.contains(&f.blob_id))
        .cloned()
        .collect();
    let upload_keys: Vec<_> = new
        .iter()
        .map(|id| keys::conversations::direct_upload(id))
        .collect();
    for item in state.store.get_many(&upload_keys).await? {
        let upload = item
            .map(DirectUpload::from_item)
            .transpose()?
            .filter(|u| u.account_id == rule.account_id)
            .ok_or_else(invalid_attachment)?;
        files.push(RuleFile {
            id: crate::ids::new_id(state.clock.now_ms()),
            blob_id: upload.signed_id,
            blob_key: upload.blob_key,
            file_name: upload.file_name,
            content_type: upload.content_type,
            byte_size: upload.byte_size,
        });
    }
    Ok(files)
}

/// Every rule of the account, oldest first (Chatwoot's database order): one query.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<AutomationRule>> {
    query_records(
        state,
        Query::prefix(
            keys::account_partition(account_id),
            rule_keys::automation_rules_prefix(),
        ),
    )
    .await
}

/// A rule of the account; unknown → 404.
pub async fn load(state: &AppState, account_id: i64, id: i64) -> AppResult<AutomationRule> {
    let item = state
        .store
        .get(&rule_keys::automation_rule(account_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(AutomationRule::from_item(item)?)
}

/// The rule columns audited.
fn audited(rule: &AutomationRule) -> serde_json::Map<String, Value> {
    audit::attributes(rule, &[])
}

/// Writes a new rule under a fresh id, with its audit log entry.
async fn insert(
    state: &AppState,
    draft: AutomationRule,
    actor: &AuditActor,
) -> AppResult<AutomationRule> {
    Ok(retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let rule = AutomationRule {
                id,
                ..draft.clone()
            };
            let mut ops = vec![WriteOp::create(rule.to_item())];
            ops.extend(audit::entry(
                rule.account_id,
                actor,
                rule.created_at_ms,
                AuditChange::created("AutomationRule", Some(id), audited(&rule)),
            ));
            (rule, ops)
        })
    })
    .await?)
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &RuleChanges,
    actor: &AuditActor,
) -> AppResult<AutomationRule> {
    let now = state.clock.now_ms();
    let mut draft = AutomationRule {
        id: 0,
        account_id,
        name: String::new(),
        description: None,
        event_name: String::new(),
        conditions: Vec::new(),
        actions: Vec::new(),
        active: true,
        files: Vec::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    validate(&draft, &custom_keys_for(state, &draft).await?)?;
    draft.files = attachment_files(state, &draft, &[]).await?;
    insert(state, draft, actor).await
}

/// Applies `changes` with the same validation as a create. On a concurrent change the rule is
/// read again and the changes re-applied and re-validated (against the custom attribute keys
/// read once).
pub async fn update(
    state: &AppState,
    rule: AutomationRule,
    changes: &RuleChanges,
    actor: &AuditActor,
) -> AppResult<AutomationRule> {
    let mut candidate = rule.clone();
    apply(&mut candidate, changes)?;
    let custom_keys = custom_keys_for(state, &candidate).await?;
    validate(&candidate, &custom_keys)?;
    let files = match changes.actions {
        Some(_) => Some(attachment_files(state, &candidate, &rule.files).await?),
        None => None,
    };
    let now = state.clock.now_ms();
    save_versioned(state, rule, |rule| {
        let before = audited(rule);
        apply(rule, changes)?;
        validate(rule, &custom_keys)?;
        if let Some(files) = &files {
            rule.files = files.clone();
        }
        rule.updated_at_ms = now;
        let after = audited(rule);
        let change =
            AuditChange::updated("AutomationRule", rule.id, &before, &after, rule.version + 2);
        Ok(change
            .map(|change| audit::entry(rule.account_id, actor, now, change))
            .unwrap_or_default())
    })
    .await
}

/// A copy of the rule under a new id (name, description, event, conditions, actions, files,
/// active flag).
pub async fn clone(
    state: &AppState,
    rule: &AutomationRule,
    actor: &AuditActor,
) -> AppResult<AutomationRule> {
    let now = state.clock.now_ms();
    insert(
        state,
        AutomationRule {
            created_at_ms: now,
            updated_at_ms: now,
            version: 0,
            ..rule.clone()
        },
        actor,
    )
    .await
}

pub async fn delete(state: &AppState, rule: &AutomationRule, actor: &AuditActor) -> AppResult<()> {
    let mut ops = vec![WriteOp::Delete {
        key: rule.key(),
        condition: Some(Condition::Exists),
    }];
    ops.extend(audit::entry(
        rule.account_id,
        actor,
        state.clock.now_ms(),
        AuditChange::destroyed(
            "AutomationRule",
            Some(rule.id),
            audited(rule),
            rule.version + 2,
        ),
    ));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed { .. }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Signed URLs of the rule's files, in order (the view's `file_url`s).
pub async fn file_urls(state: &AppState, rule: &AutomationRule) -> AppResult<Vec<String>> {
    let mut urls = Vec::with_capacity(rule.files.len());
    for file in &rule.files {
        urls.push(
            state
                .blobs
                .presign_get(&file.blob_key, super::messages::URL_TTL)
                .await?,
        );
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(conditions: Value, actions: Value) -> AutomationRule {
        AutomationRule {
            id: 1,
            account_id: 1,
            name: "Rule".into(),
            description: None,
            event_name: "message_created".into(),
            conditions: object_list(&conditions, "conditions").unwrap(),
            actions: object_list(&actions, "actions").unwrap(),
            active: true,
            files: Vec::new(),
            created_at_ms: 0,
            updated_at_ms: 0,
            version: 0,
        }
    }

    fn errors(rule: &AutomationRule, custom: &[&str]) -> Value {
        let custom = custom.iter().map(|k| k.to_string()).collect();
        match validate(rule, &custom) {
            Err(AppError::Unprocessable(body)) => body,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn validation_collects_chatwoots_messages() {
        let condition = |key: &str, operator: Value| json!({"attribute_key": key, "filter_operator": "equal_to", "values": ["x"], "query_operator": operator});
        let valid = rule(
            json!([
                condition("content", json!("and")),
                condition("plan", json!(null))
            ]),
            json!([{"action_name": "add_label", "action_params": ["a"]}]),
        );
        assert_eq!(validate(&valid, &BTreeSet::from(["plan".into()])), Ok(()));
        assert_eq!(
            errors(&valid, &[]),
            json!({"conditions": ["Automation conditions plan not supported."]})
        );
        let mut blank = rule(
            json!([
                condition("nope", json!(null)),
                condition("status", json!("xor")),
                condition("city", json!(null)),
                {"filter_operator": "equal_to"}
            ]),
            json!([{"action_name": "dance"}, {"action_name": "send_message"}, {}]),
        );
        blank.name = " ".into();
        blank.event_name = String::new();
        assert_eq!(
            errors(&blank, &[]),
            json!({
                "name": ["can't be blank"],
                "event_name": ["can't be blank"],
                "conditions": [
                    "Automation conditions nope, not supported.",
                    "Automation conditions should have query operator.",
                    "Query operator must be either \"AND\" or \"OR\""
                ],
                "actions": ["Automation actions dance, not supported."]
            })
        );
    }

    #[test]
    fn conditions_and_actions_must_be_lists_of_objects() {
        for bad in [json!("x"), json!({"a": 1}), json!([1]), json!([["a"]])] {
            assert_eq!(
                object_list(&bad, "actions"),
                Err(AppError::Unprocessable(json!({"actions": ["is invalid"]})))
            );
        }
        assert_eq!(object_list(&json!(null), "actions"), Ok(Vec::new()));
    }
}
