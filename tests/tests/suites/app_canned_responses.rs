//! `/api/v1/accounts/{account_id}/canned_responses`.

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use std::sync::Arc;

fn base(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/canned_responses", fx.account)
}

/// Ids order records by creation to the millisecond (the rest is random), so creations
/// whose order a test checks are kept a few milliseconds apart.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

async fn create(api: &TestApi, fx: &AccountFixture, short_code: &str, content: &str) -> i64 {
    pause().await;
    api.create_id(
        &base(fx),
        &fx.agent.1,
        json!({ "short_code": short_code, "content": content }),
    )
    .await
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn canned_response_routes_are_guarded_but_open_to_agents() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create(&api, &fx, "hello", "Hello there").await;
    let one = format!("/api/v1/accounts/{{account}}/canned_responses/{id}");
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/canned_responses",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/canned_responses",
                json!({"short_code": "x", "content": "y"}),
                false,
            ),
            GuardedRoute::new(Method::PATCH, one.clone(), json!({"content": "z"}), false),
            GuardedRoute::new(Method::PUT, one.clone(), json!({"content": "z"}), false),
            GuardedRoute::new(Method::DELETE, one, json!(null), false),
        ],
    )
    .await;
    let listed = api
        .get(&base(&fx))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body), [id], "the guards changed nothing");
}

#[tokio::test]
async fn canned_responses_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(&fx);
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"short_code": "Welcome", "content": "Hello {{contact.name}}!"}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    let body = created.body.as_object().unwrap();
    assert_eq!(
        body.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "id",
            "account_id",
            "short_code",
            "content",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(body["account_id"], fx.account);
    assert_eq!(body["short_code"], "Welcome", "kept as typed");
    assert_eq!(body["content"], "Hello {{contact.name}}!");
    let created_at = body["created_at"].as_str().unwrap();
    assert_eq!(created_at.len(), "2026-01-19T10:00:00.000Z".len());
    assert!(created_at.ends_with('Z'));
    assert_eq!(body["updated_at"], body["created_at"]);

    // The wrapper works too.
    pause().await;
    let second = api
        .create_id(
            &base,
            &fx.admin.1,
            json!({"canned_response": {"short_code": "bye", "content": "Goodbye"}}),
        )
        .await;
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [id, second], "oldest first");
    assert_eq!(listed.body[0], created.body);

    // An agent edits an administrator's response.
    let updated = api
        .patch(&format!("{base}/{second}"))
        .token(&fx.agent.1)
        .json(json!({"content": "See you"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["content"], "See you");
    assert_eq!(updated.body["short_code"], "bye");
    let renamed = api
        .put(&format!("{base}/{second}"))
        .token(&fx.agent.1)
        .json(json!({"canned_response": {"short_code": "later"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(renamed.body["short_code"], "later");
    assert_eq!(renamed.body["content"], "See you");
    // The old short code is free again.
    create(&api, &fx, "bye", "Bye!").await;

    // There is no show route.
    api.get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);

    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty());
    let again = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body, json!({"error": "Resource could not be found"}));
    create(&api, &fx, "Welcome", "Reused").await;
}

#[tokio::test]
async fn short_codes_are_unique_per_account_and_fields_required() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(&fx);
    let first = create(&api, &fx, "hello", "Hello").await;
    let taken = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"short_code": "hello", "content": "Again"}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.body,
        json!({"message": "Short code has already been taken", "attributes": ["short_code"]})
    );
    // Case-sensitive, as Chatwoot's uniqueness check.
    let upper = create(&api, &fx, "Hello", "Upper").await;
    let rename_taken = api
        .patch(&format!("{base}/{upper}"))
        .token(&fx.agent.1)
        .json(json!({"short_code": "hello"}))
        .send()
        .await;
    assert_eq!(rename_taken.status, 422);
    assert_eq!(
        rename_taken.body,
        json!({"message": "Short code has already been taken", "attributes": ["short_code"]})
    );
    // Another account may use the same short code.
    api.post(&format!(
        "/api/v1/accounts/{}/canned_responses",
        fx.other_account
    ))
    .token(&fx.outsider.1)
    .json(json!({"short_code": "hello", "content": "Theirs"}))
    .send()
    .await
    .expect(200);

    for (body, message, attributes) in [
        (
            json!({"short_code": "x"}),
            "Content can't be blank",
            json!(["content"]),
        ),
        (
            json!({"content": "x"}),
            "Short code can't be blank",
            json!(["short_code"]),
        ),
        (
            json!({"short_code": "  ", "content": null}),
            "Content can't be blank, Short code can't be blank",
            json!(["content", "short_code"]),
        ),
        (
            json!({"short_code": "x".repeat(256), "content": "x"}),
            "Short code is too long (maximum is 255 characters)",
            json!(["short_code"]),
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
            json!({"message": message, "attributes": attributes}),
            "{body}"
        );
    }
    let cleared = api
        .patch(&format!("{base}/{first}"))
        .token(&fx.agent.1)
        .json(json!({"content": ""}))
        .send()
        .await;
    assert_eq!(cleared.status, 422);
    assert_eq!(
        cleared.body,
        json!({"message": "Content can't be blank", "attributes": ["content"]})
    );
    let missing = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"unrelated": true}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({"error": "param is missing or the value is empty: canned_response"})
    );
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(ids(&listed.body), [first, upper]);
}

#[tokio::test]
async fn search_filters_and_ranks() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(&fx);
    let in_content = create(&api, &fx, "greet", "WELCOME aboard").await;
    let inside = create(&api, &fx, "say_welcome", "Hi").await;
    let unrelated = create(&api, &fx, "bye", "ciao").await;
    let starts = create(&api, &fx, "Welcome", "Hello").await;
    let also_starts = create(&api, &fx, "wel2", "x").await;

    let all = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(
        ids(&all.body),
        [in_content, inside, unrelated, starts, also_starts]
    );
    let found = api
        .get(&format!("{base}?search=WEL"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        ids(&found.body),
        [starts, also_starts, inside, in_content],
        "short code starts with > contains > content contains; ties oldest first"
    );
    assert_eq!(found.body[0]["short_code"], "Welcome");
    let none = api
        .get(&format!("{base}?search=zzz"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(none.body, json!([]));
    let encoded = api
        .get(&format!("{base}?search=e%20ab"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&encoded.body), [in_content]);
    let empty = api
        .get(&format!("{base}?search="))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(empty.body.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn another_accounts_canned_response_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .create_id(
            &format!("/api/v1/accounts/{}/canned_responses", fx.other_account),
            &fx.outsider.1,
            json!({"short_code": "secret", "content": "s"}),
        )
        .await;
    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        for id in [theirs.to_string(), "abc".into()] {
            let response = api
                .request(method.clone(), &format!("{}/{id}", base(&fx)))
                .token(&fx.agent.1)
                .json(json!({"content": "mine"}))
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
        .get(&base(&fx))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_short_code_make_one_response() {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = base(&fx);
    let responses = api_tests::concurrent_posts(
        &api,
        &base,
        &fx.agent.1,
        20,
        |n| json!({"short_code": "race", "content": format!("attempt {n}")}),
    )
    .await;
    api_tests::assert_one_winner(
        &responses,
        &json!({"message": "Short code has already been taken", "attributes": ["short_code"]}),
    );
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
}
