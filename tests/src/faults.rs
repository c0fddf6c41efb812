//! Fault injection: storage and blob adapters that wrap the real ones and fail chosen calls
//! with the errors the AWS adapters surface (throttling, transaction conflicts, timeouts),
//! either before the call reaches the store or after it took effect (an answer lost on the
//! way back, as a timeout after DynamoDB committed).

use async_trait::async_trait;
use bytes::Bytes;
use shared::blob::{Blob, BlobError, BlobStore};
use shared::store::{Item, Key, Page, Query, Store, StoreError, WriteOp};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The store port's calls, as faults select them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Get,
    GetMany,
    Query,
    Write,
    Increment,
}

pub const READS: &[Call] = &[Call::Get, Call::GetMany, Call::Query];
pub const WRITES: &[Call] = &[Call::Write, Call::Increment];
/// Item writes and transactions only, not counter increments.
pub const ITEM_WRITES: &[Call] = &[Call::Write];

/// DynamoDB's `ProvisionedThroughputExceededException` / `ThrottlingException`, as mapped.
pub fn throttled() -> StoreError {
    StoreError::Throttled
}

/// `TransactionCanceledException` with a `TransactionConflict` reason, as mapped.
pub fn transaction_conflict() -> StoreError {
    StoreError::Conflict
}

/// A timeout or dispatch failure the SDK gave up retrying, as mapped.
pub fn timed_out() -> StoreError {
    StoreError::Unavailable("injected timeout".into())
}

/// Whether an injected failure stops the call or follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// The call never reaches the store.
    Before,
    /// The store does the call, then the caller is told it failed.
    After,
}

/// One planned failure: the `nth` (1-based) call of `calls` since it was armed and the
/// `times - 1` matching calls after it fail with `error`.
#[derive(Clone, Debug)]
pub struct Fault {
    calls: &'static [Call],
    nth: usize,
    times: usize,
    error: StoreError,
    timing: Timing,
}

impl Fault {
    /// Every matching call fails, from the first on, until disarmed.
    pub fn every(calls: &'static [Call], error: StoreError) -> Self {
        Fault {
            calls,
            nth: 1,
            times: usize::MAX,
            error,
            timing: Timing::Before,
        }
    }

    /// Only the `nth` matching call fails.
    pub fn nth(calls: &'static [Call], nth: usize, error: StoreError) -> Self {
        Fault {
            nth,
            times: 1,
            ..Fault::every(calls, error)
        }
    }

    /// From the `nth` matching call on, every one fails.
    pub fn from_nth(mut self, nth: usize) -> Self {
        self.nth = nth;
        self.times = usize::MAX;
        self
    }

    /// The failing calls take effect first (a lost answer).
    pub fn after_the_call(mut self) -> Self {
        self.timing = Timing::After;
        self
    }
}

#[derive(Default)]
struct Plan {
    fault: Option<Fault>,
    /// Matching calls seen since the fault was armed.
    seen: usize,
}

#[derive(Default)]
struct Tally {
    injected: AtomicUsize,
    /// Write calls (items and transactions, not counter increments) that took effect.
    applied_writes: AtomicUsize,
}

/// A store that fails what its armed [`Fault`] selects and passes everything else through.
#[derive(Clone)]
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    plan: Arc<Mutex<Plan>>,
    tally: Arc<Tally>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        FaultyStore {
            inner,
            plan: Arc::default(),
            tally: Arc::default(),
        }
    }

    /// Replaces the planned fault and starts counting matching calls afresh.
    pub fn arm(&self, fault: Fault) {
        *self.plan.lock().unwrap() = Plan {
            fault: Some(fault),
            seen: 0,
        };
    }

    pub fn disarm(&self) {
        *self.plan.lock().unwrap() = Plan::default();
    }

    /// Failures injected so far.
    pub fn injected(&self) -> usize {
        self.tally.injected.load(Ordering::SeqCst)
    }

    /// Write calls that reached the wrapped store and succeeded so far. Counter increments
    /// are left out: they allocate sequence numbers (display ids), which a failed request
    /// may spend as a Postgres sequence does.
    pub fn applied_writes(&self) -> usize {
        self.tally.applied_writes.load(Ordering::SeqCst)
    }

    /// The error and its timing if this call is one the fault selects.
    fn planned(&self, call: Call) -> Option<(StoreError, Timing)> {
        let mut plan = self.plan.lock().unwrap();
        let fault = plan.fault.clone()?;
        if !fault.calls.contains(&call) {
            return None;
        }
        plan.seen += 1;
        let selected = plan.seen >= fault.nth && plan.seen - fault.nth < fault.times;
        selected.then(|| {
            self.tally.injected.fetch_add(1, Ordering::SeqCst);
            (fault.error, fault.timing)
        })
    }

    /// Runs `call` through the plan: failed before, passed through, or failed after.
    async fn run<T, F>(&self, call: Call, work: F) -> Result<T, StoreError>
    where
        F: std::future::Future<Output = Result<T, StoreError>>,
    {
        let planned = self.planned(call);
        if let Some((error, Timing::Before)) = planned {
            return Err(error);
        }
        let result = work.await;
        if result.is_ok() && call == Call::Write {
            self.tally.applied_writes.fetch_add(1, Ordering::SeqCst);
        }
        match planned {
            Some((error, Timing::After)) => Err(error),
            _ => result,
        }
    }
}

#[async_trait]
impl Store for FaultyStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.run(Call::Get, self.inner.get(key)).await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.run(Call::GetMany, self.inner.get_many(keys)).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.run(Call::Query, self.inner.query(query)).await
    }

    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.run(Call::Write, self.inner.write(ops)).await
    }

    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError> {
        self.run(Call::Increment, self.inner.increment(key, attr, by))
            .await
    }
}

/// A blob store whose uploads fail while armed (S3's `SlowDown` or a timeout, as mapped).
#[derive(Clone)]
pub struct FaultyBlobs {
    inner: Arc<dyn BlobStore>,
    failing_puts: Arc<Mutex<bool>>,
    stored: Arc<AtomicUsize>,
}

impl FaultyBlobs {
    pub fn new(inner: Arc<dyn BlobStore>) -> Self {
        FaultyBlobs {
            inner,
            failing_puts: Arc::default(),
            stored: Arc::default(),
        }
    }

    pub fn fail_uploads(&self, failing: bool) {
        *self.failing_puts.lock().unwrap() = failing;
    }

    /// Uploads that reached the wrapped store.
    pub fn stored(&self) -> usize {
        self.stored.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl BlobStore for FaultyBlobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), BlobError> {
        if *self.failing_puts.lock().unwrap() {
            return Err(BlobError::Unavailable("injected upload failure".into()));
        }
        self.inner.put(key, bytes, content_type).await?;
        self.stored.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, BlobError> {
        self.inner.get(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.inner.delete(key).await
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> Result<String, BlobError> {
        self.inner.presign_get(key, ttl).await
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        ttl: Duration,
    ) -> Result<String, BlobError> {
        self.inner.presign_put(key, content_type, ttl).await
    }
}
