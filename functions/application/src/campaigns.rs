//! `/api/v1/accounts/{account_id}/campaigns` and `/inboxes/{id}/campaigns`: administrators
//! only (Chatwoot's campaign policy; agents get 401 before any lookup, as Chatwoot authorizes
//! the class). One-off campaigns are sent by the scheduler function.

use lambda_http::{Body, Response};
use serde_json::Value;
use shared::auth::{self, AccountUser};
use shared::domain::avatars;
use shared::domain::campaigns::{self, CampaignChanges, Shown};
use shared::domain::inboxes;
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::campaign::Campaign;
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const CAMPAIGNS: &str = "/api/v1/accounts/{account_id}/campaigns";
const CAMPAIGN: &str = "/api/v1/accounts/{account_id}/campaigns/{id}";
const INBOX_CAMPAIGNS: &str = "/api/v1/accounts/{account_id}/inboxes/{id}/campaigns";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(CAMPAIGNS, handler!(index))
        .post(CAMPAIGNS, handler!(create))
        .get(CAMPAIGN, handler!(show))
        .update(CAMPAIGN, handler!(update))
        .delete(CAMPAIGN, handler!(destroy))
        .get(INBOX_CAMPAIGNS, handler!(of_inbox))
}

/// The campaign columns Rails wraps top-level JSON keys into.
const COLUMNS: &[&str] = &[
    "id",
    "audience",
    "campaign_status",
    "campaign_type",
    "description",
    "enabled",
    "message",
    "scheduled_at",
    "template_params",
    "title",
    "trigger_only_during_business_hours",
    "trigger_rules",
    "created_at",
    "updated_at",
    "account_id",
    "display_id",
    "inbox_id",
    "sender_id",
];

fn text(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        _ => Some(params.string(key)),
    }
}

fn reference(params: &Params, key: &str) -> AppResult<Option<Option<i64>>> {
    if params.has(key) {
        Ok(Some(params.integer(key)?))
    } else {
        Ok(None)
    }
}

/// A hash parameter Rails permits whole (`trigger_rules: {}`); anything else is dropped.
fn hash(params: &Params, key: &str) -> Option<serde_json::Map<String, Value>> {
    params.get(key)?.as_object().cloned()
}

/// `audience: [:type, :id]`: an array of hashes, each cut to those two scalar keys.
fn audience(params: &Params) -> Option<Vec<Value>> {
    let entries = params.get("audience")?.as_array()?;
    Some(
        entries
            .iter()
            .filter_map(Value::as_object)
            .map(|entry| {
                let kept = entry
                    .iter()
                    .filter(|(key, value)| {
                        matches!(key.as_str(), "type" | "id")
                            && !value.is_object()
                            && !value.is_array()
                    })
                    .map(|(key, value)| (key.clone(), value.clone()));
                Value::Object(kept.collect())
            })
            .collect(),
    )
}

fn changes(params: &Params) -> AppResult<CampaignChanges> {
    let campaign = params.require("campaign", Some(COLUMNS))?;
    Ok(CampaignChanges {
        title: text(&campaign, "title"),
        description: text(&campaign, "description"),
        message: text(&campaign, "message"),
        inbox_id: reference(&campaign, "inbox_id")?,
        sender_id: reference(&campaign, "sender_id")?,
        enabled: campaign.boolean("enabled"),
        trigger_only_during_business_hours: campaign.boolean("trigger_only_during_business_hours"),
        trigger_rules: hash(&campaign, "trigger_rules"),
        template_params: hash(&campaign, "template_params"),
        audience: audience(&campaign),
        scheduled_at_ms: campaign
            .get("scheduled_at")
            .map(campaigns::parse_scheduled_at),
    })
}

/// The campaign JSON of each, with signed avatar URLs for its inbox and sender.
async fn render(state: &AppState, shown: &[Shown]) -> AppResult<Vec<Value>> {
    let mut rendered = Vec::with_capacity(shown.len());
    for one in shown {
        let inbox_avatar = avatars::url(state, one.inbox.avatar_key.as_deref()).await?;
        let inbox =
            views::inboxes::inbox(&one.inbox, &inbox_avatar, &state.config.frontend_url, true);
        let sender = match &one.sender {
            Some(agent) => {
                let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
                Some(views::agent(agent, &thumbnail))
            }
            None => None,
        };
        rendered.push(views::campaigns::campaign(&one.campaign, inbox, sender));
    }
    Ok(rendered)
}

async fn render_list(
    state: &AppState,
    member: &AccountUser,
    list: Vec<Campaign>,
) -> AppResult<Response<Body>> {
    let shown = campaigns::shown(state, member.account_id(), list).await?;
    Ok(json_ok(render(state, &shown).await?.into()))
}

async fn render_one(state: &AppState, campaign: Campaign) -> AppResult<Response<Body>> {
    let shown = campaigns::shown_one(state, campaign).await?;
    let mut rendered = render(state, std::slice::from_ref(&shown)).await?;
    Ok(json_ok(rendered.pop().unwrap_or_default()))
}

/// The administrator acting, then the campaign of the path (404).
async fn administrator_and_campaign(state: &AppState, request: &ApiRequest) -> AppResult<Campaign> {
    let member = auth::account_user(state, request).await?;
    member.require_administrator()?;
    campaigns::load(state, member.account_id(), request.path_id("id")?).await
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let list = campaigns::list(&state, member.account_id()).await?;
    render_list(&state, &member, list).await
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let campaign = administrator_and_campaign(&state, &request).await?;
    render_one(&state, campaign).await
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let changes = changes(&request.params().await?)?;
    let campaign = campaigns::create(&state, member.account_id(), &changes).await?;
    render_one(&state, campaign).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let campaign = administrator_and_campaign(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let campaign = campaigns::update(&state, campaign, &changes).await?;
    render_one(&state, campaign).await
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let campaign = administrator_and_campaign(&state, &request).await?;
    campaigns::delete(&state, &campaign).await?;
    Ok(empty_ok())
}

/// `GET /inboxes/{id}/campaigns`: the inbox (404), then administrators only (401); a bare
/// array.
pub async fn of_inbox(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = inboxes::load(&state, member.account_id(), request.path_id("id")?).await?;
    member.require_administrator()?;
    let list = campaigns::list_of_inbox(&state, &inbox).await?;
    render_list(&state, &member, list).await
}
