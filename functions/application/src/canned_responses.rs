//! `/api/v1/accounts/{account_id}/canned_responses`. No role check: every member may list,
//! create, update and delete. Chatwoot has no show route (GET by id is 404).

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::auth;
use shared::domain::canned_responses::{self, CannedResponseChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const CANNED_RESPONSES: &str = "/api/v1/accounts/{account_id}/canned_responses";
const CANNED_RESPONSE: &str = "/api/v1/accounts/{account_id}/canned_responses/{id}";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(CANNED_RESPONSES, handler!(index))
        .post(CANNED_RESPONSES, handler!(create))
        .update(CANNED_RESPONSE, handler!(update))
        .delete(CANNED_RESPONSE, handler!(destroy))
}

/// The canned-response columns Rails wraps top-level JSON keys into (and permits).
const COLUMNS: &[&str] = &["short_code", "content"];

fn text(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        _ => Some(params.string(key)),
    }
}

fn changes(params: &Params) -> AppResult<CannedResponseChanges> {
    let canned = params.require("canned_response", Some(COLUMNS))?;
    Ok(CannedResponseChanges {
        short_code: text(&canned, "short_code"),
        content: text(&canned, "content"),
    })
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let found = match params.string("search") {
        Some(search) => canned_responses::search(&state, member.account_id(), &search).await?,
        None => canned_responses::list(&state, member.account_id()).await?,
    };
    let body: Vec<Value> = found
        .iter()
        .map(views::canned_responses::canned_response)
        .collect();
    Ok(json_ok(body.into()))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let canned = canned_responses::create(&state, member.account_id(), &changes).await?;
    Ok(json_ok(views::canned_responses::canned_response(&canned)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let canned =
        canned_responses::load(&state, member.account_id(), request.path_id("id")?).await?;
    let changes = changes(&request.params().await?)?;
    let canned = canned_responses::update(&state, canned, &changes).await?;
    Ok(json_ok(views::canned_responses::canned_response(&canned)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let canned =
        canned_responses::load(&state, member.account_id(), request.path_id("id")?).await?;
    canned_responses::delete(&state, &canned).await?;
    Ok(empty_ok())
}
