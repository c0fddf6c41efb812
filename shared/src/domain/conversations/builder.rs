//! Opening a conversation (Chatwoot's `ConversationBuilder`). It sits above the save and the
//! messages: an inbox locked to a single conversation takes the new message into the
//! contact's latest conversation there, through [`crate::domain::messages::create`].

use super::change::{new_message, Effects, NewMessage};
use super::{actions, apply_message, events, search, views};
use crate::domain::{retrying, store_conflict};
use crate::error::AppResult;
use crate::keys::conversations as keys;
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Message, Sender, Status};
use crate::model::csat::ConversationUuid;
use crate::model::inbox::Inbox;
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::WriteOp;
use serde_json::{json, Map, Value};

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
