//! Custom filters: saved views, private to the user who made them. A user's filters share a
//! sort-key prefix in the account partition, so every lookup is scoped to the caller by key.
//! The per-user limit is a counter item written in the same transaction as each create
//! (conditioned on the count read) and each delete, so concurrent creates cannot overshoot.

use super::create_with_fresh_id;
use super::validate::{self, STRING_COLUMN};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{self, custom_filters as filter_keys};
use crate::model::custom_filter::{
    CustomFilter, CustomFilterCount, FILTER_TYPES, MAX_FILTERS_PER_USER,
};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, Query, StoreError, WriteOp};
use serde_json::{Map, Value};
use std::time::Duration;

pub const DEFAULT_FILTER_TYPE: &str = "conversation";

/// How often a create is tried again when another create or delete of the same user changed
/// the counter in between.
const COUNTER_ATTEMPTS: u32 = 8;

/// What a client may set; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct FilterChanges {
    pub name: Option<Option<String>>,
    /// A filter type by name or by Chatwoot's integer (`"0"`, `"1"`, `"2"`).
    pub filter_type: Option<Option<String>>,
    /// Stored verbatim; must be an object (`null` stores `{}`).
    pub query: Option<Value>,
}

/// A filter type by name or integer.
fn parse_filter_type(given: &str) -> Option<&'static str> {
    let given = given.trim();
    FILTER_TYPES
        .iter()
        .enumerate()
        .find(|(index, name)| **name == given || index.to_string() == given)
        .map(|(_, name)| *name)
}

fn apply(filter: &mut CustomFilter, changes: &FilterChanges) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    if let Some(name) = &changes.name {
        filter.name = name.clone().unwrap_or_default();
    }
    if let Some(given) = &changes.filter_type {
        match given.as_deref().filter(|g| !g.trim().is_empty()) {
            None => filter.filter_type = DEFAULT_FILTER_TYPE.into(),
            Some(given) => match parse_filter_type(given) {
                Some(known) => filter.filter_type = known.into(),
                None => errors.add("filter_type", "is not included in the list"),
            },
        }
    }
    match &changes.query {
        None => {}
        Some(Value::Null) => filter.query = Map::new(),
        Some(Value::Object(query)) => filter.query = query.clone(),
        // Form clients send an empty string for an empty hash.
        Some(Value::String(s)) if s.is_empty() => filter.query = Map::new(),
        Some(_) => errors.add("query", "must be an object"),
    }
    validate::presence(&mut errors, "name", Some(&filter.name));
    validate::max_length(&mut errors, "name", Some(&filter.name), STRING_COLUMN);
    errors.into_result()
}

fn limit_reached() -> AppError {
    ValidationErrors::single(
        "account_id",
        &format!(
            "Limit reached. The maximum number of allowed custom filters for a user per account is {MAX_FILTERS_PER_USER}."
        ),
    )
}

/// The user's filters of one type (a name or Chatwoot's integer; blank means
/// `conversation`, an unknown type matches none), in creation order: one query of the
/// user's prefix.
pub async fn list(
    state: &AppState,
    account_id: i64,
    user_id: i64,
    filter_type: Option<&str>,
) -> AppResult<Vec<CustomFilter>> {
    let filter_type = match filter_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => DEFAULT_FILTER_TYPE,
        Some(given) => match parse_filter_type(given) {
            Some(known) => known,
            None => return Ok(Vec::new()),
        },
    };
    let query = Query::prefix(
        keys::account_partition(account_id),
        filter_keys::user_custom_filters_prefix(user_id),
    );
    let filters: Vec<CustomFilter> = super::query_records(state, query).await?;
    Ok(filters
        .into_iter()
        .filter(|f| f.filter_type == filter_type)
        .collect())
}

/// One of the user's filters; anyone else's id is not found.
pub async fn load(
    state: &AppState,
    account_id: i64,
    user_id: i64,
    id: i64,
) -> AppResult<CustomFilter> {
    let item = state
        .store
        .get(&filter_keys::custom_filter(account_id, user_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CustomFilter::from_item(item)?)
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    user_id: i64,
    changes: &FilterChanges,
) -> AppResult<CustomFilter> {
    let now = epoch_ms(state.clock.now());
    let mut draft = CustomFilter {
        id: 0,
        account_id,
        user_id,
        name: String::new(),
        filter_type: DEFAULT_FILTER_TYPE.into(),
        query: Map::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    let counter_key = filter_keys::custom_filter_count(account_id, user_id);
    for attempt in 0..COUNTER_ATTEMPTS {
        let count = state
            .store
            .get(&counter_key)
            .await?
            .map(|item| item.get("count").and_then(Value::as_i64).unwrap_or(0));
        let current = count.unwrap_or(0);
        if current >= MAX_FILTERS_PER_USER {
            return Err(limit_reached());
        }
        let next = CustomFilterCount {
            account_id,
            user_id,
            count: current + 1,
        }
        .to_item();
        let counter = WriteOp::Put {
            item: next,
            condition: Some(match count {
                None => Condition::NotExists,
                Some(n) => Condition::Equals {
                    attr: "count".into(),
                    value: Value::from(n),
                },
            }),
        };
        let created = create_with_fresh_id(state, |id| {
            let filter = CustomFilter {
                id,
                ..draft.clone()
            };
            (
                filter.clone(),
                vec![WriteOp::create(filter.to_item()), counter.clone()],
            )
        })
        .await;
        match created {
            Ok(filter) => return Ok(filter),
            // The counter moved (another create or delete of this user): read it again.
            Err(StoreError::ConditionFailed { op: 1 } | StoreError::Conflict) => {
                backoff(attempt).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

pub async fn update(
    state: &AppState,
    filter: CustomFilter,
    changes: &FilterChanges,
) -> AppResult<CustomFilter> {
    let now = epoch_ms(state.clock.now());
    super::save_versioned(state, filter, |filter| {
        apply(filter, changes)?;
        filter.updated_at_ms = now;
        Ok(vec![])
    })
    .await
}

/// Deletes the filter and counts it off the user's total, in one transaction; the delete is
/// conditioned on the filter existing, so a repeated delete cannot count twice. A transaction
/// that lost a race on the counter wrote nothing and is tried again.
pub async fn delete(state: &AppState, filter: &CustomFilter) -> AppResult<()> {
    for attempt in 0..COUNTER_ATTEMPTS {
        let ops = vec![
            WriteOp::Delete {
                key: filter.key(),
                condition: Some(Condition::Exists),
            },
            WriteOp::add(
                filter_keys::custom_filter_count(filter.account_id, filter.user_id),
                "count",
                -1,
            ),
        ];
        match state.store.write(ops).await {
            Ok(()) => return Ok(()),
            Err(StoreError::ConditionFailed { op: 0 }) => return Err(AppError::NotFound),
            Err(StoreError::Conflict) => backoff(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

/// A short random pause before trying a counter write again, growing with each attempt.
async fn backoff(attempt: u32) {
    let jitter = rand::random_range(0..=5u64 << attempt.min(4));
    tokio::time::sleep(Duration::from_millis(jitter)).await;
}
