//! `/api/v1/accounts/{account_id}/automation_rules`: administrators' CRUD with Chatwoot's
//! mixed envelopes, clone, and the validation bodies (a hash of arrays).

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn base(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/automation_rules", fx.account)
}

/// Ids order records by creation to the millisecond (the rest is random), so creations
/// whose order a test checks are kept a few milliseconds apart.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

fn rule_body(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Label refund requests",
        "event_name": "message_created",
        "conditions": [
            {"attribute_key": "content", "filter_operator": "contains", "values": ["refund"], "query_operator": "and"},
            {"attribute_key": "message_type", "filter_operator": "equal_to", "values": ["incoming"], "query_operator": null}
        ],
        "actions": [{"action_name": "add_label", "action_params": ["billing"]}]
    })
}

async fn create(api: &TestApi, fx: &AccountFixture, name: &str) -> Value {
    pause().await;
    api.post(&base(fx))
        .token(&fx.admin.1)
        .json(rule_body(name))
        .send()
        .await
        .expect(200)
        .body
}

fn keys(body: &Value) -> Vec<&str> {
    body.as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"))
        .keys()
        .map(String::as_str)
        .collect()
}

const RULE_KEYS: [&str; 9] = [
    "id",
    "account_id",
    "name",
    "description",
    "event_name",
    "conditions",
    "actions",
    "created_on",
    "active",
];

#[tokio::test]
async fn automation_rule_routes_are_for_administrators_only() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create(&api, &fx, "Refunds").await["id"].as_i64().unwrap();
    let one = format!("/api/v1/accounts/{{account}}/automation_rules/{id}");
    let all = "/api/v1/accounts/{account}/automation_rules";
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(Method::GET, all, json!(null), true),
            GuardedRoute::new(Method::POST, all, rule_body("x"), true),
            GuardedRoute::new(Method::GET, one.clone(), json!(null), true),
            GuardedRoute::new(Method::PATCH, one.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::PUT, one.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::POST, format!("{one}/clone"), json!(null), true),
            GuardedRoute::new(Method::DELETE, one, json!(null), true),
        ],
    )
    .await;
    // An agent is refused before the rule is looked up.
    let missing = api
        .get(&format!("{}/987654", base(&fx)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(401);
    assert_eq!(
        missing.body,
        json!({"error": "You are not authorized to do this action"})
    );
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["payload"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["payload"][0]["name"], "Refunds", "unchanged");
}

#[tokio::test]
async fn automation_rules_crud_with_chatwoots_envelopes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(&fx);
    let before = api.state().clock.now().unix_timestamp();
    let created = create(&api, &fx, "Refunds").await;
    assert_eq!(keys(&created), RULE_KEYS, "create answers the rule itself");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["account_id"], fx.account);
    assert_eq!(created["name"], "Refunds");
    assert_eq!(created["description"], "Label refund requests");
    assert_eq!(created["event_name"], "message_created");
    assert_eq!(created["conditions"], rule_body("x")["conditions"]);
    assert_eq!(created["actions"], rule_body("x")["actions"]);
    assert_eq!(created["active"], true, "active by default");
    let created_on = created["created_on"].as_i64().expect("epoch seconds");
    assert!((before..=before + 5).contains(&created_on), "{created_on}");

    let second = create(&api, &fx, "Second").await;
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(keys(&listed.body), ["payload"]);
    let names: Vec<&str> = listed.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Refunds", "Second"], "oldest first");
    assert_eq!(listed.body["payload"][0], created);

    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, json!({ "payload": created }));

    let patched = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "Refund requests", "active": false, "description": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&patched.body), ["payload"]);
    let rule = &patched.body["payload"];
    assert_eq!(keys(rule), RULE_KEYS);
    assert_eq!(rule["name"], "Refund requests");
    assert_eq!(rule["active"], false);
    assert_eq!(rule["description"], Value::Null);
    assert_eq!(
        rule["conditions"], created["conditions"],
        "kept when not sent"
    );
    assert_eq!(rule["created_on"], created["created_on"]);

    let new_conditions = json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": null}]);
    let put = api
        .put(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"event_name": "conversation_updated", "conditions": new_conditions, "active": "true"}))
        .send()
        .await
        .expect(200);
    assert_eq!(put.body["payload"]["event_name"], "conversation_updated");
    assert_eq!(put.body["payload"]["conditions"], new_conditions);
    assert_eq!(put.body["payload"]["active"], true);
    assert_eq!(put.body["payload"]["name"], "Refund requests");

    pause().await;
    let cloned = api
        .post(&format!("{base}/{id}/clone"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&cloned.body), ["payload"]);
    let copy = &cloned.body["payload"];
    assert_ne!(copy["id"], json!(id));
    for field in [
        "name",
        "description",
        "event_name",
        "conditions",
        "actions",
        "active",
    ] {
        assert_eq!(copy[field], put.body["payload"][field], "{field}");
    }
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    let ids: Vec<&Value> = listed.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, [&json!(id), &second["id"], &copy["id"]]);

    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty(), "{:?}", deleted.raw);
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        api.request(method, &format!("{base}/{id}"))
            .token(&fx.admin.1)
            .send()
            .await
            .expect(404);
    }
    api.post(&format!("{base}/{id}/clone"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn another_accounts_rule_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .post(&format!(
            "/api/v1/accounts/{}/automation_rules",
            fx.other_account
        ))
        .token(&fx.outsider.1)
        .json(rule_body("Theirs"))
        .send()
        .await
        .expect(200)
        .id();
    let path = format!("{}/{theirs}", base(&fx));
    for (method, path) in [
        (Method::GET, path.clone()),
        (Method::PATCH, path.clone()),
        (Method::PUT, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::POST, format!("{path}/clone")),
    ] {
        let response = api
            .request(method.clone(), &path)
            .token(&fx.admin.1)
            .json(json!({"name": "mine"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
    }
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!({"payload": []}));
}

#[tokio::test]
async fn invalid_rules_get_chatwoots_error_hash() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let account = format!("/api/v1/accounts/{}", fx.account);
    for (model, key) in [
        ("conversation_attribute", "plan"),
        ("contact_attribute", "tier"),
    ] {
        api.post(&format!("{account}/custom_attribute_definitions"))
            .token(&fx.admin.1)
            .json(json!({"attribute_display_name": key, "attribute_key": key,
                "attribute_display_type": "text", "attribute_model": model}))
            .send()
            .await
            .expect(200);
    }
    let condition = |key: &str, operator: Value| json!({"attribute_key": key, "filter_operator": "equal_to", "values": ["x"], "query_operator": operator});
    let with = |changes: Value| {
        let mut body = rule_body("Rule");
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (body, expected) in [
        (
            with(json!({"name": ""})),
            json!({"name": ["can't be blank"]}),
        ),
        (
            with(json!({"name": null, "event_name": " "})),
            json!({"name": ["can't be blank"], "event_name": ["can't be blank"]}),
        ),
        (
            with(
                json!({"conditions": [condition("plan", json!("and")), condition("shoe_size", json!("or")), condition("country", json!(null))]}),
            ),
            json!({"conditions": ["Automation conditions shoe_size,country not supported."]}),
        ),
        (
            with(
                json!({"actions": [{"action_name": "add_label"}, {"action_name": "dance"}, {"action_name": "sing"}]}),
            ),
            json!({"actions": ["Automation actions dance,sing not supported."]}),
        ),
        (
            with(
                json!({"conditions": [condition("status", json!(null)), condition("tier", json!(null))]}),
            ),
            json!({"conditions": ["Automation conditions should have query operator."]}),
        ),
        (
            with(
                json!({"conditions": [condition("status", json!("xor")), condition("tier", json!(null))]}),
            ),
            json!({"conditions": ["Query operator must be either \"AND\" or \"OR\""]}),
        ),
        (
            with(json!({
                "event_name": "",
                "conditions": [condition("nope", json!(null)), condition("status", json!(null))],
                "actions": [{"action_name": "dance"}]
            })),
            json!({
                "event_name": ["can't be blank"],
                "conditions": [
                    "Automation conditions nope not supported.",
                    "Automation conditions should have query operator."
                ],
                "actions": ["Automation actions dance not supported."]
            }),
        ),
        (
            with(json!({"conditions": "content"})),
            json!({"conditions": ["is invalid"]}),
        ),
        (
            with(json!({"actions": ["add_label"]})),
            json!({"actions": ["is invalid"]}),
        ),
    ] {
        let response = api
            .post(&base(&fx))
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(response.body, json!({ "error": expected }), "{body}");
    }
    // Lower-case connectors and custom attribute keys of either model are fine.
    api.post(&base(&fx))
        .token(&fx.admin.1)
        .json(with(
            json!({"conditions": [condition("plan", json!("or")), condition("tier", json!(""))]}),
        ))
        .send()
        .await
        .expect(200);

    // An update is validated the same way and changes nothing when refused.
    let rule = create(&api, &fx, "Kept").await;
    let path = format!("{}/{}", base(&fx), rule["id"]);
    let refused = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({"name": "Changed", "actions": [{"action_name": "dance"}]}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        refused.body,
        json!({"error": {"actions": ["Automation actions dance not supported."]}})
    );
    let shown = api.get(&path).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(shown.body["payload"], rule);
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["payload"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn send_attachment_names_an_uploaded_blob_of_the_account() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let account = format!("/api/v1/accounts/{}", fx.account);
    let inbox = api
        .create_id(
            &format!("{account}/inboxes"),
            &fx.admin.1,
            json!({"name": "Support", "channel": {"type": "api"}}),
        )
        .await;
    let contact = api
        .post(&format!("{account}/contacts"))
        .token(&fx.admin.1)
        .json(json!({"name": "Carla", "email": "carla@example.com"}))
        .send()
        .await
        .expect(200)
        .body["payload"]["contact"]["id"]
        .clone();
    let conversation = api
        .create_id(
            &format!("{account}/conversations"),
            &fx.admin.1,
            json!({"inbox_id": inbox, "contact_id": contact}),
        )
        .await;
    let upload = api
        .post(&format!(
            "{account}/conversations/{conversation}/direct_uploads"
        ))
        .token(&fx.admin.1)
        .json(json!({"blob": {"filename": "Welcome.PNG", "byte_size": 10, "content_type": "image/png"}}))
        .send()
        .await
        .expect(200);
    let signed_id = upload.text("signed_id");
    let attach = |blob: Value| {
        let mut body = rule_body("Attach");
        body["actions"] = json!([{"action_name": "send_attachment", "action_params": [blob]}]);
        body
    };
    for blob in [json!("not-an-upload"), json!(12), json!(null)] {
        let refused = api
            .post(&base(&fx))
            .token(&fx.admin.1)
            .json(attach(blob.clone()))
            .send()
            .await;
        assert_eq!(refused.status, 422, "{blob}");
        assert_eq!(refused.body, json!({"error": "Invalid attachment"}));
    }
    // An upload of another account is not this account's blob.
    let outsiders = api
        .post(&format!(
            "/api/v1/accounts/{}/automation_rules",
            fx.other_account
        ))
        .token(&fx.outsider.1)
        .json(attach(json!(signed_id)))
        .send()
        .await
        .expect(422);
    assert_eq!(outsiders.body, json!({"error": "Invalid attachment"}));

    let created = api
        .post(&base(&fx))
        .token(&fx.admin.1)
        .json(attach(json!(signed_id)))
        .send()
        .await
        .expect(200)
        .body;
    let mut expected_keys = RULE_KEYS.to_vec();
    expected_keys.push("files");
    assert_eq!(keys(&created), expected_keys);
    let files = created["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(
        keys(file),
        [
            "id",
            "automation_rule_id",
            "file_type",
            "account_id",
            "file_url",
            "blob_id",
            "filename"
        ]
    );
    assert_eq!(file["automation_rule_id"], created["id"]);
    assert_eq!(file["file_type"], "image/png");
    assert_eq!(file["account_id"], fx.account);
    assert_eq!(file["blob_id"], json!(signed_id));
    assert_eq!(file["filename"], "Welcome.PNG");
    assert!(file["file_url"].as_str().unwrap().starts_with("http"));

    // The file stays while the action names it, and goes with it.
    let path = format!("{}/{}", base(&fx), created["id"]);
    let renamed = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({"name": "Still attaching"}))
        .send()
        .await
        .expect(200);
    assert_eq!(renamed.body["payload"]["files"][0]["id"], file["id"]);
    let cloned = api
        .post(&format!("{path}/clone"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        cloned.body["payload"]["files"][0]["blob_id"],
        json!(signed_id)
    );
    let without = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({"actions": [{"action_name": "resolve_conversation", "action_params": []}]}))
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&without.body["payload"]), RULE_KEYS);
}
