//! The CSAT survey in a conversation's own life: the survey message the save that resolves a
//! conversation sends (when the inbox asks for one and its label rules allow it), and what
//! deleting the conversation removes of it. A leaf below the save: answering a survey and the
//! survey page ([`crate::domain::csat`]) sit above the conversation services instead.

use super::change::NewMessage;
use crate::error::AppResult;
use crate::keys::conversations as conversation_keys;
use crate::model::conversation::{Conversation, Message, MessageType, Status};
use crate::model::inbox::Inbox;
use crate::model::Record;
use crate::state::AppState;
use crate::store::WriteOp;
use serde_json::{json, Map, Value};

/// The survey message's content type.
pub const CONTENT_TYPE: &str = "input_csat";
/// The question when the inbox configures none.
pub const DEFAULT_QUESTION: &str = "Please rate the conversation";

/// Whether this change resolves a conversation that has had no survey yet: only then is
/// the inbox read to decide whether one is sent.
pub fn may_follow(before: &Conversation, after: &Conversation) -> bool {
    before.status != Status::Resolved
        && after.status == Status::Resolved
        && after.csat_message_id.is_none()
}

/// The survey to send on resolving, if the inbox asks for one and its label rules allow it.
pub fn survey_message(conversation: &Conversation, inbox: &Inbox) -> Option<NewMessage> {
    if !inbox.csat_survey_enabled || !rules_allow(&inbox.csat_config, &conversation.labels) {
        return None;
    }
    let question = configured(&inbox.csat_config, "message").unwrap_or(DEFAULT_QUESTION);
    Some(NewMessage {
        content: Some(question.to_owned()),
        message_type: MessageType::Template,
        content_type: CONTENT_TYPE.into(),
        content_attributes: Map::from_iter([(
            "display_type".to_owned(),
            json!(display_type(inbox)),
        )]),
        ..NewMessage::default()
    })
}

/// The entry that counts a sent survey (written with it).
pub fn sent_entry(survey: &Message) -> WriteOp {
    let key = conversation_keys::csat_sent(survey.account_id, survey.created_at_ms, survey.id);
    WriteOp::put(key.to_item())
}

/// What deleting a conversation removes of its survey: the response and the sent entry
/// (whose key needs the survey's time: one read).
pub async fn survey_deletes(
    state: &AppState,
    conversation: &Conversation,
) -> AppResult<Vec<WriteOp>> {
    let Some(message_id) = conversation.csat_message_id else {
        return Ok(Vec::new());
    };
    let account_id = conversation.account_id;
    let key = conversation_keys::message(account_id, conversation.display_id, message_id);
    let Some(item) = state.store.get(&key).await? else {
        return Ok(Vec::new());
    };
    let survey = Message::from_item(item)?;
    Ok(vec![
        WriteOp::delete(conversation_keys::csat_response(account_id, message_id)),
        WriteOp::delete(conversation_keys::csat_sent(
            account_id,
            survey.created_at_ms,
            message_id,
        )),
    ])
}

fn configured<'a>(config: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    config
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// `emoji` unless the inbox chose another way to show the ratings.
pub fn display_type(inbox: &Inbox) -> &str {
    configured(&inbox.csat_config, "display_type").unwrap_or("emoji")
}

/// `csat_config.survey_rules`: `{operator: contains | does_not_contain, values: [labels]}`;
/// no values means no rule.
fn rules_allow(config: &Map<String, Value>, labels: &[String]) -> bool {
    let Some(rules) = config.get("survey_rules").and_then(Value::as_object) else {
        return true;
    };
    let values: Vec<&str> = rules
        .get("values")
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if values.is_empty() {
        return true;
    }
    let tagged = labels.iter().any(|label| values.contains(&label.as_str()));
    match rules.get("operator").and_then(Value::as_str) {
        Some("does_not_contain") => !tagged,
        _ => tagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_rules() {
        let labels = vec!["billing".to_owned()];
        let config = |rules: Value| {
            json!({ "survey_rules": rules })
                .as_object()
                .unwrap()
                .clone()
        };
        for (rules, allowed) in [
            (json!({"operator": "contains", "values": ["billing"]}), true),
            (json!({"operator": "contains", "values": ["sales"]}), false),
            (
                json!({"operator": "does_not_contain", "values": ["billing"]}),
                false,
            ),
            (
                json!({"operator": "does_not_contain", "values": ["sales"]}),
                true,
            ),
            (json!({"operator": "contains", "values": []}), true),
        ] {
            assert_eq!(
                rules_allow(&config(rules.clone()), &labels),
                allowed,
                "{rules}"
            );
        }
        assert!(rules_allow(&Map::new(), &labels));
    }
}
