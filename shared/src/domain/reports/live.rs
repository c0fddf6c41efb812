//! Live conversation metrics (`GET /reports/conversations`): how many conversations are
//! open, unattended, unassigned and pending right now, read from the counters the
//! conversation views keep with every change (one batch read).

use crate::domain::agents::{self, Agent};
use crate::domain::conversations::views::{Scope as ViewScope, UNATTENDED};
use crate::error::AppResult;
use crate::model::conversation::Status;
use crate::state::AppState;
use crate::store::Item;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountMetrics {
    pub open: i64,
    pub unattended: i64,
    pub unassigned: i64,
    pub pending: i64,
}

fn counter(item: Option<&Item>, name: &str) -> i64 {
    item.and_then(|item| item.get(name))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

async fn counters(state: &AppState, account_id: i64) -> AppResult<(Option<Item>, Option<Item>)> {
    let keys = [
        ViewScope::All.counter(account_id, Status::Open),
        ViewScope::All.counter(account_id, Status::Pending),
    ];
    let mut found = state.store.get_many(&keys).await?.into_iter();
    Ok((found.next().flatten(), found.next().flatten()))
}

/// The account's live numbers. Chatwoot's account variant always answers `pending: 0` (it
/// counts pending conversations among the open ones); this answers the real count.
pub async fn account(state: &AppState, account_id: i64) -> AppResult<AccountMetrics> {
    let (open, pending) = counters(state, account_id).await?;
    let open = open.as_ref();
    Ok(AccountMetrics {
        open: counter(open, "all"),
        unattended: counter(open, UNATTENDED),
        unassigned: counter(open, "unassigned"),
        pending: counter(pending.as_ref(), "all"),
    })
}

/// Agents per page of the agent variant.
pub const AGENTS_PER_PAGE: usize = 25;

/// One page of the account's agents with their open and unattended conversations, most
/// open first.
pub async fn agents(
    state: &AppState,
    account_id: i64,
    page: usize,
) -> AppResult<Vec<(Agent, i64, i64)>> {
    let (open, _) = counters(state, account_id).await?;
    let open = open.as_ref();
    let mut rows: Vec<(Agent, i64, i64)> = agents::list(state, account_id)
        .await?
        .into_iter()
        .map(|agent| {
            let id = agent.user.id;
            let assigned = counter(open, &format!("u{id}"));
            let unattended = counter(open, &format!("{UNATTENDED}_u{id}"));
            (agent, assigned, unattended)
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.user.id.cmp(&b.0.user.id)));
    Ok(rows
        .into_iter()
        .skip(page.saturating_sub(1) * AGENTS_PER_PAGE)
        .take(AGENTS_PER_PAGE)
        .collect())
}
