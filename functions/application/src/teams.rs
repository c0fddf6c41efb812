//! `/api/v1/accounts/{account_id}/teams` and `/teams/{team_id}/team_members`.

use crate::agents::render_agents;
use crate::audit_logs::member_actor;
use lambda_http::{Body, Response};
use serde_json::Value;
use shared::auth::{self, AccountUser};
use shared::domain::teams::{self, MemberChange, MembersOutcome, TeamChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::team::Team;
use shared::{handler, views, AppError, AppResult, AppState};
use std::sync::Arc;

const TEAMS: &str = "/api/v1/accounts/{account_id}/teams";
const TEAM: &str = "/api/v1/accounts/{account_id}/teams/{team_id}";
const TEAM_MEMBERS: &str = "/api/v1/accounts/{account_id}/teams/{team_id}/team_members";

/// Registers this area's routes. Team members have no PUT in Chatwoot (`patch :update`).
pub fn routes(router: Router) -> Router {
    router
        .get(TEAMS, handler!(index))
        .post(TEAMS, handler!(create))
        .get(TEAM, handler!(show))
        .update(TEAM, handler!(update))
        .delete(TEAM, handler!(destroy))
        .get(TEAM_MEMBERS, handler!(members_index))
        .post(TEAM_MEMBERS, handler!(members_create))
        .route(http::Method::PATCH, TEAM_MEMBERS, handler!(members_update))
        .delete(TEAM_MEMBERS, handler!(members_destroy))
}

/// The team columns Rails wraps top-level JSON keys into (and permits).
const COLUMNS: &[&str] = &["name", "description", "allow_auto_assign"];

/// A nullable text field kept exactly as sent (`""` stays `""`): absent → `None`, null →
/// `Some(None)`.
fn nullable_text(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        _ => Some(params.string(key)),
    }
}

fn changes(params: &Params) -> AppResult<TeamChanges> {
    let team = params.require("team", Some(COLUMNS))?;
    Ok(TeamChanges {
        name: nullable_text(&team, "name"),
        description: nullable_text(&team, "description"),
        allow_auto_assign: team.boolean("allow_auto_assign"),
    })
}

/// Chatwoot's `fetch_team`, before any role check: an unknown team is 404 for everyone.
async fn fetch(
    state: &AppState,
    member: &AccountUser,
    request: &ApiRequest,
) -> AppResult<(Team, bool)> {
    teams::load_for(
        state,
        member.account_id(),
        request.path_id("team_id")?,
        member.user_id(),
    )
    .await
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let listed = teams::list_for(&state, member.account_id(), member.user_id()).await?;
    let body: Vec<Value> = listed
        .iter()
        .map(|(team, is_member)| views::teams::team(team, *is_member))
        .collect();
    Ok(json_ok(body.into()))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let (team, is_member) = fetch(&state, &member, &request).await?;
    Ok(json_ok(views::teams::team(&team, is_member)))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let team = teams::create(&state, member.account_id(), &changes, &actor).await?;
    Ok(json_ok(views::teams::team(&team, false)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let (team, is_member) = fetch(&state, &member, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let team = teams::update(&state, team, &changes, &actor).await?;
    Ok(json_ok(views::teams::team(&team, is_member)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let (team, _) = fetch(&state, &member, &request).await?;
    member.require_administrator()?;
    let actor = member_actor(&state, &member, &request).await?;
    teams::delete(&state, &team, &actor, views::teams::team_payload).await?;
    Ok(empty_ok())
}

pub async fn members_index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let team = teams::load(&state, member.account_id(), request.path_id("team_id")?).await?;
    let agents = teams::members(&state, &team).await?;
    Ok(json_ok(render_agents(&state, &agents).await?))
}

/// `user_ids` as Chatwoot reads them: an array of ids (numbers or numeric text). Anything in
/// it that is not an id cannot be an agent, so it is kept as 0 (→ "Invalid User IDs").
fn user_ids(params: &Params) -> AppResult<Vec<i64>> {
    match params.get("user_ids") {
        None | Some(Value::Null) => Err(AppError::ParamMissing("user_ids".into())),
        Some(Value::Array(values)) => Ok(values
            .iter()
            .map(|v| match v {
                Value::Number(n) => n.as_i64().unwrap_or(0),
                Value::String(s) => s.trim().parse().unwrap_or(0),
                _ => 0,
            })
            .collect()),
        Some(_) => Err(AppError::BadRequest("user_ids must be an array".into())),
    }
}

async fn change_members(
    state: Arc<AppState>,
    request: ApiRequest,
    change: MemberChange,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let team = teams::load(&state, member.account_id(), request.path_id("team_id")?).await?;
    member.require_administrator()?;
    let ids = user_ids(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    match teams::change_members(&state, &team, &ids, change, &actor).await? {
        MembersOutcome::InvalidUserIds => Err(AppError::Unauthorized("Invalid User IDs".into())),
        MembersOutcome::Agents(_) if change == MemberChange::Remove => Ok(empty_ok()),
        MembersOutcome::Agents(agents) => Ok(json_ok(render_agents(&state, &agents).await?)),
    }
}

pub async fn members_create(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    change_members(state, request, MemberChange::Add).await
}

pub async fn members_update(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    change_members(state, request, MemberChange::Set).await
}

pub async fn members_destroy(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    change_members(state, request, MemberChange::Remove).await
}
