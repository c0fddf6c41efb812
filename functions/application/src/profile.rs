use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::avatars::{self, AvatarUpload};
use shared::domain::profile::{self, PasswordChange};
use shared::domain::users::{UserAggregate, UserChanges};
use shared::http::{json_ok, ApiRequest};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

async fn render(state: &AppState, user: &UserAggregate) -> AppResult<Response<Body>> {
    let avatar = avatars::url(state, user.user.avatar_key.as_deref()).await?;
    Ok(json_ok(views::profile(user, &avatar)))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user_id = auth::user(&state, &request).await?;
    let user = profile::load(&state, user_id).await?;
    render(&state, &user).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let user_id = auth::user(&state, &request).await?;
    let params = request.params().await?.require("profile", None)?;
    let user = profile::load(&state, user_id).await?;
    let avatar_key = match params.file("avatar") {
        Some(file) => {
            let upload = AvatarUpload {
                filename: file.filename.clone(),
                content_type: file.content_type.clone(),
                bytes: file.bytes.clone(),
            };
            Some(Some(avatars::store(&state, "users", &upload).await?))
        }
        None => None,
    };
    let changes = UserChanges {
        name: params.string("name"),
        display_name: params.optional_string("display_name"),
        email: params.string("email"),
        password: params.string("password").filter(|p| !p.is_empty()),
        message_signature: params.optional_string("message_signature"),
        ui_settings: params.object("ui_settings")?,
        phone_number: params.string("phone_number"),
        avatar_key,
        custom_attributes: None,
    };
    let password = PasswordChange {
        current_password: params.string("current_password"),
        password_confirmation: params.string("password_confirmation"),
    };
    let user = profile::update(&state, user, &changes, &password).await?;
    render(&state, &user).await
}
