//! The DynamoDB adapter: one table, `PK`/`SK` plus the `GSI1` index, items mapped with
//! `serde_dynamo`. Reads are strongly consistent (index queries cannot be).

use super::cursor;
use super::{
    is_expired, validate_write, Capacity, Condition, Index, Item, Key, Page, Query, SortKey, Store,
    StoreError, WriteOp, EXPIRES_AT, GSI1PK, GSI1SK, MAX_BATCH_GET, PK, SK,
};
use crate::clock::Clock;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, ConsumedCapacity, Delete,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType,
    Put, ReturnConsumedCapacity, ReturnValue, ScalarAttributeType, StreamSpecification,
    StreamViewType, TableStatus, TimeToLiveSpecification, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const GSI1_NAME: &str = "GSI1";

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    meter: Arc<Meter>,
    /// Judges expiry before DynamoDB's TTL sweep deletes an item: the domain's clock.
    clock: Arc<dyn Clock>,
}

/// The request units DynamoDB reports for every call (`ReturnConsumedCapacity::TOTAL`), in
/// thousandths (eventually consistent index reads cost half a unit). A call's total is
/// counted as read units for reads and write units for writes: a transaction's condition
/// checks are billed as writes. A conditional write that fails reports nothing, so it is
/// not counted.
#[derive(Default)]
struct Meter {
    read_milli: AtomicU64,
    write_milli: AtomicU64,
}

impl Meter {
    fn read<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        Self::add(&self.read_milli, consumed);
    }

    fn wrote<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        Self::add(&self.write_milli, consumed);
    }

    fn add<'a>(counter: &AtomicU64, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        let units: f64 = consumed.into_iter().filter_map(|c| c.capacity_units).sum();
        counter.fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
    }

    fn total(&self) -> Capacity {
        let units = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1000.0;
        Capacity {
            read_units: units(&self.read_milli),
            write_units: units(&self.write_milli),
        }
    }
}

type Attrs = HashMap<String, AttributeValue>;

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            meter: Arc::default(),
            clock,
        }
    }

    fn now_seconds(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    /// Opens the connection (DNS, TCP, TLS) and resolves credentials during a function's init,
    /// so that its first request does not pay for them: one DescribeTable, which consumes no
    /// capacity. A failure is only logged; the first request retries and reports it.
    pub async fn warm(&self) {
        let described = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        if let Err(e) = described {
            tracing::warn!(error = %map_error(e), "warming the DynamoDB connection failed");
        }
    }

    /// Creates the table (key schema, GSI1, TTL, and the stream when `stream`) unless it
    /// exists; waits until active. Used by the local server and the tests; deployed stacks
    /// get the table from the template.
    pub async fn ensure_table(&self, stream: bool) -> Result<(), StoreError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => return self.wait_active().await,
            Err(e) if e.code() == Some("ResourceNotFoundException") => {}
            Err(e) => return Err(map_error(e)),
        }
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(GSI1_NAME)
            .key_schema(key(GSI1PK, KeyType::Hash)?)
            .key_schema(key(GSI1SK, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(build_error)?;
        let stream_specification = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build()
            .map_err(build_error)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(PK)?)
            .attribute_definitions(attr(SK)?)
            .attribute_definitions(attr(GSI1PK)?)
            .attribute_definitions(attr(GSI1SK)?)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .global_secondary_indexes(gsi)
            .set_stream_specification(stream.then_some(stream_specification))
            .send()
            .await;
        match created {
            Ok(_) => {}
            // Another process created it first.
            Err(e) if e.code() == Some("ResourceInUseException") => {}
            Err(e) => return Err(map_error(e)),
        }
        self.wait_active().await?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(EXPIRES_AT)
                    .build()
                    .map_err(build_error)?,
            )
            .send()
            .await
            .map(|_| ())
            .or_else(|e| match e.code() {
                // Already enabled by a concurrent creator.
                Some("ValidationException") => Ok(()),
                _ => Err(map_error(e)),
            })
    }

    async fn wait_active(&self) -> Result<(), StoreError> {
        for _ in 0..120 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(map_error)?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(StoreError::Backend(format!(
            "table {} did not become active",
            self.table
        )))
    }
}

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("request build: {e}"))
}

fn to_attrs(item: &Item) -> Result<Attrs, StoreError> {
    serde_dynamo::to_item(item).map_err(|e| StoreError::Invalid(format!("unstorable item: {e}")))
}

fn from_attrs(attrs: Attrs) -> Result<Item, StoreError> {
    serde_dynamo::from_item(attrs).map_err(|e| StoreError::Backend(format!("unreadable item: {e}")))
}

fn key_attrs(key: &Key) -> Attrs {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// A condition as a DynamoDB expression with its attribute names and values.
struct ConditionExpression {
    expression: String,
    names: Option<HashMap<String, String>>,
    values: Option<Attrs>,
}

impl ConditionExpression {
    fn of(condition: &Condition) -> Result<Self, StoreError> {
        Ok(match condition {
            Condition::NotExists => ConditionExpression {
                expression: "attribute_not_exists(PK)".into(),
                names: None,
                values: None,
            },
            Condition::Exists => ConditionExpression {
                expression: "attribute_exists(PK)".into(),
                names: None,
                values: None,
            },
            Condition::Equals { attr, value } => {
                let value = serde_dynamo::to_attribute_value(value)
                    .map_err(|e| StoreError::Invalid(format!("condition value: {e}")))?;
                ConditionExpression {
                    expression: "#c = :c".into(),
                    names: Some(HashMap::from([("#c".to_owned(), attr.clone())])),
                    values: Some(HashMap::from([(":c".to_owned(), value)])),
                }
            }
        })
    }
}

/// Sets an optional condition on any request builder that takes one (they share no trait).
macro_rules! with_condition {
    ($builder:expr, $condition:expr) => {{
        let builder = $builder;
        match $condition {
            Some(condition) => {
                let c = ConditionExpression::of(&condition)?;
                builder
                    .condition_expression(c.expression)
                    .set_expression_attribute_names(c.names)
                    .set_expression_attribute_values(c.values)
            }
            None => builder,
        }
    }};
}

/// Maps an SDK failure onto the port's error kinds by DynamoDB's error code. The SDK has
/// already retried what it classes as transient (throttling codes, timeouts, dispatch
/// failures, 5xx answers: standard mode, 3 attempts); what reaches here is final for this call.
fn map_error<E: ProvideErrorMetadata + std::fmt::Debug>(e: SdkError<E>) -> StoreError {
    if matches!(
        e,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    ) {
        return StoreError::Unavailable(format!("{e:?}"));
    }
    match e.code() {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed { op: 0 },
        Some("TransactionConflictException") => StoreError::Conflict,
        // DynamoDB documents its 500 (`InternalServerError`) as worth retrying; DynamoDB Local
        // also answers it when a transaction waited too long for a lock under contention.
        Some("ProvisionedThroughputExceededException")
        | Some("RequestLimitExceeded")
        | Some("ThrottlingException")
        | Some("InternalServerError") => StoreError::Throttled,
        Some("ServiceUnavailable") | Some("RequestTimeout") | Some("RequestTimeoutException") => {
            StoreError::Unavailable(e.message().unwrap_or("service unavailable").to_owned())
        }
        Some("ValidationException") => {
            StoreError::Invalid(e.message().unwrap_or("validation failed").to_owned())
        }
        _ => StoreError::Backend(format!("{e:?}")),
    }
}

fn map_transaction_error(e: SdkError<TransactWriteItemsError>) -> StoreError {
    let service = match &e {
        SdkError::ServiceError(service) => service.err(),
        _ => return map_error(e),
    };
    if let TransactWriteItemsError::TransactionCanceledException(cancelled) = service {
        let reasons = cancelled.cancellation_reasons();
        if let Some(op) = reasons
            .iter()
            .position(|r| r.code() == Some("ConditionalCheckFailed"))
        {
            return StoreError::ConditionFailed { op };
        }
        if reasons.iter().any(|r| {
            matches!(
                r.code(),
                Some("ThrottlingError") | Some("ProvisionedThroughputExceeded")
            )
        }) {
            return StoreError::Throttled;
        }
        if reasons
            .iter()
            .any(|r| r.code() == Some("TransactionConflict"))
        {
            return StoreError::Conflict;
        }
        if reasons.iter().any(|r| r.code() == Some("ValidationError")) {
            return StoreError::Invalid(
                reasons
                    .iter()
                    .find_map(|r| r.message())
                    .unwrap_or("validation failed")
                    .to_owned(),
            );
        }
    }
    map_error(e)
}

impl DynamoStore {
    fn transact_item(&self, op: WriteOp) -> Result<TransactWriteItem, StoreError> {
        let item = TransactWriteItem::builder();
        Ok(match op {
            WriteOp::Put {
                item: put,
                condition,
            } => {
                let builder = with_condition!(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(to_attrs(&put)?)),
                    condition
                );
                item.put(builder.build().map_err(build_error)?).build()
            }
            WriteOp::Delete { key, condition } => {
                let builder = with_condition!(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(&key))),
                    condition
                );
                item.delete(builder.build().map_err(build_error)?).build()
            }
            WriteOp::Check { key, condition } => {
                let builder = with_condition!(
                    ConditionCheck::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(&key))),
                    Some(condition)
                );
                item.condition_check(builder.build().map_err(build_error)?)
                    .build()
            }
            WriteOp::Add { key, deltas } => {
                let (expression, names, values) = add_expression(&deltas);
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_attrs(&key)))
                    .update_expression(expression)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .build()
                    .map_err(build_error)?;
                item.update(update).build()
            }
        })
    }

    async fn write_one(&self, op: WriteOp) -> Result<(), StoreError> {
        match op {
            WriteOp::Put { item, condition } => with_condition!(
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(to_attrs(&item)?))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total),
                condition
            )
            .send()
            .await
            .map(|output| self.meter.wrote(output.consumed_capacity()))
            .map_err(map_error),
            WriteOp::Delete { key, condition } => with_condition!(
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key_attrs(&key)))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total),
                condition
            )
            .send()
            .await
            .map(|output| self.meter.wrote(output.consumed_capacity()))
            .map_err(map_error),
            WriteOp::Add { key, deltas } => {
                let (expression, names, values) = add_expression(&deltas);
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key_attrs(&key)))
                    .update_expression(expression)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map(|output| self.meter.wrote(output.consumed_capacity()))
                    .map_err(map_error)
            }
            check @ WriteOp::Check { .. } => {
                // A lone check is a one-item transaction: DynamoDB has no single-item form.
                self.transact(vec![check]).await
            }
        }
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let items = ops
            .into_iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>, _>>()?;
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map(|output| self.meter.wrote(output.consumed_capacity()))
            .map_err(map_transaction_error)
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_error)?;
        self.meter.read(output.consumed_capacity());
        let now = self.now_seconds();
        match output.item {
            Some(attrs) => Ok(Some(from_attrs(attrs)?).filter(|item| !is_expired(item, now))),
            None => Ok(None),
        }
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        if keys.len() > MAX_BATCH_GET {
            return Err(StoreError::Invalid(format!(
                "{} keys exceed the batch limit of {MAX_BATCH_GET}",
                keys.len()
            )));
        }
        let mut unique: Vec<Key> = keys.to_vec();
        unique.sort();
        unique.dedup();
        let mut found: HashMap<Key, Item> = HashMap::new();
        let mut pending: Vec<Attrs> = unique.iter().map(key_attrs).collect();
        // BatchGetItem may answer part of the keys; ask again for the rest.
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(build_error)?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(map_error)?;
            self.meter.read(output.consumed_capacity());
            for attrs in output
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let item = from_attrs(attrs)?;
                if let Some(key) = Key::of(&item) {
                    found.insert(key, item);
                }
            }
            pending = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if !pending.is_empty() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Throttled);
                }
                tokio::time::sleep(Duration::from_millis(20 << attempt.min(5))).await;
            }
        }
        let now = self.now_seconds();
        Ok(keys
            .iter()
            .map(|key| found.get(key).filter(|i| !is_expired(i, now)).cloned())
            .collect())
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let on_index = query.index == Index::Gsi1;
        let (pk_name, sk_name) = if on_index { (GSI1PK, GSI1SK) } else { (PK, SK) };
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(query.pk.clone()))]);
        let condition = match &query.sk {
            SortKey::All => "#pk = :pk".to_owned(),
            SortKey::Prefix(p) if p.is_empty() => "#pk = :pk".to_owned(),
            SortKey::Prefix(p) => {
                values.insert(":sk".into(), AttributeValue::S(p.clone()));
                "#pk = :pk AND begins_with(#sk, :sk)".to_owned()
            }
            SortKey::Between(lo, hi) => {
                values.insert(":lo".into(), AttributeValue::S(lo.clone()));
                values.insert(":hi".into(), AttributeValue::S(hi.clone()));
                "#pk = :pk AND #sk BETWEEN :lo AND :hi".to_owned()
            }
        };
        let mut names = HashMap::from([("#pk".to_owned(), pk_name.to_owned())]);
        if condition.contains("#sk") {
            names.insert("#sk".into(), sk_name.to_owned());
        }
        let start = match &query.cursor {
            Some(c) => {
                let key = cursor::decode(c)?;
                if key.gsi.is_some() != on_index {
                    return Err(StoreError::Invalid("page cursor of another index".into()));
                }
                let mut attrs = key_attrs(&Key::new(key.pk, key.sk));
                if let Some((gpk, gsk)) = key.gsi {
                    attrs.insert(GSI1PK.into(), AttributeValue::S(gpk));
                    attrs.insert(GSI1SK.into(), AttributeValue::S(gsk));
                }
                Some(attrs)
            }
            None => None,
        };
        let limit = query.limit.map(|l| l.max(1));
        let now = self.now_seconds();
        let mut items = Vec::new();
        let mut exclusive_start = start;
        // Expired items are dropped after DynamoDB counted them against the limit, so a page
        // that lost some is topped up from where it stopped.
        loop {
            let want = limit.map(|l| l - items.len());
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(on_index.then(|| GSI1_NAME.to_owned()))
                .key_condition_expression(&condition)
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(query.forward)
                .consistent_read(!on_index)
                .set_limit(want.map(|w| w as i32))
                .set_exclusive_start_key(exclusive_start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(map_error)?;
            self.meter.read(output.consumed_capacity());
            for attrs in output.items.unwrap_or_default() {
                let item = from_attrs(attrs)?;
                if !is_expired(&item, now) {
                    items.push(item);
                }
            }
            exclusive_start = output.last_evaluated_key;
            let full = limit.is_some_and(|l| items.len() >= l);
            if exclusive_start.is_none() || full {
                break;
            }
        }
        let cursor = match exclusive_start {
            Some(_) => items
                .last()
                .and_then(|item| cursor::key_of(item, on_index))
                .map(|k| cursor::encode(&k)),
            None => None,
        };
        Ok(Page { items, cursor })
    }

    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_write(&ops)?;
        if ops.len() == 1 {
            let op = ops.into_iter().next().expect("one operation");
            self.write_one(op).await
        } else {
            self.transact(ops).await
        }
    }

    async fn increment(&self, key: &Key, attr: &str, by: i64) -> Result<i64, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .update_expression("ADD #a :by")
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_error)?;
        self.meter.wrote(output.consumed_capacity());
        output
            .attributes
            .and_then(|a| a.get(attr).cloned())
            .and_then(|v| v.as_n().ok().and_then(|n| n.parse().ok()))
            .ok_or_else(|| StoreError::Backend("counter update returned no value".into()))
    }

    fn consumed(&self) -> Option<Capacity> {
        Some(self.meter.total())
    }
}

type ExpressionParts = (
    String,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
);

/// `ADD #a0 :v0, #a1 :v1` with its name and value maps, for a multi-counter update.
fn add_expression(deltas: &[(String, i64)]) -> ExpressionParts {
    let mut clauses = Vec::with_capacity(deltas.len());
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    for (i, (attr, by)) in deltas.iter().enumerate() {
        clauses.push(format!("#a{i} :v{i}"));
        names.insert(format!("#a{i}"), attr.clone());
        values.insert(format!(":v{i}"), AttributeValue::N(by.to_string()));
    }
    (format!("ADD {}", clauses.join(", ")), names, values)
}
