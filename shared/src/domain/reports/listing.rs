//! `GET /reporting_events` (the account's facts, newest first, 25 a page, filtered) and
//! `GET /conversations/{id}/reporting_events` (one conversation's facts, oldest first).
//!
//! A filter by user or inbox reads that user's or inbox's copy of the facts, so the page
//! walks only matching facts; a name (or user and inbox together) is checked while walking.
//! `meta.count` comes from the aggregates (fact counters per account, inbox and user), except
//! for user and inbox together, which counts the user's facts in the range.

use super::aggregates::{Plan, Scope};
use super::facts::{FactName, ReportingEvent};
use super::range::Range;
use crate::domain::query_records;
use crate::error::AppResult;
use crate::keys::reports as keys;
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Index, Query, SortKey};

pub const PER_PAGE: usize = 25;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub inbox_id: Option<i64>,
    pub user_id: Option<i64>,
    /// A fact name as asked; a name no fact has matches nothing.
    pub name: Option<String>,
}

impl Filter {
    fn matches(&self, fact: &ReportingEvent) -> bool {
        self.inbox_id.is_none_or(|id| fact.inbox_id == id)
            && self.user_id.is_none_or(|id| fact.user_id == Some(id))
            && self.name.as_ref().is_none_or(|name| &fact.name == name)
    }
}

pub struct Listing {
    pub facts: Vec<ReportingEvent>,
    pub count: i64,
}

fn range_query(partition: String, range: Range) -> Query {
    Query {
        index: Index::Primary,
        pk: partition,
        sk: SortKey::Between(
            keys::fact_time_prefix(range.since_ms),
            keys::fact_time_prefix(range.until_ms),
        ),
        forward: false,
        limit: Some(PER_PAGE * 4),
        cursor: None,
    }
}

/// One page of the facts in `range` that match `filter`.
pub async fn page(
    state: &AppState,
    account_id: i64,
    range: Range,
    filter: &Filter,
    page: usize,
) -> AppResult<Listing> {
    let name = match &filter.name {
        Some(name) => match FactName::parse(name) {
            Some(name) => Some(name),
            None => {
                return Ok(Listing {
                    facts: Vec::new(),
                    count: 0,
                })
            }
        },
        None => None,
    };
    let partition = match (filter.user_id, filter.inbox_id) {
        (Some(user), _) => keys::user_facts_partition(account_id, user),
        (None, Some(inbox)) => keys::inbox_facts_partition(account_id, inbox),
        (None, None) => keys::facts_partition(account_id),
    };
    let wanted = page.saturating_sub(1) * PER_PAGE..page * PER_PAGE;
    let both = filter.user_id.is_some() && filter.inbox_id.is_some();
    let mut query = range_query(partition, range);
    let mut facts = Vec::new();
    let mut seen = 0;
    loop {
        let found = state.store.query(&query).await?;
        for item in found.items {
            let fact = ReportingEvent::from_item(item)?;
            if !filter.matches(&fact) {
                continue;
            }
            if wanted.contains(&seen) {
                facts.push(fact);
            }
            seen += 1;
        }
        match found.cursor {
            // Keep walking only to count what the aggregates cannot.
            Some(cursor) if both || seen < wanted.end => query.cursor = Some(cursor),
            _ => break,
        }
    }
    let count = if both {
        seen as i64
    } else {
        let scope = match (filter.user_id, filter.inbox_id) {
            (Some(user), _) => Scope::Agent(user),
            (None, Some(inbox)) => Scope::Inbox(inbox),
            (None, None) => Scope::Account,
        };
        let mut plan = Plan::new();
        plan.cover(account_id, &scope, range.since_ms, range.until_ms);
        let aggregates = plan.load(state, account_id).await?;
        let names: Vec<FactName> = match name {
            Some(name) => vec![name],
            None => FactName::ALL.to_vec(),
        };
        names
            .iter()
            .map(|name| {
                aggregates.sum(&scope, &name.count_metric(), range.since_ms, range.until_ms)
            })
            .sum()
    };
    Ok(Listing { facts, count })
}

/// Every fact of one conversation, oldest first.
pub async fn of_conversation(
    state: &AppState,
    account_id: i64,
    display_id: i64,
) -> AppResult<Vec<ReportingEvent>> {
    let query = Query {
        index: Index::Gsi1,
        pk: keys::conversation_facts(account_id, display_id),
        sk: SortKey::All,
        forward: true,
        limit: None,
        cursor: None,
    };
    query_records(state, query).await
}
