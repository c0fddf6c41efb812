//! Consuming the outbox: what each event record turns into (automation runs, webhook
//! deliveries, agent-bot calls), shared by the dispatcher function (the table's stream) and
//! the local server (a tail of the embedded store's change log).
//!
//! [`Dispatcher::handle`] is idempotent per event: it reads the event's delivery records
//! before acting, skips every target already settled, and records each outcome. Handling
//! the same event twice (a stream retry, a crash between "sent" and "recorded") therefore
//! posts only what is not known to have arrived; the stable `X-Chatwoot-Delivery` id lets a
//! receiver drop the rare duplicate.

pub mod delivery;
pub mod payloads;
pub mod records;
pub mod targets;

use crate::domain::automation;
use crate::domain::conversations::events::{conversation_of, message_of};
use crate::error::{AppError, AppResult};
use crate::outbox::EventRecord;
use crate::state::AppState;
use delivery::{send_with_retries, PostError, Poster, RetryPolicy};
use records::{DeliveryRecord, DeliveryStatus};
use std::sync::Arc;
use targets::{Target, TargetKind};

/// The outcome of handling one event.
#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    /// Everything settled (delivered, or given up and recorded).
    Done,
    /// A target failed in a way that may pass: handle the event again later.
    RetryLater,
}

pub struct Dispatcher {
    pub state: Arc<AppState>,
    pub poster: Arc<dyn Poster>,
    pub retry: RetryPolicy,
}

/// The record name of the automation run (one per event, like a delivery).
const AUTOMATION: &str = "automation";

impl Dispatcher {
    pub fn new(state: Arc<AppState>, poster: Arc<dyn Poster>) -> Self {
        Dispatcher {
            state,
            poster,
            retry: RetryPolicy::default(),
        }
    }

    /// Folds the event into the reports, runs the account's automation rules for it, then
    /// delivers it to every target. An event that reports nothing, that no rule may act on
    /// and that nobody receives costs no round trip beyond finding that out. `Err` only for storage failures (the caller retries
    /// the whole event).
    pub async fn handle(&self, event: &EventRecord) -> AppResult<Handled> {
        let state = &self.state;
        crate::domain::reports::fold(state, event).await?;
        let automation = automation::engine::may_run(event);
        let targets = match payloads::load(state, event).await? {
            Some(context) => targets::of(state, event, &context).await?,
            None => Vec::new(),
        };
        if !automation && targets.is_empty() {
            return Ok(Handled::Done);
        }
        let mut settled = records::of_event(state, event).await?;
        if automation && !settled.contains_key(AUTOMATION) {
            automation::engine::run(state, event).await?;
            let mut record = DeliveryRecord::new(event, AUTOMATION, String::new());
            record.status = DeliveryStatus::Delivered;
            record.rounds = 1;
            record.updated_at_ms = state.clock.now_ms();
            state.store.write(vec![record.write()]).await?;
        }
        let mut outcome = Handled::Done;
        for target in targets {
            let record = settled.remove(&target.name).unwrap_or_else(|| {
                let id = delivery::delivery_id(&event.event_id, &target.name);
                DeliveryRecord::new(event, &target.name, id)
            });
            if record.status.settled() {
                continue;
            }
            if self.deliver(event, &target, record).await? == Handled::RetryLater {
                outcome = Handled::RetryLater;
            }
        }
        Ok(outcome)
    }

    /// One target: post (with in-process retries), record the outcome, and on giving up
    /// apply Chatwoot's failure side effects.
    async fn deliver(
        &self,
        event: &EventRecord,
        target: &Target,
        mut record: DeliveryRecord,
    ) -> AppResult<Handled> {
        let state = &self.state;
        let now_s = state.clock.now_ms() / 1000;
        let request = delivery::request(
            &target.url,
            target.body.to_string(),
            &record.delivery_id,
            target.secret.as_deref(),
            now_s,
        );
        let (result, attempts) =
            send_with_retries(self.poster.as_ref(), &request, &self.retry).await;
        record.attempts += attempts;
        record.rounds += 1;
        record.updated_at_ms = state.clock.now_ms();
        let handled = match result {
            Ok(code) => {
                record.status = DeliveryStatus::Delivered;
                record.response_status = Some(code);
                record.error = None;
                Handled::Done
            }
            Err(error) => {
                record.response_status = match error {
                    PostError::Status(code) => Some(code),
                    _ => None,
                };
                record.error = Some(error.to_string());
                tracing::warn!(
                    event = %event.name,
                    target = %target.name,
                    error = %error,
                    "delivery failed"
                );
                if error.retryable() && record.rounds < self.retry.rounds {
                    record.status = DeliveryStatus::Retrying;
                    Handled::RetryLater
                } else {
                    record.status = DeliveryStatus::Failed;
                    Handled::Done
                }
            }
        };
        state.store.write(vec![record.write()]).await?;
        if record.status == DeliveryStatus::Failed {
            if let Err(e) = self.gave_up(event, target, &record).await {
                tracing::warn!(error = %e, target = %target.name, "failure side effect not applied");
            }
        }
        Ok(handled)
    }

    /// Chatwoot's reaction to a delivery that failed for good: an API inbox's message is
    /// marked `failed` with the error; a pending conversation whose bot cannot be reached
    /// is opened for the agents.
    async fn gave_up(
        &self,
        event: &EventRecord,
        target: &Target,
        record: &DeliveryRecord,
    ) -> AppResult<()> {
        let state = &self.state;
        let Some(conversation) = conversation_of(event) else {
            return Ok(());
        };
        let error = record.error.clone().unwrap_or_default();
        match &target.kind {
            TargetKind::ApiInbox(inbox) if event.name.starts_with("message_") => {
                let Some(message) = message_of(event) else {
                    return Ok(());
                };
                let current =
                    crate::domain::messages::load(state, &conversation, message.id).await?;
                if current.status == "failed" {
                    return Ok(());
                }
                let conversation = crate::domain::conversations::load(
                    state,
                    conversation.account_id,
                    conversation.display_id,
                )
                .await?;
                crate::domain::messages::update_status(
                    state,
                    conversation,
                    inbox,
                    current,
                    Some("failed".into()),
                    Some(error),
                )
                .await?;
            }
            TargetKind::AgentBot(_) => {
                let current = match crate::domain::conversations::load(
                    state,
                    conversation.account_id,
                    conversation.display_id,
                )
                .await
                {
                    Err(AppError::NotFound) => return Ok(()),
                    other => other?,
                };
                crate::domain::conversations::actions::open_after_bot_error(state, current).await?;
            }
            _ => {}
        }
        Ok(())
    }
}
