//! `/api/v1/accounts/{account_id}/campaigns` and `/inboxes/{id}/campaigns`.

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use shared::clock::Clock;

struct World {
    api: TestApi,
    fx: AccountFixture,
    now: i64,
    /// An API inbox (one-off campaigns) and a website inbox (ongoing campaigns).
    api_inbox: i64,
    website: i64,
}

impl World {
    async fn new() -> World {
        let clock = api_tests::clock::fixed_at_this_minute();
        let now = clock.now().unix_timestamp();
        let api = TestApi::with_clock(clock).await;
        let fx = api.account_fixture().await;
        let api_inbox = inbox(
            &api,
            fx.account,
            &fx.admin.1,
            json!({"name": "API", "channel": {"type": "api"}}),
        )
        .await;
        let website = inbox(
            &api,
            fx.account,
            &fx.admin.1,
            json!({"name": "Site", "channel": {"type": "web_widget", "website_url": "https://acme.test"}}),
        )
        .await;
        World {
            api,
            fx,
            now,
            api_inbox,
            website,
        }
    }

    fn base(&self) -> String {
        format!("/api/v1/accounts/{}/campaigns", self.fx.account)
    }

    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    async fn create(&self, body: Value) -> Value {
        self.api
            .post(&self.base())
            .token(self.admin())
            .json(body)
            .send()
            .await
            .expect(200)
            .body
    }

    async fn create_status(&self, body: Value) -> (u16, Value) {
        let response = self
            .api
            .post(&self.base())
            .token(self.admin())
            .json(body)
            .send()
            .await;
        (response.status, response.body)
    }

    fn website_campaign(&self, title: &str) -> Value {
        json!({
            "title": title,
            "inbox_id": self.website,
            "sender_id": self.fx.admin.0,
            "message": "Can we help you choose a plan?",
            "trigger_rules": {"url": "https://acme.test/pricing", "time_on_page": 10},
        })
    }

    fn one_off_campaign(&self, title: &str) -> Value {
        json!({
            "title": title,
            "inbox_id": self.api_inbox,
            "message": "Our January offers are here!",
            "scheduled_at": "2099-01-15T10:00:00Z",
            "audience": [{"type": "Label", "id": 5}],
        })
    }

    async fn get(&self, path: &str) -> Value {
        self.api
            .get(path)
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body
    }
}

async fn inbox(api: &TestApi, account: i64, token: &str, body: Value) -> i64 {
    api.create_id(&format!("/api/v1/accounts/{account}/inboxes"), token, body)
        .await
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn campaign_routes_are_for_administrators() {
    let world = World::new().await;
    let id = world.create(world.website_campaign("Pricing")).await["id"]
        .as_i64()
        .unwrap();
    let one = format!("/api/v1/accounts/{{account}}/campaigns/{id}");
    let change = json!({"title": "Renamed"});
    check_account_guards(
        &world.api,
        &world.fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/campaigns",
                json!(null),
                true,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/campaigns",
                world.website_campaign("Another"),
                true,
            ),
            GuardedRoute::new(Method::GET, one.clone(), json!(null), true),
            GuardedRoute::new(Method::PATCH, one.clone(), change.clone(), true),
            GuardedRoute::new(Method::PUT, one.clone(), change, true),
            GuardedRoute::new(Method::DELETE, one, json!(null), true),
            GuardedRoute::new(
                Method::GET,
                format!(
                    "/api/v1/accounts/{{account}}/inboxes/{}/campaigns",
                    world.website
                ),
                json!(null),
                true,
            ),
        ],
    )
    .await;
    // Chatwoot authorizes the class before looking the campaign up: an agent is refused
    // even for a campaign that does not exist.
    let response = world
        .api
        .get(&format!("{}/987654", world.base()))
        .token(&world.fx.agent.1)
        .send()
        .await;
    assert_eq!(response.status, 401, "{}", response.body);
}

#[tokio::test]
async fn a_website_campaign_is_ongoing_and_shows_its_inbox_and_sender() {
    let world = World::new().await;
    let created = world.create(world.website_campaign("Pricing help")).await;
    let inbox = world
        .get(&format!(
            "/api/v1/accounts/{}/inboxes/{}",
            world.fx.account, world.website
        ))
        .await;
    let agents = world
        .get(&format!("/api/v1/accounts/{}/agents", world.fx.account))
        .await;
    let sender = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == world.fx.admin.0)
        .unwrap()
        .clone();
    let created_at = created["created_at"].as_str().unwrap().to_owned();
    assert!(created_at.ends_with(".000Z"), "{created_at}");
    assert_eq!(
        created,
        json!({
            "id": 1,
            "title": "Pricing help",
            "description": null,
            "account_id": world.fx.account,
            "inbox": inbox,
            "sender": sender,
            "message": "Can we help you choose a plan?",
            "template_params": {},
            "campaign_status": "active",
            "enabled": true,
            "campaign_type": "ongoing",
            "trigger_rules": {"url": "https://acme.test/pricing", "time_on_page": 10},
            "trigger_only_during_business_hours": false,
            "created_at": created_at,
            "updated_at": created_at,
        })
    );
    assert_eq!(world.get(&format!("{}/1", world.base())).await, created);
}

#[tokio::test]
async fn an_api_inbox_campaign_is_one_off_with_schedule_and_audience() {
    let world = World::new().await;
    let scheduled = world.create(world.one_off_campaign("January")).await;
    assert_eq!(scheduled["campaign_type"], "one_off");
    assert_eq!(scheduled["campaign_status"], "active");
    assert_eq!(scheduled["scheduled_at"], 4_072_154_400_i64);
    assert_eq!(scheduled["audience"], json!([{"type": "Label", "id": 5}]));
    assert_eq!(scheduled["sender"], json!({}));
    assert_eq!(scheduled["trigger_rules"], json!({}));

    // Without a time (or with text that is not one) it is due at once; permitted keys only.
    let now = world
        .create(json!({
            "campaign": {
                "title": "Now",
                "inbox_id": world.api_inbox,
                "message": "Hello",
                "scheduled_at": "soon",
                "audience": [{"type": "Label", "id": 7, "name": "vip"}, "stray"],
                "campaign_status": "completed",
                "enabled": false,
            }
        }))
        .await;
    assert_eq!(now["scheduled_at"], world.now);
    assert_eq!(now["audience"], json!([{"type": "Label", "id": 7}]));
    assert_eq!(now["campaign_status"], "active");
    assert_eq!(now["enabled"], false);

    // A website campaign never shows a schedule, even when sent one.
    let ongoing = world
        .create(json!({
            "title": "Site",
            "inbox_id": world.website,
            "message": "Hi",
            "scheduled_at": "2099-01-15T10:00:00Z",
        }))
        .await;
    assert_eq!(ongoing["campaign_type"], "ongoing");
    assert!(ongoing.get("scheduled_at").is_none() && ongoing.get("audience").is_none());
}

#[tokio::test]
async fn display_ids_count_per_account_and_lists_follow_them() {
    let world = World::new().await;
    for title in ["A", "B"] {
        world.create(world.website_campaign(title)).await;
    }
    world.create(world.one_off_campaign("C")).await;
    let listed = world.get(&world.base()).await;
    assert_eq!(ids(&listed), [1, 2, 3]);
    assert_eq!(listed[2]["title"], "C");

    let by_inbox = |inbox: i64| {
        format!(
            "/api/v1/accounts/{}/inboxes/{inbox}/campaigns",
            world.fx.account
        )
    };
    assert_eq!(ids(&world.get(&by_inbox(world.website)).await), [1, 2]);
    assert_eq!(ids(&world.get(&by_inbox(world.api_inbox)).await), [3]);
    let unknown = world
        .api
        .get(&by_inbox(987_654))
        .token(world.admin())
        .send()
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body,
        json!({"error": "Resource could not be found"})
    );

    // Another account starts at 1.
    let elsewhere_inbox = inbox(
        &world.api,
        world.fx.other_account,
        &world.fx.outsider.1,
        json!({"name": "Theirs", "channel": {"type": "api"}}),
    )
    .await;
    let theirs = world
        .api
        .post(&format!(
            "/api/v1/accounts/{}/campaigns",
            world.fx.other_account
        ))
        .token(&world.fx.outsider.1)
        .json(json!({"title": "T", "inbox_id": elsewhere_inbox, "message": "m"}))
        .send()
        .await
        .expect(200);
    assert_eq!(theirs.id(), 1);
}

#[tokio::test]
async fn another_accounts_campaign_is_not_found() {
    let world = World::new().await;
    world.create(world.website_campaign("Ours")).await;
    let theirs_inbox = inbox(
        &world.api,
        world.fx.other_account,
        &world.fx.outsider.1,
        json!({"name": "Theirs", "channel": {"type": "api"}}),
    )
    .await;
    for _ in 0..2 {
        world
            .api
            .post(&format!(
                "/api/v1/accounts/{}/campaigns",
                world.fx.other_account
            ))
            .token(&world.fx.outsider.1)
            .json(json!({"title": "T", "inbox_id": theirs_inbox, "message": "m"}))
            .send()
            .await
            .expect(200);
    }
    // Their campaign 2 is not ours.
    let path = format!("{}/2", world.base());
    for (method, body) in [
        (Method::GET, json!(null)),
        (Method::PATCH, json!({"title": "Mine now"})),
        (Method::DELETE, json!(null)),
    ] {
        let mut request = world
            .api
            .request(method.clone(), &path)
            .token(world.admin());
        if !body.is_null() {
            request = request.json(body);
        }
        let response = request.send().await;
        assert_eq!(response.status, 404, "{method}: {}", response.body);
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    // Nor may our campaign use their inbox.
    let (status, body) = world
        .create_status(json!({"title": "T", "inbox_id": theirs_inbox, "message": "m"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"message": "Inbox must exist", "attributes": ["inbox"]})
    );
}

#[tokio::test]
async fn updates_follow_the_inbox_and_delete_removes() {
    let world = World::new().await;
    let id = world.create(world.website_campaign("Pricing")).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("{}/{id}", world.base());
    let updated = world
        .api
        .patch(&path)
        .token(world.admin())
        .json(json!({"campaign": {"title": "Plans", "description": "Pricing page", "enabled": false, "trigger_only_during_business_hours": true}}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(updated["title"], "Plans");
    assert_eq!(updated["description"], "Pricing page");
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["trigger_only_during_business_hours"], true);
    assert_eq!(updated["message"], "Can we help you choose a plan?");

    // Moved to the API inbox it becomes one-off, due now unless scheduled.
    let moved = world
        .api
        .put(&path)
        .token(world.admin())
        .json(json!({"inbox_id": world.api_inbox, "sender_id": null}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(moved["campaign_type"], "one_off");
    assert_eq!(moved["scheduled_at"], world.now);
    assert_eq!(moved["inbox"]["id"], world.api_inbox);
    assert_eq!(moved["sender"], json!({}));
    assert_eq!(moved["audience"], json!(null));
    let listed = world
        .get(&format!(
            "/api/v1/accounts/{}/inboxes/{}/campaigns",
            world.fx.account, world.api_inbox
        ))
        .await;
    assert_eq!(ids(&listed), [id]);

    let deleted = world
        .api
        .delete(&path)
        .token(world.admin())
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty());
    for method in [Method::GET, Method::DELETE] {
        let response = world
            .api
            .request(method, &path)
            .token(world.admin())
            .send()
            .await;
        assert_eq!(response.status, 404);
    }
    assert_eq!(world.get(&world.base()).await, json!([]));
}

#[tokio::test]
async fn a_deleted_inbox_takes_its_campaigns() {
    let world = World::new().await;
    world.create(world.website_campaign("Site")).await;
    world.create(world.one_off_campaign("Api")).await;
    world
        .api
        .delete(&format!(
            "/api/v1/accounts/{}/inboxes/{}",
            world.fx.account, world.website
        ))
        .token(world.admin())
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&world.get(&world.base()).await), [2]);
}

#[tokio::test]
async fn invalid_campaigns_get_chatwoots_errors() {
    let world = World::new().await;
    let missing = json!({"error": "param is missing or the value is empty: campaign"});
    let cases: Vec<(Value, Value)> = vec![
        (json!({}), missing.clone()),
        (json!({"campaign": {}}), missing.clone()),
        (
            json!({"title": ""}),
            json!({
                "message": "Inbox can't be blank, Title can't be blank, Message can't be blank, Inbox must exist",
                "attributes": ["inbox_id", "title", "message", "inbox"],
            }),
        ),
        (
            json!({"title": "T", "message": "m", "inbox_id": 987_654}),
            json!({"message": "Inbox must exist", "attributes": ["inbox"]}),
        ),
        (
            json!({"title": "T", "message": "m", "inbox_id": world.website, "trigger_rules": {"url": "acme.test/pricing"}}),
            json!({"message": "Url invalid", "attributes": ["url"]}),
        ),
        (
            json!({"title": "T", "message": "m", "inbox_id": world.api_inbox, "sender_id": world.fx.outsider.0}),
            json!({
                "message": "Sender must belong to the same account as the campaign",
                "attributes": ["sender_id"],
            }),
        ),
        (
            json!({"title": "t".repeat(256), "message": "m".repeat(20_001), "inbox_id": world.api_inbox}),
            json!({
                "message": "Title is too long (maximum is 255 characters), Message is too long (maximum is 20000 characters)",
                "attributes": ["title", "message"],
            }),
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = world.create_status(body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer, expected, "{body}");
    }
    // The url rule is the website inbox's: an API campaign keeps any trigger rules.
    let kept = world
        .create(json!({"title": "T", "message": "m", "inbox_id": world.api_inbox, "trigger_rules": {"url": "x"}}))
        .await;
    assert_eq!(kept["trigger_rules"], json!({"url": "x"}));
    // An unknown user as sender is let through and shows no sender, as in Chatwoot.
    let unknown_sender = world
        .create(json!({"title": "T", "message": "m", "inbox_id": world.api_inbox, "sender_id": 987_654}))
        .await;
    assert_eq!(unknown_sender["sender"], json!({}));
    // Nothing invalid was stored, and no display id was spent on it.
    assert_eq!(ids(&world.get(&world.base()).await), [1, 2]);

    let path = format!("{}/1", world.base());
    let blanked = world
        .api
        .patch(&path)
        .token(world.admin())
        .json(json!({"title": null, "message": "  "}))
        .send()
        .await;
    assert_eq!(blanked.status, 422);
    assert_eq!(
        blanked.body,
        json!({"message": "Title can't be blank, Message can't be blank", "attributes": ["title", "message"]})
    );
}

#[tokio::test]
async fn a_completed_campaign_takes_no_change() {
    let world = World::new().await;
    let due_now = world
        .create(json!({"title": "Now", "inbox_id": world.api_inbox, "message": "Hello"}))
        .await;
    api_tests::events::run_scheduler(world.api.state())
        .await
        .expect("a run");
    let path = format!("{}/{}", world.base(), due_now["id"]);
    let shown = world.get(&path).await;
    assert_eq!(shown["campaign_status"], "completed");
    let response = world
        .api
        .patch(&path)
        .token(world.admin())
        .json(json!({"title": "Again"}))
        .send()
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.body,
        json!({"message": "Status The campaign is already completed", "attributes": ["status"]})
    );
    // It may still be deleted.
    world
        .api
        .delete(&path)
        .token(world.admin())
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn a_list_costs_the_same_round_trips_for_any_number_of_campaigns() {
    let world = World::new().await;
    let mut costs = Vec::new();
    for _ in 0..2 {
        for title in ["A", "B", "C"] {
            world.create(world.website_campaign(title)).await;
        }
        costs.push(
            world
                .api
                .round_trips(Method::GET, &world.base(), world.admin())
                .await,
        );
    }
    // Token; account and membership; the campaigns; their inboxes; their senders.
    assert_eq!(costs[0].reads, 5, "{costs:?}");
    assert_eq!(costs[0].reads, costs[1].reads, "{costs:?}");
    assert_eq!(costs[0].writes, 0);
}
