//! `/api/v1/accounts/{account_id}/labels`.

use lambda_http::{Body, Response};
use serde_json::json;
use shared::auth;
use shared::domain::labels::{self, LabelChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

/// The label columns Rails wraps top-level JSON keys into.
const COLUMNS: &[&str] = &["title", "description", "color", "show_on_sidebar"];

fn changes(params: &Params) -> AppResult<LabelChanges> {
    let label = params.require("label", Some(COLUMNS))?;
    Ok(LabelChanges {
        title: label.string("title"),
        description: label.optional_string("description"),
        color: label.string("color"),
        show_on_sidebar: label.boolean("show_on_sidebar"),
    })
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let labels = labels::list(&state, member.account_id()).await?;
    let payload: Vec<_> = labels.iter().map(views::label).collect();
    Ok(json_ok(json!({ "payload": payload })))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let label = labels::load(&state, member.account_id(), request.path_id("id")?).await?;
    Ok(json_ok(views::label(&label)))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let label = labels::create(&state, member.account_id(), &changes).await?;
    Ok(json_ok(views::label(&label)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let label = labels::load(&state, member.account_id(), request.path_id("id")?).await?;
    let changes = changes(&request.params().await?)?;
    let label = labels::update(&state, label, &changes).await?;
    Ok(json_ok(views::label(&label)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let label = labels::load(&state, member.account_id(), request.path_id("id")?).await?;
    labels::delete(&state, &label).await?;
    Ok(empty_ok())
}
