//! `/api/v1/accounts/{account_id}/csat_survey_responses`: the account's survey responses,
//! their metrics and the CSV download. Administrators only (Chatwoot's
//! `CsatSurveyResponsePolicy`); agents get 401.

use http::{header, StatusCode};
use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::csat_responses::{self, Filters, Order, Period};
use shared::http::{json_ok, ApiRequest, Params, Router};
use shared::views::csat as view;
use shared::{handler, AppResult, AppState};
use std::sync::Arc;

const RESPONSES: &str = "/api/v1/accounts/{account_id}/csat_survey_responses";
const METRICS: &str = "/api/v1/accounts/{account_id}/csat_survey_responses/metrics";
const DOWNLOAD: &str = "/api/v1/accounts/{account_id}/csat_survey_responses/download";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(RESPONSES, handler!(index))
        .get(METRICS, handler!(metrics))
        .get(DOWNLOAD, handler!(download))
}

/// The filters all three routes read. The period applies only when both `since` and `until`
/// are given (as in Chatwoot); `user_ids[]`, `inbox_id`, `team_id` and `rating` take one
/// value or a list. A value that is not an integer is refused (400) rather than ignored.
fn filters(params: &Params) -> AppResult<Filters> {
    let period = params
        .integer("since")?
        .zip(params.integer("until")?)
        .map(|(since, until)| Period { since, until });
    Ok(Filters {
        period,
        assigned_agent_ids: params.integer_list("user_ids")?,
        inbox_ids: params.integer_list("inbox_id")?,
        team_ids: params.integer_list("team_id")?,
        ratings: params.integer_list("rating")?,
    })
}

/// The caller's account, once they are known to administer it, and the request's parameters.
async fn administrator(state: &AppState, request: &ApiRequest) -> AppResult<(i64, Params)> {
    let member = auth::account_user(state, request).await?;
    member.require_administrator()?;
    Ok((member.account_id(), request.params().await?))
}

fn order(params: &Params) -> Order {
    Order::parse(params.string("sort").as_deref())
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account_id, params) = administrator(&state, &request).await?;
    let filters = filters(&params)?;
    let shown =
        csat_responses::page(&state, account_id, &filters, order(&params), params.page()).await?;
    Ok(json_ok(view::responses(&shown)))
}

pub async fn metrics(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account_id, params) = administrator(&state, &request).await?;
    let metrics = csat_responses::metrics(&state, account_id, &filters(&params)?).await?;
    Ok(json_ok(view::metrics(&metrics)))
}

/// Every response the filters admit as `csat_report.csv`.
pub async fn download(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account_id, params) = administrator(&state, &request).await?;
    let filters = filters(&params)?;
    let shown = csat_responses::all(&state, account_id, &filters, order(&params)).await?;
    let csv = view::csv(&shown, &state.config.frontend_url, filters.period);
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"csat_report.csv\"; filename*=UTF-8''csat_report.csv",
        )
        .body(Body::Text(csv))
        .expect("valid response parts"))
}
