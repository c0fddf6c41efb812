use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::agent_bots::{self, BotChanges};
use shared::domain::avatars::AvatarUpload;
use shared::domain::platform::{list_permitted, load_permitted};
use shared::http::{empty_ok, json_ok, ApiRequest, Params};
use shared::model::{AgentBot, PermissibleKind};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

async fn permitted_bot(state: &AppState, request: &ApiRequest) -> AppResult<(i64, AgentBot)> {
    let app = auth::platform_app(state, request).await?;
    let id = request.path_id("id")?;
    Ok((
        app,
        load_permitted(state, app, PermissibleKind::AgentBot, id).await?,
    ))
}

fn changes(params: &Params) -> AppResult<BotChanges> {
    Ok(BotChanges {
        name: params.optional_string("name"),
        description: params.optional_string("description"),
        outgoing_url: params.optional_string("outgoing_url"),
        account_id: if params.has("account_id") {
            Some(params.integer("account_id")?)
        } else {
            None
        },
        avatar: params.file("avatar").map(|file| AvatarUpload {
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            bytes: file.bytes.clone(),
        }),
        avatar_url: params.optional_string("avatar_url"),
    })
}

async fn render(state: &AppState, bot: &AgentBot) -> AppResult<serde_json::Value> {
    let thumbnail = agent_bots::thumbnail(state, bot).await?;
    Ok(views::platform_agent_bot(bot, &thumbnail))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let app = auth::platform_app(&state, &request).await?;
    let bots: Vec<AgentBot> = list_permitted(&state, app, PermissibleKind::AgentBot).await?;
    let mut rendered = Vec::with_capacity(bots.len());
    for bot in &bots {
        rendered.push(render(&state, bot).await?);
    }
    Ok(json_ok(rendered.into()))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let app = auth::platform_app(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let bot = agent_bots::create(&state, app, &changes).await?;
    Ok(json_ok(render(&state, &bot).await?))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, bot) = permitted_bot(&state, &request).await?;
    Ok(json_ok(render(&state, &bot).await?))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (app, bot) = permitted_bot(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let bot = agent_bots::update(&state, app, bot, &changes).await?;
    Ok(json_ok(render(&state, &bot).await?))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (app, bot) = permitted_bot(&state, &request).await?;
    agent_bots::delete(&state, app, &bot).await?;
    Ok(empty_ok())
}

pub async fn destroy_avatar(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let (_, bot) = permitted_bot(&state, &request).await?;
    let bot = agent_bots::remove_avatar(&state, bot).await?;
    Ok(json_ok(render(&state, &bot).await?))
}
