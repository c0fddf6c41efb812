//! The storage port's contract. Every adapter must pass it: `make test` runs it over the
//! embedded store and over DynamoDB Local (`TEST_STORAGE=aws`).

use api_tests::{empty_state, fresh_state, json};
use serde_json::Value;
use shared::clock::{Clock, FixedClock, SystemClock};
use shared::store::{
    Capacity, Condition, Index, Item, Key, Query, SortKey, Store, StoreError, WriteOp, EXPIRES_AT,
    GSI1PK, GSI1SK, PK, SK,
};
use std::sync::Arc;

/// A fresh store, with the folder or table that must outlive it.
async fn store() -> (Arc<dyn Store>, Option<api_tests::Scratch>) {
    let (state, _, dir) = fresh_state().await;
    (state.store.clone(), dir)
}

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut item = extra.as_object().cloned().unwrap_or_default();
    item.insert(PK.into(), pk.into());
    item.insert(SK.into(), sk.into());
    item
}

fn sks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i[SK].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn put_then_get_round_trips_every_json_type() {
    let (store, _keep) = store().await;
    let stored = item(
        "P#1",
        "A",
        json!({
            "text": "héllo", "empty": "", "int": 9007199254740991i64, "neg": -5, "float": 1.5,
            "yes": true, "none": null, "list": [1, "two", {"three": 3}],
            "map": {"nested": {"deep": [true]}}, "empty_map": {}, "empty_list": []
        }),
    );
    store
        .write(vec![WriteOp::put(stored.clone())])
        .await
        .unwrap();
    let read = store.get(&Key::new("P#1", "A")).await.unwrap().unwrap();
    assert_eq!(Value::Object(read), Value::Object(stored));
    assert_eq!(store.get(&Key::new("P#1", "B")).await.unwrap(), None);
}

#[tokio::test]
async fn create_fails_when_the_key_is_taken_and_changes_nothing() {
    let (store, _keep) = store().await;
    let key = Key::new("P#1", "A");
    store
        .write(vec![WriteOp::create(item("P#1", "A", json!({"v": 1})))])
        .await
        .unwrap();
    let err = store
        .write(vec![WriteOp::create(item("P#1", "A", json!({"v": 2})))])
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::ConditionFailed { op: 0 });
    assert_eq!(store.get(&key).await.unwrap().unwrap()["v"], json!(1));
}

#[tokio::test]
async fn versioned_replace_and_conditional_delete() {
    let (store, _keep) = store().await;
    let key = Key::new("P#1", "A");
    store
        .write(vec![WriteOp::create(item("P#1", "A", json!({"_v": 1})))])
        .await
        .unwrap();
    store
        .write(vec![WriteOp::replace_version(
            item("P#1", "A", json!({"_v": 2})),
            1,
        )])
        .await
        .unwrap();
    let stale = store
        .write(vec![WriteOp::replace_version(
            item("P#1", "A", json!({"_v": 2})),
            1,
        )])
        .await;
    assert_eq!(stale, Err(StoreError::ConditionFailed { op: 0 }));
    let guarded = WriteOp::Delete {
        key: key.clone(),
        condition: Some(Condition::Equals {
            attr: "_v".into(),
            value: json!(1),
        }),
    };
    assert!(store
        .write(vec![guarded])
        .await
        .unwrap_err()
        .is_condition_failed());
    store
        .write(vec![WriteOp::delete(key.clone())])
        .await
        .unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
    // Deleting what is not there is fine; requiring it is not.
    store
        .write(vec![WriteOp::delete(key.clone())])
        .await
        .unwrap();
    let must_exist = WriteOp::Delete {
        key,
        condition: Some(Condition::Exists),
    };
    assert!(store
        .write(vec![must_exist])
        .await
        .unwrap_err()
        .is_condition_failed());
}

#[tokio::test]
async fn transactions_are_all_or_nothing_and_name_the_failed_operation() {
    let (store, _keep) = store().await;
    store
        .write(vec![WriteOp::put(item("P#1", "TAKEN", json!({})))])
        .await
        .unwrap();
    let failed = store
        .write(vec![
            WriteOp::put(item("P#1", "NEW", json!({}))),
            WriteOp::add(Key::new("P#1", "COUNTER"), "n", 1),
            WriteOp::create(item("P#1", "TAKEN", json!({}))),
        ])
        .await;
    assert_eq!(failed, Err(StoreError::ConditionFailed { op: 2 }));
    assert_eq!(store.get(&Key::new("P#1", "NEW")).await.unwrap(), None);
    assert_eq!(store.get(&Key::new("P#1", "COUNTER")).await.unwrap(), None);

    let check_fails = store
        .write(vec![
            WriteOp::put(item("P#1", "NEW", json!({}))),
            WriteOp::Check {
                key: Key::new("P#1", "ABSENT"),
                condition: Condition::Exists,
            },
        ])
        .await;
    assert_eq!(check_fails, Err(StoreError::ConditionFailed { op: 1 }));
    assert_eq!(store.get(&Key::new("P#1", "NEW")).await.unwrap(), None);

    store
        .write(vec![
            WriteOp::put(item("P#1", "NEW", json!({}))),
            WriteOp::Check {
                key: Key::new("P#1", "TAKEN"),
                condition: Condition::Exists,
            },
            WriteOp::delete(Key::new("P#1", "GONE")),
        ])
        .await
        .unwrap();
    assert!(store.get(&Key::new("P#1", "NEW")).await.unwrap().is_some());
}

#[tokio::test]
async fn calls_the_backend_would_refuse_are_refused_alike() {
    let (store, _keep) = store().await;
    let same_key_twice = store
        .write(vec![
            WriteOp::put(item("P#1", "A", json!({}))),
            WriteOp::delete(Key::new("P#1", "A")),
        ])
        .await;
    assert!(matches!(same_key_twice, Err(StoreError::Invalid(_))));
    let too_many: Vec<WriteOp> = (0..101)
        .map(|i| WriteOp::put(item("P#1", &format!("{i:03}"), json!({}))))
        .collect();
    assert!(matches!(
        store.write(too_many).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.write(vec![]).await,
        Err(StoreError::Invalid(_))
    ));
    let bad_cursor = Query {
        cursor: Some("not-a-cursor".into()),
        ..Query::partition("P#1")
    };
    assert!(matches!(
        store.query(&bad_cursor).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn counters_start_at_zero_and_never_lose_an_increment() {
    let (store, _keep) = store().await;
    let key = Key::new("ACCOUNT#1", "COUNTER#conversation");
    assert_eq!(store.increment(&key, "n", 1).await.unwrap(), 1);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let key = key.clone();
            tokio::spawn(async move { store.increment(&key, "n", 1).await.unwrap() })
        })
        .collect();
    let mut values = Vec::new();
    for handle in handles {
        values.push(handle.await.unwrap());
    }
    values.sort();
    assert_eq!(values, (2..=21).collect::<Vec<i64>>());
    assert_eq!(store.increment(&key, "n", -1).await.unwrap(), 20);
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored["n"], json!(20));
}

#[tokio::test]
async fn one_add_moves_several_counters_of_an_item_alone_or_in_a_transaction() {
    let (store, _keep) = store().await;
    let key = Key::new("VIEW#1", "COUNT");
    let moves = |deltas: &[(&str, i64)]| WriteOp::Add {
        key: key.clone(),
        deltas: deltas.iter().map(|(a, by)| (a.to_string(), *by)).collect(),
    };
    store
        .write(vec![moves(&[("all", 2), ("unassigned", 2)])])
        .await
        .unwrap();
    store
        .write(vec![
            moves(&[("unassigned", -1), ("u7", 1)]),
            WriteOp::put(item("VIEW#1", "OTHER", json!({}))),
        ])
        .await
        .unwrap();
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(
        (&stored["all"], &stored["unassigned"], &stored["u7"]),
        (&json!(2), &json!(1), &json!(1))
    );
}

async fn seed(store: &Arc<dyn Store>) {
    let ops: Vec<WriteOp> = ["A#1", "A#2", "A#3", "B#1", "B#2", "C"]
        .iter()
        .map(|sk| WriteOp::put(item("P#1", sk, json!({}))))
        .chain(std::iter::once(WriteOp::put(item("P#2", "A#9", json!({})))))
        .collect();
    store.write(ops).await.unwrap();
}

#[tokio::test]
async fn queries_select_by_prefix_and_range_in_either_order() {
    let (store, _keep) = store().await;
    seed(&store).await;
    let all = store.query(&Query::partition("P#1")).await.unwrap();
    assert_eq!(sks(&all.items), ["A#1", "A#2", "A#3", "B#1", "B#2", "C"]);
    assert_eq!(all.cursor, None);
    let a = store.query(&Query::prefix("P#1", "A#")).await.unwrap();
    assert_eq!(sks(&a.items), ["A#1", "A#2", "A#3"]);
    let backwards = Query {
        forward: false,
        ..Query::prefix("P#1", "B#")
    };
    assert_eq!(
        sks(&store.query(&backwards).await.unwrap().items),
        ["B#2", "B#1"]
    );
    let between = Query {
        sk: SortKey::Between("A#2".into(), "B#1".into()),
        ..Query::partition("P#1")
    };
    assert_eq!(
        sks(&store.query(&between).await.unwrap().items),
        ["A#2", "A#3", "B#1"]
    );
    let none = store.query(&Query::prefix("P#3", "")).await.unwrap();
    assert!(none.items.is_empty() && none.cursor.is_none());
}

#[tokio::test]
async fn pages_follow_cursors_without_gaps_or_repeats() {
    let (store, _keep) = store().await;
    let ops: Vec<WriteOp> = (0..25)
        .map(|i| WriteOp::put(item("P#1", &format!("ITEM#{i:03}"), json!({"i": i}))))
        .collect();
    store.write(ops).await.unwrap();
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut query = Query {
            limit: Some(10),
            forward,
            ..Query::prefix("P#1", "ITEM#")
        };
        let mut pages = 0;
        loop {
            let page = store.query(&query).await.unwrap();
            assert!(page.items.len() <= 10);
            pages += 1;
            seen.extend(page.items.iter().map(|i| i["i"].as_i64().unwrap()));
            match page.cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
            assert!(pages < 10, "paging does not end");
        }
        let mut expected: Vec<i64> = (0..25).collect();
        if !forward {
            expected.reverse();
        }
        assert_eq!(seen, expected, "forward = {forward}");
    }
}

#[tokio::test]
async fn the_secondary_index_follows_puts_and_deletes() {
    let (store, _keep) = store().await;
    let indexed = |pk: &str, gsk: &str| {
        let mut item = item(pk, "X", json!({"name": pk}));
        item.insert(GSI1PK.into(), "APP#1".into());
        item.insert(GSI1SK.into(), gsk.into());
        item
    };
    store
        .write(vec![
            WriteOp::put(indexed("OBJ#1", "0002")),
            WriteOp::put(indexed("OBJ#2", "0001")),
            WriteOp::put(indexed("OBJ#3", "0003")),
        ])
        .await
        .unwrap();
    let query = Query {
        index: Index::Gsi1,
        pk: "APP#1".into(),
        sk: SortKey::All,
        forward: true,
        limit: None,
        cursor: None,
    };
    let names = |items: &[Item]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&store.query(&query).await.unwrap().items),
        ["OBJ#2", "OBJ#1", "OBJ#3"]
    );
    // Re-indexing moves an item; dropping the index attributes removes it from the index.
    store
        .write(vec![WriteOp::put(indexed("OBJ#2", "0009"))])
        .await
        .unwrap();
    store
        .write(vec![
            WriteOp::put(item("OBJ#3", "X", json!({"name": "OBJ#3"}))),
            WriteOp::delete(Key::new("OBJ#1", "X")),
        ])
        .await
        .unwrap();
    assert_eq!(names(&store.query(&query).await.unwrap().items), ["OBJ#2"]);
    // Index pages resume from their cursor too.
    let ops: Vec<WriteOp> = (0..5)
        .map(|i| WriteOp::put(indexed(&format!("MORE#{i}"), &format!("1{i:03}"))))
        .collect();
    store.write(ops).await.unwrap();
    let first = store
        .query(&Query {
            limit: Some(3),
            ..query.clone()
        })
        .await
        .unwrap();
    let rest = store
        .query(&Query {
            cursor: first.cursor.clone(),
            ..query.clone()
        })
        .await
        .unwrap();
    let mut all = names(&first.items);
    all.extend(names(&rest.items));
    assert_eq!(
        all,
        ["OBJ#2", "MORE#0", "MORE#1", "MORE#2", "MORE#3", "MORE#4"]
    );
}

#[tokio::test]
async fn batch_reads_answer_in_key_order_with_gaps() {
    let (store, _keep) = store().await;
    seed(&store).await;
    let keys = [
        Key::new("P#1", "C"),
        Key::new("P#1", "MISSING"),
        Key::new("P#2", "A#9"),
        Key::new("P#1", "C"),
    ];
    let found = store.get_many(&keys).await.unwrap();
    let found: Vec<Option<String>> = found
        .iter()
        .map(|i| {
            i.as_ref()
                .map(|i| format!("{}/{}", i[PK].as_str().unwrap(), i[SK].as_str().unwrap()))
        })
        .collect();
    assert_eq!(
        found,
        [
            Some("P#1/C".into()),
            None,
            Some("P#2/A#9".into()),
            Some("P#1/C".into())
        ]
    );
    let too_many: Vec<Key> = (0..101).map(|i| Key::new("P#1", format!("{i}"))).collect();
    assert!(matches!(
        store.get_many(&too_many).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store.get_many(&[]).await.unwrap().is_empty());
}

/// Expiry is judged on the store's own clock (the domain's), never the wall clock: a store
/// whose clock stands a year before or after the real time keeps what it stamped.
#[tokio::test]
async fn expired_items_read_as_absent_on_the_stores_clock() {
    const YEAR: i64 = 365 * 24 * 3600;
    let wall = SystemClock.now().unix_timestamp();
    for now in [wall - YEAR, wall, wall + YEAR] {
        let clock = Arc::new(FixedClock::at_ms(now * 1000));
        let (state, _, _keep) = empty_state(api_tests::aws_backend(), clock.clone()).await;
        let store = state.store.clone();
        store
            .write(vec![
                WriteOp::put(item("P#1", "OLD", json!({ EXPIRES_AT: now - 10 }))),
                WriteOp::put(item("P#1", "NEW", json!({ EXPIRES_AT: now + 3600 }))),
            ])
            .await
            .unwrap();
        assert_eq!(store.get(&Key::new("P#1", "OLD")).await.unwrap(), None);
        assert!(store.get(&Key::new("P#1", "NEW")).await.unwrap().is_some());
        let page = store.query(&Query::partition("P#1")).await.unwrap();
        assert_eq!(sks(&page.items), ["NEW"], "at {now}");
        let batch = store
            .get_many(&[Key::new("P#1", "OLD"), Key::new("P#1", "NEW")])
            .await
            .unwrap();
        assert!(batch[0].is_none() && batch[1].is_some());
        // An hour and a minute later on that clock, the second has gone too.
        clock.advance_ms(3_660_000);
        assert_eq!(store.get(&Key::new("P#1", "NEW")).await.unwrap(), None);
        let page = store.query(&Query::partition("P#1")).await.unwrap();
        assert!(page.items.is_empty());
    }
}

/// DynamoDB bills on-demand tables by request units and reports them per call; the store
/// adds them up (the request metrics and the cost model read them). The embedded store has
/// none to report.
#[tokio::test]
async fn request_units_are_counted_where_the_backend_bills_them() {
    let (store, _keep) = store().await;
    let Some(start) = store.consumed() else {
        assert!(!api_tests::aws_backend(), "DynamoDB reports request units");
        return;
    };
    let spent = |before: Capacity, after: Option<Capacity>| {
        let used = after.unwrap().since(before);
        (used.read_units, used.write_units)
    };
    // A small item: one write unit to put, one read unit to read strongly consistently.
    store
        .write(vec![WriteOp::put(item("P#1", "A", json!({"v": 1})))])
        .await
        .unwrap();
    let put = store.consumed().unwrap();
    assert_eq!(spent(start, Some(put)), (0.0, 1.0));
    store.get(&Key::new("P#1", "A")).await.unwrap();
    let got = store.consumed().unwrap();
    assert_eq!(spent(put, Some(got)), (1.0, 0.0));
    // A transaction costs two write units per item.
    store
        .write(vec![
            WriteOp::put(item("P#1", "B", json!({}))),
            WriteOp::put(item("P#1", "C", json!({}))),
        ])
        .await
        .unwrap();
    let transacted = store.consumed().unwrap();
    assert_eq!(spent(got, Some(transacted)), (0.0, 4.0));
    // A query is billed by the bytes it reads (4 KB per unit), not per item.
    let page = store.query(&Query::partition("P#1")).await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(spent(transacted, store.consumed()), (1.0, 0.0));
}
