//! Who receives an event (Chatwoot's webhook listener and agent-bot listener):
//! 1. every account webhook subscribed to the event;
//! 2. for conversation, message, typing and widget events of an API inbox with a
//!    `webhook_url`: that URL, whatever the subscriptions;
//! 3. for message, opened, resolved and widget events: the inbox's agent bot and the
//!    conversation's assigned bot (once each, with an `outgoing_url`);
//! 4. an automation rule's `send_webhook_event`: the URL it names.

use super::payloads::EventContext;
use crate::domain::webhooks::ALLOWED_EVENTS;
use crate::error::AppResult;
use crate::model::inbox::{Channel, Inbox};
use crate::model::{AgentBot, Record};
use crate::outbox::{EventRecord, AUTOMATION_WEBHOOK};
use crate::state::AppState;
use serde_json::Value;

/// Events agent bots receive.
const BOT_EVENTS: [&str; 5] = [
    "message_created",
    "message_updated",
    "conversation_opened",
    "conversation_resolved",
    "webwidget_triggered",
];

/// Events an API inbox's own webhook URL receives: the webhook events about its
/// conversations (not contact or inbox events).
fn for_api_inbox(event: &str) -> bool {
    ALLOWED_EVENTS.contains(&event)
        && !event.starts_with("contact_")
        && !event.starts_with("inbox_")
}

#[derive(Debug, Clone)]
pub enum TargetKind {
    Webhook(i64),
    ApiInbox(Box<Inbox>),
    AgentBot(i64),
    Automation,
}

#[derive(Debug, Clone)]
pub struct Target {
    /// Stable per event: names the delivery record and seeds the delivery id.
    pub name: String,
    pub kind: TargetKind,
    pub url: String,
    pub secret: Option<String>,
    pub body: Value,
}

/// Every target of the event, each with its body.
pub async fn of(
    state: &AppState,
    event: &EventRecord,
    context: &EventContext,
) -> AppResult<Vec<Target>> {
    let name = event.name.as_str();
    if name == AUTOMATION_WEBHOOK {
        return Ok(automation(event, context).into_iter().collect());
    }
    let inbox_event = name.starts_with("inbox_");
    let mut targets = Vec::new();
    if ALLOWED_EVENTS.contains(&name) && (!inbox_event || state.config.enable_inbox_events) {
        let body = context.body();
        for webhook in crate::domain::webhooks::subscribed(state, event.account_id, name).await? {
            targets.push(Target {
                name: format!("webhook:{}", webhook.id),
                kind: TargetKind::Webhook(webhook.id),
                url: webhook.url,
                secret: Some(webhook.secret),
                body: body.clone(),
            });
        }
    }
    if let Some(inbox) = context.inbox() {
        if let Channel::Api(api) = &inbox.channel {
            let url = api.webhook_url.as_deref().unwrap_or("").trim();
            if !url.is_empty() && for_api_inbox(name) {
                targets.push(Target {
                    name: format!("api_inbox:{}", inbox.id),
                    kind: TargetKind::ApiInbox(Box::new(inbox.clone())),
                    url: url.to_owned(),
                    secret: None,
                    body: context.body(),
                });
            }
        }
    }
    if BOT_EVENTS.contains(&name) {
        for bot in bots(state, context).await? {
            let Some(url) = bot.outgoing_url.filter(|u| !u.trim().is_empty()) else {
                continue;
            };
            targets.push(Target {
                name: format!("agent_bot:{}", bot.id),
                kind: TargetKind::AgentBot(bot.id),
                url,
                secret: None,
                body: context.body(),
            });
        }
    }
    Ok(targets)
}

/// The inbox's connected bot and the conversation's assigned bot, read in one batch.
async fn bots(state: &AppState, context: &EventContext) -> AppResult<Vec<AgentBot>> {
    let mut ids: Vec<i64> = context
        .inbox()
        .and_then(|i| i.agent_bot_id)
        .into_iter()
        .collect();
    if let Some(assigned) = context.conversation().and_then(|c| c.assignee_agent_bot_id) {
        if !ids.contains(&assigned) {
            ids.push(assigned);
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<_> = ids.iter().map(|id| crate::keys::agent_bot(*id)).collect();
    let found = state.store.get_many(&keys).await?;
    Ok(found
        .into_iter()
        .flatten()
        .filter_map(|item| AgentBot::from_item(item).ok())
        .collect())
}

fn automation(event: &EventRecord, context: &EventContext) -> Option<Target> {
    let url = event.payload.get("url")?.as_str()?.to_owned();
    let name = event.payload.get("automation_event")?.as_str()?;
    Some(Target {
        name: AUTOMATION_WEBHOOK.into(),
        kind: TargetKind::Automation,
        url,
        secret: None,
        body: context.conversation_body(name)?,
    })
}
