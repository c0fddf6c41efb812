//! The scheduler's job: one-off campaigns sent when their time comes, once.

use api_tests::events::{dispatch_all, dispatcher, outbox};
use api_tests::receiver::Receiver;
use api_tests::{json, AccountFixture, TestApi};
use serde_json::Value;
use shared::clock::{Clock, FixedClock};
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

const HOUR_MS: i64 = 60 * 60 * 1000;

struct World {
    api: TestApi,
    fx: AccountFixture,
    clock: Arc<FixedClock>,
    base: String,
    inbox: i64,
    /// Label ids by title.
    vip: i64,
    lead: i64,
    /// Contacts: tagged vip, lead, both, and neither.
    tagged: BTreeSet<i64>,
    untagged: i64,
}

impl World {
    async fn new() -> World {
        let clock = api_tests::clock::fixed_at_this_minute();
        let api = TestApi::with_clock(clock.clone()).await;
        let fx = api.account_fixture().await;
        let base = format!("/api/v1/accounts/{}", fx.account);
        let admin = fx.admin.1.clone();
        let inbox = api
            .create_id(
                &format!("{base}/inboxes"),
                &admin,
                json!({"name": "API", "channel": {"type": "api"}}),
            )
            .await;
        let label = |title: &'static str| {
            let (api, path, admin) = (&api, format!("{base}/labels"), admin.clone());
            async move { api.create_id(&path, &admin, json!({"title": title})).await }
        };
        let (vip, lead) = (label("vip").await, label("lead").await);
        label("other").await;
        let mut tagged = BTreeSet::new();
        let mut untagged = 0;
        for (name, labels) in [
            ("Alice", vec!["vip"]),
            ("Bob", vec!["lead"]),
            ("Carol", vec!["vip", "lead"]),
            ("Dave", vec!["other"]),
        ] {
            let id = api
                .create_contact(&base, &admin, json!({"name": name}))
                .await;
            api.post(&format!("{base}/contacts/{id}/labels"))
                .token(&admin)
                .json(json!({"labels": labels}))
                .send()
                .await
                .expect(200);
            if name == "Dave" {
                untagged = id;
            } else {
                tagged.insert(id);
            }
        }
        World {
            api,
            fx,
            clock,
            base,
            inbox,
            vip,
            lead,
            tagged,
            untagged,
        }
    }

    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    /// A one-off campaign to the vip and lead contacts, due `in_ms` from now.
    async fn campaign(&self, in_ms: i64, sender: Option<i64>) -> Value {
        let at = (self.clock.now_ms() + in_ms) / 1000;
        self.api
            .post(&format!("{}/campaigns", self.base))
            .token(self.admin())
            .json(json!({
                "title": "January",
                "inbox_id": self.inbox,
                "sender_id": sender,
                "message": "Our January offers are here!",
                "scheduled_at": at,
                "audience": [{"type": "Label", "id": self.vip}, {"type": "Label", "id": self.lead}],
            }))
            .send()
            .await
            .expect(200)
            .body
    }

    async fn run(&self) -> Value {
        api_tests::events::run_scheduler(self.api.state())
            .await
            .expect("a run")
    }

    async fn status(&self, campaign: &Value) -> Value {
        self.api
            .get(&format!("{}/campaigns/{}", self.base, campaign["id"]))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body["campaign_status"]
            .clone()
    }

    /// The conversations whose `campaign_id` is the campaign's (the conversation filter).
    async fn conversations_of(&self, campaign: &Value) -> Vec<Value> {
        let found = self
            .api
            .post(&format!("{}/conversations/filter", self.base))
            .token(self.admin())
            .json(json!({"payload": [{
                "attribute_key": "campaign_id",
                "filter_operator": "equal_to",
                "values": [campaign["id"]],
                "query_operator": null,
            }]}))
            .send()
            .await
            .expect(200);
        found.body["payload"].as_array().unwrap().clone()
    }

    async fn all_conversations(&self) -> i64 {
        self.api
            .get(&format!("{}/conversations/meta?status=all", self.base))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body["meta"]["all_count"]
            .as_i64()
            .unwrap()
    }

    async fn messages(&self, conversation: &Value) -> Vec<Value> {
        self.api
            .get(&format!(
                "{}/conversations/{}/messages",
                self.base, conversation["id"]
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
}

#[tokio::test]
async fn a_one_off_campaign_is_sent_once_when_its_time_comes() {
    let world = World::new().await;
    let campaign = world.campaign(HOUR_MS, Some(world.fx.admin.0)).await;

    // Not yet due: nothing is sent.
    assert_eq!(
        world.run().await,
        json!({"campaigns": 0, "conversations": 0})
    );
    assert_eq!(world.status(&campaign).await, "active");
    assert_eq!(world.all_conversations().await, 0);

    world.clock.advance_ms(HOUR_MS);
    assert_eq!(
        world.run().await,
        json!({"campaigns": 1, "conversations": 3})
    );
    assert_eq!(world.status(&campaign).await, "completed");

    // One conversation per tagged contact (Carol, with both labels, once), in the API inbox.
    let conversations = world.conversations_of(&campaign).await;
    let contacts: BTreeSet<i64> = conversations
        .iter()
        .map(|c| c["meta"]["sender"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(contacts, world.tagged);
    assert!(!contacts.contains(&world.untagged));
    for conversation in &conversations {
        assert_eq!(conversation["inbox_id"], world.inbox);
        assert_eq!(conversation["status"], "open");
        // The campaign's message is no agent's first reply.
        assert_eq!(conversation["first_reply_created_at"], 0);
        let messages = world.messages(conversation).await;
        assert_eq!(messages.len(), 1, "{messages:?}");
        let message = &messages[0];
        assert_eq!(message["content"], "Our January offers are here!");
        assert_eq!(message["message_type"], 1);
        assert_eq!(message["sender"]["id"], world.fx.admin.0);
        assert_eq!(message["sender"]["type"], "user");
    }

    // A second run finds nothing left to send.
    assert_eq!(
        world.run().await,
        json!({"campaigns": 0, "conversations": 0})
    );
    assert_eq!(world.all_conversations().await, 3);

    // The usual events were recorded: a conversation and its message, per contact.
    let events = outbox(world.api.state(), world.fx.account).await;
    let named = |name: &str| events.iter().filter(|e| e.name == name).count();
    assert_eq!(named("conversation_created"), 3);
    assert_eq!(named("message_created"), 3);
}

#[tokio::test]
async fn the_messages_reach_the_api_inboxs_webhook() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    world
        .api
        .set_inbox_webhook(&world.base, world.inbox, world.admin(), &receiver.url)
        .await;
    let campaign = world.campaign(0, Some(world.fx.admin.0)).await;
    world.run().await;
    dispatch_all(
        &dispatcher(world.api.state().clone()),
        world.fx.account,
        &Mutex::new(HashSet::new()),
    )
    .await;
    let delivered = receiver.events("message_created");
    assert_eq!(delivered.len(), 3);
    for delivery in delivered {
        let body = delivery.json();
        assert_eq!(body["content"], "Our January offers are here!");
        assert_eq!(body["message_type"], "outgoing");
        assert_eq!(body["additional_attributes"]["campaign_id"], campaign["id"]);
        assert_eq!(body["sender"]["id"], world.fx.admin.0);
    }
}

#[tokio::test]
async fn runs_at_the_same_time_send_once() {
    let world = World::new().await;
    world.campaign(0, None).await;
    let (a, b) = tokio::join!(world.run(), world.run());
    let sent = |r: &Value| r["campaigns"].as_i64().unwrap();
    assert_eq!(sent(&a) + sent(&b), 1, "{a} {b}");
    assert_eq!(world.all_conversations().await, 3);
}

#[tokio::test]
async fn a_moved_or_deleted_campaign_runs_at_its_new_time_or_never() {
    let world = World::new().await;
    let moved = world.campaign(HOUR_MS, None).await;
    let deleted = world.campaign(HOUR_MS, None).await;
    let later = (world.clock.now_ms() + 3 * HOUR_MS) / 1000;
    world
        .api
        .patch(&format!("{}/campaigns/{}", world.base, moved["id"]))
        .token(world.admin())
        .json(json!({"scheduled_at": later}))
        .send()
        .await
        .expect(200);
    world
        .api
        .delete(&format!("{}/campaigns/{}", world.base, deleted["id"]))
        .token(world.admin())
        .send()
        .await
        .expect(200);

    world.clock.advance_ms(2 * HOUR_MS);
    assert_eq!(world.run().await["campaigns"], 0);
    assert_eq!(world.status(&moved).await, "active");

    world.clock.advance_ms(HOUR_MS);
    assert_eq!(
        world.run().await,
        json!({"campaigns": 1, "conversations": 3})
    );
    assert_eq!(world.conversations_of(&moved).await.len(), 3);
    assert!(world.conversations_of(&deleted).await.is_empty());
}

#[tokio::test]
async fn a_campaign_overdue_by_more_than_three_days_is_never_sent() {
    let world = World::new().await;
    let stale = world.campaign(HOUR_MS, None).await;
    world.clock.advance_ms(3 * 24 * HOUR_MS + 2 * HOUR_MS);
    assert_eq!(
        world.run().await,
        json!({"campaigns": 0, "conversations": 0})
    );
    // Chatwoot's job never picks it up: it stays active, and unsent.
    assert_eq!(world.status(&stale).await, "active");
    assert_eq!(world.all_conversations().await, 0);
}

#[tokio::test]
async fn an_inbox_bot_takes_a_campaign_only_without_a_sender() {
    let world = World::new().await;
    let bot = world
        .api
        .post("/platform/api/v1/agent_bots")
        .token(&world.fx.platform)
        .json(json!({"name": "Bot", "account_id": world.fx.account}))
        .send()
        .await
        .expect(200)
        .id();
    world
        .api
        .post(&format!(
            "{}/inboxes/{}/set_agent_bot",
            world.base, world.inbox
        ))
        .token(world.admin())
        .json(json!({"agent_bot": bot}))
        .send()
        .await
        .expect(200);
    let from_agent = world.campaign(0, Some(world.fx.admin.0)).await;
    let from_nobody = world.campaign(0, None).await;
    world.run().await;
    for (campaign, status) in [(&from_agent, "open"), (&from_nobody, "pending")] {
        let conversations = world.conversations_of(campaign).await;
        assert_eq!(conversations.len(), 3);
        assert!(
            conversations.iter().all(|c| c["status"] == status),
            "{campaign}"
        );
    }
}
