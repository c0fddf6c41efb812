//! The webhook and agent-bot bodies of outbox event records (`shared::events::payloads`):
//! changes made over HTTP, their records read back from the outbox, rendered, and compared
//! with Chatwoot's shapes (key sets, values) and the round trips rendering costs.

use api_tests::{json, AccountFixture, TestApi};
use serde_json::Value;
use shared::clock::iso_millis;
use shared::events::payloads::{self, EventContext};
use shared::outbox::EventRecord;
use shared::store::{from_item, Query, RoundTrips};

const CONVERSATION_KEYS: &[&str] = &[
    "additional_attributes",
    "can_reply",
    "channel",
    "contact_inbox",
    "id",
    "inbox_id",
    "messages",
    "labels",
    "meta",
    "status",
    "custom_attributes",
    "snoozed_until",
    "unread_count",
    "first_reply_created_at",
    "priority",
    "waiting_since",
    "agent_last_seen_at",
    "contact_last_seen_at",
    "last_activity_at",
    "timestamp",
    "created_at",
    "updated_at",
];
const META_KEYS: &[&str] = &["sender", "assignee", "team", "hmac_verified"];
const CONTACT_INBOX_KEYS: &[&str] = &[
    "id",
    "contact_id",
    "inbox_id",
    "source_id",
    "hmac_verified",
    "pubsub_token",
    "created_at",
    "updated_at",
];
const CONTACT_PUSH_KEYS: &[&str] = &[
    "additional_attributes",
    "custom_attributes",
    "email",
    "id",
    "identifier",
    "name",
    "phone_number",
    "thumbnail",
    "blocked",
    "type",
];
const USER_PUSH_KEYS: &[&str] = &[
    "id",
    "name",
    "available_name",
    "avatar_url",
    "type",
    "availability_status",
    "thumbnail",
];
const PUSH_MESSAGE_KEYS: &[&str] = &[
    "id",
    "content",
    "account_id",
    "inbox_id",
    "conversation_id",
    "message_type",
    "created_at",
    "updated_at",
    "private",
    "status",
    "source_id",
    "content_type",
    "content_attributes",
    "sender_type",
    "sender_id",
    "external_source_ids",
    "additional_attributes",
    "processed_message_content",
    "sentiment",
    "conversation",
    "sender",
];
const MESSAGE_KEYS: &[&str] = &[
    "account",
    "additional_attributes",
    "content_attributes",
    "content_type",
    "content",
    "conversation",
    "created_at",
    "id",
    "inbox",
    "message_type",
    "private",
    "sender",
    "source_id",
    "event",
];
const CONTACT_KEYS: &[&str] = &[
    "account",
    "additional_attributes",
    "avatar",
    "custom_attributes",
    "email",
    "id",
    "identifier",
    "name",
    "phone_number",
    "thumbnail",
    "blocked",
];
const USER_KEYS: &[&str] = &["id", "name", "email", "type"];
const TYPING_KEYS: &[&str] = &["event", "user", "conversation", "is_private"];

fn sorted_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn keys(names: &[&str], extra: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().chain(extra).map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}

/// The conversation webhook data's shape, nested objects included.
fn assert_conversation_shape(conversation: &Value, extra: &[&str]) {
    assert_eq!(sorted_keys(conversation), keys(CONVERSATION_KEYS, extra));
    assert_eq!(sorted_keys(&conversation["meta"]), keys(META_KEYS, &[]));
    assert_eq!(
        sorted_keys(&conversation["meta"]["sender"]),
        keys(CONTACT_PUSH_KEYS, &[])
    );
    assert_eq!(
        sorted_keys(&conversation["contact_inbox"]),
        keys(CONTACT_INBOX_KEYS, &[])
    );
    for message in conversation["messages"].as_array().expect("messages") {
        assert_eq!(sorted_keys(message), keys(PUSH_MESSAGE_KEYS, &[]));
    }
    assert!(conversation["updated_at"].is_f64(), "{conversation}");
    for epoch in [
        "created_at",
        "timestamp",
        "last_activity_at",
        "waiting_since",
        "agent_last_seen_at",
        "contact_last_seen_at",
    ] {
        assert!(conversation[epoch].is_i64(), "{epoch}: {conversation}");
    }
}

struct World {
    api: TestApi,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    identifier: String,
}

/// The fixture's account ("Acme") with an API inbox ("API inbox").
async fn world() -> World {
    world_with_inbox(json!({})).await
}

async fn world_with_inbox(extra: Value) -> World {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let mut body = json!({"name": "API inbox", "channel": {"type": "api"}});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let inbox = api
        .post(&format!("{base}/inboxes"))
        .token(&fx.admin.1)
        .json(body)
        .send()
        .await
        .expect(200);
    World {
        inbox: inbox.id(),
        identifier: inbox.text("inbox_identifier"),
        api,
        fx,
        base,
    }
}

/// A Client API visitor's conversation: its source id and display id.
struct Visit {
    source: String,
    conversation: i64,
}

impl World {
    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    fn public(&self, path: &str) -> String {
        format!("/public/api/v1/inboxes/{}{path}", self.identifier)
    }

    /// A visitor (Client API contact) with a conversation they said "hello" in.
    async fn visit(&self) -> Visit {
        let source = self
            .api
            .post(&self.public("/contacts"))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .text("source_id");
        let conversation = self
            .api
            .post(&self.public(&format!("/contacts/{source}/conversations")))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .id();
        let visit = Visit {
            source,
            conversation,
        };
        self.say(&visit, "hello").await;
        visit
    }

    async fn say(&self, visit: &Visit, text: &str) {
        self.api
            .post(&self.public(&format!(
                "/contacts/{}/conversations/{}/messages",
                visit.source, visit.conversation
            )))
            .json(json!({"content": text}))
            .send()
            .await
            .expect(200);
    }

    async fn app(&self, token: &str, rest: &str, body: Value) -> Value {
        self.api
            .post(&format!("{}{rest}", self.base))
            .token(token)
            .json(body)
            .send()
            .await
            .expect(200)
            .body
    }

    /// Posts a message as `token`'s owner; answers its id.
    async fn reply(&self, token: &str, conversation: i64, body: Value) -> i64 {
        self.app(
            token,
            &format!("/conversations/{conversation}/messages"),
            body,
        )
        .await["id"]
            .as_i64()
            .expect("message id")
    }

    async fn toggle_status(&self, conversation: i64, status: &str) {
        self.app(
            self.admin(),
            &format!("/conversations/{conversation}/toggle_status"),
            json!({"status": status}),
        )
        .await;
    }

    /// How many messages of the conversation are older than message `id`.
    async fn messages_before(&self, conversation: i64, id: i64) -> u64 {
        let messages = self
            .api
            .get(&format!(
                "{}/conversations/{conversation}/messages",
                self.base
            ))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body;
        messages["payload"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["id"].as_i64().unwrap() < id)
            .count() as u64
    }

    /// The account's outbox records, oldest first.
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
            .map(|item| from_item(item).unwrap())
            .collect()
    }

    async fn named(&self, name: &str) -> Vec<EventRecord> {
        let mut events = self.events().await;
        events.retain(|e| e.name == name);
        events
    }

    /// The newest record named `name`.
    async fn last(&self, name: &str) -> EventRecord {
        self.named(name)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no {name} event"))
    }

    /// `payloads::load` through a counting store: the context and the round trips.
    async fn load(&self, event: &EventRecord) -> (Option<EventContext>, RoundTrips) {
        let (state, counter) = self.api.counted_state();
        let context = payloads::load(&state, event).await.unwrap();
        (context, counter.take())
    }

    async fn body(&self, event: &EventRecord) -> Value {
        let (context, _) = self.load(event).await;
        context
            .unwrap_or_else(|| panic!("{} has a body", event.name))
            .body()
    }
}

fn reads(reads: u64, items_read: u64) -> RoundTrips {
    RoundTrips {
        reads,
        writes: 0,
        items_read,
    }
}

fn message_event(events: Vec<EventRecord>, message_id: i64) -> EventRecord {
    events
        .into_iter()
        .find(|e| e.payload["message"]["id"] == message_id)
        .unwrap_or_else(|| panic!("no event of message {message_id}"))
}

#[tokio::test]
async fn an_incoming_message_is_chatwoots_message_webhook_data() {
    let w = world().await;
    let visit = w.visit().await;
    let event = w.last("message_created").await;
    let message = event.payload["message"].clone();
    let contact_id = message["sender"]["id"].as_i64().unwrap();
    let (context, trips) = w.load(&event).await;
    // One batch: account, inbox, contact-inbox, contact.
    assert_eq!(trips, reads(1, 4));
    let context = context.expect("a body");
    assert_eq!(context.inbox().map(|i| i.id), Some(w.inbox));
    assert_eq!(
        context.conversation().map(|c| c.display_id),
        Some(visit.conversation)
    );
    let body = context.body();
    assert_eq!(sorted_keys(&body), keys(MESSAGE_KEYS, &[]));
    assert_eq!(body["event"], "message_created");
    assert_eq!(body["id"], message["id"]);
    assert_eq!(body["content"], "hello");
    assert_eq!(body["content_type"], "text");
    assert_eq!(body["message_type"], "incoming");
    assert_eq!(body["private"], false);
    assert_eq!(body["source_id"], Value::Null);
    assert_eq!(
        body["created_at"],
        iso_millis(message["created_at_ms"].as_i64().unwrap())
    );
    assert_eq!(body["account"], json!({"id": w.fx.account, "name": "Acme"}));
    assert_eq!(body["inbox"], json!({"id": w.inbox, "name": "API inbox"}));
    assert_eq!(sorted_keys(&body["sender"]), keys(CONTACT_KEYS, &[]));
    assert_eq!(body["sender"]["id"], contact_id);
    assert_eq!(body["sender"]["account"], body["account"]);
    assert_eq!(body["sender"]["blocked"], false);

    let conversation = &body["conversation"];
    assert_conversation_shape(conversation, &[]);
    assert_eq!(conversation["id"], visit.conversation, "the display id");
    assert_eq!(conversation["inbox_id"], w.inbox);
    assert_eq!(conversation["channel"], "Channel::Api");
    assert_eq!(conversation["can_reply"], true);
    assert_eq!(conversation["status"], "open");
    assert_eq!(conversation["unread_count"], 1);
    assert_eq!(conversation["first_reply_created_at"], Value::Null);
    assert_eq!(conversation["agent_last_seen_at"], 0);
    assert_eq!(conversation["timestamp"], conversation["last_activity_at"]);
    assert_eq!(
        conversation["meta"],
        json!({
            "sender": conversation["meta"]["sender"],
            "assignee": null,
            "team": null,
            "hmac_verified": false,
        })
    );
    assert_eq!(conversation["meta"]["sender"]["id"], contact_id);
    assert_eq!(conversation["meta"]["sender"]["type"], "contact");
    let link = &conversation["contact_inbox"];
    assert_eq!(link["source_id"], visit.source);
    assert_eq!(link["contact_id"], contact_id);
    assert_eq!(link["inbox_id"], w.inbox);
    assert_eq!(link["hmac_verified"], false);
    let pushed = &conversation["messages"][0];
    assert_eq!(conversation["messages"].as_array().unwrap().len(), 1);
    assert_eq!(pushed["id"], body["id"]);
    assert_eq!(pushed["message_type"], 0, "push data keeps the integer");
    assert_eq!(pushed["conversation_id"], visit.conversation);
    assert_eq!(pushed["sender"]["type"], "contact");
    assert_eq!(
        pushed["conversation"]["contact_inbox"],
        json!({"source_id": visit.source})
    );
}

#[tokio::test]
async fn conversation_and_contact_creation_bodies() {
    let w = world().await;
    let visit = w.visit().await;
    let created = w.last("conversation_created").await;
    let (context, trips) = w.load(&created).await;
    assert_eq!(trips, reads(1, 4));
    let body = context.unwrap().body();
    assert_conversation_shape(&body, &["event"]);
    assert_eq!(body["event"], "conversation_created");
    assert_eq!(body["id"], visit.conversation);
    assert_eq!(
        body["messages"],
        json!([]),
        "saved before its first message"
    );

    let contact = w.last("contact_created").await;
    let (context, trips) = w.load(&contact).await;
    assert_eq!(trips, reads(1, 1), "the account");
    let context = context.unwrap();
    assert!(context.inbox().is_none() && context.conversation().is_none());
    assert_eq!(context.conversation_body("automation_event.x"), None);
    let body = context.body();
    assert_eq!(sorted_keys(&body), keys(CONTACT_KEYS, &["event"]));
    assert_eq!(body["event"], "contact_created");
    assert_eq!(body["account"], json!({"id": w.fx.account, "name": "Acme"}));
    assert_eq!(body["avatar"], "");
    assert_eq!(body["thumbnail"], "");
    assert_eq!(body["id"], contact.payload["contact"]["id"]);
    let visitor = w.last("message_created").await.payload["message"]["sender"]["id"].clone();
    assert_eq!(body["id"], visitor);
}

#[tokio::test]
async fn agent_replies_private_notes_and_activities() {
    let w = world().await;
    let visit = w.visit().await;
    let (admin_id, _) = w.fx.admin;
    let reply = w
        .reply(
            w.admin(),
            visit.conversation,
            json!({"content": "Hi there"}),
        )
        .await;
    let body = w
        .body(&message_event(w.named("message_created").await, reply))
        .await;
    assert_eq!(body["message_type"], "outgoing");
    assert_eq!(sorted_keys(&body["sender"]), keys(USER_KEYS, &[]));
    assert_eq!(body["sender"]["id"], admin_id);
    assert_eq!(body["sender"]["type"], "user");
    assert_eq!(body["sender"]["name"], "Test User");
    assert!(body["sender"]["email"].as_str().unwrap().contains('@'));
    assert_eq!(body["conversation"]["messages"][0]["id"], reply);
    assert_eq!(
        sorted_keys(&body["conversation"]["messages"][0]["sender"]),
        keys(USER_PUSH_KEYS, &[])
    );

    // A private note is sent, flagged; the conversation still shows the latest public one,
    // found by one more read: the messages older than the note, a page at a time.
    let note = w
        .reply(
            w.admin(),
            visit.conversation,
            json!({"content": "internal", "private": true}),
        )
        .await;
    let event = message_event(w.named("message_created").await, note);
    let (context, trips) = w.load(&event).await;
    let body = context.unwrap().body();
    assert_eq!(body["private"], true);
    assert_eq!(body["message_type"], "outgoing");
    assert_eq!(body["conversation"]["messages"][0]["id"], reply);
    let page = payloads::CHAT_LOOKUP_PAGE as u64;
    let older = w.messages_before(visit.conversation, note).await;
    // The query, then the batch: account, inbox, contact-inbox, contact, admin (member + user).
    assert_eq!(trips, reads(2, older.min(page) + 6));

    // Notes in a row longer than a page: one more page.
    let mut last_note = note;
    for n in 0..page {
        last_note = w
            .reply(
                w.admin(),
                visit.conversation,
                json!({"content": format!("note {n}"), "private": true}),
            )
            .await;
    }
    let event = message_event(w.named("message_created").await, last_note);
    let (context, trips) = w.load(&event).await;
    assert_eq!(
        context.unwrap().body()["conversation"]["messages"][0]["id"],
        reply
    );
    let older = w.messages_before(visit.conversation, last_note).await;
    assert_eq!(trips, reads(3, page + (older - page).min(page) + 6));

    // Activity messages have no body, and nothing is read to say so (activities record no
    // message events; a record of one is made up here).
    let mut activity = event.clone();
    activity.payload["message"]["message_type"] = json!(2);
    activity.payload["message"]["private"] = json!(false);
    let (context, trips) = w.load(&activity).await;
    assert!(context.is_none());
    assert_eq!(trips, reads(0, 0));
}

#[tokio::test]
async fn status_changes_carry_changed_attributes() {
    let w = world().await;
    let visit = w.visit().await;
    w.toggle_status(visit.conversation, "resolved").await;

    let changed = w.last("conversation_status_changed").await;
    let (context, trips) = w.load(&changed).await;
    assert_eq!(trips, reads(1, 4));
    let body = context.unwrap().body();
    assert_conversation_shape(&body, &["event", "changed_attributes"]);
    assert_eq!(body["event"], "conversation_status_changed");
    assert_eq!(body["status"], "resolved");
    assert_eq!(
        body["changed_attributes"],
        json!([{"status": {"previous_value": "open", "current_value": "resolved"}}])
    );
    assert_eq!(body["messages"][0]["content"], "hello", "not the activity");

    let resolved = w.body(&w.last("conversation_resolved").await).await;
    assert_conversation_shape(&resolved, &["event"]);
    assert_eq!(resolved["event"], "conversation_resolved");

    let updated = w.body(&w.last("conversation_updated").await).await;
    assert_eq!(updated["event"], "conversation_updated");
    let names: Vec<String> = updated["changed_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c.as_object().unwrap().keys().cloned())
        .collect();
    assert_eq!(names, ["status", "waiting_since", "updated_at"]);

    w.toggle_status(visit.conversation, "open").await;
    let opened = w.body(&w.last("conversation_opened").await).await;
    assert_eq!(opened["event"], "conversation_opened");
    assert_eq!(opened["status"], "open");
    assert!(opened.get("changed_attributes").is_none());
}

#[tokio::test]
async fn assignee_and_team_show_in_the_meta() {
    let w = world().await;
    let visit = w.visit().await;
    let (agent_id, _) = w.fx.agent;
    let team = w.app(w.admin(), "/teams", json!({"name": "billing"})).await["id"]
        .as_i64()
        .unwrap();
    // A member, so assigning the team keeps the assignee.
    w.app(
        w.admin(),
        &format!("/teams/{team}/team_members"),
        json!({"user_ids": [agent_id]}),
    )
    .await;
    let assignments = format!("/conversations/{}/assignments", visit.conversation);
    w.app(w.admin(), &assignments, json!({"assignee_id": agent_id}))
        .await;
    let assigned = w.body(&w.last("conversation_updated").await).await;
    assert_eq!(
        assigned["changed_attributes"][0],
        json!({"assignee_id": {"previous_value": null, "current_value": agent_id}})
    );
    let assignee = &assigned["meta"]["assignee"];
    assert_eq!(sorted_keys(assignee), keys(USER_PUSH_KEYS, &[]));
    assert_eq!(assignee["id"], agent_id);
    assert_eq!(assignee["type"], "user");

    w.app(w.admin(), &assignments, json!({"team_id": team}))
        .await;
    let event = w.last("conversation_updated").await;
    let (context, trips) = w.load(&event).await;
    // Account, inbox, contact-inbox, contact, assignee (member + user), team.
    assert_eq!(trips, reads(1, 7));
    let context = context.unwrap();
    let body = context.body();
    assert_eq!(body["meta"]["team"], json!({"id": team, "name": "billing"}));
    assert_eq!(body["meta"]["assignee"]["id"], agent_id);

    // Automation's `send_webhook_event` posts the conversation under its own event name.
    let automation = context
        .conversation_body("automation_event.conversation_updated")
        .unwrap();
    assert_conversation_shape(&automation, &["event"]);
    assert_eq!(automation["event"], "automation_event.conversation_updated");
    assert_eq!(automation["meta"], body["meta"]);
}

#[tokio::test]
async fn typing_bodies_name_the_typist() {
    let w = world().await;
    let visit = w.visit().await;
    let (admin_id, _) = w.fx.admin;
    w.app(
        w.admin(),
        &format!("/conversations/{}/toggle_typing_status", visit.conversation),
        json!({"typing_status": "on", "is_private": true}),
    )
    .await;
    let event = w.last("conversation_typing_on").await;
    let (context, trips) = w.load(&event).await;
    // Account, inbox, contact-inbox, contact, typist (member + user).
    assert_eq!(trips, reads(1, 6));
    let body = context.unwrap().body();
    assert_eq!(sorted_keys(&body), keys(TYPING_KEYS, &[]));
    assert_eq!(body["event"], "conversation_typing_on");
    assert_eq!(body["is_private"], true);
    assert_eq!(sorted_keys(&body["user"]), keys(USER_KEYS, &[]));
    assert_eq!(body["user"]["id"], admin_id);
    assert_eq!(body["user"]["type"], "user");
    assert_conversation_shape(&body["conversation"], &[]);
    assert_eq!(body["conversation"]["id"], visit.conversation);

    w.api
        .post(&w.public(&format!(
            "/contacts/{}/conversations/{}/toggle_typing",
            visit.source, visit.conversation
        )))
        .json(json!({"typing_status": "off"}))
        .send()
        .await
        .expect(200);
    let body = w.body(&w.last("conversation_typing_off").await).await;
    assert_eq!(sorted_keys(&body), keys(TYPING_KEYS, &[]));
    assert_eq!(body["event"], "conversation_typing_off");
    assert_eq!(body["is_private"], false);
    assert_eq!(sorted_keys(&body["user"]), keys(CONTACT_KEYS, &[]));
    assert_eq!(
        body["user"]["id"],
        body["conversation"]["meta"]["sender"]["id"]
    );
}

#[tokio::test]
async fn contact_updates_carry_their_changes() {
    let w = world().await;
    let contact = w
        .app(
            w.admin(),
            "/contacts",
            json!({"name": "Jane", "custom_attributes": {"plan": "pro", "seats": 3}}),
        )
        .await["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("{}/contacts/{contact}", w.base);
    w.api
        .patch(&path)
        .token(w.admin())
        .json(json!({"name": "Jane Doe"}))
        .send()
        .await
        .expect(200);
    let event = w.last("contact_updated").await;
    let (context, trips) = w.load(&event).await;
    assert_eq!(trips, reads(1, 1), "the account");
    let body = context.unwrap().body();
    assert_eq!(
        sorted_keys(&body),
        keys(CONTACT_KEYS, &["event", "changed_attributes"])
    );
    assert_eq!(body["event"], "contact_updated");
    assert_eq!(body["id"], contact);
    assert_eq!(body["name"], "Jane Doe");
    let changed = body["changed_attributes"].as_array().unwrap();
    assert_eq!(
        changed[0],
        json!({"name": {"previous_value": "Jane", "current_value": "Jane Doe"}})
    );
    assert_eq!(sorted_keys(&changed[1]), ["updated_at"]);
    assert_eq!(changed.len(), 2);

    // Nothing changed: no event.
    w.api
        .patch(&path)
        .token(w.admin())
        .json(json!({"name": "Jane Doe"}))
        .send()
        .await
        .expect(200);
    assert_eq!(w.named("contact_updated").await.len(), 1);

    // Removing custom attributes is a contact update too.
    w.app(
        w.admin(),
        &format!("/contacts/{contact}/destroy_custom_attributes"),
        json!({"custom_attributes": ["seats"]}),
    )
    .await;
    let body = w.body(&w.last("contact_updated").await).await;
    assert_eq!(
        body["changed_attributes"][0],
        json!({"custom_attributes": {
            "previous_value": {"plan": "pro", "seats": 3},
            "current_value": {"plan": "pro"},
        }})
    );
    assert_eq!(body["custom_attributes"], json!({"plan": "pro"}));
}

#[tokio::test]
async fn agent_bot_messages_name_the_bot() {
    let w = world().await;
    let visit = w.visit().await;
    let bots = w
        .api
        .get(&format!("{}/agent_bots", w.base))
        .token(w.admin())
        .send()
        .await
        .expect(200)
        .body;
    let bot = bots[0]["id"].as_i64().unwrap();
    // A bot acts in an account it is connected to through some inbox.
    let bot_inbox = w
        .app(
            w.admin(),
            "/inboxes",
            json!({"name": "Bot inbox", "channel": {"type": "api"}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    w.app(
        w.admin(),
        &format!("/inboxes/{bot_inbox}/set_agent_bot"),
        json!({"agent_bot": bot}),
    )
    .await;
    let message = w
        .reply(
            &w.fx.bot_token,
            visit.conversation,
            json!({"content": "How can I help?"}),
        )
        .await;
    let body = w
        .body(&message_event(w.named("message_created").await, message))
        .await;
    assert_eq!(body["message_type"], "outgoing");
    assert_eq!(
        body["sender"],
        json!({"id": bot, "name": "Bot", "type": "agent_bot"})
    );
}

#[tokio::test]
async fn a_csat_survey_carries_the_survey_link() {
    let w = world_with_inbox(json!({"csat_survey_enabled": true})).await;
    let visit = w.visit().await;
    w.toggle_status(visit.conversation, "resolved").await;
    let survey = w
        .named("message_created")
        .await
        .into_iter()
        .find(|e| e.payload["message"]["content_type"] == "input_csat")
        .expect("a survey");
    let (context, _) = w.load(&survey).await;
    let context = context.unwrap();
    let uuid = context.conversation().unwrap().uuid.clone();
    let body = context.body();
    assert_eq!(body["message_type"], "template");
    assert_eq!(body["content_type"], "input_csat");
    assert_eq!(
        body["content"],
        format!(
            "Please rate this conversation, {}/survey/responses/{uuid}",
            api_tests::FRONTEND_URL
        )
    );
}

#[tokio::test]
async fn internal_events_have_no_body() {
    let w = world().await;
    let visit = w.visit().await;
    let (agent_id, _) = w.fx.agent;
    w.app(
        w.admin(),
        &format!("/conversations/{}/assignments", visit.conversation),
        json!({"assignee_id": agent_id}),
    )
    .await;
    let internal = w.last("assignee_changed").await;
    let (context, trips) = w.load(&internal).await;
    assert!(context.is_none());
    assert_eq!(trips, reads(0, 0));
}
