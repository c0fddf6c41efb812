//! `/api/v1/accounts/{account_id}/conversations`: create, show, lists and counts, every
//! per-conversation action and its side effects (activity messages, self-assignment, reopen).

use api_tests::{
    check_account_guards, concurrent_posts, json, AccountFixture, GuardedRoute, TestApi,
    TestResponse,
};
use http::Method;
use serde_json::Value;
use std::sync::Arc;

/// An account with an API inbox the agent belongs to, an API inbox they do not, and a contact.
struct World {
    api: Arc<TestApi>,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    other_inbox: i64,
    contact: i64,
}

async fn world() -> World {
    let api = Arc::new(TestApi::new().await);
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
    let world = World {
        api,
        fx,
        base,
        inbox,
        other_inbox,
        contact: 0,
    };
    let contact = world.contact("Carla", "carla@example.com").await;
    World { contact, ..world }
}

impl World {
    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }

    async fn contact(&self, name: &str, email: &str) -> i64 {
        self.api
            .create_contact(
                &self.base,
                &self.fx.admin.1,
                json!({"name": name, "email": email}),
            )
            .await
    }

    /// Opens a conversation with the world's contact as the administrator.
    async fn open(&self, inbox: i64, extra: Value) -> TestResponse {
        let mut body = json!({"inbox_id": inbox, "contact_id": self.contact});
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        self.api
            .post(&self.path("/conversations"))
            .token(&self.fx.admin.1)
            .json(body)
            .send()
            .await
    }

    async fn open_id(&self, inbox: i64) -> i64 {
        self.open(inbox, json!({})).await.expect(200).id()
    }

    async fn post(&self, token: &str, rest: &str, body: Value) -> TestResponse {
        self.api
            .post(&self.path(rest))
            .token(token)
            .json(body)
            .send()
            .await
    }

    async fn get(&self, token: &str, rest: &str) -> TestResponse {
        self.api.get(&self.path(rest)).token(token).send().await
    }

    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    fn agent(&self) -> &str {
        &self.fx.agent.1
    }

    /// The conversation's messages' contents, oldest first.
    async fn contents(&self, id: i64) -> Vec<String> {
        self.get(self.admin(), &format!("/conversations/{id}/messages"))
            .await
            .expect(200)
            .body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    async fn show(&self, id: i64) -> Value {
        self.get(self.admin(), &format!("/conversations/{id}"))
            .await
            .expect(200)
            .body
    }
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn conversation_routes_are_guarded() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let c = format!("/api/v1/accounts/{{account}}/conversations/{id}");
    let list = "/api/v1/accounts/{account}/conversations".to_owned();
    let mut routes = vec![
        GuardedRoute::new(Method::GET, list.clone(), Value::Null, false),
        GuardedRoute::new(Method::GET, format!("{list}/meta"), Value::Null, false),
        GuardedRoute::new(Method::GET, c.clone(), Value::Null, false),
        GuardedRoute::new(Method::DELETE, c.clone(), Value::Null, true),
        GuardedRoute::new(Method::GET, format!("{c}/labels"), Value::Null, false),
        GuardedRoute::new(Method::GET, format!("{c}/messages"), Value::Null, false),
    ];
    for action in [
        "toggle_typing_status",
        "update_last_seen",
        "unread",
        "mute",
        "unmute",
        "destroy_custom_attributes",
        "labels",
    ] {
        routes.push(GuardedRoute::new(
            Method::POST,
            format!("{c}/{action}"),
            json!({}),
            false,
        ));
    }
    for (method, path) in [
        (Method::POST, list.clone()),
        (Method::PATCH, c.clone()),
        (Method::POST, format!("{c}/toggle_status")),
        (Method::POST, format!("{c}/toggle_priority")),
        (Method::POST, format!("{c}/custom_attributes")),
        (Method::POST, format!("{c}/assignments")),
        (Method::POST, format!("{c}/messages")),
    ] {
        routes.push(GuardedRoute::new(method, path, json!({}), false).bots_allowed());
    }
    check_account_guards(&w.api, &w.fx, &routes).await;
}

#[tokio::test]
async fn create_answers_the_conversation_json_with_consecutive_display_ids() {
    let w = world().await;
    let first = w.open(w.inbox, json!({})).await.expect(200);
    let second = w
        .open(
            w.inbox,
            json!({"message": {"content": "Hello there"}, "custom_attributes": {"plan": "pro"}}),
        )
        .await
        .expect(200);
    assert_eq!(second.id(), first.id() + 1);
    let body = &second.body;
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account_id",
            "additional_attributes",
            "agent_last_seen_at",
            "assignee_last_seen_at",
            "can_reply",
            "contact_last_seen_at",
            "created_at",
            "custom_attributes",
            "first_reply_created_at",
            "id",
            "inbox_id",
            "labels",
            "last_activity_at",
            "last_non_activity_message",
            "messages",
            "meta",
            "muted",
            "priority",
            "sla_policy_id",
            "snoozed_until",
            "status",
            "timestamp",
            "unread_count",
            "updated_at",
            "uuid",
            "waiting_since",
        ]
    );
    assert_eq!(body["status"], "open");
    assert_eq!(body["account_id"], w.fx.account);
    assert_eq!(body["inbox_id"], w.inbox);
    assert_eq!(body["meta"]["sender"]["id"], w.contact);
    assert_eq!(body["meta"]["sender"]["email"], "carla@example.com");
    assert_eq!(body["meta"]["channel"], "Channel::Api");
    assert_eq!(body["custom_attributes"], json!({"plan": "pro"}));
    let message = &body["messages"][0];
    assert_eq!(message["content"], "Hello there");
    assert_eq!(message["message_type"], 1);
    assert_eq!(message["sender"]["type"], "user");
    assert_eq!(message["sender"]["id"], w.fx.admin.0);
    assert_eq!(body["last_non_activity_message"]["id"], message["id"]);
    // A user's first public reply is the first reply; the contact is no longer waiting.
    assert!(body["first_reply_created_at"].as_i64().unwrap() > 0);
    assert_eq!(body["waiting_since"], 0);
    assert_eq!(first.body["messages"], json!([]));
    assert!(first.body["waiting_since"].as_i64().unwrap() > 0);

    let shown = w.show(second.id()).await;
    assert_eq!(shown, second.body);
}

#[tokio::test]
async fn create_refuses_bad_input_and_foreign_objects() {
    let w = world().await;
    let foreign_inbox = {
        let other = format!("/api/v1/accounts/{}/inboxes", w.fx.other_account);
        w.api
            .create_id(
                &other,
                &w.fx.outsider.1,
                json!({"name": "Theirs", "channel": {"type": "api"}}),
            )
            .await
    };
    let cases = [
        (
            json!({"inbox_id": foreign_inbox, "contact_id": w.contact}),
            404,
        ),
        (json!({"inbox_id": w.inbox, "contact_id": 123}), 404),
        (json!({"inbox_id": w.inbox}), 404),
        (
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "status": "closed"}),
            422,
        ),
        (
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "team_id": 999}),
            404,
        ),
        (
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "message": {"content": "x", "message_type": "sideways"}}),
            422,
        ),
    ];
    for (body, status) in cases {
        let response = w.post(w.admin(), "/conversations", body.clone()).await;
        assert_eq!(response.status, status, "{body}: {}", response.body);
    }
    // Agents open conversations only in their inboxes.
    let refused = w
        .post(
            w.agent(),
            "/conversations",
            json!({"inbox_id": w.other_inbox, "contact_id": w.contact}),
        )
        .await
        .expect(401);
    assert_eq!(
        refused.body,
        json!({"error": "You are not authorized to do this action"})
    );
    // Nothing was created by the refused requests: the next display id is 1.
    assert_eq!(w.open(w.inbox, json!({})).await.expect(200).id(), 1);
}

#[tokio::test]
async fn a_source_id_is_reused_for_its_contact_and_refused_for_another() {
    let w = world().await;
    let first = w
        .open(w.inbox, json!({"source_id": "visitor-1"}))
        .await
        .expect(200);
    let again = w
        .open(w.inbox, json!({"source_id": "visitor-1"}))
        .await
        .expect(200);
    assert_ne!(first.id(), again.id());
    let someone = w.contact("Dan", "dan@example.com").await;
    let taken = w
        .post(
            w.admin(),
            "/conversations",
            json!({"inbox_id": w.inbox, "contact_id": someone, "source_id": "visitor-1"}),
        )
        .await
        .expect(422);
    assert_eq!(taken.body, json!({"error": "source_id should be unique"}));
}

#[tokio::test]
async fn bots_open_conversations_and_inboxes_with_a_bot_start_pending() {
    let w = world().await;
    let bot_id = w.get(w.admin(), "/agent_bots").await.expect(200).body[0]["id"]
        .as_i64()
        .unwrap();
    w.post(
        w.admin(),
        &format!("/inboxes/{}/set_agent_bot", w.inbox),
        json!({"agent_bot": bot_id}),
    )
    .await
    .expect(200);
    let created = w
        .post(
            &w.fx.bot_token,
            "/conversations",
            json!({"inbox_id": w.inbox, "contact_id": w.contact, "status": "open",
                   "message": {"content": "Hi, I am a bot"}}),
        )
        .await
        .expect(200);
    assert_eq!(created.body["status"], "pending");
    assert_eq!(created.body["messages"][0]["sender"]["type"], "agent_bot");
    // Bots cannot read lists.
    w.get(&w.fx.bot_token, "/conversations").await.expect(401);
    // A bot hands a pending conversation over by opening it; no one is self-assigned.
    let id = created.id();
    let handed = w
        .post(
            &w.fx.bot_token,
            &format!("/conversations/{id}/toggle_status"),
            json!({"status": "open"}),
        )
        .await
        .expect(200);
    assert_eq!(handed.body["payload"]["current_status"], "open");
    let shown = w.show(id).await;
    assert_eq!(shown["meta"].get("assignee"), None);
    assert!(w
        .contents(id)
        .await
        .contains(&"Conversation was reopened by Bot".to_owned()));
}

#[tokio::test]
async fn lists_count_and_page_from_the_views() {
    let w = world().await;
    // 27 open in the agent's inbox, 2 in the other inbox (one resolved).
    let mut mine = Vec::new();
    for _ in 0..27 {
        mine.push(w.open_id(w.inbox).await);
    }
    let elsewhere = w.open_id(w.other_inbox).await;
    let resolved = w.open_id(w.other_inbox).await;
    w.post(
        w.admin(),
        &format!("/conversations/{resolved}/toggle_status"),
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &format!("/conversations/{}/assignments", mine[0]),
        json!({"assignee_id": w.fx.agent.0}),
    )
    .await
    .expect(200);

    let admin = w.get(w.admin(), "/conversations").await.expect(200).body;
    assert_eq!(
        admin["data"]["meta"],
        json!({"mine_count": 0, "assigned_count": 1, "unassigned_count": 27, "all_count": 28})
    );
    let page = ids(&admin["data"]["payload"]);
    assert_eq!(page.len(), 25);
    // Newest activity first: the assignment's activity message moved mine[0] to the top.
    assert_eq!(page[..2], [mine[0], elsewhere]);
    let page2 = w
        .get(w.admin(), "/conversations?page=2")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&page2["data"]["payload"]).len(), 3);

    let all = w
        .get(w.admin(), "/conversations/meta?status=all")
        .await
        .expect(200)
        .body;
    assert_eq!(all["meta"]["all_count"], 29);
    let resolved_list = w
        .get(w.admin(), "/conversations?status=resolved")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&resolved_list["data"]["payload"]), [resolved]);

    // The agent sees their inbox only; "me" is what is assigned to them.
    let agent = w.get(w.agent(), "/conversations").await.expect(200).body;
    assert_eq!(
        agent["data"]["meta"],
        json!({"mine_count": 1, "assigned_count": 1, "unassigned_count": 26, "all_count": 27})
    );
    let agent_mine = w
        .get(w.agent(), "/conversations?assignee_type=me")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&agent_mine["data"]["payload"]), [mine[0]]);
    let not_theirs = w
        .get(
            w.agent(),
            &format!("/conversations?inbox_id={}", w.other_inbox),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(not_theirs["data"]["payload"], json!([]));
    assert_eq!(not_theirs["data"]["meta"]["all_count"], 0);
    let by_inbox = w
        .get(
            w.admin(),
            &format!(
                "/conversations?inbox_id={}&assignee_type=unassigned",
                w.other_inbox
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&by_inbox["data"]["payload"]), [elsewhere]);
    let oldest_first = w
        .get(w.admin(), "/conversations?sort_by=created_at_asc")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&oldest_first["data"]["payload"])[0], mine[0]);
    w.get(w.admin(), "/conversations?team_id=42")
        .await
        .expect(404);
}

#[tokio::test]
async fn teams_and_labels_narrow_lists_and_team_members_may_open_a_conversation() {
    let w = world().await;
    let team = w
        .api
        .create_id(&w.path("/teams"), w.admin(), json!({"name": "escalations"}))
        .await;
    let in_team = w.open_id(w.other_inbox).await;
    let labelled = w.open_id(w.other_inbox).await;
    // The agent is no member of the other inbox: not even one conversation opens.
    w.get(w.agent(), &format!("/conversations/{in_team}"))
        .await
        .expect(401);
    w.post(
        w.admin(),
        &format!("/teams/{team}/team_members"),
        json!({"user_ids": [w.fx.agent.0]}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &format!("/conversations/{in_team}/assignments"),
        json!({"team_id": team}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &format!("/conversations/{labelled}/labels"),
        json!({"labels": ["vip", "billing"]}),
    )
    .await
    .expect(200);

    let shown = w
        .get(w.agent(), &format!("/conversations/{in_team}"))
        .await
        .expect(200);
    assert_eq!(shown.body["meta"]["team"]["name"], "escalations");
    // ...but team membership does not list it for the agent.
    let agent_team = w
        .get(w.agent(), &format!("/conversations?team_id={team}"))
        .await
        .expect(200)
        .body;
    assert_eq!(agent_team["data"]["payload"], json!([]));

    let admin_team = w
        .get(w.admin(), &format!("/conversations?team_id={team}"))
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&admin_team["data"]["payload"]), [in_team]);
    assert_eq!(admin_team["data"]["meta"]["all_count"], 1);
    let by_label = w
        .get(w.admin(), "/conversations?labels[]=vip&labels[]=nothing")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&by_label["data"]["payload"]), [labelled]);
    assert_eq!(by_label["data"]["meta"]["all_count"], 1);
}

#[tokio::test]
async fn toggle_status_writes_activity_and_an_agent_opening_becomes_assignee() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let path = format!("/conversations/{id}/toggle_status");
    let resolved = w.post(w.admin(), &path, json!({})).await.expect(200);
    assert_eq!(
        resolved.body,
        json!({"meta": {}, "payload": {"success": true, "conversation_id": id,
               "current_status": "resolved", "snoozed_until": null}})
    );
    let snoozed = w
        .post(
            w.admin(),
            &path,
            json!({"status": "snoozed", "snoozed_until": 1_900_000_000}),
        )
        .await
        .expect(200);
    assert_eq!(
        snoozed.body["payload"]["snoozed_until"],
        "2030-03-17T17:46:40.000Z"
    );
    // The agent toggles it open and takes it.
    w.post(w.agent(), &path, json!({})).await.expect(200);
    let shown = w.show(id).await;
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["snoozed_until"], Value::Null);
    assert_eq!(shown["meta"]["assignee"]["id"], w.fx.agent.0);
    assert_eq!(shown["meta"]["assignee_type"], "User");
    assert_eq!(
        w.contents(id).await,
        [
            "Conversation was marked resolved by Test User",
            "Conversation was snoozed by Test User",
            "Conversation was reopened by Test User",
            "Test User self-assigned this conversation",
        ]
    );
    let bad = w
        .post(w.admin(), &path, json!({"status": "closed"}))
        .await
        .expect(422);
    assert_eq!(bad.body, json!({"error": "'closed' is not a valid status"}));
}

#[tokio::test]
async fn priority_changes_are_told_in_activity_messages() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let path = format!("/conversations/{id}/toggle_priority");
    for priority in ["low", "urgent", ""] {
        let response = w
            .post(w.admin(), &path, json!({"priority": priority}))
            .await
            .expect(200);
        assert_eq!(response.raw.len(), 0);
    }
    let updated = w
        .api
        .patch(&w.path(&format!("/conversations/{id}")))
        .token(w.admin())
        .json(json!({"priority": "high"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["priority"], "high");
    assert_eq!(
        w.contents(id).await,
        [
            "Test User set the priority to low",
            "Test User changed the priority from low to urgent",
            "Test User removed the priority",
            "Test User set the priority to high",
        ]
    );
    w.post(w.admin(), &path, json!({"priority": "extreme"}))
        .await
        .expect(422);
}

#[tokio::test]
async fn assignments_set_agents_bots_and_teams() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let path = format!("/conversations/{id}/assignments");
    let agent = w
        .post(w.admin(), &path, json!({"assignee_id": w.fx.agent.0}))
        .await
        .expect(200);
    assert_eq!(agent.body["id"], w.fx.agent.0);
    assert_eq!(agent.body["role"], "agent");
    let nobody = w
        .post(w.admin(), &path, json!({"assignee_id": null}))
        .await
        .expect(200);
    assert_eq!(nobody.body, Value::Null);
    let bot_id = w.get(w.admin(), "/agent_bots").await.expect(200).body[0]["id"]
        .as_i64()
        .unwrap();
    let bot = w
        .post(
            w.admin(),
            &path,
            json!({"assignee_id": bot_id, "assignee_type": "AgentBot"}),
        )
        .await
        .expect(200);
    assert_eq!(bot.body["id"], bot_id);
    assert_eq!(w.show(id).await["meta"]["assignee_type"], "AgentBot");

    let team = w
        .api
        .create_id(&w.path("/teams"), w.admin(), json!({"name": "tier2"}))
        .await;
    w.post(w.admin(), &path, json!({"assignee_id": w.fx.agent.0}))
        .await
        .expect(200);
    // The agent is not in the team: setting the team drops them.
    let teamed = w
        .post(w.admin(), &path, json!({"team_id": team}))
        .await
        .expect(200);
    assert_eq!(teamed.body["name"], "tier2");
    let shown = w.show(id).await;
    assert_eq!(shown["meta"]["team"]["id"], team);
    assert_eq!(shown["meta"].get("assignee"), None);
    w.post(w.admin(), &path, json!({"team_id": 0}))
        .await
        .expect(200);
    assert_eq!(w.show(id).await["meta"].get("team"), None);
    assert_eq!(
        w.contents(id).await,
        [
            "Assigned to Test User by Test User",
            "Conversation unassigned by Test User",
            "Assigned to Test User by Test User",
            "Assigned to tier2 by Test User",
            "Unassigned from tier2 by Test User",
        ]
    );
    // The bot of the account may assign too.
    w.post(&w.fx.bot_token, &path, json!({"assignee_id": w.fx.agent.0}))
        .await
        .expect(200);
    assert!(w
        .contents(id)
        .await
        .contains(&"Assigned to Test User by Bot".to_owned()));
}

#[tokio::test]
async fn labels_replace_the_set_with_activity() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let path = format!("/conversations/{id}/labels");
    let set = w
        .post(w.admin(), &path, json!({"labels": ["billing", "vip"]}))
        .await
        .expect(200);
    assert_eq!(set.body, json!({"payload": ["billing", "vip"]}));
    w.post(w.admin(), &path, json!({"labels": ["vip", "refund"]}))
        .await
        .expect(200);
    assert_eq!(
        w.get(w.admin(), &path).await.expect(200).body,
        json!({"payload": ["vip", "refund"]})
    );
    w.post(w.admin(), &path, json!({})).await.expect(200);
    assert_eq!(w.show(id).await["labels"], json!([]));
    assert_eq!(
        w.contents(id).await,
        [
            "Test User added billing, vip",
            "Test User added refund",
            "Test User removed billing",
            "Test User removed vip, refund",
        ]
    );
    let too_many: Vec<String> = (0..16).map(|i| format!("l{i}")).collect();
    w.post(w.admin(), &path, json!({"labels": too_many}))
        .await
        .expect(422);
}

#[tokio::test]
async fn custom_attributes_are_replaced_and_removed() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let set = w
        .post(
            &w.fx.bot_token,
            &format!("/conversations/{id}/custom_attributes"),
            json!({"custom_attributes": {"a": 1, "b": "two"}}),
        )
        .await
        .expect(200);
    assert_eq!(set.body, json!({"custom_attributes": {"a": 1, "b": "two"}}));
    let removed = w
        .post(
            w.admin(),
            &format!("/conversations/{id}/destroy_custom_attributes"),
            json!({"custom_attributes": ["a"]}),
        )
        .await
        .expect(200);
    assert_eq!(removed.body["custom_attributes"], json!({"b": "two"}));
}

#[tokio::test]
async fn unread_counts_follow_incoming_messages_and_seen_marks() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let messages = format!("/conversations/{id}/messages");
    for i in 0..3 {
        w.post(
            w.admin(),
            &messages,
            json!({"content": format!("in {i}"), "message_type": "incoming"}),
        )
        .await
        .expect(200);
    }
    assert_eq!(w.show(id).await["unread_count"], 3);
    let seen = w
        .post(
            w.admin(),
            &format!("/conversations/{id}/update_last_seen"),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(seen.body["unread_count"], 0);
    assert!(seen.body["agent_last_seen_at"].as_i64().unwrap() > 0);
    let unread = w
        .post(w.admin(), &format!("/conversations/{id}/unread"), json!({}))
        .await
        .expect(200);
    assert_eq!(unread.body["unread_count"], 1);
    assert!(
        unread.body["agent_last_seen_at"].as_i64().unwrap()
            < unread.body["last_activity_at"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn incoming_messages_reopen_unless_muted() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let messages = format!("/conversations/{id}/messages");
    w.post(
        w.admin(),
        &format!("/conversations/{id}/toggle_status"),
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &messages,
        json!({"content": "back", "message_type": "incoming"}),
    )
    .await
    .expect(200);
    assert_eq!(w.show(id).await["status"], "open");

    w.post(w.admin(), &format!("/conversations/{id}/mute"), json!({}))
        .await
        .expect(200);
    let muted = w.show(id).await;
    assert_eq!(
        (muted["status"].as_str(), muted["muted"].as_bool()),
        (Some("resolved"), Some(true))
    );
    w.post(
        w.admin(),
        &messages,
        json!({"content": "again", "message_type": "incoming"}),
    )
    .await
    .expect(200);
    assert_eq!(w.show(id).await["status"], "resolved");
    // A new conversation of a blocked contact starts resolved.
    assert_eq!(
        w.open(w.inbox, json!({})).await.expect(200).body["status"],
        "resolved"
    );
    w.post(w.admin(), &format!("/conversations/{id}/unmute"), json!({}))
        .await
        .expect(200);
    assert_eq!(w.show(id).await["muted"], false);
    assert_eq!(
        w.contents(id).await,
        [
            "Conversation was marked resolved by Test User",
            "back",
            "System reopened the conversation due to a new incoming message.",
            "Conversation was marked resolved by Test User",
            "Test User has muted the conversation",
            "again",
            "Test User has unmuted the conversation",
        ]
    );
}

#[tokio::test]
async fn typing_status_is_accepted_without_a_change() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let before = w.show(id).await;
    w.post(
        w.agent(),
        &format!("/conversations/{id}/toggle_typing_status"),
        json!({"typing_status": "on"}),
    )
    .await
    .expect(200);
    assert_eq!(w.show(id).await, before);
}

#[tokio::test]
async fn administrators_delete_conversations() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    w.post(
        w.admin(),
        &format!("/conversations/{id}/messages"),
        json!({"content": "x"}),
    )
    .await
    .expect(200);
    w.api
        .delete(&w.path(&format!("/conversations/{id}")))
        .token(w.agent())
        .send()
        .await
        .expect(401);
    w.api
        .delete(&w.path(&format!("/conversations/{id}")))
        .token(w.admin())
        .send()
        .await
        .expect(200);
    w.get(w.admin(), &format!("/conversations/{id}"))
        .await
        .expect(404);
    let list = w.get(w.admin(), "/conversations").await.expect(200).body;
    assert_eq!(list["data"]["meta"]["all_count"], 0);
    // Display ids are never reused.
    assert_eq!(w.open_id(w.inbox).await, id + 1);
}

#[tokio::test]
async fn another_accounts_conversation_is_not_found() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let other = format!("/api/v1/accounts/{}/conversations/{id}", w.fx.other_account);
    w.api
        .get(&other)
        .token(&w.fx.outsider.1)
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn parallel_creates_get_distinct_consecutive_display_ids() {
    let w = world().await;
    // One visitor (source id) opening conversations from many tabs at once.
    let first = w
        .open(w.inbox, json!({"source_id": "visitor-1"}))
        .await
        .expect(200)
        .id();
    let responses = concurrent_posts(
        &w.api,
        &w.path("/conversations"),
        w.admin(),
        50,
        |_| json!({"inbox_id": w.inbox, "contact_id": w.contact, "source_id": "visitor-1"}),
    )
    .await;
    let mut ids: Vec<i64> = responses
        .iter()
        .map(|r| r.clone().expect(200).id())
        .collect();
    ids.sort();
    assert_eq!(ids, (first + 1..=first + 50).collect::<Vec<i64>>());
    let meta = w
        .get(w.admin(), "/conversations/meta")
        .await
        .expect(200)
        .body;
    assert_eq!(meta["meta"]["all_count"], 51);
}

#[tokio::test]
async fn filter_applies_chatwoots_conditions_within_the_callers_conversations() {
    let w = world().await;
    let plain = w.open_id(w.inbox).await;
    let vip = w.open_id(w.inbox).await;
    let elsewhere = w.open_id(w.other_inbox).await;
    w.post(
        w.admin(),
        &format!("/conversations/{vip}/labels"),
        json!({"labels": ["vip"]}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &format!("/conversations/{elsewhere}/toggle_status"),
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    let filter = |token: &str, payload: Value| {
        let (api, path, token) = (
            w.api.clone(),
            w.path("/conversations/filter"),
            token.to_owned(),
        );
        async move {
            api.post(&path)
                .token(&token)
                .json(json!({"payload": payload}))
                .send()
                .await
        }
    };
    let open_or_vip = filter(
        w.admin(),
        json!([
            {"attribute_key": "status", "filter_operator": "equal_to", "values": ["resolved"], "query_operator": "or"},
            {"attribute_key": "labels", "filter_operator": "equal_to", "values": ["vip"], "query_operator": null}
        ]),
    )
    .await
    .expect(200);
    assert_eq!(ids(&open_or_vip.body["payload"]), [elsewhere, vip]);
    assert_eq!(
        open_or_vip.body["meta"],
        json!({"mine_count": 0, "unassigned_count": 2, "all_count": 2})
    );
    // Agents filter within their inboxes only.
    let everything = json!([
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["all"], "query_operator": null}
    ]);
    let agents = filter(w.agent(), everything).await.expect(200);
    assert_eq!(ids(&agents.body["payload"]), [vip, plain]);

    let errors = [
        (
            json!([{"attribute_key": "phone_number", "filter_operator": "equal_to", "values": ["1"]}]),
            "Invalid attribute key - [phone_number]. The key should be one of [status,assignee_id,inbox_id,team_id,priority,display_id,campaign_id,labels,browser_language,conversation_language,referer,created_at,last_activity_at,mail_subject] or a custom attribute defined in the account.",
        ),
        (
            json!([{"attribute_key": "status", "filter_operator": "contains", "values": ["open"]}]),
            "Invalid operator. The allowed operators for status are [equal_to,not_equal_to].",
        ),
    ];
    for (payload, message) in errors {
        let refused = filter(w.admin(), payload).await.expect(422);
        assert_eq!(refused.body, json!({"error": message}));
    }
}

#[tokio::test]
async fn a_contacts_conversations_are_listed_for_those_who_may_see_them() {
    let w = world().await;
    let first = w.open_id(w.inbox).await;
    let second = w.open_id(w.other_inbox).await;
    w.post(
        w.admin(),
        &format!("/conversations/{first}/messages"),
        json!({"content": "latest"}),
    )
    .await
    .expect(200);
    let path = format!("/contacts/{}/conversations", w.contact);
    let admin = w.get(w.admin(), &path).await.expect(200).body;
    assert_eq!(ids(&admin["payload"]), [first, second]);
    let agent = w.get(w.agent(), &path).await.expect(200).body;
    assert_eq!(ids(&agent["payload"]), [first]);
    w.get(w.admin(), "/contacts/999/conversations")
        .await
        .expect(404);
    w.get(&w.fx.bot_token, &path).await.expect(401);
}

#[tokio::test]
async fn merging_moves_conversations_and_deleting_a_contact_deletes_them() {
    let w = world().await;
    let base = w.contact("Base", "base@example.com").await;
    let moved = w.open_id(w.inbox).await;
    w.post(
        w.admin(),
        "/actions/contact_merge",
        json!({"base_contact_id": base, "mergee_contact_id": w.contact}),
    )
    .await
    .expect(200);
    assert_eq!(w.show(moved).await["meta"]["sender"]["id"], base);
    let of_base = w
        .get(w.admin(), &format!("/contacts/{base}/conversations"))
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&of_base["payload"]), [moved]);

    w.api
        .delete(&w.path(&format!("/contacts/{base}")))
        .token(w.admin())
        .send()
        .await
        .expect(200);
    w.get(w.admin(), &format!("/conversations/{moved}"))
        .await
        .expect(404);
    let meta = w
        .get(w.admin(), "/conversations/meta")
        .await
        .expect(200)
        .body;
    assert_eq!(meta["meta"]["all_count"], 0);
}

#[tokio::test]
async fn search_finds_conversations_by_message_words_whatever_their_status() {
    let w = world().await;
    let refund = w.open_id(w.inbox).await;
    let other = w.open_id(w.other_inbox).await;
    let quiet = w.open_id(w.inbox).await;
    for (id, text, kind) in [
        (refund, "I want a REFUND for order 42", "incoming"),
        (other, "Refunds take five days", "outgoing"),
        (quiet, "hello there", "incoming"),
    ] {
        w.post(
            w.admin(),
            &format!("/conversations/{id}/messages"),
            json!({"content": text, "message_type": kind}),
        )
        .await
        .expect(200);
    }
    // Private notes are not searched.
    w.post(
        w.admin(),
        &format!("/conversations/{quiet}/messages"),
        json!({"content": "refund pending", "private": true}),
    )
    .await
    .expect(200);
    w.post(
        w.admin(),
        &format!("/conversations/{refund}/toggle_status"),
        json!({"status": "resolved"}),
    )
    .await
    .expect(200);

    let found = w
        .get(w.admin(), "/conversations/search?q=refund")
        .await
        .expect(200)
        .body;
    assert_eq!(
        found["meta"],
        json!({"mine_count": 0, "unassigned_count": 2, "all_count": 2})
    );
    let payload = found["payload"].as_array().unwrap();
    assert_eq!(ids(&found["payload"]), [refund, other]);
    assert_eq!(payload[0]["contact"]["id"], w.contact);
    assert_eq!(payload[0]["inbox"]["channel_type"], "Channel::Api");
    assert_eq!(
        payload[0]["messages"][0]["content"],
        "I want a REFUND for order 42"
    );
    assert_eq!(payload[0]["messages"][0]["sender_name"], "Carla");

    // The list's `q` searches the same way, within what the caller may list.
    let listed = w
        .get(w.agent(), "/conversations?q=Refund%20for")
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&listed["data"]["payload"]), [refund]);
    assert_eq!(listed["data"]["meta"]["all_count"], 1);
    let nothing = w
        .get(w.admin(), "/conversations/search?q=invoice")
        .await
        .expect(200)
        .body;
    assert_eq!(nothing["payload"], json!([]));
    w.get(&w.fx.bot_token, "/conversations/search?q=refund")
        .await
        .expect(401);
}

#[tokio::test]
async fn an_inbox_locked_to_one_conversation_reuses_the_latest() {
    let w = world().await;
    w.api
        .patch(&w.path(&format!("/inboxes/{}", w.inbox)))
        .token(w.admin())
        .json(json!({"lock_to_single_conversation": true}))
        .send()
        .await
        .expect(200);
    let first = w
        .open(w.inbox, json!({"source_id": "widget-7"}))
        .await
        .expect(200)
        .id();
    let again = w
        .open(
            w.inbox,
            json!({"source_id": "widget-7", "message": {"content": "me again"}}),
        )
        .await
        .expect(200);
    assert_eq!(again.id(), first);
    assert_eq!(again.body["messages"][0]["content"], "me again");
    // Another source id is another contact-inbox: a new conversation.
    assert_ne!(w.open(w.inbox, json!({})).await.expect(200).id(), first);
}

#[tokio::test]
async fn an_agents_lists_follow_their_inbox_membership() {
    let w = world().await;
    let id = w.open_id(w.inbox).await;
    let listed = |body: &Value| ids(&body["data"]["payload"]);
    assert_eq!(
        listed(&w.get(w.agent(), "/conversations").await.expect(200).body),
        [id]
    );
    w.api
        .delete(&w.path("/inbox_members"))
        .token(w.admin())
        .json(json!({"inbox_id": w.inbox, "user_ids": [w.fx.agent.0]}))
        .send()
        .await
        .expect(200);
    let after = w.get(w.agent(), "/conversations").await.expect(200).body;
    assert_eq!(listed(&after), Vec::<i64>::new());
    assert_eq!(after["data"]["meta"]["all_count"], 0);
    w.get(w.agent(), &format!("/conversations/{id}"))
        .await
        .expect(401);
    w.api
        .patch(&w.path("/inbox_members"))
        .token(w.admin())
        .json(json!({"inbox_id": w.inbox, "user_ids": [w.fx.agent.0]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed(&w.get(w.agent(), "/conversations").await.expect(200).body),
        [id]
    );
}
