//! The OpenAPI document the local server serves at `/openapi.json` matches the routes both
//! ways: every operation it documents is routed by its function, and every operation of
//! Chatwoot's document the project routes is documented.

use api_tests::operations::{concrete_path, operations};
use api_tests::TestApi;
use http::Method;
use infra::function_for;
use serde_json::Value;
use std::collections::BTreeSet;

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// `(METHOD, path template)` of every operation in the served document.
async fn served_document_operations() -> BTreeSet<(String, String)> {
    let api = TestApi::new().await;
    let response = api.request(Method::GET, "/openapi.json").send().await;
    let response = response.expect(200);
    assert_eq!(
        response.headers["content-type"], "application/json",
        "content type"
    );
    let paths = response.body["paths"]
        .as_object()
        .unwrap_or_else(|| panic!("no paths in the served document"));
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods: Vec<String> = item
                .as_object()
                .map(|item| item.keys().cloned().collect())
                .unwrap_or_default();
            methods
                .into_iter()
                .filter(|method| HTTP_METHODS.contains(&method.as_str()))
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let routers = infra::Routers::new();
    let documented = served_document_operations().await;
    let unrouted: Vec<String> = documented
        .iter()
        .filter(|(method, template)| {
            let path = concrete_path(template, "1", "2");
            let method: Method = method.parse().expect("method");
            !function_for(&path)
                .is_some_and(|function| routers.router(function).serves(&method, &path))
        })
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    println!("{} operations documented", documented.len());
    assert!(!documented.is_empty());
    assert!(
        unrouted.is_empty(),
        "documented but not routed:\n{}",
        unrouted.join("\n")
    );
}

#[tokio::test]
async fn every_routed_chatwoot_operation_is_documented() {
    let routers = infra::Routers::new();
    let documented = served_document_operations().await;
    let routed: Vec<_> = operations()
        .into_iter()
        .filter(|op| {
            let path = concrete_path(op.path, "1", "2");
            routers.router(op.function).serves(&op.method, &path)
        })
        .collect();
    let undocumented: Vec<String> = routed
        .iter()
        .filter(|op| !documented.contains(&(op.method.to_string(), op.path.to_owned())))
        .map(|op| format!("{} {} ({})", op.method, op.path, op.id))
        .collect();
    println!("{} routed Chatwoot operations", routed.len());
    assert!(
        undocumented.is_empty(),
        "routed but not documented:\n{}",
        undocumented.join("\n")
    );
}

/// The served document stands alone: every `$ref` in it resolves inside it (the generator
/// drops the components nothing refers to).
#[tokio::test]
async fn the_served_document_is_self_contained() {
    let document: Value = serde_json::from_str(infra::OPENAPI_DOCUMENT).expect("valid JSON");
    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    let dangling: Vec<&String> = refs
        .iter()
        .filter(|reference| {
            let pointer = reference.trim_start_matches('#');
            document.pointer(pointer).is_none()
        })
        .collect();
    assert!(!refs.is_empty());
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => refs.push(reference.clone()),
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|value| collect_refs(value, refs)),
        _ => {}
    }
}
