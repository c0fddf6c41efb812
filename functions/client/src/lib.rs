//! Chatwoot's Client API (`/public/api/v1/inboxes/{inbox_identifier}/...`, no token: the API
//! inbox's identifier and the contact's source id are the credentials), the public CSAT
//! survey JSON and the survey page, and the public help-center pages.

mod contacts;
mod conversations;
mod html;
pub mod markdown;
mod messages;
mod portal_pages;
mod survey;

use shared::domain::client::{self, Visitor};
use shared::http::{ApiRequest, Family, Router};
use shared::{AppError, AppResult, AppState};

/// What browsers on any origin may call: the Client API (as Chatwoot allows) and the
/// help-center pages.
const CROSS_ORIGIN_PREFIXES: &[&str] = &["/public/api/v1/", "/hc/"];

pub fn router() -> Router {
    let router = Router::new("client", Family::Public).cross_origin(CROSS_ORIGIN_PREFIXES);
    let router = contacts::routes(router);
    let router = conversations::routes(router);
    let router = messages::routes(router);
    let router = portal_pages::routes(router);
    survey::routes(router)
}

fn path_text<'r>(request: &'r ApiRequest, name: &str) -> AppResult<&'r str> {
    request.path_param(name).ok_or(AppError::NotFound)
}

/// The visitor the path names (`inbox_identifier`, `contact_identifier`): 404 if either is
/// unknown or they do not belong together.
async fn visitor(state: &AppState, request: &ApiRequest) -> AppResult<Visitor> {
    client::visitor(
        state,
        path_text(request, "inbox_identifier")?,
        path_text(request, "contact_identifier")?,
    )
    .await
}
