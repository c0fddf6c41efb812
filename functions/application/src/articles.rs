//! `/api/v1/accounts/{account_id}/portals/{slug}/articles`. Every member may list them; show,
//! create, update and delete are for administrators.

use crate::portals::{id, portal_of, raw_page, text};
use lambda_http::{Body, Response};
use serde_json::Value;
use shared::auth::{self, AccountUser};
use shared::domain::help_center::articles::{self, ArticleChanges, ArticleFilters};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::help_center::{Article, Category, Portal};
use shared::views::help_center as view;
use shared::{handler, AppResult, AppState};
use std::sync::Arc;

const ARTICLES: &str = "/api/v1/accounts/{account_id}/portals/{slug}/articles";
const ARTICLE: &str = "/api/v1/accounts/{account_id}/portals/{slug}/articles/{id}";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(ARTICLES, handler!(index))
        .post(ARTICLES, handler!(create))
        .get(ARTICLE, handler!(show))
        .update(ARTICLE, handler!(update))
        .delete(ARTICLE, handler!(destroy))
}

/// The article columns Rails wraps top-level JSON keys into.
const COLUMNS: &[&str] = &[
    "title",
    "slug",
    "content",
    "description",
    "position",
    "category_id",
    "author_id",
    "associated_article_id",
    "status",
    "locale",
    "meta",
];

fn changes(params: &Params) -> AppResult<ArticleChanges> {
    let article = params.require("article", Some(COLUMNS))?;
    Ok(ArticleChanges {
        title: text(&article, "title"),
        slug: text(&article, "slug"),
        content: text(&article, "content"),
        description: text(&article, "description"),
        position: id(&article, "position")?,
        category_id: id(&article, "category_id")?,
        author_id: id(&article, "author_id")?,
        associated_article_id: id(&article, "associated_article_id")?,
        status: text(&article, "status"),
        locale: text(&article, "locale"),
        meta: article.object("meta")?,
    })
}

fn filters(params: &Params) -> AppResult<ArticleFilters> {
    let present = |key: &str| params.string(key).filter(|v| !v.trim().is_empty());
    Ok(ArticleFilters {
        locale: present("locale"),
        category_slug: present("category_slug"),
        status: present("status"),
        author_id: params.integer("author_id")?,
        query: present("query"),
        page: params.page(),
    })
}

/// Article JSON for `articles` (their translations embed the portal's JSON, built only when
/// one is shown).
async fn render(
    state: &AppState,
    member: &AccountUser,
    portal: &Portal,
    articles: &[Article],
    categories: Option<Vec<Category>>,
) -> AppResult<Vec<Value>> {
    let context = articles::context(state, portal, articles, categories).await?;
    let portal_json = if context.associated.is_empty() {
        Value::Null
    } else {
        crate::portals::render(state, member, portal.clone()).await?
    };
    Ok(articles
        .iter()
        .map(|article| view::article(article, &context, &portal_json))
        .collect())
}

async fn render_one(
    state: &AppState,
    member: &AccountUser,
    portal: &Portal,
    article: &Article,
) -> AppResult<Response<Body>> {
    let mut rendered = render(state, member, portal, std::slice::from_ref(article), None).await?;
    Ok(json_ok(view::article_payload(
        rendered.pop().unwrap_or_default(),
    )))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    let params = request.params().await?;
    let page = articles::list(&state, &portal, &filters(&params)?, member.user_id()).await?;
    let rendered = render(
        &state,
        &member,
        &portal,
        &page.articles,
        Some(page.categories),
    )
    .await?;
    Ok(json_ok(view::article_list(
        rendered,
        &page.counts,
        raw_page(&params),
    )))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let article = articles::load(&state, &portal, request.path_id("id")?).await?;
    render_one(&state, &member, &portal, &article).await
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let article = articles::create(&state, &portal, &changes).await?;
    render_one(&state, &member, &portal, &article).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let article = articles::load(&state, &portal, request.path_id("id")?).await?;
    let changes = changes(&request.params().await?)?;
    let article = articles::update(&state, &portal, article, &changes).await?;
    render_one(&state, &member, &portal, &article).await
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let article = articles::load(&state, &portal, request.path_id("id")?).await?;
    articles::delete(&state, &article).await?;
    Ok(empty_ok())
}
