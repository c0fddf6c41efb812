//! A decorator that counts store round trips and items read: how benchmarks and tests
//! measure the cost of a request without caring which adapter serves it.

use super::{Capacity, Item, Key, Page, Query, Store, StoreError, WriteOp};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RoundTrips {
    pub reads: u64,
    pub writes: u64,
    pub items_read: u64,
}

#[derive(Default)]
struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    items_read: AtomicU64,
}

#[derive(Clone)]
pub struct CountingStore {
    inner: Arc<dyn Store>,
    counters: Arc<Counters>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        CountingStore {
            inner,
            counters: Arc::default(),
        }
    }

    /// The counts since the last call, resetting them.
    pub fn take(&self) -> RoundTrips {
        RoundTrips {
            reads: self.counters.reads.swap(0, Ordering::SeqCst),
            writes: self.counters.writes.swap(0, Ordering::SeqCst),
            items_read: self.counters.items_read.swap(0, Ordering::SeqCst),
        }
    }

    fn read(&self, items: usize) {
        self.counters.reads.fetch_add(1, Ordering::SeqCst);
        self.counters
            .items_read
            .fetch_add(items as u64, Ordering::SeqCst);
    }

    fn write(&self) {
        self.counters.writes.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl Store for CountingStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let item = self.inner.get(key).await?;
        self.read(usize::from(item.is_some()));
        Ok(item)
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        let items = self.inner.get_many(keys).await?;
        self.read(items.iter().flatten().count());
        Ok(items)
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let page = self.inner.query(query).await?;
        self.read(page.items.len());
        Ok(page)
    }

    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.write();
        self.inner.write(ops).await
    }

    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError> {
        self.write();
        self.inner.increment(key, attr, by).await
    }

    fn consumed(&self) -> Option<Capacity> {
        self.inner.consumed()
    }
}
