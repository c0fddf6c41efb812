//! The embedded adapter: one `redb` file on disk (ACID, crash-safe, survives restarts).
//!
//! Items are stored as JSON under `PK \0 SK`; the secondary index is a second table keyed
//! `GSI1PK \0 GSI1SK \0 PK \0 SK`, kept in the same write transaction as the item, so it is
//! always consistent (DynamoDB's is eventually consistent; nothing here relies on the lag).
//! redb serialises write transactions, which gives `write` its all-or-nothing semantics.

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde_json::Value;
use shared::clock::Clock;
use shared::store::cursor::{self, CursorKey};
use shared::store::{
    is_expired, validate_write, Condition, Index, Item, Key, Page, Query, SortKey, Store,
    StoreError, WriteOp, GSI1PK, GSI1SK, MAX_BATCH_GET, PK, SK,
};
use std::path::Path;
use std::sync::Arc;

const ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("items");
const GSI1: TableDefinition<&str, &[u8]> = TableDefinition::new("gsi1");
/// The change log: every outbox event record inserted, by commit sequence (what the table's
/// stream is in AWS). The local dispatcher tails it and removes what it has handled.
const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");
const SEP: char = '\0';
/// Sorts after every character a key may contain: the open end of prefix ranges.
const HIGH: char = char::MAX;
/// How many items a query page holds when the caller sets no limit (DynamoDB stops at 1 MB).
const DEFAULT_PAGE: usize = 1000;

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    /// Woken after each commit that added to the change log.
    changed: Arc<tokio::sync::Notify>,
    /// Judges expiry: the domain's clock, so a test's fixed time is fixed here too.
    clock: Arc<dyn Clock>,
}

impl EmbeddedStore {
    /// Opens (or creates) the store file `store.redb` inside `dir`; items whose TTL has
    /// passed on `clock` read as absent.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let db = Database::create(dir.join("store.redb")).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(ITEMS).map_err(backend)?;
        txn.open_table(GSI1).map_err(backend)?;
        txn.open_table(CHANGES).map_err(backend)?;
        txn.commit().map_err(backend)?;
        Ok(EmbeddedStore {
            db: Arc::new(db),
            changed: Arc::new(tokio::sync::Notify::new()),
            clock,
        })
    }

    fn now_seconds(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    /// Up to `limit` change-log entries after sequence `after`, oldest first.
    pub async fn changes_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Item)>, StoreError> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let changes = txn.open_table(CHANGES).map_err(backend)?;
            let range = changes.range(after.saturating_add(1)..).map_err(backend)?;
            range
                .take(limit)
                .map(|entry| {
                    let (seq, bytes) = entry.map_err(backend)?;
                    Ok((seq.value(), decode_item(bytes.value())?))
                })
                .collect()
        })
        .await
    }

    /// Removes a handled change-log entry.
    pub async fn acknowledge(&self, seq: u64) -> Result<(), StoreError> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            txn.open_table(CHANGES)
                .map_err(backend)?
                .remove(seq)
                .map_err(backend)?;
            txn.commit().map_err(backend)
        })
        .await
    }

    /// Resolves after the next commit that adds to the change log (or at once if one
    /// happened since the last wait).
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn item_key(pk: &str, sk: &str) -> String {
    format!("{pk}{SEP}{sk}")
}

fn index_key(gpk: &str, gsk: &str, pk: &str, sk: &str) -> String {
    format!("{gpk}{SEP}{gsk}{SEP}{pk}{SEP}{sk}")
}

fn index_key_of(item: &Item) -> Option<String> {
    let gpk = item.get(GSI1PK)?.as_str()?;
    let gsk = item.get(GSI1SK)?.as_str()?;
    let key = Key::of(item)?;
    Some(index_key(gpk, gsk, &key.pk, &key.sk))
}

fn decode_item(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes).map_err(backend)
}

fn read_item<T: ReadableTable<&'static str, &'static [u8]>>(
    table: &T,
    key: &Key,
) -> Result<Option<Item>, StoreError> {
    match table
        .get(item_key(&key.pk, &key.sk).as_str())
        .map_err(backend)?
    {
        Some(guard) => Ok(Some(decode_item(guard.value())?)),
        None => Ok(None),
    }
}

fn holds(condition: &Condition, current: Option<&Item>) -> bool {
    match (condition, current) {
        (Condition::NotExists, current) => current.is_none(),
        (Condition::Exists, current) => current.is_some(),
        (Condition::Equals { attr, value }, Some(item)) => item.get(attr) == Some(value),
        (Condition::Equals { .. }, None) => false,
    }
}

/// Inclusive start and end of the composite keys a sort-key condition selects.
fn bounds(partition: &str, sk: &SortKey) -> (String, String) {
    let head = format!("{partition}{SEP}");
    match sk {
        SortKey::All => (head.clone(), format!("{head}{HIGH}")),
        SortKey::Prefix(p) => (format!("{head}{p}"), format!("{head}{p}{HIGH}")),
        SortKey::Between(lo, hi) => (format!("{head}{lo}"), format!("{head}{hi}{SEP}{HIGH}")),
    }
}

fn query_blocking(db: &Database, q: &Query, now: i64) -> Result<Page, StoreError> {
    let txn = db.begin_read().map_err(backend)?;
    let items = txn.open_table(ITEMS).map_err(backend)?;
    let on_index = q.index == Index::Gsi1;
    let (mut start, mut end) = bounds(&q.pk, &q.sk);
    let after = match &q.cursor {
        Some(c) => Some(cursor::decode(c)?),
        None => None,
    };
    let resume = after.as_ref().map(|k| composite(k, on_index)).transpose()?;
    if let Some(resume) = &resume {
        if q.forward {
            start = resume.clone();
        } else {
            end = resume.clone();
        }
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).max(1);
    let mut page = Vec::new();
    let mut more = false;
    let index = txn.open_table(GSI1).map_err(backend)?;
    let table_range = if on_index {
        index.range(start.as_str()..=end.as_str())
    } else {
        items.range(start.as_str()..=end.as_str())
    }
    .map_err(backend)?;
    let entries: Box<dyn Iterator<Item = _>> = if q.forward {
        Box::new(table_range)
    } else {
        Box::new(table_range.rev())
    };
    for entry in entries {
        let (key, value) = entry.map_err(backend)?;
        let composite_key = key.value();
        if resume.as_deref() == Some(composite_key) {
            continue;
        }
        let item = if on_index {
            let mut parts = composite_key.splitn(4, SEP).skip(2);
            let (Some(pk), Some(sk)) = (parts.next(), parts.next()) else {
                continue;
            };
            match read_item(&items, &Key::new(pk, sk))? {
                Some(item) => item,
                None => continue,
            }
        } else {
            decode_item(value.value())?
        };
        if is_expired(&item, now) {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        page.push(item);
    }
    let cursor = if more {
        page.last()
            .and_then(|item| cursor::key_of(item, on_index))
            .map(|k| cursor::encode(&k))
    } else {
        None
    };
    Ok(Page {
        items: page,
        cursor,
    })
}

fn composite(key: &CursorKey, on_index: bool) -> Result<String, StoreError> {
    match (&key.gsi, on_index) {
        (Some((gpk, gsk)), true) => Ok(index_key(gpk, gsk, &key.pk, &key.sk)),
        (None, false) => Ok(item_key(&key.pk, &key.sk)),
        _ => Err(StoreError::Invalid("page cursor of another index".into())),
    }
}

/// Applies the operations in one transaction; returns whether the change log grew.
fn write_blocking(db: &Database, ops: Vec<WriteOp>) -> Result<bool, StoreError> {
    validate_write(&ops)?;
    let txn = db.begin_write().map_err(backend)?;
    let mut logged = false;
    {
        let mut items = txn.open_table(ITEMS).map_err(backend)?;
        let mut index = txn.open_table(GSI1).map_err(backend)?;
        let mut changes = txn.open_table(CHANGES).map_err(backend)?;
        // Check every condition before changing anything, so a failure writes nothing.
        for (i, op) in ops.iter().enumerate() {
            let (key, condition) = match op {
                WriteOp::Put { item, condition } => (Key::of(item), condition.as_ref()),
                WriteOp::Delete { key, condition } => (Some(key.clone()), condition.as_ref()),
                WriteOp::Check { key, condition } => (Some(key.clone()), Some(condition)),
                WriteOp::Add { .. } => (None, None),
            };
            if let (Some(key), Some(condition)) = (key, condition) {
                let current = read_item(&items, &key)?;
                if !holds(condition, current.as_ref()) {
                    return Err(StoreError::ConditionFailed { op: i });
                }
            }
        }
        for op in ops {
            match op {
                WriteOp::Put { item, .. } => {
                    let key = Key::of(&item).expect("validated above");
                    remove(&mut items, &mut index, &key)?;
                    insert(&mut items, &mut index, &item)?;
                    if is_event(&item) {
                        let next = changes
                            .last()
                            .map_err(backend)?
                            .map_or(1, |(seq, _)| seq.value() + 1);
                        let bytes = serde_json::to_vec(&item).map_err(backend)?;
                        changes.insert(next, bytes.as_slice()).map_err(backend)?;
                        logged = true;
                    }
                }
                WriteOp::Delete { key, .. } => remove(&mut items, &mut index, &key)?,
                WriteOp::Check { .. } => {}
                WriteOp::Add { key, deltas } => {
                    for (attr, by) in deltas {
                        add(&mut items, &mut index, &key, &attr, by)?;
                    }
                }
            }
        }
    }
    txn.commit().map_err(backend)?;
    Ok(logged)
}

/// Outbox records are what the change log carries (the stream's filter in AWS).
fn is_event(item: &Item) -> bool {
    item.get(shared::model::ENTITY).and_then(Value::as_str) == Some(shared::outbox::EVENT_ENTITY)
}

type ItemsTable<'t> = redb::Table<'t, &'static str, &'static [u8]>;

fn insert(items: &mut ItemsTable, index: &mut ItemsTable, item: &Item) -> Result<(), StoreError> {
    let key = Key::of(item).ok_or_else(|| StoreError::Invalid("item without PK/SK".into()))?;
    let bytes = serde_json::to_vec(item).map_err(backend)?;
    items
        .insert(item_key(&key.pk, &key.sk).as_str(), bytes.as_slice())
        .map_err(backend)?;
    if let Some(ikey) = index_key_of(item) {
        index
            .insert(ikey.as_str(), [].as_slice())
            .map_err(backend)?;
    }
    Ok(())
}

fn remove(items: &mut ItemsTable, index: &mut ItemsTable, key: &Key) -> Result<(), StoreError> {
    let old = items
        .remove(item_key(&key.pk, &key.sk).as_str())
        .map_err(backend)?
        .map(|guard| decode_item(guard.value()))
        .transpose()?;
    if let Some(ikey) = old.as_ref().and_then(index_key_of) {
        index.remove(ikey.as_str()).map_err(backend)?;
    }
    Ok(())
}

fn add(
    items: &mut ItemsTable,
    index: &mut ItemsTable,
    key: &Key,
    attr: &str,
    by: i64,
) -> Result<i64, StoreError> {
    let mut item = read_item(items, key)?.unwrap_or_else(|| {
        let mut fresh = Item::new();
        fresh.insert(PK.into(), key.pk.clone().into());
        fresh.insert(SK.into(), key.sk.clone().into());
        fresh
    });
    let current = match item.get(attr) {
        None => 0,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| StoreError::Invalid(format!("attribute {attr} is not a number")))?,
    };
    let next = current
        .checked_add(by)
        .ok_or_else(|| StoreError::Invalid(format!("attribute {attr} overflows")))?;
    item.insert(attr.into(), Value::from(next));
    remove(items, index, key)?;
    insert(items, index, &item)?;
    Ok(next)
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        let now = self.now_seconds();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            Ok(read_item(&items, &key)?.filter(|item| !is_expired(item, now)))
        })
        .await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        if keys.len() > MAX_BATCH_GET {
            return Err(StoreError::Invalid(format!(
                "{} keys exceed the batch limit of {MAX_BATCH_GET}",
                keys.len()
            )));
        }
        let keys = keys.to_vec();
        let now = self.now_seconds();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            keys.iter()
                .map(|key| Ok(read_item(&items, key)?.filter(|item| !is_expired(item, now))))
                .collect()
        })
        .await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let query = query.clone();
        let now = self.now_seconds();
        self.blocking(move |db| query_blocking(db, &query, now))
            .await
    }

    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        if self.blocking(move |db| write_blocking(db, ops)).await? {
            self.changed.notify_one();
        }
        Ok(())
    }

    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError> {
        let key = key.clone();
        let attr = attr.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            let value = {
                let mut items = txn.open_table(ITEMS).map_err(backend)?;
                let mut index = txn.open_table(GSI1).map_err(backend)?;
                add(&mut items, &mut index, &key, &attr, by)?
            };
            txn.commit().map_err(backend)?;
            Ok(value)
        })
        .await
    }
}
