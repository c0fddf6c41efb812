//! `/api/v1/accounts/{account_id}/integrations`: the app catalogue (any member) and hooks.
//!
//! No app is served through hooks here (see `shared::domain::integrations`): creating one is
//! refused with a 422 after Chatwoot's checks (administrator, `hook` parameter), and the
//! routes naming a hook find none. Chatwoot looks the hook up before its role check, so
//! those answer 404 to every member.

use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth;
use shared::domain::integrations;
use shared::http::{json_ok, ApiRequest, Router};
use shared::{handler, views, AppError, AppResult, AppState};
use std::sync::Arc;

const APPS: &str = "/api/v1/accounts/{account_id}/integrations/apps";
const APP: &str = "/api/v1/accounts/{account_id}/integrations/apps/{id}";
const HOOKS: &str = "/api/v1/accounts/{account_id}/integrations/hooks";
const HOOK: &str = "/api/v1/accounts/{account_id}/integrations/hooks/{id}";
const HOOK_EVENT: &str = "/api/v1/accounts/{account_id}/integrations/hooks/{id}/process_event";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(APPS, handler!(apps_index))
        .get(APP, handler!(apps_show))
        .post(HOOKS, handler!(hooks_create))
        .update(HOOK, handler!(hook_lookup))
        .delete(HOOK, handler!(hook_lookup))
        .post(HOOK_EVENT, handler!(hook_lookup))
}

/// The hook columns Rails wraps top-level JSON keys into (and the controller permits).
const HOOK_COLUMNS: &[&str] = &["app_id", "inbox_id", "status", "settings"];

pub async fn apps_index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let apps = integrations::list(&state, &member.account).await?;
    let rendered: Vec<Value> = apps
        .iter()
        .map(|app| views::integrations::app(app, member.is_administrator()))
        .collect();
    Ok(json_ok(json!({ "payload": rendered })))
}

pub async fn apps_show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let id = request.path_param("id").unwrap_or_default();
    let app = integrations::find(&state, member.account_id(), id).await?;
    Ok(json_ok(views::integrations::app(
        &app,
        member.is_administrator(),
    )))
}

pub async fn hooks_create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let hook = request
        .params()
        .await?
        .require("hook", Some(HOOK_COLUMNS))?;
    Err(integrations::hook_refusal(hook.string("app_id").as_deref()))
}

/// Update, delete and `process_event` of a hook: Chatwoot's `fetch_hook` finds nothing, as
/// no hook is ever stored.
pub async fn hook_lookup(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    auth::account_user(&state, &request).await?;
    Err(AppError::NotFound)
}
