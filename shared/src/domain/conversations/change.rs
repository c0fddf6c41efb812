//! What a conversation change is made of and produces: the new messages it creates
//! ([`NewMessage`], made a [`Message`] by [`new_message`]) and its other [`Effects`]. A leaf:
//! the save, the actions, messages, CSAT and the event records all speak it, so it imports
//! none of them.

use crate::model::conversation::{Conversation, Message, MessageType, Sender};
use crate::store::WriteOp;
use serde_json::{Map, Value};

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
