//! The events pipeline end to end: changes made through the API, their outbox records handed
//! to the real dispatcher, and real HTTP receivers on loopback checking what arrives
//! (payloads, signatures, retries, bots answering, automation rules, failure side effects,
//! SSRF refusals). Over DynamoDB Local the records are also read from the table's stream and
//! handed to the Lambda handler as the event it would receive.

use api_tests::events::{dispatch_all, dispatcher, outbox};
use api_tests::receiver::Receiver;
use api_tests::{json, AccountFixture, OpenConversation, TestApi};
use dispatcher::http::HttpPoster;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use shared::events::delivery::{self, PostError, Poster};
use shared::events::records::{self, DeliveryStatus};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

struct World {
    api: TestApi,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    conversation: i64,
    /// The events already handed to the dispatcher.
    dispatched: Mutex<HashSet<String>>,
}

impl World {
    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    async fn new() -> World {
        World::over(TestApi::new().await).await
    }

    /// An API inbox with a contact and an open conversation.
    async fn over(api: TestApi) -> World {
        let fx = api.account_fixture().await;
        let OpenConversation {
            base,
            inbox,
            conversation,
            ..
        } = api.open_conversation(&fx).await;
        World {
            api,
            fx,
            base,
            inbox,
            conversation,
            dispatched: Mutex::default(),
        }
    }

    /// Subscribes `url` to `events` (Chatwoot's defaults when `None`); returns the webhook.
    async fn webhook(&self, url: &str, events: Option<&[&str]>) -> Value {
        let mut webhook = json!({"url": url});
        if let Some(events) = events {
            webhook["subscriptions"] = json!(events);
        }
        self.api
            .post(&format!("{}/webhooks", self.base))
            .token(self.admin())
            .json(json!({ "webhook": webhook }))
            .send()
            .await
            .expect(200)
            .body["payload"]["webhook"]
            .clone()
    }

    /// A bot of the account posting to `url`, connected to the inbox; returns the bot.
    async fn connect_bot(&self, name: &str, url: &str) -> Value {
        let bot = self
            .api
            .post("/platform/api/v1/agent_bots")
            .token(&self.fx.platform)
            .json(json!({"name": name, "outgoing_url": url, "account_id": self.fx.account}))
            .send()
            .await
            .expect(200)
            .body;
        self.api
            .post(&format!(
                "{}/inboxes/{}/set_agent_bot",
                self.base, self.inbox
            ))
            .token(self.admin())
            .json(json!({"agent_bot": bot["id"]}))
            .send()
            .await
            .expect(200);
        bot
    }

    async fn message(&self, token: &str, body: Value) -> Value {
        self.api
            .post(&format!(
                "{}/conversations/{}/messages",
                self.base, self.conversation
            ))
            .token(token)
            .json(body)
            .send()
            .await
            .expect(200)
            .body
    }

    async fn conversation(&self) -> Value {
        self.api
            .get(&format!(
                "{}/conversations/{}",
                self.base, self.conversation
            ))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body
    }

    async fn messages(&self) -> Vec<Value> {
        self.api
            .get(&format!(
                "{}/conversations/{}/messages",
                self.base, self.conversation
            ))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body["payload"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn dispatch(&self) -> Vec<shared::outbox::EventRecord> {
        dispatch_all(
            &dispatcher(self.api.state().clone()),
            self.fx.account,
            &self.dispatched,
        )
        .await
    }
}

fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_message_reaches_the_webhook_with_chatwoots_payload_and_a_valid_signature() {
    let world = World::new().await;
    // What happened before the webhook existed is delivered to nobody.
    world.dispatch().await;
    let receiver = Receiver::start().await;
    let webhook = world.webhook(&receiver.url, None).await;
    let secret = webhook["secret"].as_str().expect("a per-webhook secret");
    let sent = world
        .message(world.admin(), json!({"content": "Hello from support"}))
        .await;
    world.dispatch().await;

    let delivered = receiver.events("message_created");
    assert_eq!(delivered.len(), 1, "{:?}", receiver.received());
    let request = &delivered[0];
    let body = request.json();
    assert_eq!(body["id"], sent["id"]);
    assert_eq!(body["content"], "Hello from support");
    assert_eq!(body["message_type"], "outgoing");
    assert_eq!(body["private"], false);
    assert_eq!(body["account"]["id"], world.fx.account);
    assert_eq!(body["inbox"]["id"], world.inbox);
    assert_eq!(body["conversation"]["id"], world.conversation);
    assert_eq!(body["sender"]["type"], "user");
    assert_eq!(request.header("content-type"), "application/json");
    let timestamp = request.header("x-chatwoot-timestamp");
    assert!(timestamp.parse::<i64>().is_ok());
    assert_eq!(
        request.header("x-chatwoot-signature"),
        expected_signature(secret, &timestamp, &request.body)
    );
    assert_eq!(request.header("x-chatwoot-delivery").len(), 36);
    // The conversation was opened before the webhook existed: only later events arrive.
    assert!(receiver.events("conversation_created").is_empty());
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_once_recorded_as_delivered() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    world
        .webhook(&receiver.url, Some(&["message_created"]))
        .await;
    receiver.answer(&[500, 503]);
    world
        .message(world.admin(), json!({"content": "retry me"}))
        .await;
    let handled = world.dispatch().await;

    let attempts = receiver.received();
    assert_eq!(attempts.len(), 3, "two failures, then the success");
    let ids: Vec<String> = attempts
        .iter()
        .map(|r| r.header("x-chatwoot-delivery"))
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one delivery id: {ids:?}"
    );
    let event = handled
        .iter()
        .find(|e| e.name == "message_created")
        .unwrap();
    let state = world.api.state().clone();
    let recorded = records::of_event(&state, event).await.unwrap();
    let webhook_records: Vec<_> = recorded
        .values()
        .filter(|r| r.target.starts_with("webhook:"))
        .collect();
    assert_eq!(webhook_records.len(), 1);
    assert_eq!(webhook_records[0].status, DeliveryStatus::Delivered);
    assert_eq!(webhook_records[0].attempts, 3);
    assert_eq!(webhook_records[0].response_status, Some(200));

    // Handling the same event again (a stream retry) posts nothing more.
    dispatcher(state).handle(event).await.unwrap();
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn unsubscribed_events_and_other_accounts_are_not_delivered() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    world
        .webhook(&receiver.url, Some(&["conversation_status_changed"]))
        .await;
    world.message(world.admin(), json!({"content": "hi"})).await;
    world
        .api
        .post(&format!(
            "{}/conversations/{}/toggle_status",
            world.base, world.conversation
        ))
        .token(world.admin())
        .json(json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    world.dispatch().await;
    let names: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json()["event"].clone())
        .collect();
    assert_eq!(names, [json!("conversation_status_changed")]);
    let body = receiver.received()[0].json();
    assert_eq!(
        body["changed_attributes"],
        json!([{"status": {"previous_value": "open", "current_value": "resolved"}}])
    );
    // The other account's events (none here) and this account's never cross.
    let other = dispatch_all(
        &dispatcher(world.api.state().clone()),
        world.fx.other_account,
        &Mutex::default(),
    )
    .await;
    assert!(other.iter().all(|e| e.account_id == world.fx.other_account));
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_bot_receives_the_message_and_its_reply_appears_in_the_conversation() {
    let api = TestApi::new().await;
    let receiver = Receiver::start().await;
    let world = World::over(api).await;
    let bot = world.connect_bot("Answer bot", &receiver.url).await;
    world.dispatch().await;
    world
        .message(
            world.admin(),
            json!({"content": "Where is my parcel?", "message_type": "incoming"}),
        )
        .await;
    world.dispatch().await;

    let received = receiver.events("message_created");
    assert_eq!(received.len(), 1, "{:?}", receiver.received());
    let body = received[0].json();
    assert_eq!(body["content"], "Where is my parcel?");
    assert_eq!(body["message_type"], "incoming");
    // The bot answers through the Application API with its own token.
    let token = bot["access_token"].as_str().unwrap();
    let conversation = body["conversation"]["id"].as_i64().unwrap();
    world
        .api
        .post(&format!(
            "{}/conversations/{conversation}/messages",
            world.base
        ))
        .token(token)
        .json(json!({"content": "It left the depot this morning."}))
        .send()
        .await
        .expect(200);
    let reply = world
        .messages()
        .await
        .into_iter()
        .find(|m| m["content"] == "It left the depot this morning.")
        .expect("the bot's reply is in the conversation");
    assert_eq!(reply["message_type"], 1);
    assert_eq!(reply["sender"]["type"], "agent_bot");
    // Its own reply comes back to it too, as Chatwoot sends it (bots filter on sender).
    world.dispatch().await;
    assert_eq!(receiver.events("message_created").len(), 2);
}

#[tokio::test]
async fn an_unreachable_bot_hands_its_pending_conversation_to_the_agents() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    world.connect_bot("Down bot", &receiver.url).await;
    world
        .api
        .post(&format!(
            "{}/conversations/{}/toggle_status",
            world.base, world.conversation
        ))
        .token(world.admin())
        .json(json!({"status": "pending"}))
        .send()
        .await
        .expect(200);
    world.dispatch().await;
    receiver.answer(&[500; 6]);
    world
        .message(
            world.admin(),
            json!({"content": "anyone?", "message_type": "incoming"}),
        )
        .await;
    world.dispatch().await;
    assert_eq!(
        receiver.events("message_created").len(),
        6,
        "3 attempts × 2 rounds"
    );
    assert_eq!(world.conversation().await["status"], "open");
    assert!(world.messages().await.iter().any(|m| m["content"]
        == "Conversation was marked open by system due to an error with the agent bot."));
}

#[tokio::test]
async fn an_api_inbox_whose_webhook_rejects_a_message_marks_it_failed() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    world
        .api
        .set_inbox_webhook(&world.base, world.inbox, world.admin(), &receiver.url)
        .await;
    world.dispatch().await;
    receiver.answer(&[422]);
    let sent = world
        .message(world.admin(), json!({"content": "to the channel"}))
        .await;
    world.dispatch().await;
    let message = world
        .messages()
        .await
        .into_iter()
        .find(|m| m["id"] == sent["id"])
        .unwrap();
    assert_eq!(message["status"], "failed");
    assert!(message["content_attributes"]["external_error"]
        .as_str()
        .unwrap()
        .contains("422"));
    // Unsigned (an API inbox has no webhook secret) but identified.
    let first = &receiver.events("message_created")[0];
    assert!(first.header("x-chatwoot-signature").is_empty());
    assert!(!first.header("x-chatwoot-delivery").is_empty());
}

#[tokio::test]
async fn private_loopback_and_metadata_targets_are_refused_by_default() {
    let receiver = Receiver::start().await;
    let guarded = HttpPoster::new(false, Duration::from_secs(2));
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    for url in [
        receiver.url.clone(),
        format!("http://localhost:{port}/hook"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.8/hook".to_owned(),
        "http://[::1]:9/hook".to_owned(),
        "ftp://example.com/hook".to_owned(),
    ] {
        let request = delivery::request(&url, "{}".into(), "d", None, 0);
        let result = guarded.post(&request).await;
        assert!(
            matches!(result, Err(PostError::Refused(_))),
            "{url}: {result:?}"
        );
    }
    assert!(receiver.received().is_empty());

    // A redirect is never followed, so a target cannot bounce a delivery inward.
    let open = HttpPoster::new(true, Duration::from_secs(2));
    let metadata = Receiver::start().await;
    receiver.redirect(&metadata.url);
    let request = delivery::request(&receiver.url, "{}".into(), "d", None, 0);
    assert_eq!(open.post(&request).await, Err(PostError::Status(302)));
    assert_eq!(receiver.received().len(), 1);
    assert!(metadata.received().is_empty());
}

#[tokio::test]
async fn a_refused_webhook_is_recorded_failed_without_retries() {
    let world = World::new().await;
    world
        .webhook("http://169.254.169.254/latest", Some(&["message_created"]))
        .await;
    world.message(world.admin(), json!({"content": "hi"})).await;
    // The dispatcher as deployed: private targets refused.
    let guarded = shared::events::Dispatcher::new(
        api_tests::iam::guarded(world.api.state(), api_tests::template::Lambda::Dispatcher),
        std::sync::Arc::new(HttpPoster::new(false, Duration::from_secs(2))),
    );
    let handled = dispatch_all(&guarded, world.fx.account, &world.dispatched).await;
    let event = handled
        .iter()
        .find(|e| e.name == "message_created")
        .unwrap();
    let recorded = records::of_event(world.api.state(), event).await.unwrap();
    let webhook = recorded
        .values()
        .find(|r| r.target.starts_with("webhook:"))
        .unwrap();
    assert_eq!(webhook.status, DeliveryStatus::Failed);
    assert_eq!(webhook.attempts, 1);
    let error = webhook.error.as_deref().unwrap();
    assert!(error.starts_with("refused"), "{error}");
}

/// Over DynamoDB Local: the same change read back from the table's stream, handed to the
/// Lambda handler as the event Lambda would deliver, answers no batch failures and delivers.
#[tokio::test]
async fn the_lambda_handler_delivers_real_stream_records() {
    if !api_tests::aws_backend() {
        return;
    }
    let table = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let config = shared::state::Config::with_defaults(api_tests::FRONTEND_URL);
    let state = shared::AppState::aws(
        &table,
        &table,
        config,
        shared::state::Provision::Create { stream: true },
        std::sync::Arc::new(shared::clock::SystemClock),
    )
    .await
    .expect("emulators");
    let scratch = api_tests::Scratch::Table(table.clone());
    let world = World::over(TestApi::over(
        std::sync::Arc::new(state),
        None,
        Some(scratch),
    ))
    .await;
    let receiver = Receiver::start().await;
    world
        .webhook(&receiver.url, Some(&["message_created"]))
        .await;
    world
        .message(world.admin(), json!({"content": "via the stream"}))
        .await;

    let event = api_tests::events::stream_event(&table).await;
    let records = event["Records"].as_array().unwrap();
    assert!(
        records.len() > outbox(world.api.state(), world.fx.account).await.len(),
        "the stream carries every write, the outbox events among them"
    );
    let handler = dispatcher(world.api.state().clone());
    let answer = dispatcher::handle_batch(&handler, serde_json::from_value(event).unwrap()).await;
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let delivered = receiver.events("message_created");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].json()["content"], "via the stream");
}

/// `make run`'s path: the local server's tail of the embedded change log delivers without
/// anyone handing it events, and leaves the log empty once everything is settled.
#[tokio::test]
async fn the_local_tail_delivers_from_the_embedded_change_log() {
    let dir = tempfile::tempdir().unwrap();
    let config = shared::state::Config::with_defaults(api_tests::FRONTEND_URL);
    let built = store_embedded::open(
        dir.path(),
        config,
        std::sync::Arc::new(shared::clock::SystemClock),
    )
    .unwrap();
    let log = built.store.clone();
    let state = std::sync::Arc::new(built.state);
    let tail = tokio::spawn(infra::local_stream::tail(
        std::sync::Arc::new(dispatcher(state.clone())),
        log.clone(),
    ));
    let world = World::over(TestApi::over(state, Some(built.blobs), None)).await;
    let receiver = Receiver::start().await;
    world
        .webhook(&receiver.url, Some(&["message_created"]))
        .await;
    world
        .message(world.admin(), json!({"content": "no hands"}))
        .await;
    let mut waited = 0;
    while receiver.events("message_created").is_empty() {
        assert!(waited < 200, "the tail never delivered");
        tokio::time::sleep(Duration::from_millis(25)).await;
        waited += 1;
    }
    assert_eq!(
        receiver.events("message_created")[0].json()["content"],
        "no hands"
    );
    while !log.changes_after(0, 10).await.unwrap().is_empty() {
        assert!(waited < 400, "the change log was not drained");
        tokio::time::sleep(Duration::from_millis(25)).await;
        waited += 1;
    }
    tail.abort();
}

/// Automation through the dispatcher: a `message_created` rule on "refund" labels the
/// conversation once and posts the conversation to a URL; a rule reacting to its own kind of
/// change (`conversation_updated` → change priority) runs once and stops.
#[tokio::test]
async fn automation_rules_run_once_per_event_and_do_not_feed_themselves() {
    let world = World::new().await;
    world.dispatch().await;
    let receiver = Receiver::start().await;
    let rule = |body: Value| {
        let world = &world;
        async move {
            world
                .api
                .post(&format!("{}/automation_rules", world.base))
                .token(world.admin())
                .json(body)
                .send()
                .await
                .expect(200)
        }
    };
    rule(json!({
        "name": "Refunds", "event_name": "message_created",
        "conditions": [{"attribute_key": "content", "filter_operator": "contains",
                        "values": ["refund"], "query_operator": null}],
        "actions": [{"action_name": "add_label", "action_params": ["refund"]},
                    {"action_name": "send_webhook_event", "action_params": [receiver.url]}],
    }))
    .await;
    rule(json!({
        "name": "Escalate", "event_name": "conversation_updated",
        "conditions": [{"attribute_key": "status", "filter_operator": "equal_to",
                        "values": ["open"], "query_operator": null}],
        "actions": [{"action_name": "change_priority", "action_params": ["urgent"]}],
    }))
    .await;
    world
        .message(
            world.admin(),
            json!({"content": "I would like a refund", "message_type": "incoming"}),
        )
        .await;
    world
        .message(world.admin(), json!({"content": "no match here"}))
        .await;
    world.dispatch().await;
    world.dispatch().await;

    let conversation = world.conversation().await;
    assert_eq!(conversation["labels"], json!(["refund"]));
    assert_eq!(conversation["priority"], "urgent");
    let activities: Vec<String> = world
        .messages()
        .await
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    let labelled = activities
        .iter()
        .filter(|a| a.contains("Automation System added refund"))
        .count();
    let escalated = activities
        .iter()
        .filter(|a| a.contains("Automation System") && a.contains("priority"))
        .count();
    assert_eq!((labelled, escalated), (1, 1), "{activities:?}");
    let posted = receiver.received();
    assert_eq!(posted.len(), 1, "one webhook per matching message");
    let body = posted[0].json();
    assert_eq!(body["event"], "automation_event.message_created");
    assert_eq!(body["id"], world.conversation);
}

/// What handling costs: an internal event that reports nothing (no rule can name it, no
/// body) needs no round trip; a reporting fact reads the inbox (working hours, bot) and
/// writes the fact with its counters in one transaction; a message event in an account
/// without webhooks, bots or rules writes its message counters, reads its payload, the
/// webhooks, the rules and its delivery records, and writes the rules-run marker.
#[tokio::test]
async fn events_cost_their_reports_and_the_rules_marker_only() {
    let world = World::new().await;
    world.dispatch().await;
    world
        .api
        .post(&format!(
            "{}/conversations/{}/assignments",
            world.base, world.conversation
        ))
        .token(world.admin())
        .json(json!({"assignee_id": world.fx.admin.0}))
        .send()
        .await
        .expect(200);
    world
        .message(world.admin(), json!({"content": "quiet"}))
        .await;
    let events = outbox(world.api.state(), world.fx.account).await;
    let (state, counter) = world.api.counted_state();
    let handler = dispatcher(state);
    let latest = |name: &str| {
        events
            .iter()
            .rev()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("a {name} event"))
    };
    counter.take();
    handler.handle(latest("assignee_changed")).await.unwrap();
    let spent = counter.take();
    assert_eq!((spent.reads, spent.writes), (0, 0));
    handler.handle(latest("first_reply_created")).await.unwrap();
    let spent = counter.take();
    assert_eq!(
        (spent.reads, spent.writes),
        (1, 1),
        "inbox; fact and counters"
    );
    handler.handle(latest("message_created")).await.unwrap();
    let spent = counter.take();
    assert_eq!(spent.writes, 2, "the counters and the rules-run marker");
    // Payload batch, webhooks query, rules query, delivery records query.
    assert_eq!(spent.reads, 4, "{spent:?}");
}
