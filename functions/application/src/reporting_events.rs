//! `/api/v1/accounts/{account_id}/reporting_events` and
//! `/api/v1/accounts/{account_id}/conversations/{conversation_id}/reporting_events`: the
//! reporting facts themselves (Chatwoot Enterprise), administrators only.

use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::conversations;
use shared::domain::reports::{listing, queries, range};
use shared::http::{json_ok, ApiRequest, Router};
use shared::{handler, views, AppResult, AppState};
use std::sync::Arc;

const FACTS: &str = "/api/v1/accounts/{account_id}/reporting_events";
const CONVERSATION_FACTS: &str =
    "/api/v1/accounts/{account_id}/conversations/{conversation_id}/reporting_events";

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(FACTS, handler!(index))
        .get(CONVERSATION_FACTS, handler!(of_conversation))
}

/// Newest first, 25 a page; `since`/`until` (epoch seconds; without them, all time),
/// `inbox_id`, `user_id` and `name` filter.
async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let params = request.query();
    let range = range::parse_range(
        params.string("since").as_deref(),
        params.string("until").as_deref(),
    )?
    .unwrap_or_else(|| queries::all_time(member.account.created_at_ms, state.clock.now_ms()));
    let filter = listing::Filter {
        inbox_id: params.integer("inbox_id")?,
        user_id: params.integer("user_id")?,
        name: params.string("name").filter(|n| !n.is_empty()),
    };
    let page = params.page();
    let found = listing::page(&state, member.account_id(), range, &filter, page).await?;
    Ok(json_ok(views::reports::reporting_events_page(
        &found.facts,
        found.count,
        page,
    )))
}

async fn of_conversation(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    member.require_administrator()?;
    let display_id = request.path_id("conversation_id")?;
    let conversation = conversations::load(&state, member.account_id(), display_id).await?;
    let facts =
        listing::of_conversation(&state, member.account_id(), conversation.display_id).await?;
    Ok(json_ok(views::reports::reporting_events(&facts)))
}
