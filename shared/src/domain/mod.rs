//! Domain services: the rules of each resource, over the storage and blob ports only.
//! Handlers parse and authorize, call one of these, and render the result.

pub mod account_agent_bots;
pub mod accounts;
pub mod actor;
pub mod agent_bot_inboxes;
pub mod agent_bots;
pub mod agents;
pub mod audit;
pub mod audit_logs;
pub mod automation;
pub mod avatars;
pub mod campaigns;
pub mod canned_responses;
pub mod cascades;
pub mod client;
pub mod contact_inboxes;
pub mod contact_index;
pub mod contacts;
pub mod conversations;
pub mod csat;
pub mod csat_responses;
pub mod custom_attributes;
pub mod custom_filters;
pub mod filters;
pub mod help_center;
pub mod inboxes;
pub mod integrations;
pub mod labels;
pub mod memberships;
pub mod messages;
pub mod platform;
pub mod profile;
pub mod reports;
pub mod teams;
pub mod users;
pub mod validate;
pub mod webhooks;

use crate::error::{AppError, AppResult};
use crate::model::Versioned;
use crate::state::AppState;
use crate::store::{Key, StoreError, WriteOp};

/// How often a write is tried again after losing a race (id collision, version conflict,
/// a transaction conflict on a shared item such as a cache key).
const ATTEMPTS: usize = 8;

/// Creates a record under a fresh id. `build` returns the record and its writes, the
/// id-keyed create first: if that one collides (same id drawn twice) a new id is drawn.
/// Any other failed condition is returned to the caller to explain.
pub async fn create_with_fresh_id<T>(
    state: &AppState,
    mut build: impl FnMut(i64) -> (T, Vec<WriteOp>),
) -> Result<T, StoreError> {
    let mut last = StoreError::Conflict;
    for _ in 0..ATTEMPTS {
        let id = crate::ids::new_id(state.clock.now_ms());
        let (record, ops) = build(id);
        match retrying(store_conflict, || state.store.write(ops.clone())).await {
            Ok(()) => return Ok(record),
            Err(StoreError::ConditionFailed { op: 0 }) => {
                last = StoreError::ConditionFailed { op: 0 }
            }
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Saves a changed record with optimistic locking. `change` is applied to `current` and
/// returns the other writes of the same transaction; on a version conflict the record is
/// read again and `change` re-applied. A failed condition on one of the other writes is a
/// lost race the caller cannot win by retrying: it answers 503 (see [`save_claiming`]).
pub async fn save_versioned<R, F>(state: &AppState, current: R, change: F) -> AppResult<R>
where
    R: Versioned + Clone,
    F: FnMut(&mut R) -> AppResult<Vec<WriteOp>>,
{
    save_claiming(state, current, change, |_| AppError::Unavailable).await
}

/// [`save_versioned`] whose other writes may claim something (a unique name): when the
/// condition of extra write `n` fails, the answer is `explain(n)` (typically a 422 "has
/// already been taken"). Transaction conflicts are retried.
pub async fn save_claiming<R, F>(
    state: &AppState,
    mut current: R,
    mut change: F,
    explain: impl Fn(usize) -> AppError,
) -> AppResult<R>
where
    R: Versioned + Clone,
    F: FnMut(&mut R) -> AppResult<Vec<WriteOp>>,
{
    for attempt in 0..CONTENDED_ATTEMPTS {
        let mut next = current.clone();
        let version = next.version();
        let extra = change(&mut next)?;
        next.set_version(version + 1);
        let mut ops = vec![WriteOp::replace_version(next.to_item(), version)];
        ops.extend(extra);
        match retrying(store_conflict, || state.store.write(ops.clone())).await {
            Ok(()) => return Ok(next),
            Err(StoreError::ConditionFailed { op: 0 }) => {
                contended_pause(attempt).await;
                let item = state
                    .store
                    .get(&current.key())
                    .await?
                    .ok_or(AppError::NotFound)?;
                current = R::from_item(item)?;
            }
            Err(StoreError::ConditionFailed { op }) => return Err(explain(op - 1)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

/// How many times a versioned save of a busy record is tried again after losing a race
/// (a conversation receiving messages in parallel, a contact linked to many inboxes at once).
pub const CONTENDED_ATTEMPTS: u32 = 40;

/// A jittered, growing pause (capped at 100 ms) before trying a contended save again.
pub async fn contended_pause(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6)).min(100);
    let jitter: u64 = rand::random_range(0..=base);
    tokio::time::sleep(std::time::Duration::from_millis(base / 2 + jitter)).await;
}

/// Runs `attempt` again, after a short jittered pause, while it fails transiently: a
/// transaction that collided with another on a shared item (a cache key, a claim) failed as
/// a whole and may simply be repeated.
pub async fn retrying<T, E, F, Fut>(transient: fn(&E) -> bool, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(e) if transient(&e) && tries + 1 < CONTENDED_ATTEMPTS => {
                contended_pause(tries).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Store failures worth repeating the same request for.
pub fn store_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict | StoreError::Throttled)
}

/// Domain failures worth repeating the same request for.
pub fn app_unavailable(e: &AppError) -> bool {
    *e == AppError::Unavailable
}

/// Every item a query selects, following its pages.
pub async fn query_all(
    state: &AppState,
    mut query: crate::store::Query,
) -> AppResult<Vec<crate::store::Item>> {
    let mut items = Vec::new();
    loop {
        let page = state.store.query(&query).await?;
        items.extend(page.items);
        match page.cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(items),
        }
    }
}

/// [`query_all`], read as records.
pub async fn query_records<R: crate::model::Record>(
    state: &AppState,
    query: crate::store::Query,
) -> AppResult<Vec<R>> {
    query_all(state, query)
        .await?
        .into_iter()
        .map(|item| R::from_item(item).map_err(AppError::from))
        .collect()
}

/// Runs writes in transactions of at most the store's limit, in order.
pub async fn write_in_chunks(state: &AppState, ops: Vec<WriteOp>) -> AppResult<()> {
    let mut ops = ops.into_iter().peekable();
    while ops.peek().is_some() {
        let chunk: Vec<WriteOp> = ops
            .by_ref()
            .take(crate::store::MAX_TRANSACTION_OPS)
            .collect();
        state.store.write(chunk).await?;
    }
    Ok(())
}

/// Runs groups of writes in transactions of at most the store's limit, never splitting a
/// group (the writes of one change that must land together), in order. Counters several
/// groups of one transaction move (the audit log's count) are added up into one write.
pub async fn write_groups(state: &AppState, groups: Vec<Vec<WriteOp>>) -> AppResult<()> {
    let mut batch: Vec<WriteOp> = Vec::new();
    for group in groups {
        if !batch.is_empty() && batch.len() + group.len() > crate::store::MAX_TRANSACTION_OPS {
            state.store.write(std::mem::take(&mut batch)).await?;
        }
        for op in group {
            merge_into(&mut batch, op);
        }
    }
    if !batch.is_empty() {
        state.store.write(batch).await?;
    }
    Ok(())
}

/// Adds `op` to a transaction's writes; an `Add` to a counter the transaction already moves
/// joins that write (a transaction may touch an item once).
fn merge_into(batch: &mut Vec<WriteOp>, op: WriteOp) {
    if let WriteOp::Add { key, deltas } = &op {
        let existing = batch.iter_mut().find_map(|other| match other {
            WriteOp::Add {
                key: other_key,
                deltas: other_deltas,
            } if other_key == key => Some(other_deltas),
            _ => None,
        });
        if let Some(existing) = existing {
            for (attr, by) in deltas {
                match existing.iter_mut().find(|(name, _)| name == attr) {
                    Some((_, total)) => *total += by,
                    None => existing.push((attr.clone(), *by)),
                }
            }
            return;
        }
    }
    batch.push(op);
}

/// The kinds of account data whose last change clients track (Chatwoot's `cache_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKey {
    Label,
    Inbox,
    Team,
}

impl CacheKey {
    pub const ALL: [CacheKey; 3] = [CacheKey::Label, CacheKey::Inbox, CacheKey::Team];

    pub fn name(self) -> &'static str {
        match self {
            CacheKey::Label => "label",
            CacheKey::Inbox => "inbox",
            CacheKey::Team => "team",
        }
    }
}

/// The write that marks a kind of account data as changed; goes into the change's transaction.
pub fn touch_cache_key(account_id: i64, kind: CacheKey, now_ms: i64) -> WriteOp {
    let key = crate::keys::account_cache_key(account_id, kind.name());
    let mut item = crate::store::Item::new();
    item.insert(crate::store::PK.into(), key.pk.into());
    item.insert(crate::store::SK.into(), key.sk.into());
    item.insert("changed_at".into(), serde_json::json!(now_ms / 1000));
    WriteOp::put(item)
}

/// The account's `cache_keys`: epoch seconds of the last change of each kind (0 if never).
pub async fn cache_keys(
    state: &AppState,
    account_id: i64,
) -> AppResult<serde_json::Map<String, serde_json::Value>> {
    let keys: Vec<Key> = CacheKey::ALL
        .iter()
        .map(|kind| crate::keys::account_cache_key(account_id, kind.name()))
        .collect();
    let found = state.store.get_many(&keys).await?;
    Ok(CacheKey::ALL
        .iter()
        .zip(found)
        .map(|(kind, item)| {
            let at = item
                .and_then(|i| i.get("changed_at").and_then(serde_json::Value::as_i64))
                .unwrap_or(0);
            (kind.name().to_owned(), serde_json::json!(at))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_of_one_transaction_are_added_up() {
        let counter = Key::new("A", "COUNT");
        let mut batch = Vec::new();
        merge_into(&mut batch, WriteOp::add(counter.clone(), "total", 1));
        merge_into(&mut batch, WriteOp::delete(Key::new("A", "X")));
        merge_into(&mut batch, WriteOp::add(counter.clone(), "total", 2));
        merge_into(&mut batch, WriteOp::add(counter.clone(), "other", -1));
        assert_eq!(
            batch,
            vec![
                WriteOp::Add {
                    key: counter,
                    deltas: vec![("total".into(), 3), ("other".into(), -1)],
                },
                WriteOp::delete(Key::new("A", "X")),
            ]
        );
    }
}
