//! Running the account's automation rules on one outbox event (Chatwoot's
//! `AutomationRuleListener`): the active rules of the event's name whose conditions hold run
//! their actions, each rule's as that rule, so the events its changes record carry its id and
//! do not run rules again.

use super::{actions, conditions};
use crate::domain::conversations::events;
use crate::error::AppResult;
use crate::model::conversation::{Conversation, Message};
use crate::outbox::{as_automation_rule, EventRecord};
use crate::state::AppState;
use serde_json::Value;

/// The events rules may name as their `event_name`.
const TRIGGERS: [&str; 5] = [
    "conversation_created",
    "conversation_updated",
    "conversation_opened",
    "conversation_resolved",
    "message_created",
];

/// Rails' `present?`: not null, false or empty.
fn present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// Chatwoot's exclusions: activity messages and e-mail auto-replies run no `message_created`
/// rules; a conversation an auto-reply opened runs no `conversation_created` / `_opened` ones.
fn ignored(name: &str, conversation: &Conversation, message: Option<&Message>) -> bool {
    match name {
        "message_created" => message.is_none_or(|m| {
            m.is_activity()
                || m.content_attributes
                    .get("email")
                    .and_then(|email| email.get("auto_reply"))
                    == Some(&Value::Bool(true))
        }),
        "conversation_created" | "conversation_opened" => {
            present(conversation.additional_attributes.get("auto_reply"))
        }
        _ => false,
    }
}

/// Whether rules may act on this event: one they can name, not caused by a rule.
pub fn may_run(event: &EventRecord) -> bool {
    event.automation_rule_id.is_none() && TRIGGERS.contains(&event.name.as_str())
}

/// Runs the account's active rules for this event (Chatwoot's AutomationRuleListener).
pub async fn run(state: &AppState, event: &EventRecord) -> AppResult<()> {
    if !may_run(event) {
        return Ok(());
    }
    let Some(conversation) = events::conversation_of(event) else {
        return Ok(());
    };
    let message = events::message_of(event);
    if ignored(&event.name, &conversation, message.as_ref()) {
        return Ok(());
    }
    let rules: Vec<_> = super::list(state, event.account_id)
        .await?
        .into_iter()
        .filter(|rule| rule.active && rule.event_name == event.name)
        .collect();
    if rules.is_empty() {
        return Ok(());
    }
    let facts = conditions::Facts::read(state, &rules, &conversation).await?;
    let record = conditions::record(
        &conversation,
        facts.contact.as_ref(),
        message.as_ref(),
        event.payload.get("changed_attributes"),
    );
    let today = state.clock.now().date();
    for rule in &rules {
        match conditions::matches(rule, &facts.definitions, &record, today) {
            Ok(true) => {
                as_automation_rule(rule.id, actions::perform(state, rule, &conversation)).await
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(
                rule_id = rule.id,
                error = %e,
                "automation rule skipped: its conditions do not parse"
            ),
        }
    }
    Ok(())
}
