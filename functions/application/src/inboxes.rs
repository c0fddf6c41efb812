//! `/api/v1/accounts/{account_id}/inboxes`, `/inbox_members` and `/branded_email_layout`.

use crate::audit_logs::member_actor;
use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth::{self, AccountUser};
use shared::domain::agents;
use shared::domain::avatars::{self, AvatarUpload};
use shared::domain::cascades::inbox_deletion;
use shared::domain::inboxes::{
    self, ChannelChanges, InboxChanges, WorkingHourChange, DELETION_MESSAGE,
};
use shared::handler;
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::inbox::Inbox;
use shared::views::inboxes as inbox_views;
use shared::{AppError, AppResult, AppState};
use std::sync::Arc;

const INBOXES: &str = "/api/v1/accounts/{account_id}/inboxes";
const INBOX: &str = "/api/v1/accounts/{account_id}/inboxes/{id}";
const INBOX_AVATAR: &str = "/api/v1/accounts/{account_id}/inboxes/{id}/avatar";
const INBOX_AGENT_BOT: &str = "/api/v1/accounts/{account_id}/inboxes/{id}/agent_bot";
const INBOX_SET_AGENT_BOT: &str = "/api/v1/accounts/{account_id}/inboxes/{id}/set_agent_bot";
const INBOX_TEMPLATES: &str = "/api/v1/accounts/{account_id}/inboxes/{id}/message_templates";
const INBOX_MEMBERS: &str = "/api/v1/accounts/{account_id}/inbox_members";
const INBOX_MEMBERS_OF: &str = "/api/v1/accounts/{account_id}/inbox_members/{inbox_id}";
const BRANDED_EMAIL_LAYOUT: &str = "/api/v1/accounts/{account_id}/branded_email_layout";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(INBOXES, handler!(index))
        .post(INBOXES, handler!(create))
        .get(INBOX, handler!(show))
        .update(INBOX, handler!(update))
        .delete(INBOX, handler!(destroy))
        .delete(INBOX_AVATAR, handler!(destroy_avatar))
        .get(INBOX_AGENT_BOT, handler!(agent_bot))
        .post(INBOX_SET_AGENT_BOT, handler!(set_agent_bot))
        .get(INBOX_TEMPLATES, handler!(message_templates))
        .get(INBOX_MEMBERS_OF, handler!(members_show))
        .post(INBOX_MEMBERS, handler!(members_create))
        .route(http::Method::PATCH, INBOX_MEMBERS, handler!(members_update))
        .delete(INBOX_MEMBERS, handler!(members_destroy))
        .get(BRANDED_EMAIL_LAYOUT, handler!(branded_email_layout_show))
        .update(BRANDED_EMAIL_LAYOUT, handler!(branded_email_layout_update))
}

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

/// Chatwoot turns the text `"null"` of any top-level inbox parameter into null.
fn nulled(params: &Params) -> Params {
    Params::from_object(
        params
            .as_object()
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) if s == "null" => Value::Null,
                    other => other.clone(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// A string that may be set to null: absent → `None`, null → `Some(None)`, text (even
/// empty) → `Some(Some(text))`.
fn nullable_string(params: &Params, key: &str) -> Option<Option<String>> {
    match params.get(key)? {
        Value::Null => Some(None),
        _ => Some(params.string(key)),
    }
}

fn nullable_integer(params: &Params, key: &str) -> AppResult<Option<Option<i64>>> {
    if !params.has(key) {
        return Ok(None);
    }
    Ok(Some(params.integer(key)?))
}

fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn channel_changes(params: &Params) -> AppResult<Option<ChannelChanges>> {
    let channel = match params.get("channel") {
        Some(Value::Object(map)) => Params::from_object(map.clone()),
        _ => return Ok(None),
    };
    Ok(Some(ChannelChanges {
        kind: channel.string("type"),
        webhook_url: nullable_string(&channel, "webhook_url"),
        hmac_mandatory: channel.boolean("hmac_mandatory"),
        additional_attributes: channel.object("additional_attributes")?,
        website_url: nullable_string(&channel, "website_url"),
        widget_color: nullable_string(&channel, "widget_color"),
        welcome_title: nullable_string(&channel, "welcome_title"),
        welcome_tagline: nullable_string(&channel, "welcome_tagline"),
        reply_time: nullable_string(&channel, "reply_time"),
        pre_chat_form_enabled: channel.boolean("pre_chat_form_enabled"),
        pre_chat_form_options: channel.object("pre_chat_form_options")?,
        continuity_via_email: channel.boolean("continuity_via_email"),
        allowed_domains: nullable_string(&channel, "allowed_domains"),
        selected_feature_flags: channel.get("selected_feature_flags").map(string_list),
    }))
}

/// `working_hours: [{day_of_week, ...}, ...]` (or a form's `working_hours[0][...]` object).
fn working_hour_changes(params: &Params) -> AppResult<Option<Vec<WorkingHourChange>>> {
    let rows: Vec<&Value> = match params.get("working_hours") {
        Some(Value::Array(rows)) => rows.iter().collect(),
        Some(Value::Object(rows)) => rows.values().collect(),
        _ => return Ok(None),
    };
    let mut changes = Vec::new();
    for row in rows {
        let Value::Object(row) = row else { continue };
        let row = Params::from_object(row.clone());
        let Ok(Some(day_of_week)) = row.integer("day_of_week") else {
            continue;
        };
        changes.push(WorkingHourChange {
            day_of_week,
            closed_all_day: row.boolean("closed_all_day"),
            open_all_day: row.boolean("open_all_day"),
            open_hour: nullable_integer(&row, "open_hour")?,
            open_minutes: nullable_integer(&row, "open_minutes")?,
            close_hour: nullable_integer(&row, "close_hour")?,
            close_minutes: nullable_integer(&row, "close_minutes")?,
        });
    }
    Ok(Some(changes))
}

fn inbox_changes(raw: &Params) -> AppResult<InboxChanges> {
    let params = nulled(raw);
    Ok(InboxChanges {
        name: nullable_string(&params, "name"),
        greeting_enabled: params.boolean("greeting_enabled"),
        greeting_message: nullable_string(&params, "greeting_message"),
        enable_email_collect: params.boolean("enable_email_collect"),
        csat_survey_enabled: params.boolean("csat_survey_enabled"),
        csat_config: params.object("csat_config")?,
        enable_auto_assignment: params.boolean("enable_auto_assignment"),
        auto_assignment_config: params.object("auto_assignment_config")?,
        working_hours_enabled: params.boolean("working_hours_enabled"),
        out_of_office_message: nullable_string(&params, "out_of_office_message"),
        timezone: nullable_string(&params, "timezone"),
        allow_messages_after_resolved: params.boolean("allow_messages_after_resolved"),
        lock_to_single_conversation: params.boolean("lock_to_single_conversation"),
        portal_id: nullable_integer(&params, "portal_id")?,
        sender_name_type: nullable_string(&params, "sender_name_type"),
        business_name: nullable_string(&params, "business_name"),
        channel: channel_changes(&params)?,
        working_hours: working_hour_changes(&params)?,
        avatar: raw.file("avatar").map(AvatarUpload::from),
    })
}

// ---------------------------------------------------------------------------------------
// Inboxes
// ---------------------------------------------------------------------------------------

async fn render_inbox(state: &AppState, member: &AccountUser, inbox: &Inbox) -> AppResult<Value> {
    let avatar_url = avatars::url(state, inbox.avatar_key.as_deref()).await?;
    Ok(inbox_views::inbox(
        inbox,
        &avatar_url,
        &state.config.frontend_url,
        member.is_administrator(),
    ))
}

/// Chatwoot's `fetch_inbox` (404, then members and administrators only: 401).
async fn visible_inbox(state: &AppState, member: &AccountUser, id: i64) -> AppResult<Inbox> {
    inboxes::load_visible(
        state,
        member.account_id(),
        id,
        member.user_id(),
        member.is_administrator(),
    )
    .await
}

/// An inbox an administrator manages: 404 for another account's, 401 for agents.
async fn managed_inbox(state: &AppState, member: &AccountUser, id: i64) -> AppResult<Inbox> {
    let inbox = visible_inbox(state, member, id).await?;
    member.require_administrator()?;
    Ok(inbox)
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let list = inboxes::list_visible(
        &state,
        member.account_id(),
        member.user_id(),
        member.is_administrator(),
    )
    .await?;
    let mut payload = Vec::with_capacity(list.len());
    for inbox in &list {
        payload.push(render_inbox(&state, &member, inbox).await?);
    }
    Ok(json_ok(json!({ "payload": payload })))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = visible_inbox(&state, &member, request.path_id("id")?).await?;
    Ok(json_ok(render_inbox(&state, &member, &inbox).await?))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let changes = inbox_changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let inbox = inboxes::create(&state, member.account_id(), &changes, &actor).await?;
    Ok(json_ok(render_inbox(&state, &member, &inbox).await?))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = managed_inbox(&state, &member, request.path_id("id")?).await?;
    let changes = inbox_changes(&request.params().await?)?;
    let actor = member_actor(&state, &member, &request).await?;
    let inbox = inboxes::update(&state, inbox, &changes, &actor).await?;
    Ok(json_ok(render_inbox(&state, &member, &inbox).await?))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = managed_inbox(&state, &member, request.path_id("id")?).await?;
    let actor = member_actor(&state, &member, &request).await?;
    inbox_deletion::delete_inbox(&state, &inbox, &actor).await?;
    Ok(json_ok(json!({ "message": DELETION_MESSAGE })))
}

pub async fn destroy_avatar(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = managed_inbox(&state, &member, request.path_id("id")?).await?;
    if inbox.avatar_key.is_some() {
        inboxes::remove_avatar(&state, inbox).await?;
    }
    Ok(empty_ok())
}

pub async fn agent_bot(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = visible_inbox(&state, &member, request.path_id("id")?).await?;
    let rendered = match inboxes::agent_bot_of(&state, &inbox).await? {
        Some(bot) => {
            let thumbnail = match bot.avatar_key.as_deref() {
                Some(key) => avatars::url(&state, Some(key)).await?,
                None => bot.avatar_url.clone().unwrap_or_default(),
            };
            inbox_views::inbox_agent_bot(&bot, &thumbnail, member.account_id())
        }
        None => json!({}),
    };
    Ok(json_ok(json!({ "agent_bot": rendered })))
}

/// `agent_bot: <id>` connects that bot, `agent_bot: null` (or none) disconnects. The bot is
/// looked up before the role check, as Chatwoot's filters run.
pub async fn set_agent_bot(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = visible_inbox(&state, &member, request.path_id("id")?).await?;
    let params = request.params().await?;
    let bot = match params.get("agent_bot") {
        None | Some(Value::Null) => None,
        Some(_) => {
            let bot_id = params
                .integer("agent_bot")
                .ok()
                .flatten()
                .filter(|id| *id > 0)
                .ok_or(AppError::NotFound)?;
            Some(inboxes::find_accessible_bot(&state, member.account_id(), bot_id).await?)
        }
    };
    member.require_administrator()?;
    inboxes::set_agent_bot(&state, inbox, bot.as_ref()).await?;
    Ok(empty_ok())
}

/// API and website inboxes have no message templates: an empty list in the documented shape.
pub async fn message_templates(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    visible_inbox(&state, &member, request.path_id("id")?).await?;
    Ok(json_ok(
        json!({ "payload": [], "meta": { "last_sync_attempt_at": null } }),
    ))
}

// ---------------------------------------------------------------------------------------
// Inbox members
// ---------------------------------------------------------------------------------------

async fn render_members(state: &AppState, account_id: i64, user_ids: &[i64]) -> AppResult<Value> {
    let mut members = agents::load_many(state, account_id, user_ids).await?;
    agents::sort_by_name(&mut members);
    let payload = crate::agents::render_agents(state, &members).await?;
    Ok(json!({ "payload": payload }))
}

/// The body's `inbox_id`: missing, unknown or another account's → 404.
async fn inbox_from_body(
    state: &AppState,
    member: &AccountUser,
    params: &Params,
) -> AppResult<Inbox> {
    let id = params
        .integer("inbox_id")
        .ok()
        .flatten()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)?;
    let inbox = inboxes::load(state, member.account_id(), id).await?;
    member.require_administrator()?;
    Ok(inbox)
}

/// `user_ids` as given: `None` when absent, each entry `None` when it is no id.
fn user_ids(params: &Params) -> Option<Vec<Option<i64>>> {
    let parse = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match params.get("user_ids")? {
        Value::Null => None,
        Value::Array(items) => Some(items.iter().map(parse).collect()),
        // A form's empty `user_ids=` means an empty list.
        Value::String(s) if s.is_empty() => Some(Vec::new()),
        single => Some(vec![parse(single)]),
    }
}

/// For adding: every entry must be an id (of an agent of the account, checked by the domain).
fn required_user_ids(params: &Params) -> AppResult<Vec<i64>> {
    let ids = user_ids(params).ok_or_else(|| AppError::ParamMissing("user_ids".into()))?;
    ids.into_iter()
        .map(|id| id.ok_or_else(inboxes::user_must_exist))
        .collect()
}

pub async fn members_show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let inbox = visible_inbox(&state, &member, request.path_id("inbox_id")?).await?;
    let ids = inboxes::member_ids(&state, inbox.account_id, inbox.id).await?;
    Ok(json_ok(
        render_members(&state, inbox.account_id, &ids).await?,
    ))
}

/// Adding to or replacing an inbox's members: the same request, a different change.
#[derive(Clone, Copy)]
enum MembersChange {
    Add,
    Set,
}

async fn change_members(
    state: Arc<AppState>,
    request: ApiRequest,
    change: MembersChange,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let inbox = inbox_from_body(&state, &member, &params).await?;
    let ids = required_user_ids(&params)?;
    let actor = member_actor(&state, &member, &request).await?;
    let all = match change {
        MembersChange::Add => inboxes::add_members(&state, &inbox, &ids, &actor).await?,
        MembersChange::Set => inboxes::set_members(&state, &inbox, &ids, &actor).await?,
    };
    Ok(json_ok(
        render_members(&state, inbox.account_id, &all).await?,
    ))
}

pub async fn members_create(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    change_members(state, request, MembersChange::Add).await
}

pub async fn members_update(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    change_members(state, request, MembersChange::Set).await
}

pub async fn members_destroy(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let inbox = inbox_from_body(&state, &member, &params).await?;
    let ids: Vec<i64> = user_ids(&params)
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let actor = member_actor(&state, &member, &request).await?;
    inboxes::remove_members(&state, &inbox, &ids, &actor).await?;
    Ok(empty_ok())
}

// ---------------------------------------------------------------------------------------
// Branded e-mail layout
// ---------------------------------------------------------------------------------------

/// This installation has no `branded_email_templates` feature: no account has a layout, and
/// setting one is refused the way Chatwoot refuses it while the feature is off.
pub async fn branded_email_layout_show(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    Ok(json_ok(json!({ "branded_email_layout": null })))
}

pub async fn branded_email_layout_update(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    Err(AppError::Unprocessable(Value::String(
        "Branded email templates feature is not enabled".into(),
    )))
}
