//! `/api/v1/accounts/{id}` (show, update, cache_keys, update_active_at) and `/agents`.

use api_tests::{check_account_guards, email, json, GuardedRoute, TestApi};
use http::Method;

#[tokio::test]
async fn account_show_and_update() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let path = format!("/api/v1/accounts/{}", fx.account);
    let shown = api.get(&path).token(&fx.agent.1).send().await.expect(200);
    let body = &shown.body;
    assert_eq!(body["id"], fx.account);
    assert_eq!(body["name"], "Acme");
    assert_eq!(body["locale"], "en");
    assert_eq!(body["status"], "active");
    assert_eq!(body["settings"], json!({}));
    assert_eq!(
        body["cache_keys"],
        json!({"label": 0, "inbox": 0, "team": 0})
    );
    assert_eq!(body["latest_chatwoot_version"], serde_json::Value::Null);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["features"]["help_center"], true);
    assert!(body.get("custom_attributes").is_none());

    let updated = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({"name": "Acme Inc", "locale": "fr", "industry": "Retail", "timezone": "Europe/Paris", "auto_resolve_after": 60, "auto_resolve_message": "Bye"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "Acme Inc");
    assert_eq!(updated.body["locale"], "fr");
    assert_eq!(
        updated.body["custom_attributes"],
        json!({"industry": "Retail", "timezone": "Europe/Paris"})
    );
    assert_eq!(
        updated.body["settings"],
        json!({"auto_resolve_after": 60, "auto_resolve_message": "Bye"})
    );
    // Settings merge rather than replace.
    let merged = api
        .put(&path)
        .token(&fx.admin.1)
        .json(json!({"auto_resolve_label": "done"}))
        .send()
        .await
        .expect(200);
    assert_eq!(merged.body["settings"]["auto_resolve_after"], 60);
    assert_eq!(merged.body["settings"]["auto_resolve_label"], "done");
    // A form sends every value as text: the settings keep their types (Schemathesis found them
    // stored as strings).
    let form = api
        .patch(&path)
        .token(&fx.admin.1)
        .body(
            "application/x-www-form-urlencoded",
            "auto_resolve_after=1440&auto_resolve_ignore_waiting=false&audio_transcriptions=true",
        )
        .send()
        .await
        .expect(200);
    assert_eq!(form.body["settings"]["auto_resolve_after"], 1440);
    assert_eq!(form.body["settings"]["auto_resolve_ignore_waiting"], false);
    assert_eq!(form.body["settings"]["audio_transcriptions"], true);
    // The rename reaches members' profiles.
    let profile = api
        .get("/api/v1/profile")
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(profile.body["accounts"][0]["name"], "Acme Inc");
}

#[tokio::test]
async fn account_update_rules() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let path = format!("/api/v1/accounts/{}", fx.account);
    let agent = api
        .patch(&path)
        .token(&fx.agent.1)
        .json(json!({"name": "X"}))
        .send()
        .await;
    assert_eq!(agent.status, 401);
    assert_eq!(
        agent.body,
        json!({"error": "You are not authorized to do this action"})
    );
    for (body, message, attribute) in [
        (
            json!({"auto_resolve_after": 5}),
            "Auto resolve after must be greater than or equal to 10",
            "auto_resolve_after",
        ),
        (
            json!({"auto_resolve_after": 2_000_000}),
            "Auto resolve after must be less than or equal to 1439856",
            "auto_resolve_after",
        ),
        (
            json!({"name": "n".repeat(256)}),
            "Name is too long (maximum is 255 characters)",
            "name",
        ),
        (json!({"name": ""}), "Name can't be blank", "name"),
    ] {
        let response = api
            .patch(&path)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert_eq!(
            response.body,
            json!({"message": message, "attributes": [attribute]}),
            "{body}"
        );
    }
    // Non-members get 404 here (not 401), bots the bot answer, nobody the sign-in answer.
    for token in [&fx.outsider.1] {
        let response = api.get(&path).token(token).send().await;
        assert_eq!(response.status, 404);
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    let bot = api.get(&path).token(&fx.bot_token).send().await;
    assert_eq!(bot.status, 401);
    assert_eq!(api.get(&path).send().await.status, 401);
    // Suspension is not checked on the account itself.
    api.get(&format!("/api/v1/accounts/{}", fx.suspended_account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn cache_keys_and_active_at() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let keys = api
        .get(&format!("/api/v1/accounts/{}/cache_keys", fx.account))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        keys.body,
        json!({"cache_keys": {"label": 0, "inbox": 0, "team": 0}})
    );
    assert_eq!(
        keys.headers["cache-control"],
        "max-age=10, private, stale-while-revalidate=300"
    );
    api.post(&format!("/api/v1/accounts/{}/labels", fx.account))
        .token(&fx.admin.1)
        .json(json!({"title": "vip"}))
        .send()
        .await
        .expect(200);
    let keys = api
        .get(&format!("/api/v1/accounts/{}/cache_keys", fx.account))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(keys.body["cache_keys"]["label"].as_i64().unwrap() > 1_700_000_000);
    let active = api
        .post(&format!("/api/v1/accounts/{}/update_active_at", fx.account))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(active.raw.is_empty());
    let profile = api
        .get("/api/v1/profile")
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(profile.body["accounts"][0]["active_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

#[tokio::test]
async fn agent_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let agent = fx.agent.0;
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/cache_keys",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/update_active_at",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/agents",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/agents",
                json!({"email": "new@example.com"}),
                true,
            ),
            GuardedRoute::new(
                Method::PATCH,
                format!("/api/v1/accounts/{{account}}/agents/{agent}"),
                json!({"name": "x"}),
                true,
            ),
            GuardedRoute::new(
                Method::DELETE,
                format!("/api/v1/accounts/{{account}}/agents/{agent}"),
                json!(null),
                true,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn agents_list_create_update_delete() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}/agents", fx.account);
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    let agents = listed.body.as_array().unwrap();
    assert_eq!(agents.len(), 2);
    let admin = agents.iter().find(|a| a["id"] == fx.admin.0).unwrap();
    assert_eq!(admin["role"], "administrator");
    assert_eq!(admin["account_id"], fx.account);
    assert_eq!(admin["provider"], "email");
    assert_eq!(admin["thumbnail"], "");
    assert_eq!(admin["availability_status"], "offline");
    let mut keys: Vec<&str> = admin
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
            "auto_offline",
            "availability_status",
            "available_name",
            "confirmed",
            "email",
            "id",
            "name",
            "provider",
            "role",
            "thumbnail"
        ]
    );

    // A new address makes a new, unconfirmed user; wrapped or flat params both work.
    let address = email("Newbie");
    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"agent": {"email": address, "name": "Newbie", "role": "agent", "availability": "busy", "auto_offline": false}}))
        .send()
        .await
        .expect(200);
    assert_eq!(created.body["email"], address.to_lowercase());
    assert_eq!(created.body["confirmed"], false);
    assert_eq!(created.body["availability_status"], "busy");
    let new_id = created.id();
    // An existing user (of another account) is added, not duplicated.
    let existing = api.post(&base).token(&fx.admin.1).json(json!({"email": api.get("/api/v1/profile").token(&fx.outsider.1).send().await.text("email")})).send().await.expect(200);
    assert_eq!(existing.id(), fx.outsider.0);
    assert_eq!(existing.body["role"], "agent");
    // Already a member.
    let again = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"email": address}))
        .send()
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.body,
        json!({"message": "User has already been taken", "attributes": ["user"]})
    );

    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    let names: Vec<String> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by lower(name)");
    assert_eq!(names.len(), 4);

    let updated = api
        .patch(&format!("{base}/{new_id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "Renamed", "role": "administrator", "auto_offline": true}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "Renamed");
    assert_eq!(updated.body["role"], "administrator");
    assert_eq!(updated.body["availability_status"], "offline");

    api.delete(&format!("{base}/{new_id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.patch(&format!("{base}/{new_id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "x"}))
        .send()
        .await
        .expect(404);
    // The outsider keeps their user: they still belong to their own account.
    api.delete(&format!("{base}/{}", fx.outsider.0))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.get("/api/v1/profile")
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    // An agent of another account is not found here.
    api.delete(&format!("{base}/{}", fx.outsider.0))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn agent_input_is_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}/agents", fx.account);
    for (body, message, attribute) in [
        (json!({"name": "No mail"}), "Email can't be blank", "email"),
        (
            json!({"email": "not-an-email"}),
            "Email is invalid",
            "email",
        ),
        (
            json!({"email": email("r"), "role": "owner"}),
            "Role is not included in the list",
            "role",
        ),
        (
            json!({"email": email("a"), "availability": "away"}),
            "Availability is not included in the list",
            "availability",
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
            json!({"message": message, "attributes": [attribute]}),
            "{body}"
        );
    }
    let malformed = api
        .post(&base)
        .token(&fx.admin.1)
        .body("application/json", "{")
        .send()
        .await;
    assert_eq!(malformed.status, 400);
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn removing_an_agent_removes_their_inbox_and_team_memberships() {
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
    api.post(&format!("{base}/inbox_members"))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "user_ids": [fx.agent.0]}))
        .send()
        .await
        .expect(200);
    let team = api
        .create_id(
            &format!("{base}/teams"),
            &fx.admin.1,
            json!({"name": "tier1"}),
        )
        .await;
    api.post(&format!("{base}/teams/{team}/team_members"))
        .token(&fx.admin.1)
        .json(json!({"user_ids": [fx.agent.0]}))
        .send()
        .await
        .expect(200);
    let state = api.state();
    assert_eq!(
        shared::domain::inboxes::inbox_ids_of_agent(state, fx.account, fx.agent.0)
            .await
            .unwrap(),
        [inbox]
    );
    assert_eq!(
        shared::domain::teams::team_ids_of_agent(state, fx.account, fx.agent.0)
            .await
            .unwrap(),
        [team]
    );
    api.delete(&format!("{base}/agents/{}", fx.agent.0))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(
        shared::domain::inboxes::inbox_ids_of_agent(state, fx.account, fx.agent.0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        shared::domain::teams::team_ids_of_agent(state, fx.account, fx.agent.0)
            .await
            .unwrap()
            .is_empty()
    );
    let members = api
        .get(&format!("{base}/inbox_members/{inbox}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(members.body, json!({"payload": []}));
}
