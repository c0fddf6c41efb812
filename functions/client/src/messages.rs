//! The visitor's messages in a conversation: list (`before`), create (incoming, with files)
//! and update (submitted form values and CSAT answers).

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::domain::conversations::change::NewMessage;
use shared::domain::conversations::related;
use shared::domain::messages::{self as domain, Upload, Window};
use shared::domain::{client::Visitor, csat};
use shared::handler;
use shared::http::{json_ok, ApiRequest, Router};
use shared::model::conversation::{Message, MessageType, Sender};
use shared::views::conversations::Context;
use shared::views::public as view;
use shared::{AppError, AppResult, AppState};
use std::sync::Arc;

const MESSAGES: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages";
const MESSAGE: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages/{message_id}";

pub fn routes(router: Router) -> Router {
    router
        .get(MESSAGES, handler!(index))
        .post(MESSAGES, handler!(create))
        .update(MESSAGE, handler!(update))
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    messages: &[Message],
) -> AppResult<Vec<Value>> {
    let refs: Vec<&Message> = messages.iter().collect();
    let (related, urls) = related::of_messages(state, visitor.inbox.account_id, &refs).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    Ok(messages
        .iter()
        .map(|m| view::message(m, &context))
        .collect())
}

async fn render_one(
    state: &AppState,
    visitor: &Visitor,
    message: Message,
) -> AppResult<Response<Body>> {
    let mut rendered = render(state, visitor, &[message]).await?;
    Ok(json_ok(rendered.pop().unwrap_or(Value::Null)))
}

/// The latest 20 public messages, or the 20 before `before`, oldest first.
async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = super::conversations::fetch(&state, &request).await?;
    let params = request.params().await?;
    let window = Window {
        before: params.integer("before")?,
        after: None,
        internal_filtered: true,
    };
    let messages = domain::list(&state, &conversation, window).await?;
    Ok(json_ok(Value::Array(
        render(&state, &visitor, &messages).await?,
    )))
}

/// An incoming message from the visitor's contact, with the Application API's side effects.
async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = super::conversations::fetch(&state, &request).await?;
    let params = request.params().await?;
    let uploads: Vec<Upload> = params
        .files_of("attachments")
        .into_iter()
        .map(Upload::from)
        .collect();
    let mut new = NewMessage {
        content: params.string("content"),
        message_type: MessageType::Incoming,
        ..NewMessage::default()
    };
    domain::validate(&new, &visitor.inbox)?;
    new.attachments = domain::store_attachments(&state, &conversation, &uploads).await?;
    let sender = Some(Sender::Contact(visitor.contact.id));
    let (_, message) = domain::create(
        &state,
        conversation,
        &visitor.inbox,
        visitor.contact.blocked,
        new,
        sender,
    )
    .await?;
    render_one(&state, &visitor, message).await
}

/// `submitted_values`: an array (select and form replies) or `{csat_survey_response: {rating,
/// feedback_message}}` for a CSAT survey.
async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = super::conversations::fetch(&state, &request).await?;
    let message = domain::load(&state, &conversation, request.path_id("message_id")?).await?;
    if !message.is_public() {
        return Err(AppError::NotFound);
    }
    let params = request.params().await?.wrapped("message", None);
    let submitted = match params.get("submitted_values") {
        Some(value @ (Value::Array(_) | Value::Object(_))) => value.clone(),
        _ => return Err(AppError::ParamMissing("submitted_values".into())),
    };
    let (message, _) = csat::submit(&state, conversation, message, submitted).await?;
    render_one(&state, &visitor, message).await
}
