//! Audit logs: an account's record of who created, changed or deleted its inboxes, teams,
//! agents and settings, and who signed in, as the listing shows it. Entries are recorded by
//! the changes themselves ([`super::audit`]); this is the reading side: one page of entries
//! with the agents they are about.

use super::agents::{self, Agent};
use super::avatars;
use crate::error::AppResult;
use crate::keys::audit_logs as keys;
use crate::model::audit_log::AuditLog;
use crate::model::{Account, Record};
use crate::state::AppState;
use crate::store::{Query, SortKey};
use serde_json::Value;
use std::collections::HashMap;

/// Chatwoot's `RESULTS_PER_PAGE`.
pub const PAGE_SIZE: usize = 15;

/// The account feature that turns the listing on (off by default, as in Chatwoot).
pub const FEATURE: &str = "audit_logs";

/// Listing order (`sort`): newest first unless `asc` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// One page of the log with the users its entries are about (sign-ins), where they are still
/// agents of the account: of Chatwoot's audited records only users have push data.
#[derive(Debug, Default)]
pub struct Listing {
    pub total_entries: i64,
    pub logs: Vec<AuditLog>,
    /// Users with their avatar URL.
    pub users: HashMap<i64, (Agent, String)>,
}

/// Page `page` (1-based) of the account's log. With the feature off the log reads as empty,
/// as Chatwoot's `associated_audits.none`. Reads: the counter; then, if the page lies within
/// it, one query of `offset + 15` entries; then one batch read of the users its sign-ins are
/// about.
pub async fn page(
    state: &AppState,
    account: &Account,
    page: usize,
    order: Order,
) -> AppResult<Listing> {
    if !account.features.iter().any(|f| f == FEATURE) {
        return Ok(Listing::default());
    }
    let total_entries = state
        .store
        .get(&keys::audit_log_count(account.id))
        .await?
        .and_then(|item| item.get(keys::TOTAL).and_then(Value::as_i64))
        .unwrap_or(0);
    let offset = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    if offset >= usize::try_from(total_entries).unwrap_or(0) {
        return Ok(Listing {
            total_entries,
            ..Listing::default()
        });
    }
    let logs = read(state, account.id, order, offset).await?;
    let users = users_of(state, account.id, &logs).await?;
    Ok(Listing {
        total_entries,
        logs,
        users,
    })
}

/// The entries at `offset..offset + PAGE_SIZE` in `order`.
async fn read(
    state: &AppState,
    account_id: i64,
    order: Order,
    offset: usize,
) -> AppResult<Vec<AuditLog>> {
    let mut query = Query {
        sk: SortKey::Prefix(keys::audit_logs_prefix().into()),
        forward: order == Order::OldestFirst,
        limit: Some(offset + PAGE_SIZE),
        ..Query::partition(crate::keys::account_partition(account_id))
    };
    let mut skip = offset;
    let mut logs = Vec::with_capacity(PAGE_SIZE);
    loop {
        let page = state.store.query(&query).await?;
        for item in page.items {
            if skip > 0 {
                skip -= 1;
            } else {
                logs.push(AuditLog::from_item(item)?);
            }
        }
        match page.cursor {
            Some(cursor) if logs.len() < PAGE_SIZE => {
                query.cursor = Some(cursor);
                query.limit = Some(skip + PAGE_SIZE - logs.len());
            }
            _ => return Ok(logs),
        }
    }
}

async fn users_of(
    state: &AppState,
    account_id: i64,
    logs: &[AuditLog],
) -> AppResult<HashMap<i64, (Agent, String)>> {
    let mut ids: Vec<i64> = logs
        .iter()
        .filter(|log| log.auditable_type == "User")
        .filter_map(|log| log.auditable_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut users = HashMap::new();
    for agent in agents::load_many(state, account_id, &ids).await? {
        let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
        users.insert(agent.user.id, (agent, thumbnail));
    }
    Ok(users)
}
