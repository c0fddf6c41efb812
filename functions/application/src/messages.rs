//! `/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`.

use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};
use shared::auth;
use shared::domain::conversations::change::NewMessage;
use shared::domain::conversations::{self as conversations, related};
use shared::domain::inboxes;
use shared::domain::messages::{self as domain, Upload, Window};
use shared::http::{json_ok, ApiRequest, Params, Router};
use shared::model::conversation::{Conversation, Message, MessageType};
use shared::views::conversations::{self as view, Context};
use shared::{handler, AppError, AppResult, AppState};
use std::sync::Arc;

const MESSAGES: &str = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages";
const DIRECT_UPLOADS: &str =
    "/api/v1/accounts/{account_id}/conversations/{conversation_id}/direct_uploads";
/// Chatwoot's API document lists the message list once without `/api/v1` (a slip there);
/// clients generated from it call this path, so it is an alias with the same authentication.
const UNPREFIXED_MESSAGES: &str = "/accounts/{account_id}/conversations/{conversation_id}/messages";
const MESSAGE: &str =
    "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{message_id}";

pub fn routes(router: Router) -> Router {
    router
        .get(MESSAGES, handler!(index))
        .get(UNPREFIXED_MESSAGES, handler!(index))
        .post(MESSAGES, handler!(create))
        .post(DIRECT_UPLOADS, handler!(direct_upload))
        .update(MESSAGE, handler!(update))
        .delete(MESSAGE, handler!(destroy))
}

fn unprocessable(message: &str) -> AppError {
    AppError::Unprocessable(json!(message))
}

/// A message's fields as `POST /messages` (and a conversation's first message) send them.
pub fn new_message(params: &Params) -> AppResult<NewMessage> {
    let message_type = match params.string("message_type").filter(|t| !t.is_empty()) {
        None => MessageType::Outgoing,
        Some(name) => MessageType::parse(&name)
            .ok_or_else(|| unprocessable(&format!("'{name}' is not a valid message_type")))?,
    };
    // A JSON string is accepted too; text that is not a JSON object counts as `{}`.
    let content_attributes = match params.get("content_attributes") {
        Some(Value::Object(map)) => map.clone(),
        Some(Value::String(text)) => {
            serde_json::from_str::<Map<String, Value>>(text).unwrap_or_default()
        }
        _ => Map::new(),
    };
    let mut content_attributes = content_attributes;
    if let Some(at) = params.get("external_created_at") {
        content_attributes.insert("external_created_at".into(), at.clone());
    }
    let mut additional_attributes = Map::new();
    for key in ["campaign_id", "template_params"] {
        if let Some(value) = params.get(key) {
            additional_attributes.insert(key.into(), value.clone());
        }
    }
    Ok(NewMessage {
        content: params.string("content"),
        message_type,
        private: params.boolean("private").unwrap_or(false),
        content_type: params
            .string("content_type")
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "text".into()),
        content_attributes,
        additional_attributes,
        source_id: params.string("source_id"),
        attachments: Vec::new(),
    })
}

async fn render_messages(
    state: &AppState,
    conversation: &Conversation,
    messages: &[Message],
    echo_id: Option<&str>,
) -> AppResult<Vec<Value>> {
    let refs: Vec<&Message> = messages.iter().collect();
    let (related, urls) = related::of_messages(state, conversation.account_id, &refs).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    Ok(messages
        .iter()
        .map(|m| view::message(m, echo_id, &context))
        .collect())
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let conversation = conversations::load_for(
        &state,
        &actor,
        account.id,
        request.path_id("conversation_id")?,
    )
    .await?;
    let params = request.params().await?;
    let window = Window {
        before: params.integer("before")?,
        after: params.integer("after")?,
        internal_filtered: params.boolean("filter_internal_messages").unwrap_or(false),
    };
    let messages = domain::list(&state, &conversation, window).await?;
    let refs: Vec<&Message> = messages.iter().collect();
    let related = related::load(&state, account.id, &[&conversation], &refs, &[]).await?;
    let urls = related::attachment_urls(&state, &[], &refs).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    let mut meta = Map::new();
    meta.insert("labels".into(), json!(conversation.labels));
    meta.insert(
        "additional_attributes".into(),
        json!(conversation.additional_attributes),
    );
    if let Some((contact, thumbnail)) = related.contacts.get(&conversation.contact_id) {
        meta.insert(
            "contact".into(),
            shared::views::contacts::push(contact, thumbnail),
        );
    }
    if let Some((agent, thumbnail)) = conversation
        .assignee_id
        .and_then(|id| related.agents.get(&id))
    {
        meta.insert("assignee".into(), shared::views::agent(agent, thumbnail));
    }
    let iso = |ms: Option<i64>| json!(ms.map(shared::clock::iso_millis));
    meta.insert(
        "agent_last_seen_at".into(),
        iso(conversation.agent_last_seen_at_ms),
    );
    meta.insert(
        "assignee_last_seen_at".into(),
        iso(conversation.assignee_last_seen_at_ms),
    );
    let payload: Vec<Value> = messages
        .iter()
        .map(|m| view::message(m, None, &context))
        .collect();
    Ok(json_ok(json!({"meta": meta, "payload": payload})))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_actor(&state, &request).await?;
    let (conversation, inbox, contact) = conversations::load_for_message(
        &state,
        &actor,
        account.id,
        request.path_id("conversation_id")?,
    )
    .await?;
    let params = request.params().await?;
    let mut new = new_message(&params)?;
    domain::validate(&new, &inbox).map_err(could_not_create)?;
    let as_bot = match (
        params.string("sender_type").as_deref(),
        params.integer("sender_id")?,
    ) {
        (Some("AgentBot"), Some(id)) => inboxes::find_accessible_bot(&state, account.id, id)
            .await
            .ok()
            .map(|bot| bot.id),
        _ => None,
    };
    let sender = domain::sender_for(&actor, new.message_type, conversation.contact_id, as_bot);
    let uploads: Vec<Upload> = params
        .files_of("attachments")
        .into_iter()
        .map(Upload::from)
        .collect();
    // JSON clients name files uploaded beforehand (`direct_uploads`) by their signed ids.
    let signed_ids: Vec<String> = match params.get("attachments") {
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    new.attachments = domain::store_attachments(&state, &conversation, &uploads).await?;
    new.attachments
        .extend(domain::uploaded_attachments(&state, &conversation, &signed_ids).await?);
    let (conversation, message) =
        domain::create(&state, conversation, &inbox, contact.blocked, new, sender)
            .await
            .map_err(could_not_create)?;
    let echo_id = params.string("echo_id");
    let mut rendered =
        render_messages(&state, &conversation, &[message], echo_id.as_deref()).await?;
    Ok(json_ok(rendered.pop().unwrap_or(Value::Null)))
}

/// Chatwoot's messages controller answers a failed create with `{"error": "Validation
/// failed: …"}` rather than the model's `{message, attributes}`.
pub fn could_not_create(error: AppError) -> AppError {
    match error {
        AppError::Validation(errors) => {
            AppError::Unprocessable(json!(format!("Validation failed: {}", errors.message())))
        }
        other => other,
    }
}

/// The conversation and message of the path, for a user who may open the conversation.
async fn fetch(state: &AppState, request: &ApiRequest) -> AppResult<(Conversation, Message)> {
    let (account, actor) = auth::account_user_actor(state, request).await?;
    let conversation = conversations::load_for(
        state,
        &actor,
        account.id,
        request.path_id("conversation_id")?,
    )
    .await?;
    let message = domain::load(state, &conversation, request.path_id("message_id")?).await?;
    Ok((conversation, message))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (conversation, message) = fetch(&state, &request).await?;
    let params = request.params().await?;
    let inbox = inboxes::load(&state, conversation.account_id, conversation.inbox_id).await?;
    let message = domain::update_status(
        &state,
        conversation.clone(),
        &inbox,
        message,
        params.string("status"),
        params.string("external_error"),
    )
    .await?;
    let mut rendered = render_messages(&state, &conversation, &[message], None).await?;
    Ok(json_ok(rendered.pop().unwrap_or(Value::Null)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (conversation, message) = fetch(&state, &request).await?;
    let message = domain::soft_delete(&state, conversation.clone(), message).await?;
    let mut rendered = render_messages(&state, &conversation, &[message], None).await?;
    Ok(json_ok(rendered.pop().unwrap_or(Value::Null)))
}

/// `POST /direct_uploads` (ActiveStorage's direct upload, for files too large for a request
/// body): `blob: {filename, byte_size, content_type}` → where to PUT the file, and the
/// `signed_id` to list in a message's `attachments`.
pub async fn direct_upload(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let conversation = conversations::load_for(
        &state,
        &actor,
        account.id,
        request.path_id("conversation_id")?,
    )
    .await?;
    let blob = request.params().await?.require("blob", None)?;
    let content_type = blob
        .string("content_type")
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let (upload, url) = domain::direct_upload(
        &state,
        &conversation,
        &blob.string("filename").unwrap_or_default(),
        &content_type,
        blob.integer("byte_size")?.unwrap_or(0),
    )
    .await?;
    Ok(json_ok(json!({
        "id": upload.id,
        "key": upload.blob_key,
        "filename": upload.file_name,
        "content_type": upload.content_type,
        "byte_size": upload.byte_size,
        "checksum": blob.string("checksum"),
        "signed_id": upload.signed_id,
        "direct_upload": {"url": url, "headers": {"Content-Type": upload.content_type}},
    })))
}
