//! `GET /public/api/v1/inboxes/{inbox_identifier}` and the visitor's contact:
//! `POST /contacts`, `GET` and `PATCH /contacts/{contact_identifier}`.

use lambda_http::{Body, Response};
use shared::domain::client::{self, Identification, NewVisitor};
use shared::handler;
use shared::http::{json_ok, ApiRequest, Params, Router};
use shared::views::public as view;
use shared::{AppResult, AppState};
use std::sync::Arc;

const INBOX: &str = "/public/api/v1/inboxes/{inbox_identifier}";
const CONTACTS: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts";
const CONTACT: &str = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}";

pub fn routes(router: Router) -> Router {
    router
        .get(INBOX, handler!(show_inbox))
        .post(CONTACTS, handler!(create))
        .get(CONTACT, handler!(show))
        .update(CONTACT, handler!(update))
}

async fn show_inbox(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let inbox = client::inbox(&state, super::path_text(&request, "inbox_identifier")?).await?;
    Ok(json_ok(view::inbox(&inbox)))
}

/// The identity check every contact action runs first.
fn verify(inbox: &shared::model::inbox::Inbox, params: &Params) -> AppResult<Option<String>> {
    client::verify_identity(
        inbox,
        params.string("identifier").as_deref(),
        params.string("identifier_hash").as_deref(),
    )
}

async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let inbox = client::inbox(&state, super::path_text(&request, "inbox_identifier")?).await?;
    let params = request.params().await?;
    verify(&inbox, &params)?;
    let new = NewVisitor {
        source_id: params.string("source_id"),
        identifier: params.string("identifier"),
        name: params.string("name"),
        email: params.string("email"),
        phone_number: params.string("phone_number"),
        custom_attributes: params.object("custom_attributes")?,
    };
    let visitor = client::create_visitor(&state, inbox, new).await?;
    Ok(json_ok(view::contact(&visitor.link, &visitor.contact)))
}

async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let mut visitor = super::visitor(&state, &request).await?;
    let params = request.params().await?;
    if let Some(proven) = verify(&visitor.inbox, &params)? {
        client::bind_identity(&state, &mut visitor, &proven).await?;
    }
    Ok(json_ok(view::contact(&visitor.link, &visitor.contact)))
}

/// Answers the contact record itself (every column), as Chatwoot renders the model.
async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let mut visitor = super::visitor(&state, &request).await?;
    let params = request.params().await?;
    if let Some(proven) = verify(&visitor.inbox, &params)? {
        client::bind_identity(&state, &mut visitor, &proven).await?;
    }
    let given = Identification {
        name: params.string("name"),
        email: params.string("email"),
        phone_number: params.string("phone_number"),
        custom_attributes: params.object("custom_attributes")?,
    };
    let contact = client::identify(&state, visitor.contact, given).await?;
    Ok(json_ok(view::contact_row(&contact)))
}
