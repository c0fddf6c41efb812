//! An account's CSAT survey responses as its administrators read them (Chatwoot's
//! `CsatSurveyResponsesController`): a page of the list, the metrics and every response
//! (the CSV download).
//!
//! The responses are read from their GSI1 partition (`CSATS#<account>`), in time order, over
//! the sort-key range of the period: a page without other filters reads `page × 25` entries.
//! The other filters (agents, inboxes, teams, ratings) are checked per response while
//! reading, so a filtered list, the metrics and the download read every response of the
//! period. The sent count reads the key-only `CSAT_SENT#<account>` entries of the period.

use super::conversations::related::{self, Related};
use crate::error::AppResult;
use crate::keys::conversations as keys;
use crate::model::csat::CsatSurveyResponse;
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Index, Query, SortKey};
use std::collections::BTreeMap;

/// Chatwoot's `RESULTS_PER_PAGE`.
pub const PAGE_SIZE: usize = 25;

/// Index entries read per query call while filters may skip some.
const READ_CHUNK: usize = 100;

/// A bound on one query's limit (DynamoDB's is a 32-bit number, and it stops at 1 MB anyway).
const MAX_QUERY_LIMIT: usize = 1_000;

/// The largest time the index's 13-digit sort keys hold.
const MAX_KEY_MS: i64 = 9_999_999_999_999;

/// Chatwoot's date range: `[since, until)` in epoch seconds, on creation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub since: i64,
    pub until: i64,
}

impl Period {
    /// The sort keys of the period (both index partitions share their form), or `None` when
    /// it holds no instant.
    fn sort_keys(&self) -> Option<SortKey> {
        let ms = |seconds: i64| seconds.saturating_mul(1000).clamp(0, MAX_KEY_MS + 1);
        let (from, to) = (ms(self.since), ms(self.until));
        (from < to).then(|| {
            SortKey::Between(
                keys::csat_response_index_sk(from, 0),
                keys::csat_response_index_sk(to - 1, i64::MAX),
            )
        })
    }
}

/// What the responses are narrowed to; an empty list does not narrow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub period: Option<Period>,
    /// The agents the responses credit (`user_ids[]`).
    pub assigned_agent_ids: Vec<i64>,
    pub inbox_ids: Vec<i64>,
    pub team_ids: Vec<i64>,
    pub ratings: Vec<i64>,
}

impl Filters {
    /// Whether some filter besides the period must be checked per response.
    fn checks_responses(&self) -> bool {
        [
            &self.assigned_agent_ids,
            &self.inbox_ids,
            &self.team_ids,
            &self.ratings,
        ]
        .iter()
        .any(|wanted| !wanted.is_empty())
    }

    fn admits(&self, response: &CsatSurveyResponse) -> bool {
        let within = |wanted: &[i64], value: Option<i64>| {
            wanted.is_empty() || value.is_some_and(|v| wanted.contains(&v))
        };
        within(&self.assigned_agent_ids, response.assigned_agent_id)
            && within(&self.inbox_ids, Some(response.inbox_id))
            && within(&self.team_ids, response.team_id)
            && within(&self.ratings, Some(response.rating))
    }

    /// The sort keys the period selects (everything without one); `None` when nothing can match.
    fn sort_keys(&self) -> Option<SortKey> {
        match &self.period {
            Some(period) => period.sort_keys(),
            None => Some(SortKey::All),
        }
    }
}

/// `sort`: `created_at` oldest first, `-created_at` newest first. Chatwoot orders only when
/// asked; without it the database's order is, in practice, the order of creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    OldestFirst,
    NewestFirst,
}

impl Order {
    pub fn parse(value: Option<&str>) -> Order {
        match value {
            Some("-created_at") => Order::NewestFirst,
            _ => Order::OldestFirst,
        }
    }
}

/// Responses with the contacts and agents they show.
#[derive(Debug, Default)]
pub struct Responses {
    pub responses: Vec<CsatSurveyResponse>,
    pub related: Related,
}

/// The responses `filters` admit, in `order`, after skipping `skip` of them; at most `take`
/// (every one when `None`).
async fn read(
    state: &AppState,
    account_id: i64,
    filters: &Filters,
    order: Order,
    mut skip: usize,
    take: Option<usize>,
) -> AppResult<Vec<CsatSurveyResponse>> {
    let Some(sk) = filters.sort_keys() else {
        return Ok(Vec::new());
    };
    let mut query = Query {
        index: Index::Gsi1,
        pk: keys::csat_responses_index(account_id),
        sk,
        forward: order == Order::OldestFirst,
        limit: None,
        cursor: None,
    };
    let mut found = Vec::new();
    loop {
        query.limit = match take {
            Some(_) if filters.checks_responses() => Some(READ_CHUNK),
            Some(take) => Some(skip.saturating_add(take - found.len()).min(MAX_QUERY_LIMIT)),
            None => None,
        };
        let page = state.store.query(&query).await?;
        for item in page.items {
            let response = CsatSurveyResponse::from_item(item)?;
            if !filters.admits(&response) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(response);
            if take == Some(found.len()) {
                return Ok(found);
            }
        }
        match page.cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(found),
        }
    }
}

async fn with_related(
    state: &AppState,
    account_id: i64,
    responses: Vec<CsatSurveyResponse>,
) -> AppResult<Responses> {
    let related = related::load_people(
        state,
        account_id,
        responses.iter().map(|r| r.contact_id),
        responses.iter().filter_map(|r| r.assigned_agent_id),
    )
    .await?;
    Ok(Responses { responses, related })
}

/// Page `page` (1-based) of the list: the responses, then one batch read of their contacts
/// and agents.
pub async fn page(
    state: &AppState,
    account_id: i64,
    filters: &Filters,
    order: Order,
    page: usize,
) -> AppResult<Responses> {
    let skip = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let responses = read(state, account_id, filters, order, skip, Some(PAGE_SIZE)).await?;
    with_related(state, account_id, responses).await
}

/// Every response the filters admit (the download), with their contacts and agents.
pub async fn all(
    state: &AppState,
    account_id: i64,
    filters: &Filters,
    order: Order,
) -> AppResult<Responses> {
    let responses = read(state, account_id, filters, order, 0, None).await?;
    with_related(state, account_id, responses).await
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    pub total_count: usize,
    /// Responses per rating given, by rating.
    pub ratings_count: BTreeMap<i64, usize>,
    /// Surveys sent in the period, whatever the other filters (as in Chatwoot).
    pub total_sent_messages_count: usize,
}

/// The counts of the responses the filters admit and of the surveys sent in the period: the
/// two partitions are read concurrently.
pub async fn metrics(state: &AppState, account_id: i64, filters: &Filters) -> AppResult<Metrics> {
    let (responses, sent) = futures::try_join!(
        read(state, account_id, filters, Order::OldestFirst, 0, None),
        sent_count(state, account_id, filters),
    )?;
    let mut ratings_count = BTreeMap::new();
    for response in &responses {
        *ratings_count.entry(response.rating).or_default() += 1;
    }
    Ok(Metrics {
        total_count: responses.len(),
        ratings_count,
        total_sent_messages_count: sent,
    })
}

async fn sent_count(state: &AppState, account_id: i64, filters: &Filters) -> AppResult<usize> {
    let Some(sk) = filters.sort_keys() else {
        return Ok(0);
    };
    let query = Query {
        sk,
        ..Query::partition(keys::csat_sent_partition(account_id))
    };
    Ok(super::query_all(state, query).await?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between(period: Period) -> Option<(String, String)> {
        match period.sort_keys()? {
            SortKey::Between(from, to) => Some((from, to)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn periods_select_since_up_to_but_not_including_until() {
        let (from, to) = between(Period {
            since: 10,
            until: 20,
        })
        .unwrap();
        let at = |ms: i64, id: i64| keys::csat_response_index_sk(ms, id);
        assert!(from <= at(10_000, 1) && at(10_000, 1) <= to);
        assert!(at(19_999, i64::MAX) <= to);
        assert!(at(20_000, 0) > to);
        assert!(at(9_999, i64::MAX) < from);
        assert_eq!(between(Period { since: 5, until: 5 }), None);
        assert_eq!(between(Period { since: 9, until: 5 }), None);
        assert_eq!(
            between(Period {
                since: -9,
                until: 0
            }),
            None
        );
        let (from, to) = between(Period {
            since: i64::MIN,
            until: i64::MAX,
        })
        .unwrap();
        assert_eq!(from, at(0, 0));
        assert_eq!(to, at(MAX_KEY_MS, i64::MAX));
        assert_eq!(
            from.len(),
            to.len(),
            "fixed width, so string order is time order"
        );
    }
}
