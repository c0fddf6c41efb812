//! Write-time aggregates: what makes a report's cost grow with its buckets, never with the
//! history behind it.
//!
//! Every reporting fact, message and conversation adds to counters ([`Tally`]) of the scopes
//! it belongs to (the account, its inbox, agent, team, labels, channel type). Each scope keeps
//! two kinds of item, written together:
//! - a **day item** per UTC day with one counter per metric and quarter hour (`metric@q`,
//!   q = 0‥95): fine enough for every time-zone offset a report may bucket by;
//! - a **month item** per UTC month with one counter per metric and day (`metric@d`,
//!   d = 1‥31): what long ranges read.
//!
//! A sum over `[from, to)` takes whole UTC days from month items and the parts of days at the
//! edges from day items ([`Plan`] lists the keys, one batch read fetches them, [`Aggregates`]
//! adds up). Bounds are quarter hours: a counter counts when its quarter hour starts inside
//! the range.

use crate::error::AppResult;
use crate::keys::{claim_text, reports as keys};
use crate::state::AppState;
use crate::store::{Item, Key, WriteOp, MAX_BATCH_GET};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Date, Duration, OffsetDateTime};

pub const QUARTER_MS: i64 = 15 * 60 * 1000;
pub const DAY_MS: i64 = 24 * 3600 * 1000;
const QUARTERS_PER_DAY: i64 = DAY_MS / QUARTER_MS;

/// What a counter is kept for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Account,
    /// A user: the agent a fact credits, the sender of messages, the assignee of conversations.
    Agent(i64),
    Inbox(i64),
    Team(i64),
    /// A label, by title (conversations carry titles).
    Label(String),
    /// An inbox channel type (`Channel::Api`).
    Channel(String),
}

impl Scope {
    pub fn name(&self) -> String {
        match self {
            Scope::Account => "account".into(),
            Scope::Agent(id) => format!("agent#{id}"),
            Scope::Inbox(id) => format!("inbox#{id}"),
            Scope::Team(id) => format!("team#{id}"),
            Scope::Label(title) => format!("label#{}", claim_text(&title.to_lowercase())),
            Scope::Channel(kind) => format!("channel#{kind}"),
        }
    }
}

/// One change of one counter: `delta` added to `metric` of `scope` at the instant `at_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub scope: Scope,
    pub metric: String,
    pub at_ms: i64,
    pub delta: i64,
}

impl Tally {
    pub fn new(scope: Scope, metric: impl Into<String>, at_ms: i64, delta: i64) -> Self {
        Tally {
            scope,
            metric: metric.into(),
            at_ms,
            delta,
        }
    }
}

/// The UTC date of an instant.
pub fn utc_date(ms: i64) -> Date {
    let seconds = ms.div_euclid(1000);
    OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// The instant a UTC date begins.
pub fn date_start_ms(date: Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp() * 1000
}

fn day_label(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn month_label(date: Date) -> String {
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

fn attribute(metric: &str, slot: i64) -> String {
    format!("{metric}@{slot}")
}

/// The counter updates for `tallies`: one `Add` per day item and per month item touched,
/// deltas of the same counter summed and zero sums dropped (a move that cancels out writes
/// nothing).
pub fn writes(account_id: i64, tallies: &[Tally]) -> Vec<WriteOp> {
    let mut items: BTreeMap<Key, BTreeMap<String, i64>> = BTreeMap::new();
    for tally in tallies {
        let scope = tally.scope.name();
        let date = utc_date(tally.at_ms);
        let quarter = (tally.at_ms - date_start_ms(date)) / QUARTER_MS;
        let day = keys::day_aggregate(account_id, &scope, &day_label(date));
        let month = keys::month_aggregate(account_id, &scope, &month_label(date));
        for (key, slot) in [(day, quarter), (month, i64::from(date.day()))] {
            *items
                .entry(key)
                .or_default()
                .entry(attribute(&tally.metric, slot))
                .or_default() += tally.delta;
        }
    }
    items
        .into_iter()
        .filter_map(|(key, counters)| {
            let deltas: Vec<(String, i64)> =
                counters.into_iter().filter(|(_, by)| *by != 0).collect();
            (!deltas.is_empty()).then_some(WriteOp::Add { key, deltas })
        })
        .collect()
}

/// Where one UTC day's part of a range is read from.
enum Piece {
    /// The whole day: its counter in the month item.
    WholeDay(Date),
    /// Quarters `first..end` of the day item.
    Quarters(Date, i64, i64),
}

/// The pieces of `[from, to)`, day by day.
fn pieces(from: i64, to: i64) -> Vec<Piece> {
    let mut pieces = Vec::new();
    if to <= from {
        return pieces;
    }
    let mut date = utc_date(from);
    loop {
        let start = date_start_ms(date);
        if start >= to {
            break;
        }
        let end = start + DAY_MS;
        if from <= start && end <= to {
            pieces.push(Piece::WholeDay(date));
        } else {
            let first = ((from.max(start) - start) + QUARTER_MS - 1) / QUARTER_MS;
            let last = ((to.min(end) - start) + QUARTER_MS - 1) / QUARTER_MS;
            if first < last {
                pieces.push(Piece::Quarters(date, first, last.min(QUARTERS_PER_DAY)));
            }
        }
        date = date.saturating_add(Duration::DAY);
    }
    pieces
}

fn piece_key(account_id: i64, scope: &str, piece: &Piece) -> Key {
    match piece {
        Piece::WholeDay(date) => keys::month_aggregate(account_id, scope, &month_label(*date)),
        Piece::Quarters(date, ..) => keys::day_aggregate(account_id, scope, &day_label(*date)),
    }
}

/// The items some sums will need: add ranges, then [`Plan::load`].
#[derive(Default)]
pub struct Plan {
    keys: BTreeSet<Key>,
}

impl Plan {
    pub fn new() -> Self {
        Plan::default()
    }

    /// Makes `[from, to)` of `scope` readable.
    pub fn cover(&mut self, account_id: i64, scope: &Scope, from: i64, to: i64) {
        let name = scope.name();
        for piece in pieces(from, to) {
            self.keys.insert(piece_key(account_id, &name, &piece));
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Reads every planned item: batches of [`MAX_BATCH_GET`], sent together.
    pub async fn load(self, state: &AppState, account_id: i64) -> AppResult<Aggregates> {
        let keys: Vec<Key> = self.keys.into_iter().collect();
        let batches = keys
            .chunks(MAX_BATCH_GET)
            .map(|chunk| state.store.get_many(chunk));
        let found = futures::future::try_join_all(batches).await?;
        let items = keys
            .into_iter()
            .zip(found.into_iter().flatten())
            .filter_map(|(key, item)| item.map(|item| (key, item)))
            .collect();
        Ok(Aggregates { account_id, items })
    }
}

/// Loaded aggregate items, summed over ranges.
pub struct Aggregates {
    account_id: i64,
    items: HashMap<Key, Item>,
}

impl Aggregates {
    /// The sum of `metric` of `scope` over `[from, to)` (the range must have been planned).
    pub fn sum(&self, scope: &Scope, metric: &str, from: i64, to: i64) -> i64 {
        let name = scope.name();
        let counter = |key: &Key, slot: i64| {
            self.items
                .get(key)
                .and_then(|item| item.get(&attribute(metric, slot)))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        pieces(from, to)
            .iter()
            .map(|piece| {
                let key = piece_key(self.account_id, &name, piece);
                match piece {
                    Piece::WholeDay(date) => counter(&key, i64::from(date.day())),
                    Piece::Quarters(_, first, end) => {
                        (*first..*end).map(|quarter| counter(&key, quarter)).sum()
                    }
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-16 00:00 UTC.
    const DAY: i64 = 1_794_787_200_000;
    const HOUR: i64 = 3_600_000;

    fn loaded(tallies: &[Tally]) -> Aggregates {
        let mut items: HashMap<Key, Item> = HashMap::new();
        for op in writes(1, tallies) {
            let WriteOp::Add { key, deltas } = op else {
                panic!("only counter updates expected");
            };
            let item = items.entry(key).or_default();
            for (attr, by) in deltas {
                let now = item.get(&attr).and_then(Value::as_i64).unwrap_or(0);
                item.insert(attr, (now + by).into());
            }
        }
        Aggregates {
            account_id: 1,
            items,
        }
    }

    #[test]
    fn sums_whole_days_from_months_and_edges_from_quarters() {
        let tallies = [
            Tally::new(Scope::Account, "cc", DAY + 2 * HOUR, 1),
            Tally::new(Scope::Account, "cc", DAY + 20 * HOUR, 1),
            Tally::new(Scope::Account, "cc", DAY + 30 * HOUR, 1),
            Tally::new(Scope::Inbox(3), "cc", DAY + 30 * HOUR, 1),
        ];
        let aggregates = loaded(&tallies);
        let account = Scope::Account;
        assert_eq!(aggregates.sum(&account, "cc", DAY, DAY + 2 * DAY_MS), 3);
        assert_eq!(aggregates.sum(&account, "cc", DAY, DAY + DAY_MS), 2);
        // A day in +05:30 (18:30 UTC the day before → 18:30 UTC).
        let offset = 5 * HOUR + HOUR / 2;
        assert_eq!(
            aggregates.sum(&account, "cc", DAY - offset, DAY + DAY_MS - offset),
            1
        );
        assert_eq!(aggregates.sum(&Scope::Inbox(3), "cc", DAY, DAY + DAY_MS), 0);
        assert_eq!(
            aggregates.sum(&Scope::Inbox(3), "cc", DAY + DAY_MS, DAY + 2 * DAY_MS),
            1
        );
    }

    #[test]
    fn a_move_that_cancels_writes_nothing() {
        let at = DAY + HOUR;
        let ops = writes(
            1,
            &[
                Tally::new(Scope::Account, "cc", at, 1),
                Tally::new(Scope::Account, "cc", at, -1),
            ],
        );
        assert!(ops.is_empty());
    }

    #[test]
    fn plans_month_items_for_whole_days_and_day_items_for_edges() {
        let mut plan = Plan::new();
        plan.cover(1, &Scope::Account, DAY, DAY + 365 * DAY_MS);
        assert!(plan.len() <= 14, "{} items for a UTC year", plan.len());
        let mut plan = Plan::new();
        let offset = 5 * HOUR + HOUR / 2;
        plan.cover(
            1,
            &Scope::Account,
            DAY - offset,
            DAY + 365 * DAY_MS - offset,
        );
        // Two edge days plus the months.
        assert!(plan.len() <= 16, "{} items for a shifted year", plan.len());
    }
}
