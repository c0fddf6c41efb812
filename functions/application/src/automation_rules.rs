//! `/api/v1/accounts/{account_id}/automation_rules` (administrators only). Chatwoot's
//! envelopes differ by action: index, show, update and clone wrap in `payload`, create does
//! not.

use crate::audit_logs::member_actor;
use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth::{self, AccountUser};
use shared::domain::automation::{self, RuleChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::automation_rule::AutomationRule;
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const RULES: &str = "/api/v1/accounts/{account_id}/automation_rules";
const RULE: &str = "/api/v1/accounts/{account_id}/automation_rules/{id}";
const CLONE: &str = "/api/v1/accounts/{account_id}/automation_rules/{id}/clone";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(RULES, handler!(index))
        .post(RULES, handler!(create))
        .get(RULE, handler!(show))
        .update(RULE, handler!(update))
        .delete(RULE, handler!(destroy))
        .post(CLONE, handler!(clone))
}

/// Chatwoot reads the rule's fields at the top level.
fn changes(params: &Params) -> RuleChanges {
    RuleChanges {
        name: params.optional_string("name"),
        description: params.optional_string("description"),
        event_name: params.optional_string("event_name"),
        active: params.boolean("active"),
        conditions: params.get("conditions").cloned(),
        actions: params.get("actions").cloned(),
    }
}

async fn administrator(state: &AppState, request: &ApiRequest) -> AppResult<AccountUser> {
    let member = auth::account_user(state, request).await?;
    member.require_administrator()?;
    Ok(member)
}

/// The rule the path names, for an administrator (authorization first: an agent gets 401
/// whatever the id).
/// The administrator asking and the rule the path names.
async fn requested_rule(
    state: &AppState,
    request: &ApiRequest,
) -> AppResult<(AccountUser, AutomationRule)> {
    let member = administrator(state, request).await?;
    let rule = automation::load(state, member.account_id(), request.path_id("id")?).await?;
    Ok((member, rule))
}

async fn render(state: &AppState, rule: &AutomationRule) -> AppResult<Value> {
    let urls = automation::file_urls(state, rule).await?;
    Ok(views::automation_rules::automation_rule(rule, &urls))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let mut payload = Vec::new();
    for rule in automation::list(&state, member.account_id()).await? {
        payload.push(render(&state, &rule).await?);
    }
    Ok(json_ok(json!({ "payload": payload })))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, rule) = requested_rule(&state, &request).await?;
    Ok(json_ok(json!({ "payload": render(&state, &rule).await? })))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let changes = changes(&request.params().await?);
    let actor = member_actor(&state, &member, &request).await?;
    let rule = automation::create(&state, member.account_id(), &changes, &actor).await?;
    Ok(json_ok(render(&state, &rule).await?))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (member, rule) = requested_rule(&state, &request).await?;
    let changes = changes(&request.params().await?);
    let actor = member_actor(&state, &member, &request).await?;
    let rule = automation::update(&state, rule, &changes, &actor).await?;
    Ok(json_ok(json!({ "payload": render(&state, &rule).await? })))
}

pub async fn clone(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (member, rule) = requested_rule(&state, &request).await?;
    let actor = member_actor(&state, &member, &request).await?;
    let copy = automation::clone(&state, &rule, &actor).await?;
    Ok(json_ok(json!({ "payload": render(&state, &copy).await? })))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (member, rule) = requested_rule(&state, &request).await?;
    let actor = member_actor(&state, &member, &request).await?;
    automation::delete(&state, &rule, &actor).await?;
    Ok(empty_ok())
}
