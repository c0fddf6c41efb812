//! Custom attribute definitions. Keys are unique per (account, model): each key is claimed by
//! an item created conditionally in the same transaction as the definition, so two concurrent
//! creates of one key cannot both succeed. No role check: agents may manage them too.

use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, save_versioned};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{self, custom_attributes as attribute_keys};
use crate::model::custom_attribute::{
    AttributeKeyClaim, CustomAttributeDefinition, ATTRIBUTE_MODELS, DISPLAY_TYPES,
};
use crate::model::{epoch_ms, Account, Record};
use crate::state::AppState;
use crate::store::{Query, StoreError, WriteOp};
use serde_json::Value;

/// The account setting listing conversation attributes an agent must fill in before resolving.
pub const REQUIRED_ATTRIBUTES_SETTING: &str = "conversation_required_attributes";

/// Keys of the built-in attributes of each model, refused for new definitions (filters and
/// automations would not know which one is meant).
const STANDARD_CONVERSATION_KEYS: &[&str] = &[
    "status",
    "priority",
    "assignee_id",
    "inbox_id",
    "team_id",
    "display_id",
    "campaign_id",
    "labels",
    "browser_language",
    "country_code",
    "referer",
    "created_at",
    "last_activity_at",
];
const STANDARD_CONTACT_KEYS: &[&str] = &[
    "name",
    "email",
    "phone_number",
    "identifier",
    "country_code",
    "city",
    "created_at",
    "last_activity_at",
    "referer",
    "blocked",
];

pub const KEY_CONFLICT: &str =
    "The provided key is not allowed as it might conflict with default attributes.";

/// What a client may set; `None` leaves a field as it is. Enum fields take Chatwoot's names
/// or their integer values (`"0"`, `"1"`, ...).
#[derive(Debug, Default, Clone)]
pub struct DefinitionChanges {
    pub attribute_display_name: Option<Option<String>>,
    pub attribute_display_type: Option<Option<String>>,
    pub attribute_description: Option<Option<String>>,
    pub attribute_key: Option<Option<String>>,
    pub attribute_model: Option<Option<String>>,
    pub regex_pattern: Option<Option<String>>,
    pub regex_cue: Option<Option<String>>,
    /// An array of scalars (`null` or `""` clear it).
    pub attribute_values: Option<Value>,
}

/// An enum value by name or by its integer (Rails accepts both for enum attributes).
fn enum_value(allowed: &[&'static str], given: &str) -> Option<&'static str> {
    let given = given.trim();
    allowed
        .iter()
        .enumerate()
        .find(|(index, name)| **name == given || index.to_string() == given)
        .map(|(_, name)| *name)
}

fn apply(definition: &mut CustomAttributeDefinition, changes: &DefinitionChanges) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    let trimmed = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(name) = &changes.attribute_display_name {
        definition.attribute_display_name = trimmed(name);
    }
    if let Some(key) = &changes.attribute_key {
        definition.attribute_key = trimmed(key);
    }
    if let Some(description) = &changes.attribute_description {
        definition.attribute_description = description.clone();
    }
    if let Some(pattern) = &changes.regex_pattern {
        definition.regex_pattern = pattern.clone();
    }
    if let Some(cue) = &changes.regex_cue {
        definition.regex_cue = cue.clone();
    }
    match &changes.attribute_values {
        None => {}
        Some(Value::Null) => definition.attribute_values.clear(),
        Some(Value::String(s)) if s.is_empty() => definition.attribute_values.clear(),
        Some(Value::Array(values)) if values.iter().all(is_scalar) => {
            definition.attribute_values = values.clone()
        }
        Some(_) => errors.add("attribute_values", "is invalid"),
    }
    for (attribute, given, allowed, field) in [
        (
            "attribute_display_type",
            &changes.attribute_display_type,
            DISPLAY_TYPES,
            &mut definition.attribute_display_type,
        ),
        (
            "attribute_model",
            &changes.attribute_model,
            ATTRIBUTE_MODELS,
            &mut definition.attribute_model,
        ),
    ] {
        match given {
            None => {}
            Some(given) => match given.as_deref().filter(|g| !g.trim().is_empty()) {
                None => field.clear(),
                Some(given) => match enum_value(allowed, given) {
                    Some(value) => *field = value.to_owned(),
                    None => errors.add(attribute, "is not included in the list"),
                },
            },
        }
    }
    validate::presence(
        &mut errors,
        "attribute_display_name",
        Some(&definition.attribute_display_name),
    );
    validate::presence(
        &mut errors,
        "attribute_key",
        Some(&definition.attribute_key),
    );
    if !errors
        .attributes()
        .iter()
        .any(|a| a == "attribute_display_type")
    {
        validate::presence(
            &mut errors,
            "attribute_display_type",
            Some(&definition.attribute_display_type),
        );
    }
    if !errors.attributes().iter().any(|a| a == "attribute_model") {
        validate::presence(
            &mut errors,
            "attribute_model",
            Some(&definition.attribute_model),
        );
    }
    for (attribute, value, max) in [
        (
            "attribute_display_name",
            Some(definition.attribute_display_name.as_str()),
            STRING_COLUMN,
        ),
        (
            "attribute_key",
            Some(definition.attribute_key.as_str()),
            STRING_COLUMN,
        ),
        (
            "attribute_description",
            definition.attribute_description.as_deref(),
            20_000,
        ),
        (
            "regex_pattern",
            definition.regex_pattern.as_deref(),
            STRING_COLUMN,
        ),
        ("regex_cue", definition.regex_cue.as_deref(), STRING_COLUMN),
    ] {
        validate::max_length(&mut errors, attribute, value, max);
    }
    errors.into_result()
}

/// Rails permits `attribute_values: []` of scalars only.
fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn is_standard_key(model: &str, key: &str) -> bool {
    let standard = match model {
        "conversation_attribute" => STANDARD_CONVERSATION_KEYS,
        "contact_attribute" => STANDARD_CONTACT_KEYS,
        _ => &[],
    };
    standard.contains(&key)
}

fn key_taken() -> AppError {
    ValidationErrors::single("attribute_key", "has already been taken")
}

fn claim(definition: &CustomAttributeDefinition) -> WriteOp {
    WriteOp::create(
        AttributeKeyClaim {
            account_id: definition.account_id,
            attribute_model: definition.attribute_model.clone(),
            attribute_key: definition.attribute_key.clone(),
            definition_id: definition.id,
        }
        .to_item(),
    )
}

/// The account's definitions in creation order. `model` (a name or Chatwoot's integer) keeps
/// one model's only; blank means all, an unknown model matches none.
pub async fn list(
    state: &AppState,
    account_id: i64,
    model: Option<&str>,
) -> AppResult<Vec<CustomAttributeDefinition>> {
    let model = match model.map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(given) => match enum_value(ATTRIBUTE_MODELS, given) {
            Some(known) => Some(known),
            None => return Ok(Vec::new()),
        },
    };
    let query = Query::prefix(
        keys::account_partition(account_id),
        attribute_keys::custom_attributes_prefix(),
    );
    let definitions: Vec<CustomAttributeDefinition> = super::query_records(state, query).await?;
    Ok(definitions
        .into_iter()
        .filter(|d| model.is_none_or(|m| m == d.attribute_model))
        .collect())
}

pub async fn load(
    state: &AppState,
    account_id: i64,
    id: i64,
) -> AppResult<CustomAttributeDefinition> {
    let item = state
        .store
        .get(&attribute_keys::custom_attribute(account_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CustomAttributeDefinition::from_item(item)?)
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &DefinitionChanges,
) -> AppResult<CustomAttributeDefinition> {
    let now = epoch_ms(state.clock.now());
    let mut draft = CustomAttributeDefinition {
        id: 0,
        account_id,
        attribute_display_name: String::new(),
        attribute_display_type: String::new(),
        attribute_description: None,
        attribute_key: String::new(),
        regex_pattern: None,
        regex_cue: None,
        attribute_values: Vec::new(),
        attribute_model: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    if is_standard_key(&draft.attribute_model, &draft.attribute_key) {
        let mut errors = ValidationErrors::new();
        errors.add("attribute_key", KEY_CONFLICT);
        return Err(AppError::Validation(errors));
    }
    create_with_fresh_id(state, |id| {
        let definition = CustomAttributeDefinition {
            id,
            ..draft.clone()
        };
        let ops = vec![WriteOp::create(definition.to_item()), claim(&definition)];
        (definition, ops)
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => key_taken(),
        other => other.into(),
    })
}

pub async fn update(
    state: &AppState,
    definition: CustomAttributeDefinition,
    changes: &DefinitionChanges,
) -> AppResult<CustomAttributeDefinition> {
    let now = epoch_ms(state.clock.now());
    // Validate on a copy first; a new key (or model) must not be claimed already. A claim
    // made between this read and the write fails the transaction: 503, and a retry sees 422.
    let mut wanted = definition.clone();
    apply(&mut wanted, changes)?;
    let moved = (&wanted.attribute_model, &wanted.attribute_key)
        != (&definition.attribute_model, &definition.attribute_key);
    if moved
        && state
            .store
            .get(&attribute_keys::custom_attribute_key(
                wanted.account_id,
                &wanted.attribute_model,
                &wanted.attribute_key,
            ))
            .await?
            .is_some()
    {
        return Err(key_taken());
    }
    save_versioned(state, definition, |definition| {
        let before = (
            definition.attribute_model.clone(),
            definition.attribute_key.clone(),
        );
        apply(definition, changes)?;
        definition.updated_at_ms = now;
        if (&definition.attribute_model, &definition.attribute_key) == (&before.0, &before.1) {
            return Ok(vec![]);
        }
        Ok(vec![
            claim(definition),
            WriteOp::delete(attribute_keys::custom_attribute_key(
                definition.account_id,
                &before.0,
                &before.1,
            )),
        ])
    })
    .await
}

/// Deletes the definition and its key claim; a conversation attribute's key also leaves the
/// account's required attributes, in the same transaction (as a versioned account change).
pub async fn delete(
    state: &AppState,
    account: Account,
    definition: &CustomAttributeDefinition,
) -> AppResult<()> {
    let ops = vec![
        WriteOp::delete(definition.key()),
        WriteOp::delete(attribute_keys::custom_attribute_key(
            definition.account_id,
            &definition.attribute_model,
            &definition.attribute_key,
        )),
    ];
    let required = |account: &Account| {
        account
            .settings
            .get(REQUIRED_ATTRIBUTES_SETTING)
            .and_then(Value::as_array)
            .is_some_and(|keys| {
                keys.iter()
                    .any(|k| k.as_str() == Some(&definition.attribute_key))
            })
    };
    if definition.attribute_model != "conversation_attribute" || !required(&account) {
        state.store.write(ops).await?;
        return Ok(());
    }
    let now = epoch_ms(state.clock.now());
    save_versioned(state, account, |account| {
        if let Some(Value::Array(keys)) = account.settings.get_mut(REQUIRED_ATTRIBUTES_SETTING) {
            keys.retain(|k| k.as_str() != Some(&definition.attribute_key));
        }
        account.updated_at_ms = now;
        Ok(ops.clone())
    })
    .await?;
    Ok(())
}
