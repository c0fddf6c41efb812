//! The reports, computed from the aggregates: every endpoint plans the items its ranges
//! need, reads them in one batch (or a few, sent together), and adds up.
//!
//! Where Chatwoot reads current state and the aggregates cannot (docs/reports.md):
//! conversation counts follow the conversation's current assignee, team, labels and status
//! exactly (the counts move with them); messages and facts count in the team and labels the
//! conversation had when they happened.

use super::aggregates::{Aggregates, Plan, Scope};
use super::facts::{metric, FactName, FIRST_RESPONSE_BUCKETS};
use super::range::{buckets, GroupBy, Range};
use crate::domain::{agents, inboxes, labels, teams};
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::conversation::Status;
use crate::state::AppState;
use std::collections::BTreeSet;

/// What a report is asked over.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// `None`: Chatwoot's nil range (no `since` or `until`).
    pub range: Option<Range>,
    pub group_by: GroupBy,
    pub offset_ms: i64,
    pub business_hours: bool,
}

/// The scope named by `type` and `id`; an unknown type or an id not in the account → 404.
pub async fn scope(
    state: &AppState,
    account_id: i64,
    kind: Option<&str>,
    id: Option<i64>,
) -> AppResult<Scope> {
    let id = || id.ok_or(AppError::NotFound);
    Ok(match kind {
        Some("account") => Scope::Account,
        Some("agent") => {
            let id = id()?;
            state
                .store
                .get(&keys::account_member(account_id, id))
                .await?
                .ok_or(AppError::NotFound)?;
            Scope::Agent(id)
        }
        Some("inbox") => Scope::Inbox(inboxes::load(state, account_id, id()?).await?.id),
        Some("team") => Scope::Team(teams::load(state, account_id, id()?).await?.id),
        Some("label") => Scope::Label(labels::load(state, account_id, id()?).await?.title),
        _ => return Err(AppError::NotFound),
    })
}

/// A timeseries metric: a plain count, or an average of a fact's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Count(&'static str),
    FactCount(FactName),
    Average(FactName),
}

impl Metric {
    pub fn parse(name: &str) -> Option<Metric> {
        Some(match name {
            "conversations_count" => Metric::Count(metric::CONVERSATIONS),
            "incoming_messages_count" => Metric::Count(metric::INCOMING),
            "outgoing_messages_count" => Metric::Count(metric::OUTGOING),
            "resolutions_count" => Metric::FactCount(FactName::Resolved),
            "bot_resolutions_count" => Metric::FactCount(FactName::BotResolved),
            "bot_handoffs_count" => Metric::FactCount(FactName::BotHandoff),
            "avg_first_response_time" => Metric::Average(FactName::FirstResponse),
            "avg_resolution_time" => Metric::Average(FactName::Resolved),
            "reply_time" => Metric::Average(FactName::ReplyTime),
            _ => return None,
        })
    }
}

/// One timeseries bucket: its start (epoch seconds), value, and for averages the number
/// of facts averaged.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub timestamp: i64,
    pub value: Value,
    pub count: Option<i64>,
}

/// A count or an average in seconds (`None`: nothing to average).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    Seconds(Option<f64>),
}

fn average(sum_ms: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum_ms as f64 / count as f64 / 1000.0)
}

/// Reads one metric out of loaded aggregates.
struct Reader<'a> {
    aggregates: &'a Aggregates,
    business_hours: bool,
}

impl Reader<'_> {
    fn count(&self, scope: &Scope, name: &str, range: Range) -> i64 {
        self.aggregates
            .sum(scope, name, range.since_ms, range.until_ms)
    }

    fn fact_count(&self, scope: &Scope, fact: FactName, range: Range) -> i64 {
        self.count(scope, &fact.count_metric(), range)
    }

    /// The average and the number of facts behind it.
    fn average(&self, scope: &Scope, fact: FactName, range: Range) -> (Option<f64>, i64) {
        let count = self.fact_count(scope, fact, range);
        let sum = self.count(scope, &fact.value_metric(self.business_hours), range);
        (average(sum, count), count)
    }

    fn value(&self, scope: &Scope, metric: Metric, range: Range) -> (Value, i64) {
        match metric {
            Metric::Count(name) => (Value::Count(self.count(scope, name, range)), 0),
            Metric::FactCount(fact) => (Value::Count(self.fact_count(scope, fact, range)), 0),
            Metric::Average(fact) => {
                let (value, count) = self.average(scope, fact, range);
                (Value::Seconds(value), count)
            }
        }
    }
}

/// Plans `ranges` of every scope, reads, and hands back a reader.
async fn read(
    state: &AppState,
    account_id: i64,
    scopes: &[Scope],
    ranges: &[Range],
) -> AppResult<Aggregates> {
    let mut plan = Plan::new();
    for scope in scopes {
        for range in ranges {
            plan.cover(account_id, scope, range.since_ms, range.until_ms);
        }
    }
    plan.load(state, account_id).await
}

/// `GET /reports`: the metric per bucket over the period, empty buckets included.
pub async fn timeseries(
    state: &AppState,
    account_id: i64,
    scope: &Scope,
    metric: Metric,
    period: &Period,
) -> AppResult<Vec<Point>> {
    let Some(range) = period.range else {
        return Ok(Vec::new());
    };
    let buckets = buckets(range, period.group_by, period.offset_ms);
    let clipped: Vec<Range> = buckets
        .iter()
        .map(|b| Range {
            since_ms: b.start_ms.max(range.since_ms),
            until_ms: b.end_ms.min(range.until_ms),
        })
        .collect();
    let aggregates = read(state, account_id, std::slice::from_ref(scope), &clipped).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: period.business_hours,
    };
    Ok(buckets
        .iter()
        .zip(clipped)
        .map(|(bucket, range)| {
            let (value, count) = reader.value(scope, metric, range);
            Point {
                timestamp: bucket.start_ms.div_euclid(1000),
                value,
                count: matches!(metric, Metric::Average(_)).then_some(count),
            }
        })
        .collect())
}

/// `GET /reports/summary` for one period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub conversations_count: i64,
    pub incoming_messages_count: i64,
    pub outgoing_messages_count: i64,
    pub avg_first_response_time: Option<f64>,
    pub avg_resolution_time: Option<f64>,
    pub resolutions_count: i64,
    pub reply_time: Option<f64>,
}

/// `GET /reports/bot_summary` for one period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BotSummary {
    pub bot_resolutions_count: i64,
    pub bot_handoffs_count: i64,
}

/// `of` over the period and over the one before it, their items read together. Without a
/// range both are the default (Chatwoot's nil range counts nothing).
async fn over_both_periods<T: Default>(
    state: &AppState,
    account_id: i64,
    scope: &Scope,
    period: &Period,
    of: impl Fn(&Reader<'_>, Range) -> T,
) -> AppResult<(T, T)> {
    let Some(range) = period.range else {
        return Ok(Default::default());
    };
    let previous = range.previous();
    let scopes = std::slice::from_ref(scope);
    let aggregates = read(state, account_id, scopes, &[range, previous]).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: period.business_hours,
    };
    Ok((of(&reader, range), of(&reader, previous)))
}

/// The summary of the period and of the one before it.
pub async fn summary(
    state: &AppState,
    account_id: i64,
    scope: &Scope,
    period: &Period,
) -> AppResult<(Summary, Summary)> {
    over_both_periods(state, account_id, scope, period, |reader, range| Summary {
        conversations_count: reader.count(scope, metric::CONVERSATIONS, range),
        incoming_messages_count: reader.count(scope, metric::INCOMING, range),
        outgoing_messages_count: reader.count(scope, metric::OUTGOING, range),
        avg_first_response_time: reader.average(scope, FactName::FirstResponse, range).0,
        avg_resolution_time: reader.average(scope, FactName::Resolved, range).0,
        resolutions_count: reader.fact_count(scope, FactName::Resolved, range),
        reply_time: reader.average(scope, FactName::ReplyTime, range).0,
    })
    .await
}

pub async fn bot_summary(
    state: &AppState,
    account_id: i64,
    scope: &Scope,
    period: &Period,
) -> AppResult<(BotSummary, BotSummary)> {
    over_both_periods(state, account_id, scope, period, |reader, range| {
        BotSummary {
            bot_resolutions_count: reader.fact_count(scope, FactName::BotResolved, range),
            bot_handoffs_count: reader.fact_count(scope, FactName::BotHandoff, range),
        }
    })
    .await
}

/// The entities a report is grouped by: `summary_reports/{kind}`, `outgoing_messages_count`'s
/// `group_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Agent,
    Inbox,
    Team,
    Label,
}

impl Grouping {
    pub fn parse(text: Option<&str>) -> Option<Grouping> {
        Some(match text? {
            "agent" => Grouping::Agent,
            "inbox" => Grouping::Inbox,
            "team" => Grouping::Team,
            "label" => Grouping::Label,
            _ => return None,
        })
    }
}

/// One row of `summary_reports/{agent,inbox,team}`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySummary {
    pub id: i64,
    pub conversations_count: i64,
    pub resolved_conversations_count: i64,
    pub avg_resolution_time: Option<f64>,
    pub avg_first_response_time: Option<f64>,
    pub avg_reply_time: Option<f64>,
}

/// The account's agents, inboxes, teams or labels: id, name, and the scope they count in.
async fn entities(
    state: &AppState,
    account_id: i64,
    grouping: Grouping,
) -> AppResult<Vec<(i64, String, Scope)>> {
    Ok(match grouping {
        Grouping::Agent => agents::list(state, account_id)
            .await?
            .into_iter()
            .map(|a| (a.user.id, a.user.name, Scope::Agent(a.user.id)))
            .collect(),
        Grouping::Inbox => inboxes::list(state, account_id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.name, Scope::Inbox(i.id)))
            .collect(),
        Grouping::Team => teams::list(state, account_id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name, Scope::Team(t.id)))
            .collect(),
        Grouping::Label => labels::list(state, account_id)
            .await?
            .into_iter()
            .map(|l| (l.id, l.title.clone(), Scope::Label(l.title)))
            .collect(),
    })
}

/// `GET /summary_reports/{agent,inbox,team}`: one row per entity of the account. Resolved
/// counts are resolution facts credited to the entity (not distinct conversations).
pub async fn entity_summaries(
    state: &AppState,
    account_id: i64,
    grouping: Grouping,
    period: &Period,
) -> AppResult<Vec<EntitySummary>> {
    let (ids, scopes): (Vec<i64>, Vec<Scope>) = entities(state, account_id, grouping)
        .await?
        .into_iter()
        .map(|(id, _, scope)| (id, scope))
        .unzip();
    let ranges: Vec<Range> = period.range.into_iter().collect();
    let aggregates = read(state, account_id, &scopes, &ranges).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: period.business_hours,
    };
    Ok(ids
        .into_iter()
        .zip(scopes)
        .map(|(id, scope)| match period.range {
            None => EntitySummary {
                id,
                conversations_count: 0,
                resolved_conversations_count: 0,
                avg_resolution_time: None,
                avg_first_response_time: None,
                avg_reply_time: None,
            },
            Some(range) => EntitySummary {
                id,
                conversations_count: reader.count(&scope, metric::CONVERSATIONS, range),
                resolved_conversations_count: reader.fact_count(&scope, FactName::Resolved, range),
                avg_resolution_time: reader.average(&scope, FactName::Resolved, range).0,
                avg_first_response_time: reader.average(&scope, FactName::FirstResponse, range).0,
                avg_reply_time: reader.average(&scope, FactName::ReplyTime, range).0,
            },
        })
        .collect())
}

/// The channel types of the account's inboxes, sorted.
async fn channel_types(state: &AppState, account_id: i64) -> AppResult<Vec<String>> {
    let kinds: BTreeSet<String> = inboxes::list(state, account_id)
        .await?
        .iter()
        .map(|inbox| inbox.channel.channel_type().to_owned())
        .collect();
    Ok(kinds.into_iter().collect())
}

/// The longest range the channel summary takes (Chatwoot: six months).
const CHANNEL_SUMMARY_MAX_MS: i64 = 183 * 24 * 3600 * 1000;

/// `GET /summary_reports/channel`: conversations created in the range by channel type and
/// current status. Channel types without conversations are left out.
pub async fn channel_summary(
    state: &AppState,
    account_id: i64,
    period: &Period,
) -> AppResult<Vec<(String, [i64; 4])>> {
    let Some(range) = period.range else {
        return Ok(Vec::new());
    };
    if range.length_ms() > CHANNEL_SUMMARY_MAX_MS {
        return Err(AppError::UnprocessableMessage(
            "Date range cannot exceed 6 months".into(),
        ));
    }
    let statuses = [
        Status::Open,
        Status::Resolved,
        Status::Pending,
        Status::Snoozed,
    ];
    per_channel(state, account_id, range, |reader, scope| {
        let counts = statuses
            .map(|status| reader.count(scope, &metric::conversations_in(status.as_str()), range));
        counts.iter().any(|c| *c != 0).then_some(counts)
    })
    .await
}

/// Counts per channel type of the account over `range`, read in one aggregate read;
/// `counts` answers `None` for a channel type the report leaves out.
async fn per_channel<T>(
    state: &AppState,
    account_id: i64,
    range: Range,
    counts: impl Fn(&Reader, &Scope) -> Option<T>,
) -> AppResult<Vec<(String, T)>> {
    let kinds = channel_types(state, account_id).await?;
    let scopes: Vec<Scope> = kinds.iter().cloned().map(Scope::Channel).collect();
    let aggregates = read(state, account_id, &scopes, &[range]).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: false,
    };
    Ok(kinds
        .into_iter()
        .zip(&scopes)
        .filter_map(|(kind, scope)| counts(&reader, scope).map(|c| (kind, c)))
        .collect())
}

/// "All time" where Chatwoot reads the whole table: from the account's creation to now.
pub fn all_time(account_created_at_ms: i64, now_ms: i64) -> Range {
    let quarter = super::aggregates::QUARTER_MS;
    Range {
        since_ms: account_created_at_ms.div_euclid(quarter) * quarter,
        until_ms: (now_ms.div_euclid(quarter) + 1) * quarter,
    }
}

/// `GET /reports/first_response_time_distribution`: first responses per channel type by
/// how long they took (raw values). Channel types without any are left out.
pub async fn first_response_distribution(
    state: &AppState,
    account_id: i64,
    range: Range,
) -> AppResult<Vec<(String, Vec<(&'static str, i64)>)>> {
    per_channel(state, account_id, range, |reader, scope| {
        let counts: Vec<(&'static str, i64)> = FIRST_RESPONSE_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                (
                    *name,
                    reader.count(scope, &metric::first_response_bucket(i), range),
                )
            })
            .collect();
        counts.iter().any(|(_, c)| *c != 0).then_some(counts)
    })
    .await
}

/// `GET /reports/inbox_label_matrix`: inboxes by name, labels by title, and per cell the
/// conversations of the inbox created in the range that carry the label now.
pub struct Matrix {
    pub inboxes: Vec<(i64, String)>,
    pub labels: Vec<(i64, String)>,
    pub counts: Vec<Vec<i64>>,
}

pub async fn inbox_label_matrix(
    state: &AppState,
    account_id: i64,
    range: Range,
    inbox_ids: &[i64],
    label_ids: &[i64],
) -> AppResult<Matrix> {
    let mut inboxes: Vec<(i64, String)> = inboxes::list(state, account_id)
        .await?
        .into_iter()
        .filter(|i| inbox_ids.is_empty() || inbox_ids.contains(&i.id))
        .map(|i| (i.id, i.name))
        .collect();
    inboxes.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut labels: Vec<(i64, String)> = labels::list(state, account_id)
        .await?
        .into_iter()
        .filter(|l| label_ids.is_empty() || label_ids.contains(&l.id))
        .map(|l| (l.id, l.title))
        .collect();
    labels.sort_by(|a, b| a.1.cmp(&b.1));
    let scopes: Vec<Scope> = inboxes.iter().map(|(id, _)| Scope::Inbox(*id)).collect();
    let aggregates = read(state, account_id, &scopes, &[range]).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: false,
    };
    let counts = scopes
        .iter()
        .map(|scope| {
            labels
                .iter()
                .map(|(_, title)| {
                    reader.count(scope, &metric::conversations_labelled(title), range)
                })
                .collect()
        })
        .collect();
    Ok(Matrix {
        inboxes,
        labels,
        counts,
    })
}

/// Outgoing messages in the range per agent (of conversations assigned to them, bots'
/// messages left out), team, inbox or label: `(id, name, count)`, entities with none left out.
pub async fn outgoing_messages(
    state: &AppState,
    account_id: i64,
    grouping: Grouping,
    range: Option<Range>,
) -> AppResult<Vec<(i64, String, i64)>> {
    let name = match grouping {
        Grouping::Agent => metric::OUTGOING_BY_ASSIGNEE,
        _ => metric::OUTGOING,
    };
    let entities = entities(state, account_id, grouping).await?;
    let Some(range) = range else {
        return Ok(Vec::new());
    };
    let scopes: Vec<Scope> = entities.iter().map(|(_, _, s)| s.clone()).collect();
    let aggregates = read(state, account_id, &scopes, &[range]).await?;
    let reader = Reader {
        aggregates: &aggregates,
        business_hours: false,
    };
    Ok(entities
        .into_iter()
        .map(|(id, title, scope)| (id, title, reader.count(&scope, name, range)))
        .filter(|(_, _, count)| *count > 0)
        .collect())
}
