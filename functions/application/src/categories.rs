//! `/api/v1/accounts/{account_id}/portals/{slug}/categories`. Every member may list them;
//! show, create, update and delete are for administrators.

use crate::portals::{id, portal_of, raw_page, text};
use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::help_center::categories::{self, CategoryChanges};
use shared::domain::help_center::portals;
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::help_center::Category;
use shared::views::help_center as view;
use shared::{handler, AppResult, AppState};
use std::sync::Arc;

const CATEGORIES: &str = "/api/v1/accounts/{account_id}/portals/{slug}/categories";
const CATEGORY: &str = "/api/v1/accounts/{account_id}/portals/{slug}/categories/{id}";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(CATEGORIES, handler!(index))
        .post(CATEGORIES, handler!(create))
        .get(CATEGORY, handler!(show))
        .update(CATEGORY, handler!(update))
        .delete(CATEGORY, handler!(destroy))
}

/// The category columns Rails wraps top-level JSON keys into (and the related ids, which a
/// flat body may carry too).
const COLUMNS: &[&str] = &[
    "name",
    "slug",
    "locale",
    "description",
    "position",
    "icon",
    "parent_category_id",
    "associated_category_id",
    "related_category_ids",
];

fn changes(params: &Params) -> AppResult<CategoryChanges> {
    let category = params.require("category", Some(COLUMNS))?;
    Ok(CategoryChanges {
        name: text(&category, "name"),
        slug: text(&category, "slug"),
        locale: text(&category, "locale"),
        description: text(&category, "description"),
        position: id(&category, "position")?,
        icon: text(&category, "icon"),
        parent_category_id: id(&category, "parent_category_id")?,
        associated_category_id: id(&category, "associated_category_id")?,
        related_category_ids: category
            .has("related_category_ids")
            .then(|| category.integer_list("related_category_ids"))
            .transpose()?,
    })
}

/// Renders categories with the portal's counts (each category's article count).
async fn render(
    state: &AppState,
    portal_id: i64,
    shown: &[Category],
    all: &[Category],
) -> AppResult<Vec<serde_json::Value>> {
    let counts = portals::counts(state, portal_id, None).await?;
    Ok(shown
        .iter()
        .map(|category| view::category(category, all, &counts))
        .collect())
}

/// `{payload: category}`, its relations looked up among the portal's categories (`all`).
async fn render_one(
    state: &AppState,
    category: &Category,
    all: &[Category],
) -> AppResult<Response<Body>> {
    let mut rendered = render(
        state,
        category.portal_id,
        std::slice::from_ref(category),
        all,
    )
    .await?;
    Ok(json_ok(view::category_payload(
        rendered.pop().unwrap_or_default(),
    )))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    let params = request.params().await?;
    let locale = params.string("locale").filter(|l| !l.trim().is_empty());
    let (listed, all) =
        categories::list(&state, portal.id, locale.as_deref(), params.page()).await?;
    let rendered = render(&state, portal.id, &listed, &all).await?;
    Ok(json_ok(view::category_list(rendered, raw_page(&params))))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let all = categories::all(&state, portal.id).await?;
    let category = categories::find(&all, request.path_id("id")?)?;
    render_one(&state, &category, &all).await
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let all = categories::all(&state, portal.id).await?;
    let category = categories::create(&state, &portal, &all, &changes).await?;
    render_one(&state, &category, &categories::with_saved(all, &category)).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let all = categories::all(&state, portal.id).await?;
    let category = categories::find(&all, request.path_id("id")?)?;
    let changes = changes(&request.params().await?)?;
    let category = categories::update(&state, &portal, category, &all, &changes).await?;
    render_one(&state, &category, &categories::with_saved(all, &category)).await
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let all = categories::all(&state, portal.id).await?;
    let category = categories::find(&all, request.path_id("id")?)?;
    categories::delete(&state, &category).await?;
    Ok(empty_ok())
}
