use lambda_http::{Body, Response};
use serde_json::json;
use shared::auth;
use shared::domain::audit::AuditActor;
use shared::domain::avatars;
use shared::domain::users::{self, UserAggregate, UserChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

async fn permitted_user(state: &AppState, request: &ApiRequest) -> AppResult<UserAggregate> {
    let app = auth::platform_app(state, request).await?;
    let id = request.path_id("id")?;
    users::load_for_app(state, app, id).await
}

fn changes(params: &Params) -> AppResult<UserChanges> {
    Ok(UserChanges {
        name: params.string("name"),
        display_name: params.optional_string("display_name"),
        email: params.string("email"),
        password: params.string("password"),
        custom_attributes: params.object("custom_attributes")?,
        ..UserChanges::default()
    })
}

async fn render(state: &AppState, user: &UserAggregate) -> AppResult<Response<Body>> {
    let avatar = avatars::url(state, user.user.avatar_key.as_deref()).await?;
    Ok(json_ok(views::platform_user(user, &avatar)))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let app = auth::platform_app(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let user = users::create_or_adopt(&state, app, &changes).await?;
    render(&state, &user).await
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user = permitted_user(&state, &request).await?;
    render(&state, &user).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user = permitted_user(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let user = users::update(&state, user, &changes).await?;
    render(&state, &user).await
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user = permitted_user(&state, &request).await?;
    users::delete(&state, &user).await?;
    Ok(empty_ok())
}

pub async fn login(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user = permitted_user(&state, &request).await?;
    // The user signs in with the link: they are the actor of the `sign_in` entries.
    let actor = AuditActor::user(&user.user, request.header("x-request-id"));
    let url = users::sso_link(&state, &user, &actor).await?;
    Ok(json_ok(json!({ "url": url })))
}

pub async fn token(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user = permitted_user(&state, &request).await?;
    Ok(json_ok(views::user_token(&user)))
}
