//! Platform API accounts: create, list, show, update, delete.

use api_tests::{json, TestApi};

#[tokio::test]
async fn create_applies_defaults_and_requested_features() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let created = api
        .post("/platform/api/v1/accounts")
        .token(&platform)
        .json(json!({
            "name": "Acme", "locale": "pt_BR", "domain": "acme.test", "support_email": "help@acme.test",
            "features": {"help_center": false, "campaigns": true, "ip_lookup": "false"},
            "limits": {"agents": 5}, "custom_attributes": {"plan": "pro"}, "ignored": "x"
        }))
        .send()
        .await
        .expect(200);
    let body = &created.body;
    let id = created.id();
    assert!(id > 0 && id <= shared::ids::MAX_SAFE_INTEGER);
    assert_eq!(body["name"], "Acme");
    assert_eq!(body["locale"], "pt_BR");
    assert_eq!(body["domain"], "acme.test");
    assert_eq!(body["support_email"], "help@acme.test");
    assert_eq!(body["status"], "active");
    assert_eq!(body["limits"], json!({"agents": 5}));
    assert_eq!(body["custom_attributes"], json!({"plan": "pro"}));
    assert!(body.get("ignored").is_none());
    let features = body["features"].as_object().unwrap();
    assert!(
        features.values().all(|v| v == true),
        "only enabled features are listed"
    );
    assert_eq!(
        features.get("help_center"),
        None,
        "request false overrides the default"
    );
    assert_eq!(
        features.get("campaigns"),
        Some(&json!(true)),
        "request true overrides the default"
    );
    // Rails' `present?`: the string "false" is present, so the feature is on.
    assert_eq!(features.get("ip_lookup"), Some(&json!(true)));
    assert_eq!(
        features.get("inbox_management"),
        Some(&json!(true)),
        "defaults stay"
    );
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
            "custom_attributes",
            "domain",
            "features",
            "id",
            "limits",
            "locale",
            "name",
            "status",
            "support_email"
        ]
    );
}

#[tokio::test]
async fn create_validates_like_rails() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let cases = [
        (json!({}), "Name can't be blank", vec!["name"]),
        (json!({"name": "  "}), "Name can't be blank", vec!["name"]),
        (
            json!({"name": "x".repeat(256)}),
            "Name is too long (maximum is 255 characters)",
            vec!["name"],
        ),
        (
            json!({"name": "A", "domain": "d".repeat(101)}),
            "Domain is too long (maximum is 100 characters)",
            vec!["domain"],
        ),
        (
            json!({"name": "A", "locale": "xx"}),
            "Locale is not included in the list",
            vec!["locale"],
        ),
        (
            json!({"name": "A", "status": "closed"}),
            "Status is not included in the list",
            vec!["status"],
        ),
        (
            json!({"name": "A", "features": {"warp_drive": true}}),
            "Features has an unknown feature: warp_drive",
            vec!["features"],
        ),
    ];
    for (body, message, attributes) in cases {
        let response = api
            .post("/platform/api/v1/accounts")
            .token(&platform)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(
            response.body,
            json!({"message": message, "attributes": attributes}),
            "{body}"
        );
    }
    let wrong_type = api
        .post("/platform/api/v1/accounts")
        .token(&platform)
        .json(json!({"name": "A", "limits": "lots"}))
        .send()
        .await;
    assert_eq!(wrong_type.status, 400);
    let listed = api
        .get("/platform/api/v1/accounts")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed.body,
        json!([]),
        "no failed create left anything behind"
    );
}

#[tokio::test]
async fn list_shows_only_this_apps_accounts() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let other = api.platform_token().await;
    let a = api.create_account(&platform, "A").await;
    let b = api.create_account(&platform, "B").await;
    api.create_account(&other, "Theirs").await;
    let listed = api
        .get("/platform/api/v1/accounts")
        .token(&platform)
        .send()
        .await
        .expect(200);
    let mut ids: Vec<i64> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn show_and_update_with_partial_changes() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let id = api.create_account(&platform, "Before").await;
    let path = format!("/platform/api/v1/accounts/{id}");
    let shown = api.get(&path).token(&platform).send().await.expect(200);
    assert_eq!(shown.body["name"], "Before");
    let updated = api
        .patch(&path)
        .token(&platform)
        .json(json!({"name": "After", "status": "suspended", "features": {"campaigns": true}, "limits": {"inboxes": 2}}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "After");
    assert_eq!(updated.body["status"], "suspended");
    assert_eq!(updated.body["features"]["campaigns"], true);
    assert_eq!(
        updated.body["features"]["help_center"], true,
        "features not mentioned are untouched"
    );
    assert_eq!(updated.body["limits"], json!({"inboxes": 2}));
    // PUT is the same update; an invalid change leaves the account as it was.
    let invalid = api
        .put(&path)
        .token(&platform)
        .json(json!({"name": ""}))
        .send()
        .await;
    assert_eq!(invalid.status, 422);
    let again = api.get(&path).token(&platform).send().await.expect(200);
    assert_eq!(again.body, updated.body);
}

#[tokio::test]
async fn delete_removes_the_account_and_its_memberships() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let id = api.create_account(&platform, "Doomed").await;
    let (user, token) = api
        .create_user(&platform, &api_tests::email("member"))
        .await;
    api.add_member(&platform, id, user, "agent").await;
    let path = format!("/platform/api/v1/accounts/{id}");
    let deleted = api.delete(&path).token(&platform).send().await.expect(200);
    assert!(deleted.raw.is_empty(), "head :ok has no body");
    api.get(&path).token(&platform).send().await.expect(404);
    let profile = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    assert_eq!(profile.body["accounts"], json!([]));
    let listed = api
        .get("/platform/api/v1/accounts")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn account_creation_records_its_event_in_the_same_write() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let id = api.create_account(&platform, "Evented").await;
    let events = api
        .state()
        .store
        .query(&shared::store::Query::prefix(
            format!("ACCOUNT#{id}"),
            "EVENT#",
        ))
        .await
        .unwrap();
    assert_eq!(events.items.len(), 1);
    let event = &events.items[0];
    assert_eq!(event["name"], "account_created");
    assert_eq!(event["_et"], "event");
    assert_eq!(event["payload"]["name"], "Evented");
    assert!(event["expires_at"].as_i64().unwrap() > 0);
}
