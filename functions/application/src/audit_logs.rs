//! `/api/v1/accounts/{account_id}/audit_logs` (administrators only), and the acting user
//! every audited change of this API records.

use lambda_http::{Body, Response};
use shared::auth::{self, AccountUser};
use shared::domain::audit::{self, AuditActor};
use shared::domain::audit_logs::{self, Order};
use shared::http::{json_ok, ApiRequest, Router};
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const AUDIT_LOGS: &str = "/api/v1/accounts/{account_id}/audit_logs";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router.get(AUDIT_LOGS, handler!(show))
}

/// The request's client-supplied id header (Rails' `request.uuid` source).
fn request_id(request: &ApiRequest) -> Option<&str> {
    request.header("x-request-id")
}

/// The signed-in user making an audited change in the account (one read: the e-mail).
pub async fn actor(state: &AppState, user_id: i64, request: &ApiRequest) -> AppResult<AuditActor> {
    audit::user_actor(state, user_id, request_id(request)).await
}

/// [`actor`] for a member resolved by [`auth::account_user`].
pub async fn member_actor(
    state: &AppState,
    member: &AccountUser,
    request: &ApiRequest,
) -> AppResult<AuditActor> {
    actor(state, member.user_id(), request).await
}

/// The log, newest first (`sort=asc`: oldest first), 15 a page. With the `audit_logs`
/// feature off the list is empty (Chatwoot's controller answers `none`, not an error).
pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let params = request.query();
    let page = params.page();
    let order = match params.string("sort").as_deref() {
        Some("asc") => Order::OldestFirst,
        _ => Order::NewestFirst,
    };
    let listing = audit_logs::page(&state, &member.account, page, order).await?;
    Ok(json_ok(views::audit_logs::page(&listing, page)))
}
