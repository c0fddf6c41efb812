//! `/api/v1/accounts/{account_id}/portals`, addressed by slug. Every member may list and
//! show portals; administrators create, update, archive and delete them and remove logos.
//! A logo is uploaded as the multipart file `logo` (or `portal[logo]`) of a create or update.

use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth::{self, AccountUser};
use shared::domain::avatars::AvatarUpload;
use shared::domain::help_center::portals::{self, PortalChanges};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::help_center::Portal;
use shared::views::help_center::{self as view, PortalArticleCounts};
use shared::{handler, AppResult, AppState};
use std::sync::Arc;

const PORTALS: &str = "/api/v1/accounts/{account_id}/portals";
const PORTAL: &str = "/api/v1/accounts/{account_id}/portals/{slug}";
const ARCHIVE: &str = "/api/v1/accounts/{account_id}/portals/{slug}/archive";
const LOGO: &str = "/api/v1/accounts/{account_id}/portals/{slug}/logo";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(PORTALS, handler!(index))
        .post(PORTALS, handler!(create))
        .get(PORTAL, handler!(show))
        .update(PORTAL, handler!(update))
        .delete(PORTAL, handler!(destroy))
        .route(http::Method::PATCH, ARCHIVE, handler!(archive))
        .delete(LOGO, handler!(destroy_logo))
}

/// The portal columns Rails wraps top-level JSON keys into.
const COLUMNS: &[&str] = &[
    "name",
    "slug",
    "color",
    "custom_domain",
    "header_text",
    "homepage_link",
    "page_title",
    "archived",
    "config",
];

/// A nullable text field: absent → unchanged, null → cleared.
pub(crate) fn text(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        _ => Some(params.string(key)),
    }
}

/// A nullable id field: absent → unchanged, null or blank → cleared.
pub(crate) fn id(params: &Params, key: &str) -> AppResult<Option<Option<i64>>> {
    if !params.has(key) {
        return Ok(None);
    }
    Ok(Some(params.integer(key)?))
}

/// `page` as sent, echoed in `meta.current_page` (1 when absent).
pub(crate) fn raw_page(params: &Params) -> Value {
    params.get("page").cloned().unwrap_or(json!(1))
}

fn changes(params: &Params, portal: &Params) -> AppResult<PortalChanges> {
    let logo = params.file("logo").or_else(|| portal.file("logo"));
    Ok(PortalChanges {
        name: text(portal, "name"),
        slug: text(portal, "slug"),
        color: text(portal, "color"),
        custom_domain: text(portal, "custom_domain"),
        header_text: text(portal, "header_text"),
        homepage_link: text(portal, "homepage_link"),
        page_title: text(portal, "page_title"),
        archived: portal.boolean("archived"),
        config: portal.object("config")?,
        inbox_id: id(params, "inbox_id")?,
        logo: logo.map(AvatarUpload::from),
    })
}

/// The account's portal the path's slug names (404 for another account's).
pub(crate) async fn portal_of(
    state: &AppState,
    member: &AccountUser,
    request: &ApiRequest,
) -> AppResult<Portal> {
    portals::load(state, member.account_id(), &request.path_text("slug")?).await
}

/// The portal JSON of index, create and update (article counts as Chatwoot renders them there).
pub(crate) async fn render(
    state: &AppState,
    member: &AccountUser,
    portal: Portal,
) -> AppResult<Value> {
    let described = portals::describe_one(state, portal).await?;
    Ok(view::portal(
        &described,
        &state.config.frontend_url,
        member.is_administrator(),
        None,
    ))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let listed = portals::list(&state, member.account_id()).await?;
    let rendered = portals::describe(&state, listed)
        .await?
        .iter()
        .map(|described| {
            view::portal(
                described,
                &state.config.frontend_url,
                member.is_administrator(),
                None,
            )
        })
        .collect();
    Ok(json_ok(view::portal_list(rendered, raw_page(&params))))
}

/// With the article counts of the portal, or of the `locale` asked for.
pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    let locale = request.params().await?.string("locale");
    let locale = locale.filter(|l| !l.trim().is_empty());
    let described = portals::describe_one(&state, portal).await?;
    // The portal's totals and its allowed locales' counts come with the description.
    let counts = match &locale {
        None => described.totals.clone(),
        Some(locale) => match described.locales.iter().find(|(code, _)| code == locale) {
            Some((_, counts)) => counts.clone(),
            None => portals::counts(&state, described.portal.id, Some(locale)).await?,
        },
    };
    Ok(json_ok(view::portal(
        &described,
        &state.config.frontend_url,
        member.is_administrator(),
        Some(PortalArticleCounts {
            counts: &counts,
            user_id: member.user_id(),
        }),
    )))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let params = request.params().await?;
    let changes = changes(&params, &params.require("portal", Some(COLUMNS))?)?;
    let portal = portals::create(&state, member.account_id(), &changes).await?;
    Ok(json_ok(render(&state, &member, portal).await?))
}

/// Portal fields are applied only when a `portal` object (or wrapped columns) is sent; the
/// inbox link and the logo stand on their own.
pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    let params = request.params().await?;
    let changes = changes(&params, &params.wrapped("portal", Some(COLUMNS)))?;
    let portal = portals::update(&state, portal, &changes).await?;
    Ok(json_ok(render(&state, &member, portal).await?))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    portals::delete(&state, &portal).await?;
    Ok(empty_ok())
}

pub async fn archive(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    portals::archive(&state, portal).await?;
    Ok(empty_ok())
}

pub async fn destroy_logo(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let portal = portal_of(&state, &member, &request).await?;
    member.require_administrator()?;
    portals::remove_logo(&state, portal).await?;
    Ok(empty_ok())
}
