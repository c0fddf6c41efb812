//! `/api/v1/accounts/{account_id}`: the account itself, its cache keys, and the caller's
//! last-active time.

use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};
use shared::auth;
use shared::domain::accounts::{self, AccountChanges};
use shared::domain::{cache_keys, memberships};
use shared::http::{empty_ok, json_ok, ApiRequest};
use shared::{views, AppResult, AppState};
use std::sync::Arc;

const CUSTOM_ATTRIBUTE_PARAMS: &[&str] = &["industry", "company_size", "timezone"];
const SETTINGS_PARAMS: &[&str] = &[
    "auto_resolve_after",
    "auto_resolve_message",
    "auto_resolve_label",
    "conversation_required_attributes",
];
/// Settings stored as booleans, also when a form sends them as text.
const BOOLEAN_SETTINGS_PARAMS: &[&str] = &["auto_resolve_ignore_waiting", "audio_transcriptions"];

async fn render(state: &AppState, account: &shared::model::Account) -> AppResult<Response<Body>> {
    let keys = cache_keys(state, account.id).await?;
    Ok(json_ok(views::account(account, &keys)))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_member(&state, &request).await?;
    render(&state, &member.account).await
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_member(&state, &request).await?;
    member.require_administrator()?;
    let params = request.params().await?;
    let pick = |names: &[&str]| -> Map<String, Value> {
        names
            .iter()
            .filter_map(|n| params.get(n).map(|v| ((*n).to_owned(), v.clone())))
            .collect()
    };
    let changes = AccountChanges {
        name: params.string("name"),
        locale: params.string("locale"),
        domain: params.optional_string("domain"),
        support_email: params.optional_string("support_email"),
        custom_attributes_merge: pick(CUSTOM_ATTRIBUTE_PARAMS),
        settings_merge: pick(SETTINGS_PARAMS)
            .into_iter()
            .chain(
                BOOLEAN_SETTINGS_PARAMS
                    .iter()
                    .filter(|n| params.has(n))
                    .map(|n| {
                        let flag = params.boolean(n).map_or(Value::Null, Value::Bool);
                        ((*n).to_owned(), flag)
                    }),
            )
            .collect(),
        ..AccountChanges::default()
    };
    let actor = crate::audit_logs::member_actor(&state, &member, &request).await?;
    let account = accounts::update(&state, member.account, &changes, &actor).await?;
    render(&state, &account).await
}

pub async fn cache_keys_show(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let keys = cache_keys(&state, member.account_id()).await?;
    let mut response = json_ok(json!({ "cache_keys": keys }));
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("max-age=10, private, stale-while-revalidate=300"),
    );
    Ok(response)
}

pub async fn update_active_at(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    memberships::mark_active(&state, member.membership).await?;
    Ok(empty_ok())
}
