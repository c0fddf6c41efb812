//! The automation rule engine: rules made through the API, conversations driven through the
//! API, and the outbox records those requests wrote handed to `engine::run` one by one, as the
//! dispatcher does (including the records the rules' own changes write, which must not run
//! rules again). Results are checked through the API.

use api_tests::{json, AccountFixture, TestApi, TestResponse};
use serde_json::Value;
use shared::domain::automation::engine;
use shared::outbox::EventRecord;
use shared::store::Query;
use std::collections::BTreeSet;

/// An account with an API inbox (the agent is a member), a second API inbox, a contact, and
/// the outbox records already handed to the engine.
struct World {
    api: TestApi,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    other_inbox: i64,
    contact: i64,
    seen: BTreeSet<String>,
}

async fn world() -> World {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let inbox = api
        .create_id(
            &format!("{base}/inboxes"),
            &fx.admin.1,
            json!({"name": "Support", "channel": {"type": "api"}}),
        )
        .await;
    let other_inbox = api
        .create_id(
            &format!("{base}/inboxes"),
            &fx.admin.1,
            json!({"name": "Sales", "channel": {"type": "api"}}),
        )
        .await;
    api.post(&format!("{base}/inbox_members"))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "user_ids": [fx.agent.0]}))
        .send()
        .await
        .expect(200);
    let contact = api
        .create_contact(
            &base,
            &fx.admin.1,
            json!({"name": "Carla", "email": "carla@vip.example.com",
                "additional_attributes": {"city": "Berlin"}}),
        )
        .await;
    World {
        api,
        fx,
        base,
        inbox,
        other_inbox,
        contact,
        seen: BTreeSet::new(),
    }
}

fn condition(key: &str, operator: &str, values: Value, connector: Option<&str>) -> Value {
    json!({"attribute_key": key, "filter_operator": operator, "values": values, "query_operator": connector})
}

fn action(name: &str, params: Value) -> Value {
    json!({"action_name": name, "action_params": params})
}

impl World {
    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }

    async fn post(&self, rest: &str, body: Value) -> TestResponse {
        self.api
            .post(&self.path(rest))
            .token(&self.fx.admin.1)
            .json(body)
            .send()
            .await
    }

    async fn get(&self, rest: &str) -> Value {
        self.api
            .get(&self.path(rest))
            .token(&self.fx.admin.1)
            .send()
            .await
            .expect(200)
            .body
    }

    async fn rule(&self, event: &str, conditions: Value, actions: Value) -> i64 {
        self.post(
            "/automation_rules",
            json!({"name": "Rule", "event_name": event, "conditions": conditions, "actions": actions}),
        )
        .await
        .expect(200)
        .id()
    }

    async fn open(&self, inbox: i64) -> i64 {
        self.post(
            "/conversations",
            json!({"inbox_id": inbox, "contact_id": self.contact}),
        )
        .await
        .expect(200)
        .id()
    }

    async fn message(&self, conversation: i64, content: &str, message_type: &str) {
        self.post(
            &format!("/conversations/{conversation}/messages"),
            json!({"content": content, "message_type": message_type}),
        )
        .await
        .expect(200);
    }

    async fn events(&self) -> Vec<EventRecord> {
        self.api
            .state()
            .store
            .query(&Query::prefix(
                shared::keys::account_partition(self.fx.account),
                "EVENT#",
            ))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|item| shared::store::from_item(item).unwrap())
            .collect()
    }

    /// Hands every outbox record not yet handed over to the engine, in order, until the
    /// rules' changes record nothing new; answers the records handed over.
    async fn dispatch(&mut self) -> Vec<EventRecord> {
        let mut handled = Vec::new();
        for _ in 0..5 {
            let fresh: Vec<EventRecord> = self
                .events()
                .await
                .into_iter()
                .filter(|e| !self.seen.contains(&e.event_id))
                .collect();
            if fresh.is_empty() {
                return handled;
            }
            for event in fresh {
                self.seen.insert(event.event_id.clone());
                engine::run(self.api.state(), &event).await.unwrap();
                handled.push(event);
            }
        }
        panic!("the rules keep triggering each other");
    }

    /// How many outbox records of this name the account has.
    async fn count(&self, name: &str) -> usize {
        self.events()
            .await
            .iter()
            .filter(|e| e.name == name)
            .count()
    }

    async fn conversation(&self, id: i64) -> Value {
        self.get(&format!("/conversations/{id}")).await
    }

    async fn labels(&self, id: i64) -> Vec<String> {
        self.conversation(id).await["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect()
    }

    async fn messages(&self, id: i64) -> Vec<Value> {
        self.get(&format!("/conversations/{id}/messages")).await["payload"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The conversation's activity message texts, oldest first.
    async fn activities(&self, id: i64) -> Vec<String> {
        self.messages(id)
            .await
            .iter()
            .filter(|m| m["message_type"] == 2)
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_message_rule_labels_matching_messages_once() {
    let mut w = world().await;
    w.rule(
        "message_created",
        json!([
            condition("content", "contains", json!(["refund"]), Some("and")),
            condition("message_type", "equal_to", json!(["incoming"]), None)
        ]),
        json!([action("add_label", json!(["billing"]))]),
    )
    .await;
    let asking = w.open(w.inbox).await;
    let chatting = w.open(w.inbox).await;
    w.message(asking, "I want a REFUND please", "incoming")
        .await;
    w.message(chatting, "Hello there", "incoming").await;
    w.message(chatting, "No refund needed", "outgoing").await;
    w.dispatch().await;
    assert_eq!(w.labels(asking).await, ["billing"]);
    assert_eq!(
        w.activities(asking).await,
        ["Automation System added billing"]
    );
    assert!(
        w.labels(chatting).await.is_empty(),
        "other content, outgoing"
    );

    // The rule matches again but the label is there: no second label, no second activity.
    w.message(asking, "refund, really", "incoming").await;
    w.dispatch().await;
    assert_eq!(w.labels(asking).await, ["billing"]);
    assert_eq!(w.activities(asking).await.len(), 1);

    // Inactive rules and rules of other events do not run.
    let off = w
        .rule(
            "message_created",
            json!([]),
            json!([action("add_label", json!(["off"]))]),
        )
        .await;
    w.api
        .patch(&w.path(&format!("/automation_rules/{off}")))
        .token(&w.fx.admin.1)
        .json(json!({"active": false}))
        .send()
        .await
        .expect(200);
    w.rule(
        "conversation_resolved",
        json!([]),
        json!([action("add_label", json!(["resolved"]))]),
    )
    .await;
    w.message(chatting, "refund now", "incoming").await;
    w.dispatch().await;
    assert_eq!(w.labels(chatting).await, ["billing"]);
}

#[tokio::test]
async fn attribute_changed_matches_the_events_change() {
    let mut w = world().await;
    w.rule(
        "conversation_updated",
        json!([condition(
            "status",
            "attribute_changed",
            json!({"from": ["open"], "to": ["resolved"]}),
            None
        )]),
        json!([action("add_label", json!(["closed"]))]),
    )
    .await;
    let resolved = w.open(w.inbox).await;
    let pending = w.open(w.inbox).await;
    w.dispatch().await;
    for (id, status) in [(resolved, "resolved"), (pending, "pending")] {
        w.post(
            &format!("/conversations/{id}/toggle_status"),
            json!({ "status": status }),
        )
        .await
        .expect(200);
    }
    w.post(
        &format!("/conversations/{pending}/toggle_priority"),
        json!({"priority": "low"}),
    )
    .await
    .expect(200);
    w.dispatch().await;
    assert_eq!(w.labels(resolved).await, ["closed"]);
    assert!(w.labels(pending).await.is_empty(), "open → pending");
    // Reopening is a change too, but not this one.
    w.post(
        &format!("/conversations/{resolved}/toggle_status"),
        json!({"status": "open"}),
    )
    .await
    .expect(200);
    w.post(
        &format!("/conversations/{resolved}/labels"),
        json!({"labels": []}),
    )
    .await
    .expect(200);
    w.dispatch().await;
    assert!(w.labels(resolved).await.is_empty());
}

#[tokio::test]
async fn and_binds_tighter_than_or() {
    let mut w = world().await;
    // Sales inbox OR (priority urgent AND content contains hello), not
    // (sales inbox OR priority urgent) AND content contains hello.
    w.rule(
        "message_created",
        json!([
            condition("inbox_id", "equal_to", json!([w.other_inbox]), Some("OR")),
            condition("priority", "equal_to", json!(["urgent"]), Some("and")),
            condition("content", "contains", json!(["hello"]), None)
        ]),
        json!([action("add_label", json!(["picked"]))]),
    )
    .await;
    let urgent_hello = w.open(w.inbox).await;
    let plain_hello = w.open(w.inbox).await;
    let sales_bye = w.open(w.other_inbox).await;
    let urgent_bye = w.open(w.inbox).await;
    for id in [urgent_hello, urgent_bye] {
        w.post(
            &format!("/conversations/{id}/toggle_priority"),
            json!({"priority": "urgent"}),
        )
        .await
        .expect(200);
    }
    w.message(urgent_hello, "Hello!", "incoming").await;
    w.message(plain_hello, "hello", "incoming").await;
    w.message(sales_bye, "bye", "incoming").await;
    w.message(urgent_bye, "bye", "incoming").await;
    w.dispatch().await;
    for (id, picked) in [
        (urgent_hello, true),
        (plain_hello, false),
        (sales_bye, true),
        (urgent_bye, false),
    ] {
        assert_eq!(
            w.labels(id).await == ["picked"],
            picked,
            "conversation {id}"
        );
    }
}

#[tokio::test]
async fn changes_made_by_a_rule_do_not_run_rules() {
    let mut w = world().await;
    let rule = w
        .rule(
            "conversation_updated",
            json!([condition("status", "equal_to", json!(["open"]), None)]),
            json!([
                action("change_priority", json!(["high"])),
                action("send_webhook_event", json!(["https://hooks.example.com/u"]))
            ]),
        )
        .await;
    let id = w.open(w.inbox).await;
    w.post(
        &format!("/conversations/{id}/toggle_priority"),
        json!({"priority": "low"}),
    )
    .await
    .expect(200);
    let handled = w.dispatch().await;
    assert_eq!(w.conversation(id).await["priority"], "high");
    let admin = admin_name(&w).await;
    assert_eq!(
        w.activities(id).await,
        [
            format!("{admin} set the priority to low"),
            "Automation System changed the priority from low to high".to_owned()
        ]
    );
    // The rule's own update was handed to the engine too, and skipped: it carries the rule.
    let updates: Vec<Option<i64>> = handled
        .iter()
        .filter(|e| e.name == "conversation_updated")
        .map(|e| e.automation_rule_id)
        .collect();
    assert_eq!(updates, [None, Some(rule)]);
    assert_eq!(w.count("automation_webhook").await, 1, "the rule ran once");
}

async fn admin_name(w: &World) -> String {
    w.api
        .get("/api/v1/profile")
        .token(&w.fx.admin.1)
        .send()
        .await
        .expect(200)
        .text("name")
}

#[tokio::test]
async fn webhook_and_mail_actions_become_outbox_events() {
    let mut w = world().await;
    let rule = w
        .rule(
            "conversation_created",
            json!([
                condition("email", "contains", json!(["@vip.example"]), Some("and")),
                condition("city", "equal_to", json!(["berlin"]), None)
            ]),
            json!([
                action(
                    "send_webhook_event",
                    json!(["https://hooks.example.com/automation"])
                ),
                action("send_email_transcript", json!(["boss@example.com"]))
            ]),
        )
        .await;
    let id = w.open(w.inbox).await;
    let handled = w.dispatch().await;
    let webhook = handled
        .iter()
        .find(|e| e.name == "automation_webhook")
        .expect("an automation_webhook event");
    assert_eq!(webhook.automation_rule_id, Some(rule));
    assert_eq!(
        webhook.payload["url"],
        "https://hooks.example.com/automation"
    );
    assert_eq!(
        webhook.payload["automation_event"],
        "automation_event.conversation_created"
    );
    assert_eq!(webhook.payload["conversation"]["display_id"], id);
    let mail = handled
        .iter()
        .find(|e| e.name == "automation_email")
        .expect("an automation_email event");
    assert_eq!(mail.automation_rule_id, Some(rule));
    assert_eq!(mail.payload["automation_rule_id"], rule);
    assert_eq!(mail.payload["action_name"], "send_email_transcript");
    assert_eq!(mail.payload["action_params"], json!(["boss@example.com"]));

    // A contact the conditions do not describe gets neither.
    let other = w
        .post(
            "/contacts",
            json!({"name": "Dan", "email": "dan@example.com"}),
        )
        .await
        .expect(200)
        .body["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    w.post(
        "/conversations",
        json!({"inbox_id": w.inbox, "contact_id": other}),
    )
    .await
    .expect(200);
    let handled = w.dispatch().await;
    assert!(handled.iter().all(|e| e.automation_rule_id.is_none()));
}

#[tokio::test]
async fn conversation_actions_credit_the_automation_system() {
    let mut w = world().await;
    let team = w
        .post("/teams", json!({"name": "Escalations"}))
        .await
        .expect(200)
        .id();
    w.post(
        &format!("/teams/{team}/team_members"),
        json!({"user_ids": [w.fx.agent.0]}),
    )
    .await
    .expect(200);
    let account = format!("/api/v1/accounts/{}", w.fx.account);
    w.api
        .post(&format!("{account}/custom_attribute_definitions"))
        .token(&w.fx.admin.1)
        .json(
            json!({"attribute_display_name": "Plan", "attribute_key": "plan",
            "attribute_display_type": "list", "attribute_model": "conversation_attribute"}),
        )
        .send()
        .await
        .expect(200);
    let rule = w
        .rule(
            "message_created",
            json!([condition("plan", "equal_to", json!(["Gold"]), None)]),
            json!([
                action("send_message", json!(["We are on it"])),
                action("add_private_note", json!(["Gold customer"])),
                action("assign_agent", json!([w.fx.agent.0])),
                action("assign_team", json!([team])),
                action("change_status", json!(["pending"])),
                action("add_label", json!(["gold", "vip"])),
                action("remove_label", json!(["vip"])),
                action("change_priority", json!(["nil"])),
                action("change_status", json!(["nonsense"])),
                action("snooze_conversation", json!([]))
            ]),
        )
        .await;
    let gold = w
        .post(
            "/conversations",
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "custom_attributes": {"plan": "gold"}}),
        )
        .await
        .expect(200)
        .id();
    let silver = w
        .post(
            "/conversations",
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "custom_attributes": {"plan": "silver"}}),
        )
        .await
        .expect(200)
        .id();
    w.message(gold, "help", "incoming").await;
    w.message(silver, "help", "incoming").await;
    w.dispatch().await;

    let shown = w.conversation(gold).await;
    assert_eq!(
        shown["status"], "snoozed",
        "a failing action does not stop the rest"
    );
    assert_eq!(shown["meta"]["assignee"]["id"], w.fx.agent.0);
    assert_eq!(shown["meta"]["team"]["id"], team);
    assert_eq!(shown["labels"], json!(["gold"]));
    let messages = w.messages(gold).await;
    let sent = messages
        .iter()
        .find(|m| m["content"] == "We are on it")
        .expect("the rule's message");
    assert_eq!(sent["message_type"], 1);
    assert_eq!(sent["private"], false);
    assert_eq!(
        sent["content_attributes"],
        json!({"automation_rule_id": rule})
    );
    assert!(sent.get("sender").is_none(), "no sender: {sent}");
    let note = messages
        .iter()
        .find(|m| m["content"] == "Gold customer")
        .expect("the rule's note");
    assert_eq!(note["private"], true);
    let agent_name = w
        .get("/agents")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == w.fx.agent.0)
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .unwrap();
    assert_eq!(
        w.activities(gold).await,
        [
            format!("Assigned to {agent_name} by Automation System"),
            "Assigned to escalations by Automation System".to_owned(),
            "Conversation was marked as pending by Automation System".to_owned(),
            "Automation System added gold, vip".to_owned(),
            "Automation System removed vip".to_owned(),
            "Conversation was snoozed by Automation System".to_owned(),
        ]
    );
    assert!(
        w.activities(silver).await.is_empty(),
        "custom attribute differs"
    );
}

#[tokio::test]
async fn agents_outside_the_inbox_are_not_assigned_and_nil_unassigns() {
    let mut w = world().await;
    w.rule(
        "conversation_created",
        json!([condition(
            "inbox_id",
            "equal_to",
            json!([w.other_inbox]),
            None
        )]),
        json!([action("assign_agent", json!([w.fx.agent.0]))]),
    )
    .await;
    w.rule(
        "conversation_created",
        json!([condition("inbox_id", "equal_to", json!([w.inbox]), None)]),
        json!([
            action("assign_agent", json!([w.fx.admin.0])),
            action("assign_agent", json!(["nil"]))
        ]),
    )
    .await;
    let sales = w.open(w.other_inbox).await;
    let support = w.open(w.inbox).await;
    w.dispatch().await;
    assert!(w.conversation(sales).await["meta"]
        .get("assignee")
        .is_none());
    assert!(
        w.activities(sales).await.is_empty(),
        "the agent is no member of the inbox"
    );
    let admin = admin_name(&w).await;
    assert_eq!(
        w.activities(support).await,
        [
            format!("Assigned to {admin} by Automation System"),
            "Conversation unassigned by Automation System".to_owned()
        ]
    );
}

#[tokio::test]
async fn send_attachment_sends_the_rules_file() {
    let mut w = world().await;
    let first = w.open(w.inbox).await;
    w.dispatch().await;
    let signed_id = w
        .post(
            &format!("/conversations/{first}/direct_uploads"),
            json!({"blob": {"filename": "terms.pdf", "byte_size": 10, "content_type": "application/pdf"}}),
        )
        .await
        .expect(200)
        .text("signed_id");
    w.rule(
        "conversation_created",
        json!([]),
        json!([action("send_attachment", json!([signed_id]))]),
    )
    .await;
    let id = w.open(w.inbox).await;
    w.dispatch().await;
    let messages = w.messages(id).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let files = messages[0]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["file_type"], "file");
    assert_eq!(files[0]["extension"], "pdf");
    assert_eq!(messages[0]["message_type"], 1);
}

#[tokio::test]
async fn activity_messages_run_no_message_rules() {
    let mut w = world().await;
    // Every message runs the rule, and each run records a webhook event. (The rule's label
    // change writes no message event for its activity message.)
    w.rule(
        "message_created",
        json!([]),
        json!([
            action("add_label", json!(["seen"])),
            action("send_webhook_event", json!(["https://hooks.example.com/m"]))
        ]),
    )
    .await;
    let id = w.open(w.inbox).await;
    w.message(id, "hi", "incoming").await;
    let handled = w.dispatch().await;
    assert_eq!(w.activities(id).await, ["Automation System added seen"]);
    assert_eq!(w.count("automation_webhook").await, 1);
    let incoming = handled
        .iter()
        .find(|e| e.name == "message_created")
        .cloned()
        .expect("the message's event");
    // The same event about an activity message runs no rules.
    let mut activity = incoming.clone();
    activity.payload["message"]["message_type"] = json!(2);
    engine::run(w.api.state(), &activity).await.unwrap();
    assert_eq!(w.count("automation_webhook").await, 1);
    // The contact's message runs the rule each time it is handed over.
    engine::run(w.api.state(), &incoming).await.unwrap();
    assert_eq!(w.count("automation_webhook").await, 2);
}
