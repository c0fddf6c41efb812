//! `/api/v1/accounts/{account_id}/agents`.

use crate::audit_logs::member_actor;
use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::agents::{self, Agent, AgentChanges};
use shared::domain::avatars;
use shared::domain::cascades::member_removal;
use shared::http::{empty_ok, json_ok, ApiRequest, Params};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

/// Renders agents with their avatar URLs (Chatwoot's `thumbnail`).
pub async fn render_agents(state: &AppState, agents: &[Agent]) -> AppResult<serde_json::Value> {
    let mut rendered = Vec::with_capacity(agents.len());
    for agent in agents {
        let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
        rendered.push(views::agent(agent, &thumbnail));
    }
    Ok(rendered.into())
}

async fn render(state: &AppState, agent: &Agent) -> AppResult<Response<Body>> {
    let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
    Ok(json_ok(views::agent(agent, &thumbnail)))
}

fn changes(params: &Params) -> AgentChanges {
    let agent = params.wrapped("agent", None);
    AgentChanges {
        email: agent.string("email"),
        name: agent.string("name"),
        role: agent.string("role").filter(|r| !r.is_empty()),
        availability: agent.string("availability").filter(|a| !a.is_empty()),
        auto_offline: agent.boolean("auto_offline"),
    }
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let agents = agents::list(&state, member.account_id()).await?;
    Ok(json_ok(render_agents(&state, &agents).await?))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?);
    let actor = member_actor(&state, &member, &request).await?;
    let agent = agents::create(&state, &member.account, member.user_id(), &changes, &actor).await?;
    render(&state, &agent).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let agent = agents::load(&state, member.account_id(), request.path_id("id")?).await?;
    let changes = changes(&request.params().await?);
    let actor = member_actor(&state, &member, &request).await?;
    let agent = agents::update(&state, &member.account, agent, &changes, &actor).await?;
    render(&state, &agent).await
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let agent = agents::load(&state, member.account_id(), request.path_id("id")?).await?;
    let actor = member_actor(&state, &member, &request).await?;
    member_removal::remove_agent(&state, &agent, &actor).await?;
    Ok(empty_ok())
}
