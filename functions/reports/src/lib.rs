//! Chatwoot's reports (`/api/v2/accounts/{account_id}/...`), administrators only: every
//! handler reads the period from the query, asks `shared::domain::reports`, and renders.

use lambda_http::{Body, Response};
use shared::auth::{self, AccountUser};
use shared::domain::avatars;
use shared::domain::reports::live;
use shared::domain::reports::queries::{self, Grouping, Metric, Period};
use shared::domain::reports::range::{self, GroupBy, Range};
use shared::error::AppError;
use shared::http::{json_ok, ApiRequest, Family, Params, Router};
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const REPORTS: &str = "/api/v2/accounts/{account_id}/reports";
const SUMMARY: &str = "/api/v2/accounts/{account_id}/reports/summary";
const BOT_SUMMARY: &str = "/api/v2/accounts/{account_id}/reports/bot_summary";
const CONVERSATIONS: &str = "/api/v2/accounts/{account_id}/reports/conversations";
const CONVERSATIONS_SLASH: &str = "/api/v2/accounts/{account_id}/reports/conversations/";
const FIRST_RESPONSE_DISTRIBUTION: &str =
    "/api/v2/accounts/{account_id}/reports/first_response_time_distribution";
const INBOX_LABEL_MATRIX: &str = "/api/v2/accounts/{account_id}/reports/inbox_label_matrix";
const OUTGOING_MESSAGES: &str = "/api/v2/accounts/{account_id}/reports/outgoing_messages_count";
const SUMMARY_REPORTS: &str = "/api/v2/accounts/{account_id}/summary_reports/{kind}";

pub fn router() -> Router {
    Router::new("reports", Family::Application)
        .get(REPORTS, handler!(timeseries))
        .get(SUMMARY, handler!(summary))
        .get(BOT_SUMMARY, handler!(bot_summary))
        .get(CONVERSATIONS, handler!(conversations))
        .get(CONVERSATIONS_SLASH, handler!(conversations))
        .get(
            FIRST_RESPONSE_DISTRIBUTION,
            handler!(first_response_distribution),
        )
        .get(INBOX_LABEL_MATRIX, handler!(inbox_label_matrix))
        .get(OUTGOING_MESSAGES, handler!(outgoing_messages))
        .get(SUMMARY_REPORTS, handler!(summary_reports))
}

/// Reports are for administrators (agents and bots: 401, as Chatwoot).
async fn administrator(state: &AppState, request: &ApiRequest) -> AppResult<AccountUser> {
    let member = auth::account_user(state, request).await?;
    member.require_administrator()?;
    Ok(member)
}

fn range_of(params: &Params) -> AppResult<Option<Range>> {
    range::parse_range(
        params.string("since").as_deref(),
        params.string("until").as_deref(),
    )
}

fn period_of(params: &Params) -> AppResult<Period> {
    Ok(Period {
        range: range_of(params)?,
        group_by: GroupBy::parse(params.string("group_by").as_deref()),
        offset_ms: range::parse_offset(params.string("timezone_offset").as_deref()),
        business_hours: params.boolean("business_hours").unwrap_or(false),
    })
}

/// The `type`/`id` scope; an id that is no number is as unknown as a missing one.
async fn scope_of(
    state: &AppState,
    member: &AccountUser,
    params: &Params,
) -> AppResult<shared::domain::reports::aggregates::Scope> {
    let id = params.integer("id").map_err(|_| AppError::NotFound)?;
    queries::scope(
        state,
        member.account_id(),
        params.string("type").as_deref(),
        id,
    )
    .await
}

/// `GET /reports`: a metric's timeseries. An unknown metric answers `{}` (Chatwoot).
async fn timeseries(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let Some(metric) = params.string("metric").as_deref().and_then(Metric::parse) else {
        return Ok(json_ok(serde_json::json!({})));
    };
    let scope = scope_of(&state, &member, &params).await?;
    let period = period_of(&params)?;
    let points = queries::timeseries(&state, member.account_id(), &scope, metric, &period).await?;
    Ok(json_ok(views::reports::timeseries(&points)))
}

async fn summary(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let scope = scope_of(&state, &member, &params).await?;
    let period = period_of(&params)?;
    let (current, previous) =
        queries::summary(&state, member.account_id(), &scope, &period).await?;
    Ok(json_ok(views::reports::summary(&current, &previous)))
}

async fn bot_summary(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let scope = scope_of(&state, &member, &params).await?;
    let period = period_of(&params)?;
    let (current, previous) =
        queries::bot_summary(&state, member.account_id(), &scope, &period).await?;
    Ok(json_ok(views::reports::bot_summary(&current, &previous)))
}

/// `GET /reports/conversations`: live numbers for the account (`type=account`) or a page of
/// agents (any other type); no type → 422 with an empty body.
async fn conversations(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    match params.string("type").as_deref() {
        None => Err(AppError::UnprocessableEmpty),
        Some("account") => {
            let metrics = live::account(&state, member.account_id()).await?;
            Ok(json_ok(views::reports::live_account(&metrics)))
        }
        Some(_) => {
            let rows = live::agents(&state, member.account_id(), params.page()).await?;
            let mut rendered = Vec::with_capacity(rows.len());
            for (agent, open, unattended) in &rows {
                let thumbnail = avatars::url(&state, agent.user.avatar_key.as_deref()).await?;
                rendered.push(views::reports::live_agent(
                    agent,
                    &thumbnail,
                    *open,
                    *unattended,
                ));
            }
            Ok(json_ok(serde_json::Value::Array(rendered)))
        }
    }
}

/// The range, or all time (the account's life) where Chatwoot reads without one.
fn range_or_all_time(state: &AppState, member: &AccountUser, params: &Params) -> AppResult<Range> {
    Ok(range_of(params)?
        .unwrap_or_else(|| queries::all_time(member.account.created_at_ms, state.clock.now_ms())))
}

async fn first_response_distribution(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let range = range_or_all_time(&state, &member, &request.query())?;
    let rows = queries::first_response_distribution(&state, member.account_id(), range).await?;
    Ok(json_ok(views::reports::first_response_distribution(&rows)))
}

async fn inbox_label_matrix(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let range = range_or_all_time(&state, &member, &params)?;
    let inbox_ids = params.integer_list("inbox_ids")?;
    let label_ids = params.integer_list("label_ids")?;
    let matrix =
        queries::inbox_label_matrix(&state, member.account_id(), range, &inbox_ids, &label_ids)
            .await?;
    Ok(json_ok(views::reports::inbox_label_matrix(&matrix)))
}

/// `GET /reports/outgoing_messages_count`; a `group_by` other than agent, team, inbox or
/// label → 422 with an empty body.
async fn outgoing_messages(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let grouping = Grouping::parse(params.string("group_by").as_deref())
        .ok_or(AppError::UnprocessableEmpty)?;
    let range = range_of(&params)?;
    let rows = queries::outgoing_messages(&state, member.account_id(), grouping, range).await?;
    Ok(json_ok(views::reports::outgoing_messages(&rows)))
}

/// `GET /summary_reports/{agent,inbox,team,channel}`.
async fn summary_reports(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = administrator(&state, &request).await?;
    let params = request.query();
    let period = period_of(&params)?;
    let kind = request.path_param("kind");
    if kind == Some("channel") {
        let rows = queries::channel_summary(&state, member.account_id(), &period).await?;
        return Ok(json_ok(views::reports::channel_summary(&rows)));
    }
    let grouping = match Grouping::parse(kind) {
        Some(grouping) if grouping != Grouping::Label => grouping,
        _ => return Err(AppError::RouteNotFound),
    };
    let rows = queries::entity_summaries(&state, member.account_id(), grouping, &period).await?;
    Ok(json_ok(views::reports::entity_summaries(&rows)))
}
