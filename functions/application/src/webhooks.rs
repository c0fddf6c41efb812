//! `/api/v1/accounts/{account_id}/webhooks`: administrators only (agents get Chatwoot's 401
//! before anything is looked up). Chatwoot has no show route.

use crate::audit_logs::member_actor;
use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth::{self, AccountUser};
use shared::domain::webhooks::{self, WebhookChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const WEBHOOKS: &str = "/api/v1/accounts/{account_id}/webhooks";
const WEBHOOK: &str = "/api/v1/accounts/{account_id}/webhooks/{id}";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(WEBHOOKS, handler!(index))
        .post(WEBHOOKS, handler!(create))
        .update(WEBHOOK, handler!(update))
        .delete(WEBHOOK, handler!(destroy))
}

/// The webhook columns Rails wraps top-level JSON keys into (and the controller permits).
const COLUMNS: &[&str] = &["url", "name", "inbox_id", "subscriptions"];

/// A scalar the controller permits: absent → `None`, null → `Some(None)`, a string, number
/// or boolean → its text. Objects and lists are not permitted for these keys, so Rails drops
/// them: `None`.
fn permitted_text(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        Value::Object(_) | Value::Array(_) => None,
        _ => Some(params.string(key)),
    }
}

/// `subscriptions: []` as Rails permits it: a list of scalars (each as its text; null as
/// ""), anything else dropped.
fn permitted_list(params: &Params, key: &str) -> Option<Vec<String>> {
    let Some(Value::Array(values)) = params.get(key) else {
        return None;
    };
    values
        .iter()
        .map(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Null => Some(String::new()),
            Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
            Value::Object(_) | Value::Array(_) => None,
        })
        .collect()
}

fn changes(params: &Params) -> AppResult<WebhookChanges> {
    let webhook = params.require("webhook", Some(COLUMNS))?;
    let inbox_id = if webhook.has("inbox_id") {
        Some(webhook.integer("inbox_id")?)
    } else {
        None
    };
    Ok(WebhookChanges {
        url: permitted_text(&webhook, "url"),
        name: permitted_text(&webhook, "name"),
        inbox_id,
        subscriptions: permitted_list(&webhook, "subscriptions"),
    })
}

/// Chatwoot's `authorize(Webhook)`, which runs before the webhook is looked up.
async fn administrator(state: &AppState, request: &ApiRequest) -> AppResult<AccountUser> {
    let member = auth::account_user(state, request).await?;
    member.require_administrator()?;
    Ok(member)
}

fn one(shown: &webhooks::ShownWebhook) -> Response<Body> {
    json_ok(json!({"payload": {"webhook": views::webhooks::webhook(shown)}}))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let listed = webhooks::list_shown(&state, member.account_id()).await?;
    let rendered: Vec<Value> = listed.iter().map(views::webhooks::webhook).collect();
    Ok(json_ok(json!({"payload": {"webhooks": rendered}})))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let created = webhooks::create(&state, member.account_id(), &changes, &actor).await?;
    Ok(one(&created))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let webhook = webhooks::load(&state, member.account_id(), request.path_id("id")?).await?;
    let changes = changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let updated = webhooks::update(&state, webhook, &changes, &actor).await?;
    Ok(one(&updated))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let webhook = webhooks::load(&state, member.account_id(), request.path_id("id")?).await?;
    let actor = member_actor(&state, &member, &request).await?;
    webhooks::delete(&state, &webhook, &actor).await?;
    Ok(empty_ok())
}
