//! `/api/v1/accounts/{account_id}/custom_filters`: saved views, private to their user.

use api_tests::{check_account_guards, json, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn base(account: i64) -> String {
    format!("/api/v1/accounts/{account}/custom_filters")
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

fn conditions() -> Value {
    json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": null}]})
}

#[tokio::test]
async fn custom_filter_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = api
        .create_id(&base(fx.account), &fx.admin.1, json!({"name": "Open"}))
        .await;
    let one = format!("/api/v1/accounts/{{account}}/custom_filters/{id}");
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/custom_filters",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/custom_filters",
                json!({"name": "x"}),
                false,
            ),
            GuardedRoute::new(Method::GET, one.clone(), json!(null), false),
            GuardedRoute::new(Method::PATCH, one.clone(), json!({"name": "y"}), false),
            GuardedRoute::new(Method::PUT, one.clone(), json!({"name": "y"}), false),
            GuardedRoute::new(Method::DELETE, one, json!(null), false),
        ],
    )
    .await;
}

#[tokio::test]
async fn filters_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"custom_filter": {"name": "Open ones", "query": conditions()}}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    let body = &created.body;
    for time in ["created_at", "updated_at"] {
        let text = body[time].as_str().unwrap();
        assert!(text.len() == 24 && text.ends_with('Z'), "{text}");
    }
    assert_eq!(
        body,
        &json!({
            "id": id,
            "name": "Open ones",
            "filter_type": "conversation",
            "query": conditions(),
            "created_at": body["created_at"],
            "updated_at": body["updated_at"],
        })
    );
    // Top-level keys are wrapped; other keys are ignored.
    let contact = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "VIPs", "filter_type": "contact", "query": {"payload": []}, "user_id": 1}))
        .send()
        .await
        .expect(200);
    assert_eq!(contact.body["filter_type"], "contact");
    let report = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "Weekly", "filter_type": 2}))
        .send()
        .await
        .expect(200);
    assert_eq!(report.body["filter_type"], "report");
    assert_eq!(report.body["query"], json!({}));

    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(
        listed.body,
        json!([created.body]),
        "conversation by default"
    );
    for (filter, expected) in [
        ("conversation", vec![id]),
        ("contact", vec![contact.id()]),
        ("1", vec![contact.id()]),
        ("report", vec![report.id()]),
        ("", vec![id]),
        ("bogus", vec![]),
    ] {
        let listed = api
            .get(&format!("{base}?filter_type={filter}"))
            .token(&fx.agent.1)
            .send()
            .await
            .expect(200);
        assert_eq!(ids(&listed.body), expected, "{filter}");
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
        .json(json!({"name": "Still open", "query": {"payload": [], "extra": true}}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "Still open");
    assert_eq!(updated.body["query"], json!({"payload": [], "extra": true}));
    assert_eq!(updated.body["filter_type"], "conversation");
    assert_eq!(updated.body["created_at"], created.body["created_at"]);
    let moved = api
        .put(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({"custom_filter": {"filter_type": "contact"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(moved.body["name"], "Still open");
    let contacts = api
        .get(&format!("{base}?filter_type=contact"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&contacts.body), [id, contact.id()]);

    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    assert!(deleted.raw.is_empty());
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        api.request(method, &format!("{base}/{id}"))
            .token(&fx.agent.1)
            .json(json!({"name": "x"}))
            .send()
            .await
            .expect(404);
    }
}

#[tokio::test]
async fn filters_are_private_to_their_user() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let mine = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "Mine", "query": conditions()}))
        .send()
        .await
        .expect(200);
    let theirs = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Admin's"}))
        .send()
        .await
        .expect(200);
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [mine.id()]);
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [theirs.id()]);
    // Even an administrator cannot reach another user's filter.
    for method in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
        let response = api
            .request(method.clone(), &format!("{base}/{}", mine.id()))
            .token(&fx.admin.1)
            .json(json!({"name": "Hijacked"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method}");
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    let still = api
        .get(&format!("{base}/{}", mine.id()))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body, mine.body);
}

#[tokio::test]
async fn another_accounts_or_unknown_filters_are_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    // The same user's filter in another account.
    let platform = &fx.platform;
    api.add_member(platform, fx.other_account, fx.admin.0, "agent")
        .await;
    let elsewhere = api
        .post(&base(fx.other_account))
        .token(&fx.admin.1)
        .json(json!({"name": "Elsewhere"}))
        .send()
        .await
        .expect(200);
    let outsiders = api
        .create_id(
            &base(fx.other_account),
            &fx.outsider.1,
            json!({"name": "Outsider's"}),
        )
        .await;
    for id in [
        elsewhere.id().to_string(),
        outsiders.to_string(),
        "999999".into(),
        "abc".into(),
    ] {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let response = api
                .request(method.clone(), &format!("{}/{id}", base(fx.account)))
                .token(&fx.admin.1)
                .json(json!({"name": "Mine"}))
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
        .get(&format!("{}/{}", base(fx.other_account), elsewhere.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body, elsewhere.body);
}

#[tokio::test]
async fn filters_are_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let long = "n".repeat(256);
    for (body, message, attribute) in [
        (json!({"name": ""}), "Name can't be blank", "name"),
        (
            json!({"name": null, "query": {}}),
            "Name can't be blank",
            "name",
        ),
        (
            json!({"query": {"payload": []}}),
            "Name can't be blank",
            "name",
        ),
        (
            json!({"name": long}),
            "Name is too long (maximum is 255 characters)",
            "name",
        ),
        (
            json!({"name": "x", "filter_type": "inbox"}),
            "Filter type is not included in the list",
            "filter_type",
        ),
        (
            json!({"name": "x", "query": "status=open"}),
            "Query must be an object",
            "query",
        ),
        (
            json!({"name": "x", "query": [1]}),
            "Query must be an object",
            "query",
        ),
    ] {
        let response = api
            .post(&base)
            .token(&fx.agent.1)
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
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"other": 1}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({"error": "param is missing or the value is empty: custom_filter"})
    );
    let malformed = api
        .post(&base)
        .token(&fx.agent.1)
        .body("application/json", "{\"name\"")
        .send()
        .await;
    assert_eq!(malformed.status, 400);
    for filter_type in ["conversation", "contact", "report"] {
        let listed = api
            .get(&format!("{base}?filter_type={filter_type}"))
            .token(&fx.agent.1)
            .send()
            .await
            .expect(200);
        assert_eq!(listed.body, json!([]), "nothing was written");
    }
    let id = api
        .create_id(&base, &fx.agent.1, json!({"name": "Valid"}))
        .await;
    let blank = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({"name": " "}))
        .send()
        .await;
    assert_eq!(blank.status, 422);
    assert_eq!(
        blank.body,
        json!({"message": "Name can't be blank", "attributes": ["name"]})
    );
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "Valid");
}

#[tokio::test]
async fn a_user_may_keep_a_thousand_filters_per_account() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let mut last = 0;
    for i in 0..1000 {
        let filter_type = ["conversation", "contact", "report"][i % 3];
        last = api
            .create_id(
                &base,
                &fx.agent.1,
                json!({"name": format!("Filter {i}"), "filter_type": filter_type}),
            )
            .await;
    }
    let refused = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "One too many"}))
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body,
        json!({"message": "Account Limit reached. The maximum number of allowed custom filters for a user per account is 1000.", "attributes": ["account_id"]})
    );
    // Changing a filter at the limit is fine (Chatwoot refuses it; that is a bug).
    api.patch(&format!("{base}/{last}"))
        .token(&fx.agent.1)
        .json(json!({"name": "Renamed"}))
        .send()
        .await
        .expect(200);
    // The limit is per user: another member is unaffected.
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Admin's first"}))
        .send()
        .await
        .expect(200);
    // Deleting one frees a place, once.
    api.delete(&format!("{base}/{last}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(204);
    api.delete(&format!("{base}/{last}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(404);
    api.post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "Back in"}))
        .send()
        .await
        .expect(200);
    api.post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "Over again"}))
        .send()
        .await
        .expect(422);
    let counted: usize =
        futures::future::join_all(["conversation", "contact", "report"].map(|filter_type| {
            let api = &api;
            let base = &base;
            let token = &fx.agent.1;
            async move {
                api.get(&format!("{base}?filter_type={filter_type}"))
                    .token(token)
                    .send()
                    .await
                    .expect(200)
                    .body
                    .as_array()
                    .unwrap()
                    .len()
            }
        }))
        .await
        .into_iter()
        .sum();
    assert_eq!(counted, 1000);
}

#[tokio::test]
async fn concurrent_creates_and_deletes_keep_the_count_exact() {
    let api = std::sync::Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let mut existing = Vec::new();
    for i in 0..5 {
        existing.push(
            api.create_id(&base, &fx.agent.1, json!({"name": format!("Old {i}")}))
                .await,
        );
    }
    let mut tasks = Vec::new();
    for i in 0..5 {
        let api = api.clone();
        let base = base.clone();
        let token = fx.agent.1.clone();
        tasks.push(tokio::spawn(async move {
            api.post(&base)
                .token(&token)
                .json(json!({"name": format!("New {i}")}))
                .send()
                .await
                .status
        }));
    }
    for id in existing {
        let api = api.clone();
        let base = base.clone();
        let token = fx.agent.1.clone();
        tasks.push(tokio::spawn(async move {
            api.delete(&format!("{base}/{id}"))
                .token(&token)
                .send()
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 204, 204, 204, 204, 204],
        "every create and delete went through"
    );
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 5);
    // The counter agrees with the rows.
    let counter = api
        .state()
        .store
        .get(&shared::keys::custom_filters::custom_filter_count(
            fx.account, fx.agent.0,
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counter["count"], 5);
}
