//! Fault injection: representative writes and reads with the store (or the blob store)
//! failing as DynamoDB and S3 fail. A request that cannot complete answers 503 with a JSON
//! body and `Retry-After`, writes nothing (checked in the store and through the API), and the
//! same request succeeds once the fault is gone; transient conflicts and single throttles
//! are absorbed by the domain's retries.

use api_tests::faults::{
    throttled, timed_out, transaction_conflict, Fault, FaultyBlobs, FaultyStore, ITEM_WRITES,
    READS, WRITES,
};
use api_tests::{json, multipart, AccountFixture, OpenConversation, TestApi, TestResponse};
use http::Method;
use serde_json::Value;
use std::sync::Arc;

struct World {
    api: TestApi,
    store: FaultyStore,
    blobs: FaultyBlobs,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    contact: i64,
    conversation: i64,
}

/// An account with an API inbox, a contact and an open conversation, over faulty adapters.
async fn world() -> World {
    let mut wrappers = None;
    let api = TestApi::with_state(|state| {
        let store = FaultyStore::new(state.store.clone());
        let blobs = FaultyBlobs::new(state.blobs.clone());
        state.store = Arc::new(store.clone());
        state.blobs = Arc::new(blobs.clone());
        wrappers = Some((store, blobs));
    })
    .await;
    let (store, blobs) = wrappers.expect("state adjusted");
    let fx = api.account_fixture().await;
    let OpenConversation {
        base,
        inbox,
        contact,
        conversation,
    } = api.open_conversation(&fx).await;
    World {
        api,
        store,
        blobs,
        fx,
        base,
        inbox,
        contact,
        conversation,
    }
}

enum Payload {
    Json(Value),
    /// (content type, body)
    Form(String, Vec<u8>),
}

struct Request {
    method: Method,
    path: String,
    token: String,
    payload: Payload,
}

impl World {
    fn admin(&self, method: Method, path: String, body: Value) -> Request {
        Request {
            method,
            path: format!("{}{path}", self.base),
            token: self.fx.admin.1.clone(),
            payload: Payload::Json(body),
        }
    }

    fn conversation_path(&self, action: &str) -> String {
        format!("/conversations/{}{action}", self.conversation)
    }

    async fn send(&self, request: &Request) -> TestResponse {
        let builder = self
            .api
            .request(request.method.clone(), &request.path)
            .token(&request.token);
        match &request.payload {
            Payload::Json(body) => builder.json(body.clone()),
            Payload::Form(content_type, body) => builder.body(content_type, body.clone()),
        }
        .send()
        .await
    }

    async fn read(&self, path: &str) -> Value {
        self.api
            .get(&format!("{}{path}", self.base))
            .token(&self.fx.admin.1)
            .send()
            .await
            .expect(200)
            .body
    }

    /// What every case below may change, as the API shows it: a failed request must leave
    /// all of it as it was.
    async fn snapshot(&self) -> Vec<Value> {
        let mut seen = vec![
            self.read("/conversations?status=all").await,
            self.read("/conversations/meta?status=all").await,
            self.read(&self.conversation_path("")).await,
            self.read(&self.conversation_path("/messages")).await,
            self.read(&self.conversation_path("/labels")).await,
            self.read("/contacts").await,
            self.read("/labels").await,
            self.read("/inboxes").await,
            self.read("/agents").await,
        ];
        for value in &mut seen {
            api_tests::forget_clock_fields(value);
        }
        seen
    }
}

/// The first place where two snapshots differ, or `None` when they are equal.
fn first_difference(before: &Value, after: &Value, path: &str) -> Option<String> {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => a.keys().chain(b.keys()).find_map(|k| {
            first_difference(
                a.get(k).unwrap_or(&Value::Null),
                b.get(k).unwrap_or(&Value::Null),
                &format!("{path}.{k}"),
            )
        }),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        _ if before == after => None,
        _ => {
            let cut = |v: &Value| v.to_string().chars().take(300).collect::<String>();
            Some(format!("{path}: {} -> {}", cut(before), cut(after)))
        }
    }
}

/// One representative write: a request built from a variant number (so repeats differ
/// where uniqueness would otherwise refuse them).
struct WriteCase {
    name: &'static str,
    /// Whether its effect shows in the account's [`World::snapshot`] (a platform user does not).
    visible: bool,
    /// Leading writes made outside the request's transaction, kept when a later one fails
    /// (see docs/reliability.md): only the contact-inbox a new conversation links first.
    prepared_writes: usize,
    request: fn(&World, usize) -> Request,
}

fn write_cases() -> Vec<WriteCase> {
    vec![
        WriteCase {
            name: "create contact",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    "/contacts".into(),
                    json!({"name": format!("Dora {i}"), "email": format!("dora{i}@example.com")}),
                )
            },
        },
        WriteCase {
            name: "create conversation with a message",
            visible: true,
            prepared_writes: 1,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    "/conversations".into(),
                    json!({"inbox_id": w.inbox, "contact_id": w.contact,
                           "message": {"content": format!("hello {i}")}}),
                )
            },
        },
        WriteCase {
            name: "send message",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    w.conversation_path("/messages"),
                    json!({"content": format!("message {i}")}),
                )
            },
        },
        WriteCase {
            name: "toggle status",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                let status = if i % 2 == 0 { "resolved" } else { "pending" };
                w.admin(
                    Method::POST,
                    w.conversation_path("/toggle_status"),
                    json!({ "status": status }),
                )
            },
        },
        WriteCase {
            name: "assign",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                let assignee = if i % 2 == 0 {
                    w.fx.agent.0
                } else {
                    w.fx.admin.0
                };
                w.admin(
                    Method::POST,
                    w.conversation_path("/assignments"),
                    json!({ "assignee_id": assignee }),
                )
            },
        },
        WriteCase {
            name: "add labels",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    w.conversation_path("/labels"),
                    json!({"labels": [format!("billing-{i}"), "vip"]}),
                )
            },
        },
        WriteCase {
            name: "create label",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    "/labels".into(),
                    json!({"title": format!("topic-{i}")}),
                )
            },
        },
        WriteCase {
            name: "create inbox",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                w.admin(
                    Method::POST,
                    "/inboxes".into(),
                    json!({"name": format!("Inbox {i}"), "channel": {"type": "api"}}),
                )
            },
        },
        WriteCase {
            name: "upload an attachment",
            visible: true,
            prepared_writes: 0,
            request: |w, i| {
                let (content_type, body) = multipart(
                    &[("content", &format!("file {i}"))],
                    &[("attachments[]", "shot.png", "image/png", b"\x89PNG fake")],
                );
                Request {
                    payload: Payload::Form(content_type, body),
                    ..w.admin(Method::POST, w.conversation_path("/messages"), Value::Null)
                }
            },
        },
        WriteCase {
            name: "platform create user",
            visible: false,
            prepared_writes: 0,
            request: |w, i| Request {
                method: Method::POST,
                path: "/platform/api/v1/users".into(),
                token: w.fx.platform.clone(),
                payload: Payload::Json(
                    json!({"name": "New", "email": format!("new{i}@example.com"),
                                              "password": "Password1!"}),
                ),
            },
        },
    ]
}

/// The 503 every failed request answers.
#[track_caller]
fn assert_unavailable(case: &str, response: &TestResponse) {
    assert_eq!(response.status, 503, "{case}: {}", response.body);
    assert_eq!(
        response.body,
        json!({"error": "Service temporarily unavailable, please retry"}),
        "{case}"
    );
    assert_eq!(
        response.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..]),
        "{case}"
    );
}

/// Runs `request` with `fault` armed: it must answer 503 having written nothing (no store
/// write took effect, and the API shows the same state), then succeed once disarmed.
async fn fails_cleanly_then_succeeds(
    w: &World,
    case: &str,
    request: &Request,
    visible_in_account: bool,
    kept_writes: usize,
    fault: Fault,
) {
    let before = w.snapshot().await;
    let applied = w.store.applied_writes();
    w.store.arm(fault);
    let failed = w.send(request).await;
    w.store.disarm();
    assert_unavailable(case, &failed);
    assert_eq!(
        w.store.applied_writes(),
        applied + kept_writes,
        "{case}: a failed request wrote part of its changes"
    );
    let after = Value::Array(w.snapshot().await);
    let before = Value::Array(before);
    if kept_writes == 0 {
        if let Some(difference) = first_difference(&before, &after, "") {
            panic!("{case}: the failed request left traces at {difference}");
        }
    }
    let retried = w.send(request).await;
    assert_eq!(retried.status, 200, "{case} retried: {}", retried.body);
    if visible_in_account {
        let changed = Value::Array(w.snapshot().await);
        assert_ne!(changed, before, "{case}: the retry changed nothing");
    }
}

#[tokio::test]
async fn writes_under_persistent_throttling_answer_503_write_nothing_and_succeed_on_retry() {
    let w = world().await;
    for (i, case) in write_cases().iter().enumerate() {
        let request = (case.request)(&w, i);
        let fault = Fault::every(WRITES, throttled());
        fails_cleanly_then_succeeds(&w, case.name, &request, case.visible, 0, fault).await;
    }
}

#[tokio::test]
async fn writes_whose_store_times_out_answer_503_write_nothing_and_succeed_on_retry() {
    let w = world().await;
    for (i, case) in write_cases().iter().enumerate() {
        let request = (case.request)(&w, i);
        let fault = Fault::every(WRITES, timed_out());
        fails_cleanly_then_succeeds(&w, case.name, &request, case.visible, 0, fault).await;
    }
}

/// A write that fails part-way through a request (its second, third... store write) must not
/// leave the earlier ones behind: every request's writes are one transaction, or the earlier
/// ones are invisible and harmless to the retry.
#[tokio::test]
async fn a_write_failing_after_earlier_writes_of_the_same_request_leaves_no_partial_state() {
    let w = world().await;
    for (i, case) in write_cases().iter().enumerate() {
        let applied = w.store.applied_writes();
        w.send(&(case.request)(&w, 2 * i)).await.expect(200);
        let writes_per_request = w.store.applied_writes() - applied;
        for k in 2..=writes_per_request {
            let name = format!("{} (write {k} of {writes_per_request})", case.name);
            let request = (case.request)(&w, 100 * (i + 1) + k);
            let fault = Fault::every(ITEM_WRITES, timed_out()).from_nth(k);
            let kept = (k - 1).min(case.prepared_writes);
            fails_cleanly_then_succeeds(&w, &name, &request, case.visible, kept, fault).await;
        }
    }
}

#[tokio::test]
async fn single_conflicts_and_throttles_are_retried_inside_the_request() {
    let w = world().await;
    for (i, case) in write_cases().iter().enumerate() {
        for (kind, error) in [
            ("conflict", transaction_conflict()),
            ("throttle", throttled()),
        ] {
            let request = (case.request)(&w, 10 * i + usize::from(kind == "throttle"));
            let injected = w.store.injected();
            w.store.arm(Fault::nth(WRITES, 1, error));
            let response = w.send(&request).await;
            w.store.disarm();
            assert_eq!(
                response.status, 200,
                "{} with one {kind}: {}",
                case.name, response.body
            );
            assert_eq!(w.store.injected(), injected + 1, "{}", case.name);
        }
    }
}

/// A lost answer (the store committed, the caller heard a timeout): 503, and the client's
/// retry of a send-message is not refused; the message the store did keep is not doubled
/// by anything but that explicit retry.
#[tokio::test]
async fn a_write_whose_answer_is_lost_answers_503() {
    let w = world().await;
    let request = w.admin(
        Method::POST,
        w.conversation_path("/messages"),
        json!({"content": "maybe sent"}),
    );
    let count = |list: &Value| list["payload"].as_array().map_or(0, Vec::len);
    let before = count(&w.read(&w.conversation_path("/messages")).await);
    w.store
        .arm(Fault::nth(WRITES, 1, timed_out()).after_the_call());
    let response = w.send(&request).await;
    w.store.disarm();
    assert_unavailable("lost answer", &response);
    let after = count(&w.read(&w.conversation_path("/messages")).await);
    assert_eq!(after, before + 1, "the committed message is kept once");
}

#[tokio::test]
async fn reads_answer_503_while_the_store_fails_and_succeed_after() {
    let w = world().await;
    let reads = [
        "/conversations".to_owned(),
        "/conversations/meta".to_owned(),
        w.conversation_path(""),
        w.conversation_path("/messages"),
        format!("/contacts/{}", w.contact),
        "/contacts".to_owned(),
        "/labels".to_owned(),
        format!("/inboxes/{}", w.inbox),
    ];
    for path in &reads {
        for (kind, error) in [("throttle", throttled()), ("timeout", timed_out())] {
            w.store.arm(Fault::every(READS, error));
            let failed = w
                .api
                .get(&format!("{}{path}", w.base))
                .token(&w.fx.admin.1)
                .send()
                .await;
            w.store.disarm();
            assert_unavailable(&format!("{kind} on GET {path}"), &failed);
            w.read(path).await;
        }
    }
}

#[tokio::test]
async fn a_failing_upload_answers_503_and_keeps_no_message() {
    let w = world().await;
    let request = (write_cases()
        .into_iter()
        .find(|c| c.name == "upload an attachment")
        .expect("upload case")
        .request)(&w, 0);
    let before = w.snapshot().await;
    let (applied, stored) = (w.store.applied_writes(), w.blobs.stored());
    w.blobs.fail_uploads(true);
    let failed = w.send(&request).await;
    w.blobs.fail_uploads(false);
    assert_unavailable("upload", &failed);
    assert_eq!(
        (w.store.applied_writes(), w.blobs.stored()),
        (applied, stored)
    );
    assert_eq!(w.snapshot().await, before);
    let sent = w.send(&request).await.expect(200);
    assert_eq!(sent.body["attachments"].as_array().map(Vec::len), Some(1));
    assert_eq!(w.blobs.stored(), stored + 1);
}

/// Where the store fails while the dispatcher handles a `message_created` event that is
/// reported (outgoing count) and delivered to a webhook. Its item writes, in order: the
/// reports fold (facts, counters and the folded marker, one transaction), the rules-run
/// marker, the delivery record after the POST.
struct DispatchCase {
    name: &'static str,
    fault: Fault,
    /// Webhook POSTs the event costs in all (2 only where the answer of a POST is lost
    /// between sending it and recording it: at-least-once, same delivery id).
    posts: usize,
}

fn dispatch_cases() -> Vec<DispatchCase> {
    vec![
        DispatchCase {
            name: "reading the event's payload fails",
            fault: Fault::nth(READS, 1, timed_out()),
            posts: 1,
        },
        DispatchCase {
            name: "the fold fails before it commits",
            fault: Fault::nth(ITEM_WRITES, 1, timed_out()),
            posts: 1,
        },
        DispatchCase {
            name: "the fold commits but its answer is lost",
            fault: Fault::nth(ITEM_WRITES, 1, timed_out()).after_the_call(),
            posts: 1,
        },
        DispatchCase {
            name: "the rules-run marker fails",
            fault: Fault::nth(ITEM_WRITES, 2, timed_out()),
            posts: 1,
        },
        DispatchCase {
            name: "the delivery record fails after the POST",
            fault: Fault::nth(ITEM_WRITES, 3, timed_out()),
            posts: 2,
        },
    ]
}

/// The event as the table's stream hands it to the Lambda handler.
fn stream_event(event: &shared::outbox::EventRecord, sequence: &str) -> dispatcher::StreamEvent {
    let item = shared::store::to_item(event);
    let image: serde_dynamo::Item = serde_dynamo::to_item(item).expect("a stream image");
    serde_json::from_value(json!({"Records": [{
        "eventName": "INSERT",
        "dynamodb": {"SequenceNumber": sequence, "NewImage": image},
    }]}))
    .expect("a stream event")
}

#[tokio::test]
async fn a_dispatch_failing_midway_is_retried_without_double_counts_or_lost_deliveries() {
    let w = world().await;
    let receiver = api_tests::receiver::Receiver::start().await;
    w.send(&w.admin(
        Method::POST,
        "/webhooks".into(),
        json!({"webhook": {"url": receiver.url, "subscriptions": ["message_created"]}}),
    ))
    .await
    .expect(200);
    let handler = api_tests::events::dispatcher(w.api.state().clone());
    let outgoing = || async {
        w.api
            .get(&format!(
                "/api/v2/accounts/{}/reports/summary?type=account&since=0&until=4102444800",
                w.fx.account
            ))
            .token(&w.fx.admin.1)
            .send()
            .await
            .expect(200)
            .body["outgoing_messages_count"]
            .as_i64()
            .expect("a count")
    };
    for (i, case) in dispatch_cases().into_iter().enumerate() {
        let content = format!("dispatch {i}");
        w.send(&w.admin(
            Method::POST,
            w.conversation_path("/messages"),
            json!({ "content": content }),
        ))
        .await
        .expect(200);
        let event = api_tests::events::outbox(w.api.state(), w.fx.account)
            .await
            .into_iter()
            .rev()
            .find(|e| e.name == "message_created")
            .expect("the message's event");
        let counted = outgoing().await;
        let sequence = format!("{i:021}");
        w.store.arm(case.fault);
        let answer = dispatcher::handle_batch(&handler, stream_event(&event, &sequence)).await;
        w.store.disarm();
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": sequence}]}),
            "{}: the record is handed back to the stream",
            case.name
        );
        let answer = dispatcher::handle_batch(&handler, stream_event(&event, &sequence)).await;
        assert_eq!(answer, json!({"batchItemFailures": []}), "{}", case.name);
        // A third hand-over (a stream redelivery) changes nothing either.
        dispatcher::handle_batch(&handler, stream_event(&event, &sequence)).await;
        assert_eq!(outgoing().await, counted + 1, "{}: counted once", case.name);
        let posts: Vec<_> = receiver
            .events("message_created")
            .into_iter()
            .filter(|r| r.json()["content"] == content)
            .collect();
        assert_eq!(posts.len(), case.posts, "{}", case.name);
        let delivery_ids: std::collections::HashSet<String> = posts
            .iter()
            .map(|r| r.header("x-chatwoot-delivery"))
            .collect();
        assert_eq!(delivery_ids.len(), 1, "{}: one delivery id", case.name);
    }
}
