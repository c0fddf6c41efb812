//! `/api/v1/accounts/{account_id}/custom_filters`: any member, each seeing only their own
//! filters.

use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::custom_filters::{self, FilterChanges};
use shared::handler;
use shared::http::{json_ok, no_content, ApiRequest, Params, Router};
use shared::views::custom_filters as view;
use shared::{AppResult, AppState};
use std::sync::Arc;

const FILTERS: &str = "/api/v1/accounts/{account_id}/custom_filters";
const FILTER: &str = "/api/v1/accounts/{account_id}/custom_filters/{id}";

/// The columns Rails wraps top-level JSON keys into (those the controller permits).
const COLUMNS: &[&str] = &["name", "filter_type", "query"];

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(FILTERS, handler!(index))
        .post(FILTERS, handler!(create))
        .get(FILTER, handler!(show))
        .update(FILTER, handler!(update))
        .delete(FILTER, handler!(destroy))
}

fn changes(params: &Params) -> AppResult<FilterChanges> {
    let filter = params.require("custom_filter", Some(COLUMNS))?;
    Ok(FilterChanges {
        name: filter.optional_string("name"),
        filter_type: filter.optional_string("filter_type"),
        query: filter.get("query").cloned(),
    })
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let filter_type = request.query().string("filter_type");
    let filters = custom_filters::list(
        &state,
        member.account_id(),
        member.user_id(),
        filter_type.as_deref(),
    )
    .await?;
    let rendered: Vec<_> = filters.iter().map(view::custom_filter).collect();
    Ok(json_ok(rendered.into()))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let id = request.path_id("id")?;
    let filter = custom_filters::load(&state, member.account_id(), member.user_id(), id).await?;
    Ok(json_ok(view::custom_filter(&filter)))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let filter =
        custom_filters::create(&state, member.account_id(), member.user_id(), &changes).await?;
    Ok(json_ok(view::custom_filter(&filter)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let id = request.path_id("id")?;
    let filter = custom_filters::load(&state, member.account_id(), member.user_id(), id).await?;
    let changes = changes(&request.params().await?)?;
    let filter = custom_filters::update(&state, filter, &changes).await?;
    Ok(json_ok(view::custom_filter(&filter)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let id = request.path_id("id")?;
    let filter = custom_filters::load(&state, member.account_id(), member.user_id(), id).await?;
    custom_filters::delete(&state, &filter).await?;
    Ok(no_content())
}
