//! Messages of a conversation: listing by id cursors, creating (with attachments and the
//! conversation's bookkeeping in the same transaction), status updates and soft deletes.

use crate::domain::actor::Actor;
use crate::domain::conversations::change::{new_message, Effects, NewMessage};
use crate::domain::conversations::{self, actions, activity};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::conversations as keys;
use crate::model::conversation::{
    Attachment, Conversation, DirectUpload, Message, MessageType, Sender, Status,
};
use crate::model::inbox::{Channel, Inbox};
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Query, SortKey, WriteOp};
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Chatwoot's content limit.
pub const MAX_CONTENT_CHARS: usize = 150_000;
/// Chatwoot's attachment count limit per message.
pub const MAX_ATTACHMENTS: usize = 15;
/// How long attachment URLs stay valid (they are signed again on every read).
pub const URL_TTL: Duration = Duration::from_secs(24 * 3600);

const LATEST: usize = 20;
const AFTER_LIMIT: usize = 100;
const RANGE_LIMIT: usize = 1000;

/// Which messages `GET /messages` returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub before: Option<i64>,
    pub after: Option<i64>,
    pub internal_filtered: bool,
}

/// Chatwoot's message window, oldest first: the latest 20; the 20 before `before`; up to
/// 100 after `after`; up to 1000 in `[after, before)`.
pub async fn list(
    state: &AppState,
    conversation: &Conversation,
    window: Window,
) -> AppResult<Vec<Message>> {
    let prefix = keys::messages_prefix();
    let low = |id: i64| keys::message_sk(id.max(0));
    let high = |id: i64| keys::message_sk((id - 1).max(0));
    let (sk, forward, wanted) = match (window.after, window.before) {
        (None, None) => (SortKey::Prefix(prefix.into()), false, LATEST),
        (None, Some(before)) => (SortKey::Between(low(0), high(before)), false, LATEST),
        (Some(after), None) => (
            SortKey::Between(low(after + 1), keys::message_sk(i64::MAX)),
            true,
            AFTER_LIMIT,
        ),
        (Some(after), Some(before)) => (
            SortKey::Between(low(after), high(before)),
            true,
            RANGE_LIMIT,
        ),
    };
    let mut query = Query {
        sk,
        forward,
        limit: Some(wanted),
        ..Query::partition(conversation.key().pk)
    };
    let mut messages = Vec::new();
    loop {
        let page = state.store.query(&query).await?;
        for item in page.items {
            let message = Message::from_item(item)?;
            let internal = message.private || message.is_activity();
            if !(window.internal_filtered && internal) && messages.len() < wanted {
                messages.push(message);
            }
        }
        match page.cursor {
            Some(cursor) if messages.len() < wanted => query.cursor = Some(cursor),
            _ => break,
        }
    }
    messages.sort_by_key(|m| (m.created_at_ms, m.id));
    Ok(messages)
}

/// One message of the conversation; unknown → 404.
pub async fn load(state: &AppState, conversation: &Conversation, id: i64) -> AppResult<Message> {
    let item = state
        .store
        .get(&keys::message(
            conversation.account_id,
            conversation.display_id,
            id,
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Message::from_item(item)?)
}

/// A file uploaded with a message.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// Chatwoot's file type by MIME type.
pub fn file_type(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" | "image/jpg" | "image/png" | "image/gif" | "image/bmp" | "image/webp" => {
            "image"
        }
        "video/ogg" | "video/mp4" | "video/webm" | "video/quicktime" => "video",
        audio if audio.starts_with("audio/") => "audio",
        _ => "file",
    }
}

/// Stores uploaded files in the blob store as the message's attachments.
pub async fn store_attachments(
    state: &AppState,
    conversation: &Conversation,
    uploads: &[Upload],
) -> AppResult<Vec<Attachment>> {
    if uploads.len() > MAX_ATTACHMENTS {
        return Err(too_many_attachments());
    }
    let mut attachments = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let file_name = crate::blob::safe_file_name(&upload.file_name);
        let key = format!(
            "attachments/{}/{}/{}/{file_name}",
            conversation.account_id,
            conversation.display_id,
            crate::ids::ulid()
        );
        state
            .blobs
            .put(&key, upload.bytes.clone(), &upload.content_type)
            .await?;
        attachments.push(Attachment {
            id: crate::ids::new_id(state.clock.now_ms()),
            file_type: file_type(&upload.content_type).into(),
            extension: extension(&file_name),
            content_type: upload.content_type.clone(),
            file_name,
            file_size: upload.bytes.len() as i64,
            blob_key: key,
        });
    }
    Ok(attachments)
}

/// The largest file a direct upload accepts (Chatwoot's website-widget limit).
pub const MAX_DIRECT_UPLOAD_BYTES: i64 = 40 * 1024 * 1024;
/// How long a direct-upload URL accepts the file.
const UPLOAD_URL_TTL: Duration = Duration::from_secs(3600);

/// Prepares a direct upload: where the file will live, a presigned URL that accepts it, and
/// the signed id a message then attaches it by.
pub async fn direct_upload(
    state: &AppState,
    conversation: &Conversation,
    file_name: &str,
    content_type: &str,
    byte_size: i64,
) -> AppResult<(DirectUpload, String)> {
    let mut errors = crate::error::ValidationErrors::new();
    if file_name.trim().is_empty() {
        errors.add("filename", "can't be blank");
    }
    if !(0..=MAX_DIRECT_UPLOAD_BYTES).contains(&byte_size) {
        errors.add("byte_size", "is too big");
    }
    errors.into_result()?;
    let safe_name = crate::blob::safe_file_name(file_name);
    let now = state.clock.now_ms();
    let upload = DirectUpload {
        id: crate::ids::new_id(now),
        signed_id: crate::ids::alphanumeric(40),
        account_id: conversation.account_id,
        conversation_id: conversation.display_id,
        blob_key: format!(
            "attachments/{}/{}/{}/{safe_name}",
            conversation.account_id,
            conversation.display_id,
            crate::ids::ulid()
        ),
        file_name: safe_name,
        content_type: content_type.to_owned(),
        byte_size,
        created_at_ms: now,
        expires_at: now / 1000 + 24 * 3600,
    };
    let url = state
        .blobs
        .presign_put(&upload.blob_key, content_type, UPLOAD_URL_TTL)
        .await?;
    state
        .store
        .write(vec![WriteOp::create(upload.to_item())])
        .await?;
    Ok((upload, url))
}

/// The attachments named by direct-upload signed ids; each must be an upload prepared for
/// this conversation (422 otherwise).
pub async fn uploaded_attachments(
    state: &AppState,
    conversation: &Conversation,
    signed_ids: &[String],
) -> AppResult<Vec<Attachment>> {
    if signed_ids.is_empty() {
        return Ok(Vec::new());
    }
    if signed_ids.len() > MAX_ATTACHMENTS {
        return Err(too_many_attachments());
    }
    let keys: Vec<_> = signed_ids
        .iter()
        .map(|id| crate::keys::conversations::direct_upload(id))
        .collect();
    let mut attachments = Vec::with_capacity(keys.len());
    for item in state.store.get_many(&keys).await? {
        let upload = item
            .map(DirectUpload::from_item)
            .transpose()?
            .filter(|u| {
                u.account_id == conversation.account_id
                    && u.conversation_id == conversation.display_id
            })
            .ok_or_else(|| AppError::Unprocessable(json!("Attachment upload not found")))?;
        attachments.push(Attachment {
            id: crate::ids::new_id(state.clock.now_ms()),
            file_type: file_type(&upload.content_type).into(),
            extension: extension(&upload.file_name),
            content_type: upload.content_type,
            file_name: upload.file_name,
            file_size: upload.byte_size,
            blob_key: upload.blob_key,
        });
    }
    Ok(attachments)
}

/// A file name's extension, lower-cased.
pub fn extension(file_name: &str) -> Option<String> {
    file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
}

fn too_many_attachments() -> AppError {
    AppError::Unprocessable(json!(
        "Validation failed: Attachments exceeded maximum allowed"
    ))
}

/// Validates a new message against Chatwoot's rules (422 `{"error": …}`).
pub fn validate(new: &NewMessage, inbox: &Inbox) -> AppResult<()> {
    if new.message_type == MessageType::Incoming && !matches!(inbox.channel, Channel::Api(_)) {
        return Err(AppError::Unprocessable(json!(
            "Incoming messages are only allowed in Api inboxes"
        )));
    }
    if new
        .content
        .as_deref()
        .is_some_and(|c| c.chars().count() > MAX_CONTENT_CHARS)
    {
        return Err(ValidationErrors::single(
            "content",
            &format!("is too long (maximum is {MAX_CONTENT_CHARS} characters)"),
        ));
    }
    Ok(())
}

/// How long the flood guard's window is.
const FLOOD_WINDOW_MS: i64 = 60_000;

/// Chatwoot's flood guard: a conversation takes at most `limit` messages a minute (counted
/// in a fixed window kept on the conversation, so the check costs no read).
fn count_against_flood_guard(
    conversation: &mut Conversation,
    now_ms: i64,
    limit: i64,
) -> AppResult<()> {
    if now_ms - conversation.flood_window_start_ms >= FLOOD_WINDOW_MS {
        conversation.flood_window_start_ms = now_ms;
        conversation.flood_window_messages = 0;
    }
    if conversation.flood_window_messages >= limit {
        let mut errors = ValidationErrors::new();
        errors.add_full("base", "Too many messages");
        return Err(AppError::Validation(errors));
    }
    conversation.flood_window_messages += 1;
    Ok(())
}

/// Creates a message and applies it to the conversation in one transaction: incoming
/// messages reopen a snoozed or resolved conversation (not a muted one), and in API inboxes
/// say so in an activity message.
pub async fn create(
    state: &AppState,
    conversation: Conversation,
    inbox: &Inbox,
    muted: bool,
    new: NewMessage,
    sender: Option<Sender>,
) -> AppResult<(Conversation, Message)> {
    validate(&new, inbox)?;
    let incoming = new.message_type == MessageType::Incoming;
    let has_bot = inbox.agent_bot_id.is_some();
    let api_inbox = matches!(inbox.channel, Channel::Api(_));
    let limit = state.config.messages_per_minute;
    let (conversation, effects) = conversations::save(state, conversation, |c| {
        let now = state.clock.now_ms();
        count_against_flood_guard(c, now, limit)?;
        let message = new_message(c, new.clone(), sender, now.max(c.last_activity_at_ms));
        let mut effects = Effects::default();
        effects.event("message_created", json!({"message_id": message.id}));
        effects.index_entries = conversations::search::index_writes(&message);
        effects.messages.push(message);
        if incoming && !muted {
            let reopened = match c.status {
                Status::Snoozed => Some(Status::Open),
                Status::Resolved if has_bot => Some(Status::Pending),
                Status::Resolved => Some(Status::Open),
                _ => None,
            };
            if let Some(status) = reopened {
                actions::set_status(c, status, None, &mut effects);
                if api_inbox {
                    effects.activities.push(activity::SYSTEM_REOPENED.into());
                }
            }
        }
        Ok(effects)
    })
    .await?;
    let message = effects
        .messages
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("message lost".into()))?;
    Ok((conversation, message))
}

/// Writes a changed message and refreshes the conversation's copy of it, in one transaction.
async fn replace(
    state: &AppState,
    conversation: Conversation,
    message: Message,
    change: impl Fn(&mut Message),
    event: &'static str,
) -> AppResult<Message> {
    let (_, effects) = conversations::save(state, conversation, |c| {
        let mut changed = message.clone();
        change(&mut changed);
        changed.updated_at_ms = state.clock.now_ms();
        for kept in [&mut c.last_message, &mut c.last_non_activity_message] {
            if kept.as_ref().is_some_and(|m| m.id == changed.id) {
                *kept = Some(changed.preview());
            }
        }
        let mut effects = Effects::default();
        effects.event(event, json!({"message_id": changed.id}));
        effects.replaced.push(changed);
        Ok(effects)
    })
    .await?;
    effects
        .replaced
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("message lost".into()))
}

/// Chatwoot's delivery statuses, in order; a status never goes back from `read` to
/// `delivered`.
const STATUSES: [&str; 4] = ["sent", "delivered", "read", "failed"];

/// `PATCH /messages/{id}` (API inboxes only): the delivery status and its error.
pub async fn update_status(
    state: &AppState,
    conversation: Conversation,
    inbox: &Inbox,
    message: Message,
    status: Option<String>,
    external_error: Option<String>,
) -> AppResult<Message> {
    if !matches!(inbox.channel, Channel::Api(_)) {
        return Err(AppError::ForbiddenWithMessage(
            "Message status update is only allowed for API inboxes".into(),
        ));
    }
    let accepted = status
        .filter(|s| STATUSES.contains(&s.as_str()))
        .filter(|s| !(message.status == "read" && s == "delivered"));
    let Some(status) = accepted else {
        return Ok(message);
    };
    replace(
        state,
        conversation,
        message,
        move |m| {
            m.status = status.clone();
            if status == "failed" {
                m.content_attributes
                    .insert("external_error".into(), json!(external_error));
            } else {
                m.content_attributes.remove("external_error");
            }
        },
        "message_updated",
    )
    .await
}

/// The text a deleted message keeps.
pub const DELETED_TEXT: &str = "This message was deleted";

/// Soft delete: the message stays, emptied, marked deleted, without its files.
pub async fn soft_delete(
    state: &AppState,
    conversation: Conversation,
    message: Message,
) -> AppResult<Message> {
    let files: Vec<String> = message
        .attachments
        .iter()
        .map(|a| a.blob_key.clone())
        .collect();
    let deleted = replace(
        state,
        conversation,
        message,
        |m| {
            m.content = Some(DELETED_TEXT.into());
            m.content_type = "text".into();
            m.content_attributes = Map::from_iter([("deleted".to_owned(), Value::Bool(true))]);
            m.attachments.clear();
        },
        "message_updated",
    )
    .await?;
    for key in files {
        if let Err(e) = state.blobs.delete(&key).await {
            tracing::warn!(error = %e, "could not delete a deleted message's file");
        }
    }
    Ok(deleted)
}

/// Who a message from `actor` is from: outgoing messages from the actor (or the bot named by
/// `sender_type: AgentBot`), every other type from the conversation's contact.
pub fn sender_for(
    actor: &Actor,
    message_type: MessageType,
    contact_id: i64,
    as_bot: Option<i64>,
) -> Option<Sender> {
    match message_type {
        MessageType::Outgoing => as_bot.map(Sender::AgentBot).or_else(|| actor.sender()),
        _ => Some(Sender::Contact(contact_id)),
    }
}
