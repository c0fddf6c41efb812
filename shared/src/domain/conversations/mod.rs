//! Conversations: creation, access, and the one way every change is saved (with its view
//! copies, counters, activity messages and event records in the same transaction).

pub mod actions;
pub mod activity;
pub mod events;
pub mod list;
pub mod related;
pub mod search;
pub mod views;

use crate::domain::{contended_pause, csat, retrying, store_conflict, CONTENDED_ATTEMPTS};
use crate::error::{AppError, AppResult};
use crate::keys::{conversations as keys, inboxes as inbox_keys, teams as team_keys};
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Message, MessageType, Sender, Status};
use crate::model::csat::ConversationUuid;
use crate::model::inbox::Inbox;
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{StoreError, WriteOp};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Who acts on a conversation: names activity messages, decides self-assignment and which
/// conversations are visible.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    User {
        id: i64,
        name: String,
        administrator: bool,
        /// The inboxes the user is a member of (an agent lists their conversations only).
        inbox_ids: BTreeSet<i64>,
    },
    Bot {
        id: i64,
        name: String,
    },
    /// The conversation's contact (Client API).
    Contact {
        id: i64,
        name: String,
    },
    /// An automation rule's action (Chatwoot's `Current.executed_by = rule`): activity
    /// messages credit "Automation System", and its messages have no sender.
    Automation {
        rule_id: i64,
    },
}

/// The name activity messages credit for changes made by automation rules.
pub const AUTOMATION_SYSTEM: &str = "Automation System";

impl Actor {
    /// The name activity messages credit.
    pub fn name(&self) -> &str {
        match self {
            Actor::User { name, .. } | Actor::Bot { name, .. } | Actor::Contact { name, .. } => {
                name
            }
            Actor::Automation { .. } => AUTOMATION_SYSTEM,
        }
    }

    /// Who the actor's messages are from; automation rules send as no one.
    pub fn sender(&self) -> Option<Sender> {
        match self {
            Actor::User { id, .. } => Some(Sender::User(*id)),
            Actor::Bot { id, .. } => Some(Sender::AgentBot(*id)),
            Actor::Contact { id, .. } => Some(Sender::Contact(*id)),
            Actor::Automation { .. } => None,
        }
    }

    /// What the actor may list: `None` for administrators and bots (the whole account), the
    /// member inboxes for agents.
    pub fn visible_inboxes(&self) -> Option<&BTreeSet<i64>> {
        match self {
            Actor::User {
                administrator: false,
                inbox_ids,
                ..
            } => Some(inbox_ids),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Agents see conversations of their inboxes (and, one at a time, of their teams);
    /// administrators and bots see the whole account.
    pub fn is_agent(&self) -> bool {
        matches!(
            self,
            Actor::User {
                administrator: false,
                ..
            }
        )
    }
}

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

/// What a change produced besides the conversation itself.
#[derive(Debug, Default)]
pub struct Effects {
    /// Activity message texts, in order.
    pub activities: Vec<String>,
    /// Messages to create with the change (a new message; activity messages are added from
    /// `activities`).
    pub messages: Vec<Message>,
    /// Existing messages written back changed (status updates, soft deletes).
    pub replaced: Vec<Message>,
    /// Outbox events: Chatwoot's event name and what it is about.
    pub events: Vec<(&'static str, Value)>,
    /// Index entries (message search) written with the change as far as the transaction
    /// has room, the rest right after it: an entry that is late costs recall, never a
    /// wrong answer.
    pub index_entries: Vec<WriteOp>,
    /// Other records written with the change (a CSAT response).
    pub writes: Vec<WriteOp>,
}

impl Effects {
    pub fn event(&mut self, name: &'static str, payload: Value) {
        self.events.push((name, payload));
    }
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
        if csat::may_follow(&current, &next) {
            if inbox.is_none() {
                inbox = Some(load_inbox(state, &next).await?);
            }
            let survey = inbox
                .as_ref()
                .and_then(Option::as_ref)
                .and_then(|inbox| csat::survey_message(&next, inbox));
            if let Some(survey) = survey {
                let message = new_message(&next, survey, None, now);
                next.csat_message_id = Some(message.id);
                effects.writes.push(csat::sent_entry(&message));
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

/// What a new message is made of (the sender is decided by the caller).
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub content: Option<String>,
    pub message_type: MessageType,
    pub private: bool,
    pub content_type: String,
    pub content_attributes: Map<String, Value>,
    pub additional_attributes: Map<String, Value>,
    pub source_id: Option<String>,
    pub attachments: Vec<crate::model::conversation::Attachment>,
}

impl Default for NewMessage {
    fn default() -> Self {
        NewMessage {
            content: None,
            message_type: MessageType::Outgoing,
            private: false,
            content_type: "text".into(),
            content_attributes: Map::new(),
            additional_attributes: Map::new(),
            source_id: None,
            attachments: Vec::new(),
        }
    }
}

pub fn new_message(
    conversation: &Conversation,
    new: NewMessage,
    sender: Option<Sender>,
    now_ms: i64,
) -> Message {
    Message {
        id: crate::ids::new_id(now_ms),
        account_id: conversation.account_id,
        inbox_id: conversation.inbox_id,
        conversation_id: conversation.display_id,
        content: new.content,
        message_type: new.message_type as i64,
        content_type: new.content_type,
        status: "sent".into(),
        private: new.private,
        source_id: new.source_id,
        content_attributes: new.content_attributes,
        additional_attributes: new.additional_attributes,
        sender,
        attachments: new.attachments,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        version: 0,
    }
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

/// What `POST /conversations` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewConversation {
    pub source_id: Option<String>,
    pub hmac_verified: bool,
    pub status: Option<Status>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub snoozed_until_ms: Option<i64>,
    pub additional_attributes: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
    /// The optional first message, created in the same transaction.
    pub message: Option<(NewMessage, Option<Sender>)>,
    /// The campaign (display id) opening the conversation.
    pub campaign_id: Option<i64>,
}

/// Opens a conversation with `contact` in `inbox` (Chatwoot's `ConversationBuilder`): a
/// display id from the account's counter, the contact-inbox found or created, the status by
/// Chatwoot's rules (blocked contact → resolved; inbox with a bot → pending; else as asked
/// or open), and the optional first message, all written in one transaction. An inbox locked
/// to a single conversation answers the contact's latest one there instead (with the message
/// added to it).
pub async fn create(
    state: &AppState,
    inbox: &Inbox,
    contact: &Contact,
    new: NewConversation,
) -> AppResult<(Conversation, Option<Message>)> {
    let link = crate::domain::contact_inboxes::find_or_create(
        state,
        contact,
        inbox,
        new.source_id.as_deref(),
        new.hmac_verified,
    )
    .await?;
    if inbox.lock_to_single_conversation {
        let latest = actions::of_contact(state, inbox.account_id, contact.id)
            .await?
            .into_iter()
            .filter(|c| c.inbox_id == inbox.id && c.source_id == link.source_id)
            .max_by_key(|c| c.display_id);
        if let Some(existing) = latest {
            return match new.message {
                Some((message, sender)) => {
                    let (conversation, message) = crate::domain::messages::create(
                        state,
                        existing,
                        inbox,
                        contact.blocked,
                        message,
                        sender,
                    )
                    .await?;
                    Ok((conversation, Some(message)))
                }
                None => Ok((existing, None)),
            };
        }
    }
    let display_id = state
        .store
        .increment(&keys::display_id_counter(inbox.account_id), "value", 1)
        .await?;
    let now = epoch_ms(state.clock.now());
    // A campaign's conversation is left to the inbox's bot only when no agent sends it.
    let campaign_sent_by_user =
        new.campaign_id.is_some() && matches!(new.message, Some((_, Some(Sender::User(_)))));
    let status = if contact.blocked {
        Status::Resolved
    } else if inbox.agent_bot_id.is_some() && !campaign_sent_by_user {
        Status::Pending
    } else {
        new.status.unwrap_or(Status::Open)
    };
    let mut conversation = Conversation {
        id: crate::ids::new_id(now),
        display_id,
        account_id: inbox.account_id,
        inbox_id: inbox.id,
        channel_type: inbox.channel.channel_type().into(),
        contact_id: contact.id,
        source_id: link.source_id.clone(),
        hmac_verified: link.hmac_verified,
        uuid: crate::ids::uuid_v4(),
        status,
        priority: None,
        assignee_id: new.assignee_id,
        assignee_agent_bot_id: None,
        team_id: new.team_id,
        campaign_id: new.campaign_id,
        snoozed_until_ms: new.snoozed_until_ms.filter(|_| status == Status::Snoozed),
        additional_attributes: new.additional_attributes,
        custom_attributes: new.custom_attributes,
        labels: Vec::new(),
        agent_last_seen_at_ms: None,
        assignee_last_seen_at_ms: None,
        contact_last_seen_at_ms: None,
        first_reply_created_at_ms: None,
        waiting_since_ms: Some(now),
        last_activity_at_ms: now,
        unread_count: 0,
        last_incoming_at_ms: None,
        human_replies: 0,
        last_message: None,
        last_non_activity_message: None,
        csat_message_id: None,
        bot_handoff_at_ms: None,
        resolved_at_ms: None,
        flood_window_start_ms: 0,
        flood_window_messages: 0,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    let mut events = vec![("conversation_created", json!({}))];
    let message = new.message.map(|(message, sender)| {
        let message = new_message(&conversation, message, sender, now);
        apply_message(&mut conversation, &message, &mut events);
        events.push(("message_created", json!({"message_id": message.id})));
        message
    });
    let by_uuid = ConversationUuid {
        uuid: conversation.uuid.clone(),
        account_id: conversation.account_id,
        display_id: conversation.display_id,
    };
    let mut ops = vec![
        WriteOp::create(conversation.to_item()),
        WriteOp::create(by_uuid.to_item()),
    ];
    ops.extend(message.iter().map(|m| WriteOp::create(m.to_item())));
    ops.extend(views::view_writes(None, Some(&conversation)));
    // The first message rides in its event record, as every message event's does.
    let effects = Effects {
        events,
        messages: message.iter().cloned().collect(),
        ..Effects::default()
    };
    ops.extend(events::writes(&conversation, &effects, now));
    // A first message's search entries: the new conversation's transaction has room for them.
    ops.extend(message.iter().flat_map(search::index_writes));
    retrying(store_conflict, || state.store.write(ops.clone())).await?;
    Ok((conversation, message))
}
