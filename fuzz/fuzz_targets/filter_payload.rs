//! Filter payloads (conversation and contact filters, custom filters' queries, automation
//! conditions): parsed and, when valid, evaluated on a record made of the payload's values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use shared::domain::filters::{CustomAttributeKey, Filter, FilterModel};

const CUSTOM_KEYS: &[CustomAttributeKey] = &[
    CustomAttributeKey {
        key: "plan",
        display_type: "list",
    },
    CustomAttributeKey {
        key: "signed_up",
        display_type: "date",
    },
    CustomAttributeKey {
        key: "seats",
        display_type: "number",
    },
    CustomAttributeKey {
        key: "vip",
        display_type: "checkbox",
    },
];

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 01 - 15);
    let record = record_from(&payload);
    for model in [FilterModel::Conversation, FilterModel::Contact] {
        if let Ok(filter) = Filter::parse(model, &payload, CUSTOM_KEYS) {
            let _ = filter.matches(&record, today);
            let _ = filter.matches(&Map::new(), today);
        }
    }
    if let Ok(filter) = Filter::parse_automation(&payload, CUSTOM_KEYS, CUSTOM_KEYS) {
        let _ = filter.matches(&record, today);
    }
});

/// A record whose attributes hold the values the payload compares them with.
fn record_from(payload: &Value) -> Map<String, Value> {
    let mut record = Map::new();
    let mut custom = Map::new();
    for condition in payload.as_array().into_iter().flatten() {
        let (Some(key), Some(value)) = (
            condition.get("attribute_key").and_then(Value::as_str),
            condition.get("values").and_then(|v| v.get(0)),
        ) else {
            continue;
        };
        record.insert(key.to_owned(), value.clone());
        custom.insert(key.to_owned(), value.clone());
    }
    record.insert("custom_attributes".into(), Value::Object(custom));
    record.insert("status".into(), json!("open"));
    record
}
