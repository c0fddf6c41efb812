//! A matching rule's actions (Chatwoot's `AutomationRules::ActionService`), run in order on
//! the conversation as it is now, each through the same conversation actions a user's request
//! uses, acting as [`Actor::Automation`]. A failing action is logged and the next one runs.
//! Mail and outbound webhooks are not sent here: they become outbox events the dispatcher
//! delivers (`automation_webhook`) or that record what would be mailed (`automation_email`).

use crate::domain::actor::Actor;
use crate::domain::conversations::change::NewMessage;
use crate::domain::conversations::{self, actions, events};
use crate::domain::{agents, contacts, inboxes, messages, teams};
use crate::error::{AppError, AppResult};
use crate::model::automation_rule::AutomationRule;
use crate::model::conversation::{Attachment, Conversation, Status, PRIORITIES};
use crate::model::Role;
use crate::outbox::AUTOMATION_WEBHOOK;
use crate::state::AppState;
use serde_json::{json, Map, Value};

/// The actions a rule may name (`AutomationRule#actions_attributes`).
pub const ACTION_NAMES: &[&str] = &[
    "send_message",
    "add_label",
    "remove_label",
    "send_email_to_team",
    "assign_team",
    "assign_agent",
    "send_webhook_event",
    "mute_conversation",
    "send_attachment",
    "change_status",
    "resolve_conversation",
    "open_conversation",
    "snooze_conversation",
    "change_priority",
    "send_email_transcript",
    "add_private_note",
];

/// The parameter Chatwoot's actions use to say "none" (unassign, clear the priority).
const NONE_PARAM: &str = "nil";

/// Runs the rule's actions on `conversation` (reloaded before each, as Chatwoot does).
pub async fn perform(state: &AppState, rule: &AutomationRule, conversation: &Conversation) {
    let actor = Actor::Automation { rule_id: rule.id };
    for action in &rule.actions {
        let name = action
            .get("action_name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let params = match action.get("action_params") {
            Some(Value::Array(params)) => params.as_slice(),
            _ => &[],
        };
        let current = match conversations::load(
            state,
            conversation.account_id,
            conversation.display_id,
        )
        .await
        {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(rule_id = rule.id, error = %e, "automation: conversation gone");
                return;
            }
        };
        if let Err(e) = run(state, rule, &actor, current, name, params).await {
            tracing::warn!(rule_id = rule.id, action = name, error = %e, "automation action failed");
        }
    }
}

/// A parameter as text (numbers as their digits).
fn text(params: &[Value], index: usize) -> Option<String> {
    match params.get(index)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn texts(params: &[Value]) -> Vec<String> {
    (0..params.len()).filter_map(|i| text(params, i)).collect()
}

fn id(params: &[Value]) -> AppResult<i64> {
    text(params, 0)
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| AppError::BadRequest("expected an id".into()))
}

fn invalid(what: &str) -> AppError {
    AppError::Unprocessable(json!(format!("invalid {what}")))
}

async fn run(
    state: &AppState,
    rule: &AutomationRule,
    actor: &Actor,
    conversation: Conversation,
    name: &str,
    params: &[Value],
) -> AppResult<()> {
    match name {
        "send_message" => {
            let content = text(params, 0);
            send(state, rule, conversation, content, false, Vec::new()).await
        }
        "add_private_note" => {
            let content = text(params, 0);
            send(state, rule, conversation, content, true, Vec::new()).await
        }
        "send_attachment" => {
            let wanted = texts(params);
            let attachments: Vec<Attachment> = rule
                .files
                .iter()
                .filter(|f| wanted.contains(&f.blob_id))
                .map(|f| Attachment {
                    id: crate::ids::new_id(state.clock.now_ms()),
                    file_type: messages::file_type(&f.content_type).into(),
                    extension: messages::extension(&f.file_name),
                    content_type: f.content_type.clone(),
                    file_name: f.file_name.clone(),
                    file_size: f.byte_size,
                    blob_key: f.blob_key.clone(),
                })
                .collect();
            if attachments.is_empty() {
                return Ok(());
            }
            send(state, rule, conversation, None, false, attachments).await
        }
        "add_label" => {
            let mut labels = conversation.labels.clone();
            labels.extend(texts(params));
            actions::set_labels(state, actor, conversation, labels).await?;
            Ok(())
        }
        "remove_label" => {
            let removed = texts(params);
            let labels = conversation
                .labels
                .iter()
                .filter(|l| !removed.contains(l))
                .cloned()
                .collect();
            actions::set_labels(state, actor, conversation, labels).await?;
            Ok(())
        }
        "assign_agent" => assign_agent(state, actor, conversation, params).await,
        "assign_team" => assign_team(state, actor, conversation, params).await,
        "change_status" => {
            let status = text(params, 0)
                .as_deref()
                .and_then(Status::parse)
                .ok_or_else(|| invalid("status"))?;
            set_status(state, actor, conversation, status).await
        }
        "resolve_conversation" => set_status(state, actor, conversation, Status::Resolved).await,
        "open_conversation" => set_status(state, actor, conversation, Status::Open).await,
        "snooze_conversation" => set_status(state, actor, conversation, Status::Snoozed).await,
        "change_priority" => {
            let priority = match text(params, 0) {
                Some(p) if p == NONE_PARAM => None,
                Some(p) if PRIORITIES.contains(&p.as_str()) => Some(p),
                _ => return Err(invalid("priority")),
            };
            actions::set_priority(state, actor, conversation, priority).await?;
            Ok(())
        }
        "mute_conversation" => {
            let contact =
                contacts::load(state, conversation.account_id, conversation.contact_id).await?;
            actions::set_muted(state, actor, conversation, contact, true).await
        }
        "send_webhook_event" => {
            let url = text(params, 0).ok_or_else(|| invalid("webhook url"))?;
            let payload = Map::from_iter([
                ("url".to_owned(), json!(url)),
                (
                    "automation_event".to_owned(),
                    json!(format!("automation_event.{}", rule.event_name)),
                ),
            ]);
            record(state, &conversation, AUTOMATION_WEBHOOK, payload).await
        }
        "send_email_to_team" | "send_email_transcript" => {
            let payload = Map::from_iter([
                ("automation_rule_id".to_owned(), json!(rule.id)),
                ("automation_rule_name".to_owned(), json!(rule.name)),
                ("action_name".to_owned(), json!(name)),
                ("action_params".to_owned(), Value::Array(params.to_vec())),
            ]);
            record(state, &conversation, "automation_email", payload).await
        }
        other => Err(AppError::Unprocessable(json!(format!(
            "unsupported action {other}"
        )))),
    }
}

/// Chatwoot sends no messages into tweet conversations.
fn is_tweet(conversation: &Conversation) -> bool {
    conversation.additional_attributes.get("type") == Some(&json!("tweet"))
}

/// An outgoing message (or private note) tagged with the rule, from no one.
async fn send(
    state: &AppState,
    rule: &AutomationRule,
    conversation: Conversation,
    content: Option<String>,
    private: bool,
    attachments: Vec<Attachment>,
) -> AppResult<()> {
    if is_tweet(&conversation) {
        return Ok(());
    }
    let inbox = inboxes::load(state, conversation.account_id, conversation.inbox_id).await?;
    let new = NewMessage {
        content,
        private,
        content_attributes: Map::from_iter([("automation_rule_id".to_owned(), json!(rule.id))]),
        attachments,
        ..NewMessage::default()
    };
    messages::create(state, conversation, &inbox, false, new, None).await?;
    Ok(())
}

async fn set_status(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    status: Status,
) -> AppResult<()> {
    actions::toggle_status(state, actor, conversation, Some(status), None).await?;
    Ok(())
}

/// `[user id]` (or `"nil"` to unassign): the user must be a member of the conversation's inbox
/// or an administrator of the account, else nothing happens (Chatwoot's check).
async fn assign_agent(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    params: &[Value],
) -> AppResult<()> {
    if text(params, 0).as_deref() == Some(NONE_PARAM) {
        actions::assign_agent(state, actor, conversation, None).await?;
        return Ok(());
    }
    let agent = agents::load(state, conversation.account_id, id(params)?).await?;
    let assignable = agent.membership.role == Role::Administrator
        || inboxes::is_member(
            state,
            conversation.account_id,
            conversation.inbox_id,
            agent.user.id,
        )
        .await?;
    if assignable {
        actions::assign_agent(state, actor, conversation, Some(&agent)).await?;
    }
    Ok(())
}

/// `[team id]` (`"nil"`, `0` or nothing unassigns); a team of another account is ignored.
async fn assign_team(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    params: &[Value],
) -> AppResult<()> {
    let account_id = conversation.account_id;
    let previous = match conversation.team_id {
        Some(team_id) => teams::load(state, account_id, team_id).await.ok(),
        None => None,
    };
    let wanted = text(params, 0).filter(|t| !matches!(t.trim(), "" | NONE_PARAM | "0"));
    let team = match wanted {
        None => None,
        Some(_) => match teams::load(state, account_id, id(params)?).await {
            Ok(team) => Some(team),
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        },
    };
    actions::assign_team(state, actor, conversation, team.as_ref(), previous.as_ref()).await?;
    Ok(())
}

/// Writes one event about the conversation (it carries the running rule's id).
async fn record(
    state: &AppState,
    conversation: &Conversation,
    name: &str,
    payload: Map<String, Value>,
) -> AppResult<()> {
    let event = events::record(conversation, name, payload, state.clock.now_ms());
    state.store.write(vec![event.write()]).await?;
    Ok(())
}
