//! Conversations: access, and the one way every change is saved (with its view copies,
//! counters, activity messages and event records in the same transaction). Opening one is
//! [`builder`]'s.

pub mod actions;
pub mod activity;
pub mod builder;
pub mod change;
pub mod events;
pub mod list;
pub mod related;
pub mod search;
pub mod survey;
pub mod views;

use crate::domain::actor::Actor;
use crate::domain::{contended_pause, retrying, store_conflict, CONTENDED_ATTEMPTS};
use crate::error::{AppError, AppResult};
use crate::keys::{conversations as keys, inboxes as inbox_keys, teams as team_keys};
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Message, MessageType, Sender, Status};
use crate::model::inbox::Inbox;
use crate::model::Record;
use crate::state::AppState;
use crate::store::{StoreError, WriteOp};
use change::{new_message, Effects, NewMessage};
use serde_json::{json, Value};

/// A conversation of the account by display id; unknown → 404.
pub async fn load(state: &AppState, account_id: i64, display_id: i64) -> AppResult<Conversation> {
    let item = state
        .store
        .get(&keys::conversation(account_id, display_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Conversation::from_item(item)?)
}

/// The keys whose presence lets an agent open one conversation: membership of its inbox or
/// of its team (Chatwoot's conversation policy). Read with the conversation's other data.
pub fn access_keys(conversation: &Conversation, user_id: i64) -> Vec<crate::store::Key> {
    let account = conversation.account_id;
    let mut keys = vec![inbox_keys::inbox_member(
        account,
        conversation.inbox_id,
        user_id,
    )];
    keys.extend(
        conversation
            .team_id
            .map(|team| team_keys::team_member(account, team, user_id)),
    );
    keys
}

/// Chatwoot's conversation policy for agents (administrators and bots pass).
pub async fn authorize(
    state: &AppState,
    actor: &Actor,
    conversation: &Conversation,
) -> AppResult<()> {
    let Some(user_id) = actor.user_id().filter(|_| actor.is_agent()) else {
        return Ok(());
    };
    let found = state
        .store
        .get_many(&access_keys(conversation, user_id))
        .await?;
    if found.iter().any(Option::is_some) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The conversation, if the actor may open it: 404 unknown, 401 not allowed.
pub async fn load_for(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    display_id: i64,
) -> AppResult<Conversation> {
    let conversation = load(state, account_id, display_id).await?;
    authorize(state, actor, &conversation).await?;
    Ok(conversation)
}

/// The conversation's inbox and contact, read in one batch with the actor's access check
/// (what a new message needs: the channel's rules, the bot, whether the contact is muted).
pub async fn load_for_message(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    display_id: i64,
) -> AppResult<(Conversation, Inbox, Contact)> {
    let conversation = load(state, account_id, display_id).await?;
    let mut keys = vec![
        inbox_keys::inbox(account_id, conversation.inbox_id),
        crate::keys::contacts::contact(account_id, conversation.contact_id),
    ];
    let access = match actor.user_id().filter(|_| actor.is_agent()) {
        Some(user_id) => access_keys(&conversation, user_id),
        None => Vec::new(),
    };
    keys.extend(access.iter().cloned());
    let mut found = state.store.get_many(&keys).await?.into_iter();
    let inbox = found.next().flatten().ok_or(AppError::NotFound)?;
    let contact = found.next().flatten().ok_or(AppError::NotFound)?;
    if !access.is_empty() && !found.any(|item| item.is_some()) {
        return Err(AppError::Forbidden);
    }
    Ok((
        conversation,
        Inbox::from_item(inbox)?,
        Contact::from_item(contact)?,
    ))
}

/// Changes of one conversation made in this process wait for each other: they would only
/// lose version races against each other (a busy conversation on the local server, or a
/// Lambda container handling several requests). Changes from other processes still race and
/// are retried.
async fn conversation_lock(account_id: i64, display_id: i64) -> tokio::sync::OwnedMutexGuard<()> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock, Weak};
    type Locks = Mutex<HashMap<(i64, i64), Weak<tokio::sync::Mutex<()>>>>;
    static LOCKS: OnceLock<Locks> = OnceLock::new();
    let lock = {
        let mut locks = LOCKS
            .get_or_init(Locks::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.retain(|_, held| held.strong_count() > 0);
        match locks.get(&(account_id, display_id)).and_then(Weak::upgrade) {
            Some(lock) => lock,
            None => {
                let lock = Arc::new(tokio::sync::Mutex::new(()));
                locks.insert((account_id, display_id), Arc::downgrade(&lock));
                lock
            }
        }
    };
    lock.lock_owned().await
}

/// Saves `change` applied to the conversation: the new version, the messages it creates,
/// its view copies and counters, and its events, in one transaction. On losing a race the
/// conversation is read again and `change` re-applied; the effects of the successful
/// attempt are returned.
pub async fn save<F>(
    state: &AppState,
    mut current: Conversation,
    mut change: F,
) -> AppResult<(Conversation, Effects)>
where
    F: FnMut(&mut Conversation) -> AppResult<Effects>,
{
    let _turn = conversation_lock(current.account_id, current.display_id).await;
    // Read once, and only when a change resolves the conversation (the CSAT survey rules).
    let mut inbox: Option<Option<Inbox>> = None;
    for attempt in 0..CONTENDED_ATTEMPTS {
        let mut next = current.clone();
        let mut effects = change(&mut next)?;
        let now = state.clock.now_ms();
        let activity_messages: Vec<Message> = effects
            .activities
            .iter()
            .map(|text| activity_message(&next, text, now))
            .collect();
        effects.messages.extend(activity_messages);
        if survey::may_follow(&current, &next) {
            if inbox.is_none() {
                inbox = Some(load_inbox(state, &next).await?);
            }
            let survey = inbox
                .as_ref()
                .and_then(Option::as_ref)
                .and_then(|inbox| survey::survey_message(&next, inbox));
            if let Some(survey) = survey {
                let message = new_message(&next, survey, None, now);
                next.csat_message_id = Some(message.id);
                effects.writes.push(survey::sent_entry(&message));
                effects.event("message_created", json!({"message_id": message.id}));
                effects.messages.push(message);
            }
        }
        let mut implied = Vec::new();
        for message in &effects.messages {
            apply_message(&mut next, message, &mut implied);
        }
        effects.events.extend(implied);
        next.updated_at_ms = next.updated_at_ms.max(now);
        stamp_reporting_times(&current, &mut next, &effects, now);
        effects.events.extend(events::derived(&current, &next));
        let version = next.version;
        next.version = version + 1;
        let mut ops = vec![WriteOp::replace_version(next.to_item(), version)];
        ops.extend(
            effects
                .messages
                .iter()
                .map(|m| WriteOp::create(m.to_item())),
        );
        ops.extend(effects.replaced.iter().map(|m| WriteOp::put(m.to_item())));
        ops.extend(effects.writes.iter().cloned());
        ops.extend(views::view_writes(Some(&current), Some(&next)));
        ops.extend(events::writes(&next, &effects, now));
        let room = crate::store::MAX_TRANSACTION_OPS.saturating_sub(ops.len());
        let mut entries = effects.index_entries.clone();
        let later = entries.split_off(room.min(entries.len()));
        ops.extend(entries);
        match retrying(store_conflict, || state.store.write(ops.clone())).await {
            Ok(()) => {
                if !later.is_empty() {
                    if let Err(e) = crate::domain::write_in_chunks(state, later).await {
                        tracing::warn!(error = %e, "index entries not written");
                    }
                }
                return Ok((next, effects));
            }
            Err(StoreError::ConditionFailed { op: 0 }) | Err(StoreError::Conflict) => {
                contended_pause(attempt).await;
                current = load(state, current.account_id, current.display_id).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

/// The moments reporting measures from: the first bot hand-off and the latest resolution.
fn stamp_reporting_times(
    before: &Conversation,
    after: &mut Conversation,
    effects: &Effects,
    now: i64,
) {
    let handed_off = effects
        .events
        .iter()
        .any(|(name, _)| *name == "conversation_bot_handoff");
    if handed_off && after.bot_handoff_at_ms.is_none() {
        after.bot_handoff_at_ms = Some(now);
    }
    if after.status == Status::Resolved && before.status != Status::Resolved {
        after.resolved_at_ms = Some(now);
    }
}

/// The conversation's inbox, if it still exists.
async fn load_inbox(state: &AppState, conversation: &Conversation) -> AppResult<Option<Inbox>> {
    let key = inbox_keys::inbox(conversation.account_id, conversation.inbox_id);
    let item = state.store.get(&key).await?;
    Ok(item.map(Inbox::from_item).transpose()?)
}

/// An activity message (no sender, public, text) in the conversation.
fn activity_message(conversation: &Conversation, text: &str, now_ms: i64) -> Message {
    new_message(
        conversation,
        NewMessage {
            content: Some(text.to_owned()),
            message_type: MessageType::Activity,
            ..NewMessage::default()
        },
        None,
        now_ms,
    )
}

/// The conversation's bookkeeping for one new message (Chatwoot's message callbacks): last
/// activity, the kept last messages, unread count, waiting time and first reply. Events the
/// message implies are pushed to `events`.
pub fn apply_message(
    conversation: &mut Conversation,
    message: &Message,
    events: &mut Vec<(&'static str, Value)>,
) {
    conversation.last_activity_at_ms = message.created_at_ms;
    conversation.updated_at_ms = conversation.updated_at_ms.max(message.created_at_ms);
    let newest = |kept: &Option<Message>| kept.as_ref().is_none_or(|m| m.id <= message.id);
    if newest(&conversation.last_message) {
        conversation.last_message = Some(message.preview());
    }
    if !message.is_activity() && newest(&conversation.last_non_activity_message) {
        conversation.last_non_activity_message = Some(message.preview());
    }
    match (message.kind(), message.sender) {
        (Some(MessageType::Incoming), _) => {
            conversation.unread_count += 1;
            conversation.last_incoming_at_ms = Some(message.created_at_ms);
            conversation.waiting_since_ms = conversation
                .waiting_since_ms
                .or(Some(message.created_at_ms));
        }
        (Some(MessageType::Outgoing), Some(Sender::User(_)))
            if !message.private && !sent_by_campaign(message) =>
        {
            conversation.human_replies += 1;
            if conversation.first_reply_created_at_ms.is_none() && conversation.human_replies <= 1 {
                conversation.first_reply_created_at_ms = Some(message.created_at_ms);
                events.push(("first_reply_created", json!({"message_id": message.id})));
            } else {
                events.push((
                    "reply_created",
                    json!({"message_id": message.id, "waiting_since_ms": conversation.waiting_since_ms}),
                ));
            }
            conversation.waiting_since_ms = None;
        }
        (Some(MessageType::Outgoing), Some(Sender::AgentBot(_))) if !message.private => {
            conversation.waiting_since_ms = None;
        }
        _ => {}
    }
}

/// Campaign messages are no one's reply (Chatwoot's `human_response?`): they carry a
/// non-blank `campaign_id` in their additional attributes.
fn sent_by_campaign(message: &Message) -> bool {
    message
        .additional_attributes
        .get("campaign_id")
        .is_some_and(|id| !id.is_null() && id.as_str() != Some(""))
}
