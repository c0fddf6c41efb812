//! Conversations and their messages. A conversation is addressed by its per-account
//! `display_id`; its messages live in its partition.

use super::Record;
use crate::keys::conversations as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Resolved,
    Pending,
    Snoozed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Resolved,
        Status::Pending,
        Status::Snoozed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Resolved => "resolved",
            Status::Pending => "pending",
            Status::Snoozed => "snoozed",
        }
    }

    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Chatwoot's priority enum, in its order (`low` = 0 … `urgent` = 3).
pub const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// Chatwoot's `Conversation`. `last_message` and `last_non_activity_message` are copies kept
/// for rendering lists without reading messages (previews, see [`Message::preview`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Conversation {
    /// The global id (Chatwoot's internal `id`; never shown by the API).
    pub id: i64,
    pub display_id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The inbox's `channel_type` (fixed for an inbox's life).
    pub channel_type: String,
    pub contact_id: i64,
    pub source_id: String,
    pub hmac_verified: bool,
    pub uuid: String,
    pub status: Status,
    pub priority: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_agent_bot_id: Option<i64>,
    pub team_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub snoozed_until_ms: Option<i64>,
    pub additional_attributes: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
    pub labels: Vec<String>,
    pub agent_last_seen_at_ms: Option<i64>,
    pub assignee_last_seen_at_ms: Option<i64>,
    pub contact_last_seen_at_ms: Option<i64>,
    pub first_reply_created_at_ms: Option<i64>,
    pub waiting_since_ms: Option<i64>,
    pub last_activity_at_ms: i64,
    /// Incoming messages since the agents last looked (Chatwoot shows at most 10).
    pub unread_count: i64,
    pub last_incoming_at_ms: Option<i64>,
    /// Outgoing, public messages sent by users (first-reply bookkeeping).
    pub human_replies: i64,
    pub last_message: Option<Message>,
    pub last_non_activity_message: Option<Message>,
    /// The CSAT survey message, once sent (Chatwoot sends one per conversation, ever).
    #[serde(default)]
    pub csat_message_id: Option<i64>,
    /// When an agent bot first handed the conversation over (reporting: first response
    /// time counts from here, and only the first hand-off is a reporting fact).
    #[serde(default)]
    pub bot_handoff_at_ms: Option<i64>,
    /// When the conversation was last resolved (kept after a reopen: reporting measures a
    /// reopen from it).
    #[serde(default)]
    pub resolved_at_ms: Option<i64>,
    /// The flood guard's window: when the current minute of messages began, and how many
    /// messages it has seen ([`crate::domain::messages::create`]).
    #[serde(default)]
    pub flood_window_start_ms: i64,
    #[serde(default)]
    pub flood_window_messages: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Conversation {
    const ENTITY: &'static str = "conversation";

    fn key(&self) -> Key {
        keys::conversation(self.account_id, self.display_id)
    }
}

super::versioned!(Conversation);

/// Chatwoot's message types, stored and rendered as their integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Incoming = 0,
    Outgoing = 1,
    Activity = 2,
    Template = 3,
}

impl MessageType {
    /// Chatwoot's enum name (how webhook payloads show the type).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Incoming => "incoming",
            MessageType::Outgoing => "outgoing",
            MessageType::Activity => "activity",
            MessageType::Template => "template",
        }
    }

    pub fn parse(name: &str) -> Option<MessageType> {
        match name {
            "incoming" => Some(MessageType::Incoming),
            "outgoing" => Some(MessageType::Outgoing),
            "activity" => Some(MessageType::Activity),
            "template" => Some(MessageType::Template),
            _ => None,
        }
    }

    pub fn from_code(code: i64) -> Option<MessageType> {
        [
            MessageType::Incoming,
            MessageType::Outgoing,
            MessageType::Activity,
            MessageType::Template,
        ]
        .into_iter()
        .find(|t| *t as i64 == code)
    }
}

/// Who sent a message.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(tag = "type", content = "id")]
pub enum Sender {
    User(i64),
    Contact(i64),
    AgentBot(i64),
}

impl Sender {
    /// Chatwoot's polymorphic `sender_type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Sender::User(_) => "User",
            Sender::Contact(_) => "Contact",
            Sender::AgentBot(_) => "AgentBot",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Sender::User(id) | Sender::Contact(id) | Sender::AgentBot(id) => id,
        }
    }
}

/// A file attached to a message, kept in the blob store under `blob_key`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: i64,
    /// `image`, `audio`, `video` or `file`.
    pub file_type: String,
    pub extension: Option<String>,
    pub content_type: String,
    pub file_name: String,
    pub file_size: i64,
    pub blob_key: String,
}

/// Chatwoot's `Message`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The conversation's display id (what the API calls `conversation_id`).
    pub conversation_id: i64,
    pub content: Option<String>,
    /// A [`MessageType`] code.
    pub message_type: i64,
    pub content_type: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
    pub private: bool,
    pub source_id: Option<String>,
    pub content_attributes: Map<String, Value>,
    pub additional_attributes: Map<String, Value>,
    pub sender: Option<Sender>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

/// The longest content a conversation's copy of its last message keeps: list items stay
/// small (they are copied into every view); the full text is one message read away.
pub const PREVIEW_CHARS: usize = 1_000;

impl Message {
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::from_code(self.message_type)
    }

    pub fn is_activity(&self) -> bool {
        self.kind() == Some(MessageType::Activity)
    }

    /// Whether the contact's side shows the message: never private notes or activity messages.
    pub fn is_public(&self) -> bool {
        !self.private && !self.is_activity()
    }

    /// The copy a conversation keeps: content cut to [`PREVIEW_CHARS`].
    pub fn preview(&self) -> Message {
        let mut copy = self.clone();
        if let Some(content) = &self.content {
            if content.chars().count() > PREVIEW_CHARS {
                copy.content = Some(content.chars().take(PREVIEW_CHARS).collect());
            }
        }
        copy
    }
}

impl Record for Message {
    const ENTITY: &'static str = "message";

    fn key(&self) -> Key {
        keys::message(self.account_id, self.conversation_id, self.id)
    }
}

super::versioned!(Message);

/// A file a client uploads straight to the blob store (through a presigned URL, for files
/// too large for a request body), to attach to a message of the conversation by `signed_id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DirectUpload {
    pub id: i64,
    /// Random: knowing it is what lets a message attach the file.
    pub signed_id: String,
    pub account_id: i64,
    pub conversation_id: i64,
    pub blob_key: String,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub created_at_ms: i64,
    /// The table's TTL attribute: an unused upload is forgotten after a day.
    pub expires_at: i64,
}

impl Record for DirectUpload {
    const ENTITY: &'static str = "direct_upload";

    fn key(&self) -> Key {
        keys::direct_upload(&self.signed_id)
    }
}
