use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::accounts::{self, AccountChanges};
use shared::domain::audit::AuditActor;
use shared::domain::platform::{list_permitted, load_permitted};
use shared::http::{empty_ok, json_ok, ApiRequest, Params};
use shared::model::{Account, PermissibleKind};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

/// The account named in the path, if the app created it.
pub(crate) async fn permitted_account(
    state: &AppState,
    request: &ApiRequest,
) -> AppResult<(i64, Account)> {
    let app = auth::platform_app(state, request).await?;
    let id = request.path_id("account_id")?;
    let account = load_permitted(state, app, PermissibleKind::Account, id).await?;
    Ok((app, account))
}

fn changes(params: &Params) -> AppResult<AccountChanges> {
    Ok(AccountChanges {
        name: params.string("name"),
        locale: params.string("locale"),
        domain: params.optional_string("domain"),
        support_email: params.optional_string("support_email"),
        status: params.string("status"),
        features: params.object("features")?,
        limits: params.object("limits")?,
        custom_attributes: params.object("custom_attributes")?,
        ..AccountChanges::default()
    })
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let app = auth::platform_app(&state, &request).await?;
    let accounts: Vec<Account> = list_permitted(&state, app, PermissibleKind::Account).await?;
    Ok(json_ok(
        accounts.iter().map(views::platform_account).collect(),
    ))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let app = auth::platform_app(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let account = accounts::create(&state, app, &changes, views::platform_account).await?;
    Ok(json_ok(views::platform_account(&account)))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, account) = permitted_account(&state, &request).await?;
    Ok(json_ok(views::platform_account(&account)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, account) = permitted_account(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let actor = AuditActor::without_user(request.header("x-request-id"));
    let account = accounts::update(&state, account, &changes, &actor).await?;
    Ok(json_ok(views::platform_account(&account)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (app, account) = permitted_account(&state, &request).await?;
    accounts::delete(&state, &account, app, views::platform_account).await?;
    Ok(empty_ok())
}
