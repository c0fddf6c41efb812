//! The visitor's conversations: list, create, show, `toggle_status` (resolve only),
//! `toggle_typing` and `update_last_seen`.

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::domain::client::{self, Visitor};
use shared::domain::conversations::builder::{self, NewConversation};
use shared::domain::conversations::related;
use shared::handler;
use shared::http::{empty_ok, json_ok, ApiRequest, Router};
use shared::model::conversation::{Conversation, Message};
use shared::views::conversations::Context;
use shared::views::public as view;
use shared::{AppResult, AppState};
use std::sync::Arc;

const CONVERSATIONS: &str =
    "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations";
const CONVERSATION: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}";
const TOGGLE_STATUS: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_status";
const TOGGLE_TYPING: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_typing";
const UPDATE_LAST_SEEN: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/update_last_seen";

pub fn routes(router: Router) -> Router {
    router
        .get(CONVERSATIONS, handler!(index))
        .post(CONVERSATIONS, handler!(create))
        .get(CONVERSATION, handler!(show))
        .post(TOGGLE_STATUS, handler!(toggle_status))
        .post(TOGGLE_TYPING, handler!(toggle_typing))
        .post(UPDATE_LAST_SEEN, handler!(update_last_seen))
}

/// The visitor and the conversation of the path (404 unless the visitor reaches it).
pub async fn fetch(state: &AppState, request: &ApiRequest) -> AppResult<(Visitor, Conversation)> {
    client::visitor_and_conversation(
        state,
        super::path_text(request, "inbox_identifier")?,
        super::path_text(request, "contact_identifier")?,
        request.path_id("conversation_id")?,
    )
    .await
}

/// Public conversations with their public messages; senders and files read in one batch.
async fn render(
    state: &AppState,
    visitor: &Visitor,
    conversations: &[(Conversation, Vec<Message>)],
) -> AppResult<Vec<Value>> {
    let messages: Vec<&Message> = conversations.iter().flat_map(|(_, m)| m).collect();
    let (related, urls) = related::of_messages(state, visitor.inbox.account_id, &messages).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    Ok(conversations
        .iter()
        .map(|(c, m)| view::conversation(c, m, &visitor.contact, &context))
        .collect())
}

async fn render_one(
    state: &AppState,
    visitor: &Visitor,
    conversation: Conversation,
) -> AppResult<Response<Body>> {
    let messages = client::public_messages(state, &conversation).await?;
    let mut rendered = render(state, visitor, &[(conversation, messages)]).await?;
    Ok(json_ok(rendered.pop().unwrap_or(Value::Null)))
}

async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let visitor = super::visitor(&state, &request).await?;
    let listed = client::conversations_with_messages(&state, &visitor).await?;
    Ok(json_ok(Value::Array(
        render(&state, &visitor, &listed).await?,
    )))
}

/// Only `custom_attributes` is taken; the status follows Chatwoot's rules.
async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let visitor = super::visitor(&state, &request).await?;
    let params = request.params().await?;
    let new = NewConversation {
        source_id: Some(visitor.link.source_id.clone()),
        hmac_verified: visitor.link.hmac_verified,
        custom_attributes: params.object("custom_attributes")?.unwrap_or_default(),
        ..NewConversation::default()
    };
    let (conversation, _) = builder::create(&state, &visitor.inbox, &visitor.contact, new).await?;
    render_one(&state, &visitor, conversation).await
}

async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = fetch(&state, &request).await?;
    render_one(&state, &visitor, conversation).await
}

async fn toggle_status(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = fetch(&state, &request).await?;
    let conversation = client::resolve(&state, &visitor, conversation).await?;
    render_one(&state, &visitor, conversation).await
}

async fn toggle_typing(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (visitor, conversation) = fetch(&state, &request).await?;
    let params = request.params().await?;
    let status = params.string("typing_status");
    client::typing(&state, &visitor, &conversation, status.as_deref()).await?;
    Ok(empty_ok())
}

async fn update_last_seen(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, conversation) = fetch(&state, &request).await?;
    client::update_last_seen(&state, conversation).await?;
    Ok(empty_ok())
}
