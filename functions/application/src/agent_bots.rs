//! `/api/v1/accounts/{account_id}/agent_bots` (the account's bots and the system bots; any
//! member reads, administrators change), and `/api/v1/agent_bots` (the system bots, for any
//! user).

use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::account_agent_bots;
use shared::domain::agent_bots::{self, BotChanges, BotSettings};
use shared::domain::avatars::AvatarUpload;
use shared::handler;
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::AgentBot;
use shared::views::agent_bots as view;
use shared::{AppResult, AppState};
use std::sync::Arc;

const BOTS: &str = "/api/v1/accounts/{account_id}/agent_bots";
const BOT: &str = "/api/v1/accounts/{account_id}/agent_bots/{id}";
const BOT_AVATAR: &str = "/api/v1/accounts/{account_id}/agent_bots/{id}/avatar";
const BOT_TOKEN: &str = "/api/v1/accounts/{account_id}/agent_bots/{id}/reset_access_token";
const SYSTEM_BOTS: &str = "/api/v1/agent_bots";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(BOTS, handler!(index))
        .post(BOTS, handler!(create))
        .get(BOT, handler!(show))
        .update(BOT, handler!(update))
        .delete(BOT, handler!(destroy))
        .delete(BOT_AVATAR, handler!(destroy_avatar))
        .post(BOT_TOKEN, handler!(reset_access_token))
        .get(SYSTEM_BOTS, handler!(system_index))
}

/// Chatwoot reads the bot's fields at the top level (no wrapper).
fn changes(params: &Params) -> (BotChanges, BotSettings) {
    let changes = BotChanges {
        name: params.optional_string("name"),
        description: params.optional_string("description"),
        outgoing_url: params.optional_string("outgoing_url"),
        account_id: None,
        avatar: params.file("avatar").map(AvatarUpload::from),
        avatar_url: params.optional_string("avatar_url"),
    };
    let settings = BotSettings {
        bot_type: params.string("bot_type"),
        bot_config: params.get("bot_config").cloned(),
    };
    (changes, settings)
}

async fn render(
    state: &AppState,
    bot: &AgentBot,
    administrator_of: Option<i64>,
) -> AppResult<serde_json::Value> {
    let thumbnail = agent_bots::thumbnail(state, bot).await?;
    Ok(view::agent_bot(bot, &thumbnail, administrator_of))
}

async fn render_all(
    state: &AppState,
    bots: &[AgentBot],
    administrator_of: Option<i64>,
) -> AppResult<Response<Body>> {
    let mut rendered = Vec::with_capacity(bots.len());
    for bot in bots {
        rendered.push(render(state, bot, administrator_of).await?);
    }
    Ok(json_ok(rendered.into()))
}

/// The account whose bots' tokens this member may see: their own, when they administer it.
fn administrator_of(member: &auth::AccountUser) -> Option<i64> {
    member.is_administrator().then_some(member.account_id())
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let bots = account_agent_bots::list(&state, member.account_id()).await?;
    render_all(&state, &bots, administrator_of(&member)).await
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let id = request.path_id("id")?;
    let bot = account_agent_bots::load_visible(&state, member.account_id(), id).await?;
    Ok(json_ok(
        render(&state, &bot, administrator_of(&member)).await?,
    ))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let (changes, settings) = changes(&request.params().await?);
    let bot = account_agent_bots::create(&state, member.account_id(), &changes, &settings).await?;
    Ok(json_ok(
        render(&state, &bot, administrator_of(&member)).await?,
    ))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let id = request.path_id("id")?;
    let bot = account_agent_bots::load_own(&state, member.account_id(), id).await?;
    let (changes, settings) = changes(&request.params().await?);
    let bot = account_agent_bots::update(&state, bot, &changes, &settings).await?;
    Ok(json_ok(
        render(&state, &bot, administrator_of(&member)).await?,
    ))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let id = request.path_id("id")?;
    account_agent_bots::delete(&state, member.account_id(), id).await?;
    Ok(empty_ok())
}

pub async fn destroy_avatar(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let id = request.path_id("id")?;
    let bot = account_agent_bots::load_own(&state, member.account_id(), id).await?;
    let bot = account_agent_bots::remove_avatar(&state, bot).await?;
    Ok(json_ok(
        render(&state, &bot, administrator_of(&member)).await?,
    ))
}

pub async fn reset_access_token(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let id = request.path_id("id")?;
    let bot = account_agent_bots::load_own(&state, member.account_id(), id).await?;
    let bot = account_agent_bots::reset_access_token(&state, bot).await?;
    Ok(json_ok(
        render(&state, &bot, administrator_of(&member)).await?,
    ))
}

/// `GET /api/v1/agent_bots`: the installation's system bots, for any user (no tokens).
pub async fn system_index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    auth::user(&state, &request).await?;
    let bots = account_agent_bots::system_bots(&state).await?;
    render_all(&state, &bots, None).await
}
