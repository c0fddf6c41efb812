//! What a rule's conditions are evaluated on: the event's conversation joined with its contact
//! and the event's message and changes (Chatwoot's `ConditionsFilterService`), in the shape
//! the filter language reads ([`Filter::parse_automation`]).

use crate::domain::conversations::list::filter_attributes as conversation_attributes;
use crate::domain::filters::{
    CustomAttributeKey, Filter, CHANGED_ATTRIBUTES, CONTACT_CUSTOM_ATTRIBUTES,
};
use crate::error::{AppError, AppResult};
use crate::model::automation_rule::AutomationRule;
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Message};
use crate::model::custom_attribute::CustomAttributeDefinition;
use crate::state::AppState;
use serde_json::{Map, Value};
use time::Date;

/// The condition keys read from the conversation's contact.
const CONTACT_KEYS: &[&str] = &["email", "phone_number", "country_code", "city", "company"];

/// What the rules' conditions need besides the event: the account's custom attribute
/// definitions (only when a condition names a key that is not a standard one) and the
/// contact (only when a condition names a contact attribute).
#[derive(Debug)]
pub struct Facts {
    pub definitions: Vec<CustomAttributeDefinition>,
    pub contact: Option<Contact>,
}

fn condition_keys(rules: &[AutomationRule]) -> impl Iterator<Item = &str> {
    rules
        .iter()
        .flat_map(|rule| &rule.conditions)
        .filter_map(|condition| condition.get("attribute_key").and_then(Value::as_str))
}

impl Facts {
    /// Reads what `rules` need: at most one query of the definitions and one get of the
    /// conversation's contact.
    pub async fn read(
        state: &AppState,
        rules: &[AutomationRule],
        conversation: &Conversation,
    ) -> AppResult<Facts> {
        let custom: Vec<&str> = condition_keys(rules)
            .filter(|key| !super::is_standard_key(key))
            .collect();
        let definitions = if custom.is_empty() {
            Vec::new()
        } else {
            super::definitions(state, conversation.account_id).await?
        };
        let names_contact_attribute = definitions.iter().any(|d| {
            d.attribute_model == "contact_attribute" && custom.contains(&d.attribute_key.as_str())
        });
        let contact = if names_contact_attribute
            || condition_keys(rules).any(|key| CONTACT_KEYS.contains(&key))
        {
            // A contact deleted since leaves its attributes missing.
            match crate::domain::contacts::load(
                state,
                conversation.account_id,
                conversation.contact_id,
            )
            .await
            {
                Ok(contact) => Some(contact),
                Err(AppError::NotFound) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        Ok(Facts {
            definitions,
            contact,
        })
    }
}

/// The record the conditions are evaluated on: the conversation's filter attributes, the
/// contact's (with its custom attributes as [`CONTACT_CUSTOM_ATTRIBUTES`]), the message's
/// `content` and `message_type`, and the event's `changed_attributes` (Chatwoot's list of
/// `{attribute: {previous_value, current_value}}`) as one object, [`CHANGED_ATTRIBUTES`].
pub fn record(
    conversation: &Conversation,
    contact: Option<&Contact>,
    message: Option<&Message>,
    changed_attributes: Option<&Value>,
) -> Map<String, Value> {
    let mut record = conversation_attributes(conversation);
    if let Some(contact) = contact {
        let mut attributes = crate::domain::contacts::filter_attributes(contact);
        for key in CONTACT_KEYS {
            record.insert((*key).into(), attributes.remove(*key).unwrap_or_default());
        }
        record.insert(
            CONTACT_CUSTOM_ATTRIBUTES.into(),
            attributes.remove("custom_attributes").unwrap_or_default(),
        );
    }
    if let Some(message) = message {
        record.insert("content".into(), message.content.clone().into());
        record.insert("message_type".into(), message.message_type.into());
    }
    let changes: Map<String, Value> = changed_attributes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|change| change.clone())
        .collect();
    record.insert(CHANGED_ATTRIBUTES.into(), Value::Object(changes));
    record
}

/// Whether the rule's conditions hold for `record`; `Err` when they do not parse (Chatwoot
/// then skips the rule).
pub fn matches(
    rule: &AutomationRule,
    definitions: &[CustomAttributeDefinition],
    record: &Map<String, Value>,
    today: Date,
) -> AppResult<bool> {
    let keys = |model: &str| -> Vec<CustomAttributeKey> {
        definitions
            .iter()
            .filter(|d| d.attribute_model == model)
            .map(|d| CustomAttributeKey {
                key: &d.attribute_key,
                display_type: &d.attribute_display_type,
            })
            .collect()
    };
    let filter = Filter::parse_automation(
        &Value::Array(rule.conditions.clone()),
        &keys("conversation_attribute"),
        &keys("contact_attribute"),
    )?;
    Ok(filter.matches(record, today))
}
