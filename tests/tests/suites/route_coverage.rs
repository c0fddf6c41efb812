//! Every operation of Chatwoot's API document is served, by the function API Gateway sends it
//! to. The operations are copied from the reference (`tests/data/chatwoot-operations.tsv`:
//! function, method, path, operation id).

use api_tests::operations::{concrete_path, operations, DOCUMENTED_OPERATIONS};
use api_tests::{json, TestApi};
use infra::{function_for, Function};

#[test]
fn every_documented_operation_is_routed_by_its_function() {
    let routers = infra::Routers::new();
    let operations = operations();
    assert_eq!(operations.len(), DOCUMENTED_OPERATIONS);
    let unrouted: Vec<String> = operations
        .iter()
        .filter(|op| {
            let path = concrete_path(op.path, "1", "2");
            function_for(&path) != Some(op.function)
                || !routers.router(op.function).serves(&op.method, &path)
        })
        .map(|op| format!("{} {} ({})", op.method, op.path, op.id))
        .collect();
    println!(
        "{} of {} documented operations routed",
        operations.len() - unrouted.len(),
        operations.len()
    );
    assert!(unrouted.is_empty(), "not routed:\n{}", unrouted.join("\n"));
}

/// With a valid token and ids that name nothing, every operation answers a 2xx or 4xx
/// (never a server error), and an Application 404 is the resource's, not a missing route's.
#[tokio::test]
async fn every_documented_operation_answers_without_a_server_error() {
    let api = TestApi::new().await;
    let fixture = api.account_fixture().await;
    let account = fixture.account.to_string();
    let mut failures = Vec::new();
    for op in operations() {
        let path = concrete_path(op.path, &account, "987654");
        let token = match op.function {
            Function::Platform => fixture.platform.as_str(),
            _ => fixture.admin.1.as_str(),
        };
        let response = api
            .request(op.method.clone(), &path)
            .token(token)
            .json(json!({}))
            .send()
            .await;
        let missing_route = op.function == Function::Application
            && response.status == 404
            && response.body != json!({"error": "Resource could not be found"});
        if response.status >= 500 || missing_route {
            failures.push(format!(
                "{} {path} ({}): {} {}",
                op.method, op.id, response.status, response.body
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
