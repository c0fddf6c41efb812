use crate::accounts::permitted_account;
use lambda_http::{Body, Response};
use shared::domain::audit::AuditActor;
use shared::domain::cascades::member_removal;
use shared::domain::memberships;
use shared::error::ValidationErrors;
use shared::http::{empty_ok, json_ok, ApiRequest};
use shared::model::Role;
use shared::{views, AppError, AppResult, AppState};
use std::sync::Arc;

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, account) = permitted_account(&state, &request).await?;
    let members = memberships::list(&state, account.id).await?;
    Ok(json_ok(
        members.iter().map(views::account_user_row).collect(),
    ))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, account) = permitted_account(&state, &request).await?;
    let params = request.params().await?;
    let role = match params.string("role").as_deref() {
        None | Some("") => Role::Agent,
        Some(text) => Role::parse(text)
            .ok_or_else(|| ValidationErrors::single("role", "is not included in the list"))?,
    };
    let Some(user_id) = params.integer("user_id")? else {
        let mut errors = ValidationErrors::new();
        errors.add_full("user", "User must exist");
        return Err(AppError::Validation(errors));
    };
    let actor = AuditActor::without_user(request.header("x-request-id"));
    let membership = memberships::upsert(&state, &account, user_id, role, &actor).await?;
    Ok(json_ok(views::account_user_row(&membership)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, account) = permitted_account(&state, &request).await?;
    if let Some(user_id) = request.params().await?.integer("user_id")? {
        if let Some(membership) = memberships::load(&state, account.id, user_id).await? {
            let actor = AuditActor::without_user(request.header("x-request-id"));
            member_removal::remove_member(&state, &membership, &actor).await?;
        }
    }
    Ok(empty_ok())
}
