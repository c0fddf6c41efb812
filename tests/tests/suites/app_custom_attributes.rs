//! `/api/v1/accounts/{account_id}/custom_attribute_definitions`.

use api_tests::{check_account_guards, json, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn base(account: i64) -> String {
    format!("/api/v1/accounts/{account}/custom_attribute_definitions")
}

/// Rails' JSON time: ISO-8601 UTC with milliseconds.
fn assert_iso_time(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    let bytes = text.as_bytes();
    assert_eq!(text.len(), 24, "{text}");
    assert!(
        bytes[4] == b'-' && bytes[10] == b'T' && bytes[19] == b'.' && text.ends_with('Z'),
        "{text}"
    );
}

#[tokio::test]
async fn custom_attribute_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = api.create_id(&base(fx.account), &fx.admin.1, json!({"attribute_display_name": "Order", "attribute_key": "order_id", "attribute_display_type": "text", "attribute_model": "conversation_attribute"})).await;
    let one = format!("/api/v1/accounts/{{account}}/custom_attribute_definitions/{id}");
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/custom_attribute_definitions",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/custom_attribute_definitions",
                json!({"attribute_display_name": "X", "attribute_key": "x1", "attribute_display_type": "text", "attribute_model": "contact_attribute"}),
                false,
            ),
            GuardedRoute::new(Method::GET, one.clone(), json!(null), false),
            GuardedRoute::new(
                Method::PATCH,
                one.clone(),
                json!({"attribute_display_name": "Y"}),
                false,
            ),
            GuardedRoute::new(
                Method::PUT,
                one.clone(),
                json!({"attribute_display_name": "Y"}),
                false,
            ),
            GuardedRoute::new(Method::DELETE, one, json!(null), false),
        ],
    )
    .await;
    // Nothing above changed the definition.
    let shown = api
        .get(&format!("{}/{id}", base(fx.account)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["attribute_display_name"], "Order");
}

#[tokio::test]
async fn agents_manage_definitions_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"custom_attribute_definition": {
            "attribute_display_name": "  Plan ",
            "attribute_key": " plan ",
            "attribute_display_type": "list",
            "attribute_model": "contact_attribute",
            "attribute_description": "Subscription plan",
            "attribute_values": ["free", "pro"],
            "regex_pattern": "^[a-z]+$",
            "regex_cue": "Lower-case letters only"
        }}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    let body = &created.body;
    assert_iso_time(&body["created_at"]);
    assert_iso_time(&body["updated_at"]);
    assert_eq!(
        body,
        &json!({
            "id": id,
            "attribute_display_name": "Plan",
            "attribute_display_type": "list",
            "attribute_description": "Subscription plan",
            "attribute_key": "plan",
            "regex_pattern": "^[a-z]+$",
            "regex_cue": "Lower-case letters only",
            "attribute_values": ["free", "pro"],
            "attribute_model": "contact_attribute",
            "default_value": null,
            "created_at": body["created_at"],
            "updated_at": body["updated_at"],
        })
    );
    // Top-level keys are wrapped; Chatwoot's integer enums are accepted.
    let conversation = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"attribute_display_name": "Order", "attribute_key": "order_id", "attribute_display_type": 1, "attribute_model": 0, "ignored": "x"}))
        .send()
        .await
        .expect(200);
    assert_eq!(conversation.body["attribute_display_type"], "number");
    assert_eq!(
        conversation.body["attribute_model"],
        "conversation_attribute"
    );
    assert_eq!(conversation.body["attribute_values"], json!([]));
    assert_eq!(conversation.body["attribute_description"], Value::Null);
    let conversation_id = conversation.id();

    let ids = |response: &api_tests::TestResponse| -> Vec<i64> {
        response
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    let all = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(ids(&all), [id, conversation_id], "creation order");
    assert_eq!(all.body[0], created.body);
    for (filter, expected) in [
        ("contact_attribute", vec![id]),
        ("1", vec![id]),
        ("conversation_attribute", vec![conversation_id]),
        ("0", vec![conversation_id]),
        ("", vec![id, conversation_id]),
        ("bogus", vec![]),
    ] {
        let listed = api
            .get(&format!("{base}?attribute_model={filter}"))
            .token(&fx.admin.1)
            .send()
            .await
            .expect(200);
        assert_eq!(ids(&listed), expected, "{filter}");
    }

    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, created.body);

    let updated = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({"attribute_display_name": "Plan name", "attribute_values": ["free", "pro", "team"], "regex_pattern": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["attribute_display_name"], "Plan name");
    assert_eq!(
        updated.body["attribute_values"],
        json!(["free", "pro", "team"])
    );
    assert_eq!(updated.body["regex_pattern"], Value::Null);
    assert_eq!(updated.body["attribute_key"], "plan");
    assert_eq!(updated.body["created_at"], created.body["created_at"]);
    let put = api
        .put(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({"custom_attribute_definition": {"attribute_key": "tier"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(put.body["attribute_key"], "tier");
    // The old key is free again; the new one is taken.
    api.post(&base)
        .token(&fx.agent.1)
        .json(json!({"attribute_display_name": "Plan", "attribute_key": "plan", "attribute_display_type": "text", "attribute_model": "contact_attribute"}))
        .send()
        .await
        .expect(200);

    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    assert!(deleted.raw.is_empty());
    api.get(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(404);
    // Its key can be defined again.
    api.post(&base)
        .token(&fx.agent.1)
        .json(json!({"attribute_display_name": "Tier", "attribute_key": "tier", "attribute_display_type": "text", "attribute_model": "contact_attribute"}))
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn keys_are_unique_per_model_and_not_standard() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let define = |key: &str, model: &str| {
        api.post(&base).token(&fx.admin.1).json(json!({
            "attribute_display_name": "Some name",
            "attribute_key": key,
            "attribute_display_type": "text",
            "attribute_model": model,
        }))
    };
    let first = define("region", "contact_attribute")
        .send()
        .await
        .expect(200);
    let taken = define("region", "contact_attribute").send().await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.body,
        json!({"message": "Attribute key has already been taken", "attributes": ["attribute_key"]})
    );
    let other_model = define("region", "conversation_attribute")
        .send()
        .await
        .expect(200);
    // Another account may use the same key.
    api.post(&format!(
        "/api/v1/accounts/{}/custom_attribute_definitions",
        fx.other_account
    ))
    .token(&fx.outsider.1)
    .json(json!({"attribute_display_name": "Region", "attribute_key": "region", "attribute_display_type": "text", "attribute_model": "contact_attribute"}))
    .send()
    .await
    .expect(200);
    // Moving a definition onto a taken (model, key) is refused, and changes nothing.
    let moved = api
        .patch(&format!("{base}/{}", other_model.id()))
        .token(&fx.admin.1)
        .json(json!({"attribute_model": "contact_attribute", "attribute_display_name": "Moved"}))
        .send()
        .await;
    assert_eq!(moved.status, 422);
    assert_eq!(
        moved.body,
        json!({"message": "Attribute key has already been taken", "attributes": ["attribute_key"]})
    );
    let unchanged = api
        .get(&format!("{base}/{}", other_model.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(unchanged.body, other_model.body);
    let _ = first;

    for (key, model) in [
        ("status", "conversation_attribute"),
        ("labels", "conversation_attribute"),
        ("email", "contact_attribute"),
        ("blocked", "contact_attribute"),
    ] {
        let refused = define(key, model).send().await;
        assert_eq!(refused.status, 422, "{key}");
        assert_eq!(refused.body["attributes"], json!(["attribute_key"]));
        let message = refused.body["message"].as_str().unwrap();
        assert!(
            message.contains(
                "The provided key is not allowed as it might conflict with default attributes."
            ),
            "{message}"
        );
    }
    // A standard key of the other model is fine.
    define("email", "conversation_attribute")
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn definitions_are_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let valid = json!({
        "attribute_display_name": "Name",
        "attribute_key": "key",
        "attribute_display_type": "text",
        "attribute_model": "conversation_attribute",
    });
    let with = |changes: Value| {
        let mut body = valid.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let long = "x".repeat(256);
    for (body, message, attributes) in [
        (
            with(json!({"attribute_display_name": "  "})),
            "Attribute display name can't be blank",
            json!(["attribute_display_name"]),
        ),
        (
            with(json!({"attribute_key": null})),
            "Attribute key can't be blank",
            json!(["attribute_key"]),
        ),
        (
            json!({"attribute_display_name": "Name"}),
            "Attribute key can't be blank, Attribute display type can't be blank, Attribute model can't be blank",
            json!(["attribute_key", "attribute_display_type", "attribute_model"]),
        ),
        (
            with(json!({"attribute_display_type": "colour"})),
            "Attribute display type is not included in the list",
            json!(["attribute_display_type"]),
        ),
        (
            with(json!({"attribute_display_type": 8})),
            "Attribute display type is not included in the list",
            json!(["attribute_display_type"]),
        ),
        (
            with(json!({"attribute_model": "company_attribute"})),
            "Attribute model is not included in the list",
            json!(["attribute_model"]),
        ),
        (
            with(json!({"attribute_values": "one"})),
            "Attribute values is invalid",
            json!(["attribute_values"]),
        ),
        (
            with(json!({"attribute_values": [{"a": 1}]})),
            "Attribute values is invalid",
            json!(["attribute_values"]),
        ),
        (
            with(json!({"attribute_key": long})),
            "Attribute key is too long (maximum is 255 characters)",
            json!(["attribute_key"]),
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
            json!({"message": message, "attributes": attributes}),
            "{body}"
        );
    }
    for body in [json!({}), json!({"unrelated": 1})] {
        let missing = api.post(&base).token(&fx.admin.1).json(body).send().await;
        assert_eq!(missing.status, 422);
        assert_eq!(
            missing.body,
            json!({"error": "param is missing or the value is empty: custom_attribute_definition"})
        );
    }
    let malformed = api
        .post(&base)
        .token(&fx.admin.1)
        .body("application/json", "{\"attribute_key\":")
        .send()
        .await;
    assert_eq!(malformed.status, 400);
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body, json!([]), "nothing was written");

    let id = api
        .post(&base)
        .token(&fx.admin.1)
        .json(valid.clone())
        .send()
        .await
        .expect(200)
        .id();
    for (body, message, attribute) in [
        (
            json!({"attribute_display_name": ""}),
            "Attribute display name can't be blank",
            "attribute_display_name",
        ),
        (
            json!({"attribute_display_type": "bogus"}),
            "Attribute display type is not included in the list",
            "attribute_display_type",
        ),
        (
            json!({"attribute_model": null}),
            "Attribute model can't be blank",
            "attribute_model",
        ),
    ] {
        let response = api
            .patch(&format!("{base}/{id}"))
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
    let missing = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    // Standard keys are checked on create only (Chatwoot's `on: :create`).
    let renamed = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"attribute_key": "status"}))
        .send()
        .await
        .expect(200);
    assert_eq!(renamed.body["attribute_key"], "status");
}

#[tokio::test]
async fn deleting_a_definition_drops_it_from_required_attributes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let account_path = format!("/api/v1/accounts/{}", fx.account);
    let define = |key: &str, model: &str| {
        api.post(&base).token(&fx.agent.1).json(json!({
            "attribute_display_name": key,
            "attribute_key": key,
            "attribute_display_type": "text",
            "attribute_model": model,
        }))
    };
    let order = define("order_id", "conversation_attribute")
        .send()
        .await
        .expect(200)
        .id();
    let reason = define("reason", "conversation_attribute")
        .send()
        .await
        .expect(200)
        .id();
    let contact_order = define("order_id", "contact_attribute")
        .send()
        .await
        .expect(200)
        .id();
    api.patch(&account_path)
        .token(&fx.admin.1)
        .json(json!({"conversation_required_attributes": ["order_id", "reason", "other"], "auto_resolve_after": 60}))
        .send()
        .await
        .expect(200);
    let settings = || async {
        api.get(&account_path)
            .token(&fx.admin.1)
            .send()
            .await
            .expect(200)
            .body["settings"]
            .clone()
    };
    // Deleting a contact attribute of the same key leaves the conversation list alone.
    api.delete(&format!("{base}/{contact_order}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    assert_eq!(
        settings().await["conversation_required_attributes"],
        json!(["order_id", "reason", "other"])
    );
    api.delete(&format!("{base}/{order}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    assert_eq!(
        settings().await,
        json!({"conversation_required_attributes": ["reason", "other"], "auto_resolve_after": 60})
    );
    api.delete(&format!("{base}/{reason}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    assert_eq!(
        settings().await["conversation_required_attributes"],
        json!(["other"])
    );
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn another_accounts_or_unknown_definitions_are_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .post(&base(fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"attribute_display_name": "Secret", "attribute_key": "secret", "attribute_display_type": "text", "attribute_model": "contact_attribute"}))
        .send()
        .await
        .expect(200);
    let theirs_id = theirs.id();
    for id in [theirs_id.to_string(), "999999".into(), "abc".into()] {
        for method in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
            let response = api
                .request(method.clone(), &format!("{}/{id}", base(fx.account)))
                .token(&fx.admin.1)
                .json(json!({"attribute_display_name": "Mine"}))
                .send()
                .await;
            assert_eq!(response.status, 404, "{method} {id}");
            assert_eq!(
                response.body,
                json!({"error": "Resource could not be found"})
            );
        }
    }
    let listed = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
    let still = api
        .get(&format!("{}/{theirs_id}", base(fx.other_account)))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body, theirs.body);
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_key_make_one_definition() {
    let api = std::sync::Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let responses = api_tests::concurrent_posts(&api, &base, &fx.admin.1, 20, |i| {
        json!({"attribute_display_name": format!("Race {i}"), "attribute_key": "race", "attribute_display_type": "text", "attribute_model": "conversation_attribute"})
    })
    .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        19,
        "{statuses:?}"
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
}
