//! `/api/v1/accounts/{account_id}/teams` and `/teams/{team_id}/team_members`.

use api_tests::{check_account_guards, email, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use shared::domain::teams;
use shared::store::Query;
use std::sync::Arc;

fn teams_path(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/teams", fx.account)
}

/// Ids order records by creation to the millisecond (the rest is random), so creations
/// whose order a test checks are kept a few milliseconds apart.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

async fn create_team(api: &TestApi, fx: &AccountFixture, name: &str) -> i64 {
    pause().await;
    api.create_id(&teams_path(fx), &fx.admin.1, json!({ "name": name }))
        .await
}

/// A new agent of the fixture's account with the given name; answers its id.
async fn create_agent(api: &TestApi, fx: &AccountFixture, name: &str) -> i64 {
    api.post(&format!("/api/v1/accounts/{}/agents", fx.account))
        .token(&fx.admin.1)
        .json(json!({ "name": name, "email": email(&name.to_lowercase().replace(' ', "-")) }))
        .send()
        .await
        .expect(200)
        .id()
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn team_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create_team(&api, &fx, "support").await;
    let team = format!("/api/v1/accounts/{{account}}/teams/{id}");
    let members = format!("{team}/team_members");
    let user_ids = json!({"user_ids": [fx.agent.0]});
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/teams",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/teams",
                json!({"name": "x"}),
                true,
            ),
            GuardedRoute::new(Method::GET, team.clone(), json!(null), false),
            GuardedRoute::new(Method::PATCH, team.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::PUT, team.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::DELETE, team.clone(), json!(null), true),
            GuardedRoute::new(Method::GET, members.clone(), json!(null), false),
            GuardedRoute::new(Method::POST, members.clone(), user_ids.clone(), true),
            GuardedRoute::new(Method::PATCH, members.clone(), user_ids.clone(), true),
            GuardedRoute::new(Method::DELETE, members.clone(), user_ids, true),
        ],
    )
    .await;
    // The guards changed nothing.
    let shown = api
        .get(&format!("{}/{id}", teams_path(&fx)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "support");
}

#[tokio::test]
async fn teams_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    let cache_keys = format!("/api/v1/accounts/{}/cache_keys", fx.account);
    let before = api
        .get(&cache_keys)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(before.body["cache_keys"]["team"], 0);

    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Sales EMEA", "description": "Europe", "allow_auto_assign": false}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    assert_eq!(
        created.body,
        json!({"id": id, "name": "sales emea", "description": "Europe", "allow_auto_assign": false, "account_id": fx.account, "is_member": false})
    );
    let after = api
        .get(&cache_keys)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(after.body["cache_keys"]["team"].as_i64().unwrap() > 0);

    // The `team` wrapper, and the defaults.
    pause().await;
    let support = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"team": {"name": "Support"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        support.body,
        json!({"id": support.id(), "name": "support", "description": null, "allow_auto_assign": true, "account_id": fx.account, "is_member": false})
    );
    // Form bodies need the nested form.
    pause().await;
    let billing = api
        .post(&base)
        .token(&fx.admin.1)
        .body(
            "application/x-www-form-urlencoded",
            "team[name]=Billing&team[allow_auto_assign]=false",
        )
        .send()
        .await
        .expect(200);
    assert_eq!(billing.body["name"], "billing");
    assert_eq!(billing.body["allow_auto_assign"], false);

    // Any member lists (a bare array, oldest first) and shows.
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [id, support.id(), billing.id()]);
    assert_eq!(listed.body[0], created.body);
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, created.body);

    // Rename: the new name is taken, the old one freed.
    let renamed = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "Sales", "description": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(renamed.body["name"], "sales");
    assert_eq!(renamed.body["description"], Value::Null);
    assert_eq!(renamed.body["allow_auto_assign"], false, "unchanged");
    let taken = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "SALES"}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.body,
        json!({"message": "Name has already been taken", "attributes": ["name"]})
    );
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "sales emea"}))
        .send()
        .await
        .expect(200);
    let rename_taken = api
        .put(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "Support"}))
        .send()
        .await;
    assert_eq!(rename_taken.status, 422);
    assert_eq!(
        rename_taken.body,
        json!({"message": "Name has already been taken", "attributes": ["name"]})
    );
    // Same name, other case: no change of claim, no error.
    api.put(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "SALES", "allow_auto_assign": true}))
        .send()
        .await
        .expect(200);

    // Delete: 200 with no body; the name is free again.
    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty());
    api.get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    let again = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body, json!({"error": "Resource could not be found"}));
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "sales"}))
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn team_names_are_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    for (body, message) in [
        (json!({"name": ""}), "Name must not be blank"),
        (json!({"name": "   "}), "Name must not be blank"),
        (json!({"name": null}), "Name must not be blank"),
        (json!({"description": "no name"}), "Name must not be blank"),
        (
            json!({"name": "x".repeat(256)}),
            "Name is too long (maximum is 255 characters)",
        ),
    ] {
        let response = api
            .post(&base)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert_eq!(
            response.body,
            json!({"message": message, "attributes": ["name"]}),
            "{body}"
        );
    }
    for body in [json!({}), json!({"unrelated": 1})] {
        let missing = api
            .post(&base)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(missing.status, 422, "{body}");
        assert_eq!(
            missing.body,
            json!({"error": "param is missing or the value is empty: team"})
        );
    }
    // Long names (up to the limit) are claimed safely too.
    let long = "€".repeat(255); // 765 bytes: claimed by its hash
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({ "name": long }))
        .send()
        .await
        .expect(200);
    let twice = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({ "name": long.to_uppercase() }))
        .send()
        .await;
    assert_eq!(twice.status, 422);
    let id = create_team(&api, &fx, "ops").await;
    let blank = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": ""}))
        .send()
        .await;
    assert_eq!(blank.status, 422);
    assert_eq!(
        blank.body,
        json!({"message": "Name must not be blank", "attributes": ["name"]})
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_teams_are_not_found_before_the_role_check() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .create_id(
            &format!("/api/v1/accounts/{}/teams", fx.other_account),
            &fx.outsider.1,
            json!({"name": "secret"}),
        )
        .await;
    let base = teams_path(&fx);
    for token in [&fx.admin.1, &fx.agent.1] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::PATCH, ""),
            (Method::DELETE, ""),
            (Method::GET, "/team_members"),
            (Method::POST, "/team_members"),
            (Method::PATCH, "/team_members"),
            (Method::DELETE, "/team_members"),
        ] {
            for team in [theirs.to_string(), "999".into(), "abc".into()] {
                let response = api
                    .request(method.clone(), &format!("{base}/{team}{suffix}"))
                    .token(token)
                    .json(json!({"name": "mine", "user_ids": [fx.agent.0]}))
                    .send()
                    .await;
                assert_eq!(response.status, 404, "{method} {team}{suffix}");
                assert_eq!(
                    response.body,
                    json!({"error": "Resource could not be found"})
                );
            }
        }
    }
    // Team members have PATCH but no PUT in Chatwoot.
    let id = create_team(&api, &fx, "ours").await;
    api.put(&format!("{base}/{id}/team_members"))
        .token(&fx.admin.1)
        .json(json!({"user_ids": []}))
        .send()
        .await
        .expect(404);
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [id]);
}

#[tokio::test]
async fn team_members_add_set_remove() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    let id = create_team(&api, &fx, "support").await;
    let other = create_team(&api, &fx, "sales").await;
    let zoe = create_agent(&api, &fx, "Zoe").await;
    let adam = create_agent(&api, &fx, "adam").await;
    let members = format!("{base}/{id}/team_members");

    let empty = api
        .get(&members)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(empty.body, json!([]));

    // POST answers the newly added agents only, as agent JSON.
    let added = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [zoe, fx.admin.0]}))
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&added.body), [zoe, fx.admin.0]);
    assert_eq!(added.body[0]["name"], "Zoe");
    assert_eq!(added.body[0]["role"], "agent");
    assert_eq!(added.body[0]["account_id"], fx.account);
    assert_eq!(added.body[1]["role"], "administrator");
    let more = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [fx.admin.0, adam, adam, zoe]}))
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&more.body), [adam], "only the new one, once");
    let none_new = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [zoe]}))
        .send()
        .await
        .expect(200);
    assert_eq!(none_new.body, json!([]));

    // GET: every member, by name.
    let listed = api
        .get(&members)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body), [adam, fx.admin.0, zoe]);

    // is_member is about the caller.
    let teams_for_admin = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    let flags: Vec<(i64, bool)> = teams_for_admin
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["is_member"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [(id, true), (other, false)]);
    let teams_for_agent = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(teams_for_agent.body[0]["is_member"], false);
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["is_member"], true);
    let updated = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"description": "d"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["is_member"], true);
    let state = api.state();
    assert_eq!(
        teams::team_ids_of_agent(state, fx.account, zoe)
            .await
            .unwrap(),
        [id]
    );

    // PATCH sets exactly and answers every member.
    let set = api
        .patch(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [zoe, fx.agent.0]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        ids(&set.body),
        [fx.agent.0, zoe],
        "\"Test User\" before \"Zoe\""
    );
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["is_member"], false);
    assert!(teams::team_ids_of_agent(state, fx.account, adam)
        .await
        .unwrap()
        .is_empty());

    // DELETE removes; unknown-but-valid ids are ignored; 200 with no body.
    let removed = api
        .delete(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [zoe, adam]}))
        .send()
        .await
        .expect(200);
    assert!(removed.raw.is_empty());
    let listed = api
        .get(&members)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body), [fx.agent.0]);
    let cleared = api
        .patch(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": []}))
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body, json!([]));
    let listed = api
        .get(&members)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn invalid_user_ids_change_nothing() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create_team(&api, &fx, "support").await;
    let members = format!("{}/{id}/team_members", teams_path(&fx));
    api.post(&members)
        .token(&fx.admin.1)
        .json(json!({"user_ids": [fx.agent.0]}))
        .send()
        .await
        .expect(200);
    for method in [Method::POST, Method::PATCH, Method::DELETE] {
        for user_ids in [
            json!([fx.admin.0, fx.outsider.0]),
            json!([fx.admin.0, 12345]),
            json!(["abc"]),
            json!([0]),
        ] {
            let response = api
                .request(method.clone(), &members)
                .token(&fx.admin.1)
                .json(json!({ "user_ids": user_ids }))
                .send()
                .await;
            assert_eq!(response.status, 401, "{method} {user_ids}");
            assert_eq!(response.body, json!({"error": "Invalid User IDs"}));
        }
    }
    let listed = api
        .get(&members)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body), [fx.agent.0]);
    // Ids as text work (form clients), as in Rails.
    let added = api
        .post(&members)
        .token(&fx.admin.1)
        .body(
            "application/x-www-form-urlencoded",
            format!("user_ids[]={}", fx.admin.0),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&added.body), [fx.admin.0]);
    let missing = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({"error": "param is missing or the value is empty: user_ids"})
    );
}

#[tokio::test]
async fn deleting_a_team_removes_its_memberships_and_records_an_event() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    let id = create_team(&api, &fx, "support").await;
    let kept = create_team(&api, &fx, "sales").await;
    // More agents than fit one transaction of membership pairs.
    let mut agents = Vec::new();
    for n in 0..60 {
        agents.push(create_agent(&api, &fx, &format!("Agent {n:02}")).await);
    }
    let added = api
        .post(&format!("{base}/{id}/team_members"))
        .token(&fx.admin.1)
        .json(json!({ "user_ids": agents }))
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&added.body), agents);
    api.post(&format!("{base}/{kept}/team_members"))
        .token(&fx.admin.1)
        .json(json!({"user_ids": [agents[0]]}))
        .send()
        .await
        .expect(200);
    let listed = api
        .get(&format!("{base}/{id}/team_members"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body), agents, "by name");

    api.delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let state = api.state();
    assert!(teams::member_ids(state, fx.account, id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        teams::team_ids_of_agent(state, fx.account, agents[0])
            .await
            .unwrap(),
        [kept]
    );
    assert!(teams::team_ids_of_agent(state, fx.account, agents[1])
        .await
        .unwrap()
        .is_empty());
    let events = state
        .store
        .query(&Query::prefix(
            shared::keys::account_partition(fx.account),
            "EVENT#",
        ))
        .await
        .unwrap()
        .items;
    let deleted: Vec<&Value> = events
        .iter()
        .filter(|e| e["name"] == "team_deleted")
        .map(|e| &e["payload"])
        .collect();
    assert_eq!(
        deleted,
        [
            &json!({"id": id, "name": "support", "description": null, "allow_auto_assign": true, "account_id": fx.account})
        ]
    );
}

#[tokio::test]
async fn an_agent_leaves_every_team() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    let first = create_team(&api, &fx, "first").await;
    let second = create_team(&api, &fx, "second").await;
    for team in [first, second] {
        api.post(&format!("{base}/{team}/team_members"))
            .token(&fx.admin.1)
            .json(json!({"user_ids": [fx.agent.0, fx.admin.0]}))
            .send()
            .await
            .expect(200);
    }
    let state = api.state();
    let mut mine = teams::team_ids_of_agent(state, fx.account, fx.agent.0)
        .await
        .unwrap();
    mine.sort_unstable();
    let mut expected = vec![first, second];
    expected.sort_unstable();
    assert_eq!(mine, expected);
    teams::remove_agent_from_all(state, fx.account, fx.agent.0)
        .await
        .unwrap();
    // Removing twice is harmless.
    teams::remove_agent_from_all(state, fx.account, fx.agent.0)
        .await
        .unwrap();
    assert!(teams::team_ids_of_agent(state, fx.account, fx.agent.0)
        .await
        .unwrap()
        .is_empty());
    for team in [first, second] {
        let listed = api
            .get(&format!("{base}/{team}/team_members"))
            .token(&fx.admin.1)
            .send()
            .await
            .expect(200);
        assert_eq!(ids(&listed.body), [fx.admin.0]);
    }
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_name_make_one_team() {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    // Different spellings of one name.
    let responses = api_tests::concurrent_posts(
        &api,
        &base,
        &fx.admin.1,
        20,
        |n| json!({ "name": if n % 2 == 0 { "Race" } else { "RACE" } }),
    )
    .await;
    api_tests::assert_one_winner(
        &responses,
        &json!({"message": "Name has already been taken", "attributes": ["name"]}),
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["name"], "race");
}

#[tokio::test]
async fn is_member_costs_no_read_per_team() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = teams_path(&fx);
    let first = create_team(&api, &fx, "t0").await;
    let one = api.round_trips(Method::GET, &base, &fx.admin.1).await;
    for n in 1..8 {
        let team = create_team(&api, &fx, &format!("t{n}")).await;
        api.post(&format!("{base}/{team}/team_members"))
            .token(&fx.admin.1)
            .json(json!({"user_ids": [fx.admin.0]}))
            .send()
            .await
            .expect(200);
    }
    let eight = api.round_trips(Method::GET, &base, &fx.admin.1).await;
    // Token, account + membership, the teams, the caller's teams.
    assert_eq!(one.reads, 4);
    assert_eq!(eight.reads, 4);
    assert_eq!(eight.writes, 0);
    // Show: token, account + membership, team + caller's membership.
    let show = api
        .round_trips(Method::GET, &format!("{base}/{first}"), &fx.admin.1)
        .await;
    assert_eq!(show.reads, 3);
}
