//! The storage port: a single-table key-value model shaped after DynamoDB.
//!
//! Every item lives under a partition key (`PK`) and a sort key (`SK`) and may carry one
//! secondary index key pair (`GSI1PK`/`GSI1SK`). Domain code builds keys (see [`crate::keys`])
//! and speaks only in the operations below, so the same code runs over DynamoDB and over the
//! embedded on-disk store (the `store-embedded` crate). One contract suite (`tests/tests/suites/store_contract.rs`) holds both
//! adapters to the same semantics.

mod counting;
pub mod cursor;
pub mod dynamo;

pub use counting::{CountingStore, RoundTrips};

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// One stored item: every attribute, the key attributes included.
pub type Item = serde_json::Map<String, Value>;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
/// Epoch seconds after which an item counts as gone (the table's TTL attribute).
pub const EXPIRES_AT: &str = "expires_at";
/// The most items one [`Store::get_many`] call takes (DynamoDB's BatchGetItem limit).
pub const MAX_BATCH_GET: usize = 100;
/// The most operations one [`Store::write`] call takes (DynamoDB's TransactWriteItems limit).
pub const MAX_TRANSACTION_OPS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// An item holding only this key (index entries whose key says it all).
    pub fn to_item(&self) -> Item {
        Item::from_iter([
            (PK.to_owned(), self.pk.clone().into()),
            (SK.to_owned(), self.sk.clone().into()),
        ])
    }

    /// The key of a stored item, if it has both key attributes.
    pub fn of(item: &Item) -> Option<Key> {
        Some(Key::new(item.get(PK)?.as_str()?, item.get(SK)?.as_str()?))
    }
}

/// A condition on the item an operation targets, evaluated atomically with the write.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// No item has this key.
    NotExists,
    /// An item has this key.
    Exists,
    /// An item has this key and its attribute equals the value.
    Equals { attr: String, value: Value },
}

#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    /// Store the whole item (its key is read from `PK`/`SK`).
    Put {
        item: Item,
        condition: Option<Condition>,
    },
    Delete {
        key: Key,
        condition: Option<Condition>,
    },
    /// Write nothing, but fail the whole call unless the condition holds.
    Check { key: Key, condition: Condition },
    /// Add each delta to its numeric attribute, creating the item (and any missing attribute
    /// at 0) first: counters that move together (a view's `all` and `unassigned`) in one op.
    Add {
        key: Key,
        deltas: Vec<(String, i64)>,
    },
}

impl WriteOp {
    pub fn put(item: Item) -> Self {
        WriteOp::Put {
            item,
            condition: None,
        }
    }

    /// A put that fails if the key is taken: how every create and uniqueness claim is written.
    pub fn create(item: Item) -> Self {
        WriteOp::Put {
            item,
            condition: Some(Condition::NotExists),
        }
    }

    /// A put that fails unless the item still has the version the caller read.
    pub fn replace_version(item: Item, version: i64) -> Self {
        WriteOp::Put {
            item,
            condition: Some(Condition::Equals {
                attr: VERSION.into(),
                value: Value::from(version),
            }),
        }
    }

    /// Adds `by` to one counter attribute.
    pub fn add(key: Key, attr: impl Into<String>, by: i64) -> Self {
        WriteOp::Add {
            key,
            deltas: vec![(attr.into(), by)],
        }
    }

    pub fn delete(key: Key) -> Self {
        WriteOp::Delete {
            key,
            condition: None,
        }
    }
}

/// The optimistic-locking attribute kept on records that are read, changed and written back.
pub const VERSION: &str = "_v";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    Primary,
    Gsi1,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKey {
    All,
    Prefix(String),
    /// Inclusive on both ends, as DynamoDB's BETWEEN.
    Between(String, String),
}

#[derive(Clone, Debug)]
pub struct Query {
    pub index: Index,
    pub pk: String,
    pub sk: SortKey,
    /// Ascending sort-key order when true.
    pub forward: bool,
    pub limit: Option<usize>,
    /// The opaque cursor of the previous page.
    pub cursor: Option<String>,
}

impl Query {
    /// All items of a partition whose sort key starts with `prefix`, ascending.
    pub fn prefix(pk: impl Into<String>, prefix: impl Into<String>) -> Self {
        Query {
            index: Index::Primary,
            pk: pk.into(),
            sk: SortKey::Prefix(prefix.into()),
            forward: true,
            limit: None,
            cursor: None,
        }
    }

    pub fn partition(pk: impl Into<String>) -> Self {
        Query {
            sk: SortKey::All,
            ..Query::prefix(pk, "")
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow.
    pub cursor: Option<String>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum StoreError {
    /// The condition of operation `op` (its index in the call) did not hold; nothing was written.
    #[error("condition failed on operation {op}")]
    ConditionFailed { op: usize },
    /// A concurrent transaction touched the same items; retrying may succeed.
    #[error("transaction conflict")]
    Conflict,
    /// The backend asked us to slow down; retrying later may succeed.
    #[error("throttled")]
    Throttled,
    /// The backend did not answer (a timeout, a connection that failed, a 503) after the
    /// SDK's own retries. A write may or may not have taken effect, so the domain does not
    /// repeat it: the caller answers 503 and the client decides.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The request itself is not storable (too large, too many operations, bad cursor).
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("storage backend failure: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn is_condition_failed(&self) -> bool {
        matches!(self, StoreError::ConditionFailed { .. })
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// One item by key (strongly consistent).
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// Up to [`MAX_BATCH_GET`] items in one round trip, answered in the order of `keys`.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError>;
    /// One page of a partition (or of the GSI1 partition), in sort-key order.
    async fn query(&self, query: &Query) -> Result<Page, StoreError>;
    /// One operation as a conditional single-item write, several as one all-or-nothing
    /// transaction (at most [`MAX_TRANSACTION_OPS`], no two on the same key).
    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;
    /// Atomically adds `by` to a numeric attribute and answers the new value.
    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError>;
    /// The request units consumed through this store since it was made, where the backend
    /// bills by them (DynamoDB); `None` for the embedded store. A request's cost is the
    /// difference around it ([`Capacity::since`]), exact where requests do not overlap
    /// (one at a time per Lambda sandbox, the benchmarks).
    fn consumed(&self) -> Option<Capacity> {
        None
    }
}

/// DynamoDB request units: read request units and write request units in on-demand mode.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Capacity {
    pub read_units: f64,
    pub write_units: f64,
}

impl Capacity {
    /// The units consumed between `before` and `self`.
    pub fn since(self, before: Capacity) -> Capacity {
        Capacity {
            read_units: self.read_units - before.read_units,
            write_units: self.write_units - before.write_units,
        }
    }
}

/// True when the item's TTL has passed: expired items read as absent on both adapters
/// (DynamoDB deletes them only eventually). `now` comes from the clock the adapter was
/// built with, the same one the domain stamps `expires_at` from.
pub fn is_expired(item: &Item, now_epoch_seconds: i64) -> bool {
    item.get(EXPIRES_AT)
        .and_then(Value::as_i64)
        .is_some_and(|at| at <= now_epoch_seconds)
}

/// Checks the call shape both adapters reject alike.
pub fn validate_write(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.is_empty() {
        return Err(StoreError::Invalid("no operations".into()));
    }
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "{} operations exceed the transaction limit of {MAX_TRANSACTION_OPS}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        let key = match op {
            WriteOp::Put { item, .. } => {
                Key::of(item).ok_or_else(|| StoreError::Invalid("put without PK/SK".into()))?
            }
            WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } | WriteOp::Add { key, .. } => {
                key.clone()
            }
        };
        if !seen.insert(key.clone()) {
            // Only the key's kind: its values may be e-mails or tokens, and this message can
            // reach logs and response bodies.
            let kind = key.pk.split('#').next().unwrap_or_default();
            return Err(StoreError::Invalid(format!(
                "two operations on one {kind} item"
            )));
        }
    }
    Ok(())
}

/// Typed conversions between domain records and items.
pub fn to_item<T: Serialize>(value: &T) -> Item {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        // Records are structs; anything else is a programming error caught by the tests.
        other => panic!("record did not serialise to an object: {other:?}"),
    }
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| StoreError::Backend(format!("stored item does not match its record: {e}")))
}
