//! The tenant isolation sweep: every documented operation that names something (an account,
//! object, slug or identifier in its path, or an id in its body) is asked, by everybody who
//! must not have it, for account B's objects of the [`World`]. Each answer is Chatwoot's
//! 401/404, never a 2xx, and shows none of B's data (no [`LEAK_MARKER`] in its bytes);
//! afterwards B's objects are all still there, unchanged.
//!
//! The operations come from `tests/data/chatwoot-operations.tsv`, so an operation added there
//! is swept (or fails the count) without editing this file.

use api_tests::operations::{operations, Operation};
use api_tests::world::{fill, Tenant, World, LEAK_MARKER};
use api_tests::{json, TestApi, TestResponse};
use http::Method;
use infra::Function;
use serde_json::Value;

/// How many documented operations name something: every one with a path parameter, plus
/// [`BODY_ID_OPERATIONS`].
const OPERATIONS_WITH_IDS: usize = 152;

/// Operations without path parameters whose body names an account. (The profile's update
/// reads no account, as in Chatwoot.)
const BODY_ID_OPERATIONS: [&str; 1] = ["create-an-agent-bot"];

fn names_something(operation: &Operation) -> bool {
    operation.parameters().next().is_some() || BODY_ID_OPERATIONS.contains(&operation.id)
}

/// A parameter other than the account: an object of the account.
fn names_an_object(operation: &Operation) -> bool {
    operation.parameters().any(|p| p != "account_id")
}

/// Chatwoot lets agent bots use these (conversations and their messages).
fn bots_allowed(operation: &Operation) -> bool {
    matches!(
        operation.id,
        "newConversation"
            | "update-conversation"
            | "toggle-status-of-a-conversation"
            | "toggle-priority-of-a-conversation"
            | "update-custom-attributes-of-a-conversation"
            | "create-a-new-message-in-a-conversation"
            | "assign-a-conversation"
    )
}

/// A body naming B's objects under every key the operations read ids from.
fn body_naming(b: &Tenant) -> Value {
    json!({
        "inbox_id": b.api_inbox,
        "contact_id": b.contact,
        "user_id": b.agent.0,
        "user_ids": [b.agent.0],
        "assignee_id": b.agent.0,
        "team_id": b.team,
        "agent_bot": b.account_bot,
        "base_contact_id": b.other_contact,
        "mergee_contact_id": b.contact,
        "account_id": b.account,
        "profile": {"account_id": b.account},
        "source_id": b.contact_identifier,
        "category_id": b.category,
        "author_id": b.admin.0,
        "sender_id": b.admin.0,
        "content": "probe",
    })
}

/// One request that must be refused.
struct Case {
    operation: &'static str,
    who: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    body: Value,
    /// The acceptable answers (status and body; a null body: any body).
    expected: Vec<(u16, Value)>,
}

fn error(message: &str) -> Value {
    json!({ "error": message })
}

fn not_found() -> (u16, Value) {
    (404, error("Resource could not be found"))
}

fn unauthorized(message: &str) -> (u16, Value) {
    (401, error(message))
}

/// Operations of A's account whose path names only A's own things, asked with B's ids in the
/// body, and what Chatwoot answers.
fn body_id_cases(world: &World) -> Vec<Case> {
    let (a, b) = (&world.a, &world.b);
    let base = format!("/api/v1/accounts/{}", a.account);
    let admin = Some(a.admin.1.clone());
    let case = |operation, method, path: String, body: Value, expected| Case {
        operation,
        who: "A's administrator, B's ids in the body",
        method,
        path,
        token: admin.clone(),
        body,
        expected,
    };
    let inbox_members = format!("{base}/inbox_members");
    let members_of_b = json!({"inbox_id": b.api_inbox, "user_ids": [a.agent.0]});
    vec![
        case(
            "newConversation",
            Method::POST,
            format!("{base}/conversations"),
            json!({"inbox_id": b.api_inbox, "contact_id": b.contact}),
            vec![not_found()],
        ),
        case(
            "newConversation",
            Method::POST,
            format!("{base}/conversations"),
            json!({"inbox_id": a.api_inbox, "contact_id": b.contact}),
            vec![not_found()],
        ),
        case(
            "add-new-agent-to-inbox",
            Method::POST,
            inbox_members.clone(),
            members_of_b.clone(),
            vec![not_found()],
        ),
        case(
            "update-agents-in-inbox",
            Method::PATCH,
            inbox_members.clone(),
            members_of_b.clone(),
            vec![not_found()],
        ),
        case(
            "delete-agent-in-inbox",
            Method::DELETE,
            inbox_members,
            members_of_b,
            vec![not_found()],
        ),
        case(
            "contactMerge",
            Method::POST,
            format!("{base}/actions/contact_merge"),
            json!({"base_contact_id": a.contact, "mergee_contact_id": b.contact}),
            vec![not_found()],
        ),
        case(
            "contactInboxCreation",
            Method::POST,
            format!("{base}/contacts/{}/contact_inboxes", a.other_contact),
            json!({"inbox_id": b.api_inbox}),
            vec![not_found()],
        ),
        case(
            "add-new-agent-to-team",
            Method::POST,
            format!("{base}/teams/{}/team_members", a.team),
            json!({"user_ids": [b.agent.0]}),
            vec![unauthorized("Invalid User IDs")],
        ),
        case(
            "create-campaign",
            Method::POST,
            format!("{base}/campaigns"),
            json!({"title": "probe", "inbox_id": b.website_inbox, "message": "probe", "sender_id": a.admin.0}),
            // The campaign's validation finds no such inbox in the account.
            vec![(
                422,
                json!({"message": "Inbox must exist", "attributes": ["inbox"]}),
            )],
        ),
    ]
}

/// Every refusal the sweep checks, with the operations each covers.
fn cases(world: &World) -> Vec<Case> {
    let (a, b) = (&world.a, &world.b);
    let body = body_naming(b);
    let mut cases = Vec::new();
    for operation in operations().into_iter().filter(names_something) {
        let case = |who, token: &str, path: String, expected| Case {
            operation: operation.id,
            who,
            method: operation.method.clone(),
            path,
            token: Some(token.to_owned()),
            body: body.clone(),
            expected,
        };
        match operation.function {
            Function::Application | Function::Reports
                if operation.path.contains("{account_id}") =>
            {
                let in_b = fill(&operation, b, b);
                // The account itself is looked up among the user's own: not found.
                let non_member = if operation.path == "/api/v1/accounts/{account_id}" {
                    not_found()
                } else {
                    unauthorized("You are not authorized to access this account")
                };
                cases.push(case(
                    "A's administrator in B's account",
                    &a.admin.1,
                    in_b.clone(),
                    vec![non_member.clone()],
                ));
                cases.push(case(
                    "A's agent in B's account",
                    &a.agent.1,
                    in_b.clone(),
                    vec![non_member],
                ));
                cases.push(case(
                    "A's agent bot in B's account",
                    &a.bot.1,
                    in_b.clone(),
                    vec![if bots_allowed(&operation) {
                        unauthorized("Bot is not authorized to access this account")
                    } else {
                        unauthorized("Access to this endpoint is not authorized for bots")
                    }],
                ));
                cases.push(case(
                    "the platform app in B's account",
                    &world.platform,
                    in_b,
                    vec![unauthorized(
                        "Access to this endpoint is not authorized for bots",
                    )],
                ));
                if names_an_object(&operation) {
                    let b_in_a = fill(&operation, a, b);
                    cases.push(case(
                        "A's administrator, B's objects in A's account",
                        &a.admin.1,
                        b_in_a.clone(),
                        vec![not_found()],
                    ));
                    cases.push(case(
                        "A's agent bot, B's objects in A's account",
                        &a.bot.1,
                        b_in_a,
                        vec![if bots_allowed(&operation) {
                            not_found()
                        } else {
                            unauthorized("Access to this endpoint is not authorized for bots")
                        }],
                    ));
                }
            }
            Function::Platform => {
                let path = fill(&operation, a, a);
                let body = json!({"account_id": a.account, "user_id": a.admin.0, "name": "probe", "role": "agent"});
                let refused = if operation.id == "create-an-agent-bot" {
                    "Non permissible account"
                } else {
                    "Non permissible resource"
                };
                for (who, token, expected) in [
                    (
                        "the other platform app, the first app's objects",
                        &world.other_platform,
                        unauthorized(refused),
                    ),
                    (
                        "A's administrator on the Platform API",
                        &a.admin.1,
                        unauthorized("Invalid access_token"),
                    ),
                    (
                        "A's agent bot on the Platform API",
                        &a.bot.1,
                        unauthorized("Invalid access_token"),
                    ),
                ] {
                    cases.push(Case {
                        body: body.clone(),
                        ..case(who, token, path.clone(), vec![expected])
                    });
                }
            }
            Function::Client => cases.extend(public_cases(&operation, a, b)),
            // The profile: B's account named in the body (below).
            _ => {}
        }
    }
    cases.extend(body_id_cases(world));
    cases
}

/// The Client API (no token: the identifiers are the credentials): A's inbox with B's contact,
/// A's contact with another contact's conversation, B's message under A's conversation.
fn public_cases(operation: &Operation, a: &Tenant, b: &Tenant) -> Vec<Case> {
    let path = |inbox: &str, contact: &str, conversation: i64, message: i64| {
        operation
            .path
            .replace("{inbox_identifier}", inbox)
            .replace("{contact_identifier}", contact)
            .replace("{conversation_id}", &conversation.to_string())
            .replace("{message_id}", &message.to_string())
            .replace(
                "{conversation_uuid}",
                "00000000-0000-4000-8000-000000000000",
            )
    };
    let case = |who, path: String| Case {
        operation: operation.id,
        who,
        method: operation.method.clone(),
        path,
        token: None,
        body: json!({"content": "probe", "name": "probe"}),
        // Rails' own not-found answer (the Client API does not rescue it).
        expected: vec![(404, Value::Null)],
    };
    let parameters: Vec<&str> = operation.parameters().collect();
    let mut cases = Vec::new();
    if parameters.contains(&"contact_identifier") {
        cases.push(case(
            "A's inbox with B's contact",
            path(
                &a.api_inbox_identifier,
                &b.contact_identifier,
                b.conversation,
                b.incoming_message,
            ),
        ));
    }
    if parameters.contains(&"conversation_id") {
        cases.push(case(
            "A's contact with another contact's conversation",
            path(
                &a.api_inbox_identifier,
                &a.contact_identifier,
                a.second_conversation,
                a.incoming_message,
            ),
        ));
    }
    if parameters.contains(&"message_id") {
        cases.push(case(
            "A's conversation with B's message",
            path(
                &a.api_inbox_identifier,
                &a.contact_identifier,
                a.conversation,
                b.incoming_message,
            ),
        ));
    }
    if parameters == ["inbox_identifier"] {
        // The identifier is the whole credential: one that names nothing finds nothing.
        cases.push(case(
            "an identifier of no inbox",
            path("no-such-inbox", "", 0, 0),
        ));
    }
    if parameters == ["conversation_uuid"] {
        // Chatwoot renders the survey page's shell for any uuid (its script asks for the
        // survey): it must show no conversation's data.
        cases.push(Case {
            expected: vec![(200, Value::Null)],
            ..case("a uuid of no conversation", path("", "", 0, 0))
        });
    }
    cases
}

fn shows_marker(response: &TestResponse) -> bool {
    String::from_utf8_lossy(&response.raw)
        .to_ascii_lowercase()
        .contains(LEAK_MARKER)
}

async fn send(api: &TestApi, case: &Case) -> TestResponse {
    let mut request = api.request(case.method.clone(), &case.path);
    if let Some(token) = &case.token {
        request = request.token(token);
    }
    request.json(case.body.clone()).send().await
}

/// B's objects as B's administrator sees them: each still there, still B's.
async fn assert_b_intact(api: &TestApi, b: &Tenant) {
    let base = format!("/api/v1/accounts/{}", b.account);
    let conversation = format!("{base}/conversations/{}", b.conversation);
    let reads = [
        format!("/api/v1/accounts/{}", b.account),
        format!("{base}/agents"),
        format!("{base}/agent_bots/{}", b.account_bot),
        format!("{base}/teams/{}", b.team),
        format!("{base}/inboxes/{}", b.api_inbox),
        format!("{base}/inboxes/{}", b.website_inbox),
        format!("{base}/contacts/{}", b.contact),
        format!("{base}/contacts/{}", b.other_contact),
        conversation.clone(),
        format!("{conversation}/messages"),
        format!("{base}/labels/{}", b.label),
        format!("{base}/canned_responses"),
        format!("{base}/custom_attribute_definitions/{}", b.custom_attribute),
        format!("{base}/custom_filters/{}", b.custom_filter),
        format!("{base}/webhooks"),
        format!("{base}/automation_rules/{}", b.automation_rule),
        format!("{base}/portals/{}", b.portal_slug),
        format!("{base}/portals/{}/categories/{}", b.portal_slug, b.category),
        format!("{base}/portals/{}/articles/{}", b.portal_slug, b.article),
        format!("{base}/campaigns/{}", b.campaign),
        format!("{base}/csat_survey_responses"),
    ];
    for path in reads {
        let response = api.get(&path).token(&b.admin.1).send().await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert!(
            shows_marker(&response),
            "{path} lost B's data: {}",
            response.body
        );
    }
    let messages = api
        .get(&format!("{conversation}/messages"))
        .token(&b.admin.1)
        .send()
        .await;
    let ids: Vec<i64> = messages.body["payload"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert!(
        ids.contains(&b.message) && ids.contains(&b.incoming_message),
        "B's messages: {ids:?}"
    );
    let members = api
        .get(&format!("{base}/teams/{}/team_members", b.team))
        .token(&b.admin.1)
        .send()
        .await
        .expect(200);
    assert!(members.raw.len() > 2, "B's team lost its member");
}

#[tokio::test]
async fn nobody_reaches_another_tenants_objects() {
    let api = TestApi::new().await;
    let world = World::build(&api).await;
    let with_ids: Vec<&'static str> = operations()
        .into_iter()
        .filter(names_something)
        .map(|op| op.id)
        .collect();
    assert_eq!(
        with_ids.len(),
        OPERATIONS_WITH_IDS,
        "the operations naming something changed: update the sweep"
    );
    let cases = cases(&world);
    let unswept: Vec<&&str> = with_ids
        .iter()
        .filter(|id| !cases.iter().any(|c| c.operation == **id))
        .collect();
    assert!(unswept.is_empty(), "operations without a case: {unswept:?}");

    let mut failures = Vec::new();
    for case in &cases {
        let response = send(&api, case).await;
        let expected = case.expected.iter().any(|(status, body)| {
            response.status == *status && (body.is_null() || response.body == *body)
        });
        if !expected || shows_marker(&response) {
            failures.push(format!(
                "{} ({}) {} {} [{}]: {} {}",
                case.operation,
                case.who,
                case.method,
                case.path,
                if expected {
                    "leak"
                } else {
                    "unexpected answer"
                },
                response.status,
                String::from_utf8_lossy(&response.raw)
            ));
        }
    }
    println!(
        "tenant isolation: {} operations with ids swept in {} cases",
        with_ids.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_b_intact(&api, &world.b).await;
}
