//! `/api/v1/accounts/{account_id}/webhooks`, and the dispatcher's view of them
//! (`shared::domain::webhooks::subscribed`).

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use shared::domain::webhooks::{self, ALLOWED_EVENTS, DEFAULT_SUBSCRIPTIONS};
use shared::store::CountingStore;
use shared::AppState;
use std::sync::Arc;

fn base(account: i64) -> String {
    format!("/api/v1/accounts/{account}/webhooks")
}

/// Ids order records by creation to the millisecond (the rest is random), so creations
/// whose order a test checks are kept a few milliseconds apart.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

/// Creates a webhook in `account` as `token`; answers the webhook JSON.
async fn create(api: &TestApi, account: i64, token: &str, body: Value) -> Value {
    pause().await;
    api.post(&base(account))
        .token(token)
        .json(body)
        .send()
        .await
        .expect(200)
        .body["payload"]["webhook"]
        .clone()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn listed(body: &Value) -> &Vec<Value> {
    body["payload"]["webhooks"]
        .as_array()
        .unwrap_or_else(|| panic!("no webhook list: {body}"))
}

async fn list(api: &TestApi, fx: &AccountFixture) -> Vec<Value> {
    let response = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    listed(&response.body).clone()
}

fn invalid(message: &str, attributes: &[&str]) -> Value {
    json!({ "message": message, "attributes": attributes })
}

#[tokio::test]
async fn webhook_routes_are_guarded_and_for_administrators_only() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/guarded"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let one = format!("/api/v1/accounts/{{account}}/webhooks/{id}");
    let change = json!({"webhook": {"name": "renamed"}});
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/webhooks",
                json!(null),
                true,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/webhooks",
                json!({"webhook": {"url": "https://example.com/other"}}),
                true,
            ),
            GuardedRoute::new(Method::PATCH, one.clone(), change.clone(), true),
            GuardedRoute::new(Method::PUT, one.clone(), change, true),
            GuardedRoute::new(Method::DELETE, one, json!(null), true),
        ],
    )
    .await;
    // Chatwoot checks the role before looking the webhook up: an agent never learns of ids.
    let response = api
        .patch(&format!("{}/987654321", base(fx.account)))
        .token(&fx.agent.1)
        .json(json!({"name": "x"}))
        .send()
        .await
        .expect(401);
    assert_eq!(
        response.body,
        json!({"error": "You are not authorized to do this action"})
    );
    let webhooks = list(&api, &fx).await;
    assert_eq!(webhooks.len(), 1, "the guards changed nothing");
    assert_eq!(webhooks[0]["name"], Value::Null);
}

#[tokio::test]
async fn webhooks_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let inbox = api
        .post(&format!("/api/v1/accounts/{}/inboxes", fx.account))
        .token(&fx.admin.1)
        .json(json!({"name": "Support API", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200)
        .id();

    // Wrapped, without subscriptions: the default list, and a fresh secret.
    let plain = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"webhook": {"url": "https://example.com/a", "name": "Orders"}}),
    )
    .await;
    assert_eq!(
        keys(&plain),
        ["id", "name", "url", "account_id", "subscriptions", "secret"]
    );
    assert_eq!(plain["name"], "Orders");
    assert_eq!(plain["url"], "https://example.com/a");
    assert_eq!(plain["account_id"], fx.account);
    assert_eq!(plain["subscriptions"], json!(DEFAULT_SUBSCRIPTIONS));
    let secret = plain["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 24, "{secret}");
    assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));

    // Top-level keys are wrapped as Rails does; an inbox is shown with its id and name; a null
    // `subscriptions` also means the default list.
    let with_inbox = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({
            "url": "http://hooks.example.com:8080/b?x=1",
            "inbox_id": inbox,
            "subscriptions": null,
        }),
    )
    .await;
    assert_eq!(
        keys(&with_inbox),
        [
            "id",
            "name",
            "url",
            "account_id",
            "subscriptions",
            "inbox",
            "secret"
        ]
    );
    assert_eq!(with_inbox["name"], Value::Null);
    assert_eq!(
        with_inbox["inbox"],
        json!({"id": inbox, "name": "Support API"})
    );
    assert_eq!(with_inbox["subscriptions"], json!(DEFAULT_SUBSCRIPTIONS));
    assert_ne!(
        with_inbox["secret"], plain["secret"],
        "one secret per webhook"
    );

    // Every allowed event may be chosen; duplicates are kept as sent.
    let all = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"webhook": {"url": "https://example.com/c", "subscriptions": ALLOWED_EVENTS}}),
    )
    .await;
    assert_eq!(all["subscriptions"], json!(ALLOWED_EVENTS));
    let doubled = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"webhook": {"url": "https://example.com/d",
            "subscriptions": ["message_created", "message_created"]}}),
    )
    .await;
    assert_eq!(
        doubled["subscriptions"],
        json!(["message_created", "message_created"])
    );

    let response = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&response.body), ["payload"]);
    assert_eq!(keys(&response.body["payload"]), ["webhooks"]);
    assert_eq!(
        listed(&response.body),
        &vec![
            plain.clone(),
            with_inbox.clone(),
            all.clone(),
            doubled.clone()
        ],
        "oldest first, as created"
    );

    // PATCH and PUT change what is sent and keep the rest (and the secret).
    let path = format!("{}/{}", base(fx.account), plain["id"]);
    let patched = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({"webhook": {"subscriptions": ["contact_created"], "inbox_id": inbox}}))
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&patched.body), ["payload"]);
    let patched = &patched.body["payload"]["webhook"];
    assert_eq!(patched["subscriptions"], json!(["contact_created"]));
    assert_eq!(patched["name"], "Orders");
    assert_eq!(patched["inbox"]["id"], inbox);
    assert_eq!(patched["secret"], plain["secret"]);
    let put = api
        .put(&path)
        .token(&fx.admin.1)
        .json(json!({"url": "https://example.com/moved", "name": null, "inbox_id": null}))
        .send()
        .await
        .expect(200);
    let put = &put.body["payload"]["webhook"];
    assert_eq!(
        keys(put),
        ["id", "name", "url", "account_id", "subscriptions", "secret"]
    );
    assert_eq!(put["url"], "https://example.com/moved");
    assert_eq!(put["name"], Value::Null);
    assert_eq!(put["subscriptions"], json!(["contact_created"]));
    // The old URL is free again; the new one is taken.
    create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/a"}),
    )
    .await;
    let taken = api
        .post(&base(fx.account))
        .token(&fx.admin.1)
        .json(json!({"url": "https://example.com/moved"}))
        .send()
        .await
        .expect(422);
    assert_eq!(taken.body, invalid("Url has already been taken", &["url"]));

    // There is no show route.
    api.get(&path).token(&fx.admin.1).send().await.expect(404);

    // DELETE answers 200 with an empty body and frees the URL; the webhook is gone.
    let deleted = api
        .delete(&path)
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty(), "{:?}", deleted.raw);
    api.delete(&path)
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    assert!(list(&api, &fx).await.iter().all(|w| w["id"] != plain["id"]));
    create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/moved"}),
    )
    .await;

    // A webhook whose inbox was deleted since is shown without it.
    api.delete(&format!("/api/v1/accounts/{}/inboxes/{inbox}", fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let shown = list(&api, &fx).await;
    let orphan = shown
        .iter()
        .find(|w| w["id"] == with_inbox["id"])
        .expect("still listed");
    assert!(orphan.get("inbox").is_none(), "{orphan}");
}

#[tokio::test]
async fn invalid_webhooks_get_chatwoots_422_and_change_nothing() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let other_inbox = api
        .post(&format!("/api/v1/accounts/{}/inboxes", fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"name": "Elsewhere", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200)
        .id();
    let existing = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/existing", "subscriptions": ["message_created"]}),
    )
    .await;
    let url_invalid = invalid("Url is invalid", &["url"]);
    let events_invalid = invalid("Subscriptions Invalid events", &["subscriptions"]);
    let cases: Vec<(Value, Value)> = vec![
        (
            json!({}),
            json!({"error": "param is missing or the value is empty: webhook"}),
        ),
        (json!({"webhook": {"name": "no url"}}), url_invalid.clone()),
        (json!({"url": null}), url_invalid.clone()),
        (json!({"url": ""}), url_invalid.clone()),
        (json!({"url": "example.com/hook"}), url_invalid.clone()),
        (json!({"url": "/relative/path"}), url_invalid.clone()),
        (
            json!({"url": "ftp://example.com/hook"}),
            url_invalid.clone(),
        ),
        (json!({"url": "javascript:alert(1)"}), url_invalid.clone()),
        (json!({"url": "file:///etc/passwd"}), url_invalid.clone()),
        (json!({"url": "http://"}), url_invalid.clone()),
        (json!({"url": "https://exa mple.com"}), url_invalid.clone()),
        (
            json!({"url": "https://example.com/existing"}),
            invalid("Url has already been taken", &["url"]),
        ),
        (
            json!({"url": "https://example.com/x", "subscriptions": ["message_created", "agent_added"]}),
            events_invalid.clone(),
        ),
        (
            json!({"url": "https://example.com/x", "subscriptions": []}),
            events_invalid.clone(),
        ),
        (
            json!({"url": "https://example.com/x", "subscriptions": [1]}),
            events_invalid.clone(),
        ),
        (
            json!({"url": "https://example.com/x", "inbox_id": other_inbox}),
            invalid("Inbox must exist", &["inbox"]),
        ),
        (
            json!({"url": "https://example.com/x", "name": "n".repeat(256)}),
            invalid("Name is too long (maximum is 255 characters)", &["name"]),
        ),
        (
            json!({"url": "mailto:x@example.com", "subscriptions": ["nope"]}),
            invalid(
                "Url is invalid, Subscriptions Invalid events",
                &["url", "subscriptions"],
            ),
        ),
    ];
    for (body, expected) in &cases {
        let response = api
            .post(&base(fx.account))
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(&response.body, expected, "{body}");
    }

    // The same checks on update, and a refused update changes nothing.
    let path = format!("{}/{}", base(fx.account), existing["id"]);
    let updates: Vec<(Value, Value)> = vec![
        (json!({"url": "ws://example.com"}), url_invalid),
        (json!({"subscriptions": []}), events_invalid.clone()),
        (
            json!({"subscriptions": ["conversation_opened"]}),
            events_invalid,
        ),
        (
            json!({"inbox_id": other_inbox}),
            invalid("Inbox must exist", &["inbox"]),
        ),
    ];
    for (body, expected) in &updates {
        let response = api
            .patch(&path)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(&response.body, expected, "{body}");
    }
    let other = create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/other"}),
    )
    .await;
    let response = api
        .patch(&format!("{}/{}", base(fx.account), other["id"]))
        .token(&fx.admin.1)
        .json(json!({"url": "https://example.com/existing"}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        response.body,
        invalid("Url has already been taken", &["url"])
    );
    assert_eq!(
        list(&api, &fx).await,
        vec![existing, other],
        "nothing was created or changed"
    );
}

#[tokio::test]
async fn another_accounts_webhook_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = create(
        &api,
        fx.other_account,
        &fx.outsider.1,
        json!({"url": "https://example.com/theirs"}),
    )
    .await;
    // The same URL is free in another account.
    create(
        &api,
        fx.account,
        &fx.admin.1,
        json!({"url": "https://example.com/theirs"}),
    )
    .await;
    let not_found = json!({"error": "Resource could not be found"});
    for id in [theirs["id"].to_string(), "987654321".into(), "abc".into()] {
        let path = format!("{}/{id}", base(fx.account));
        for method in [Method::PATCH, Method::PUT, Method::DELETE] {
            let response = api
                .request(method.clone(), &path)
                .token(&fx.admin.1)
                .json(json!({"name": "hijacked"}))
                .send()
                .await;
            assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
            assert_eq!(response.body, not_found, "{method} {path}");
        }
    }
    let response = api
        .get(&base(fx.other_account))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed(&response.body), &vec![theirs], "untouched");
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_url_make_one_webhook() {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let responses = api_tests::concurrent_posts(
        &api,
        &base(fx.account),
        &fx.admin.1,
        20,
        |n| json!({"url": "https://example.com/race", "name": format!("attempt {n}")}),
    )
    .await;
    api_tests::assert_one_winner(&responses, &invalid("Url has already been taken", &["url"]));
    assert_eq!(list(&api, &fx).await.len(), 1);
}

#[tokio::test]
async fn subscribed_finds_the_accounts_webhooks_for_an_event_in_one_query() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let mut ids = Vec::new();
    for (url, subscriptions) in [
        ("https://example.com/defaults", json!(null)),
        ("https://example.com/messages", json!(["message_created"])),
        (
            "https://example.com/typing",
            json!(["conversation_typing_on", "conversation_typing_off"]),
        ),
        (
            "https://example.com/inboxes",
            json!(["inbox_created", "message_created"]),
        ),
    ] {
        let created = create(
            &api,
            fx.account,
            &fx.admin.1,
            json!({"url": url, "subscriptions": subscriptions}),
        )
        .await;
        ids.push(created["id"].as_i64().unwrap());
    }
    // Another account's webhook never receives this account's events.
    create(
        &api,
        fx.other_account,
        &fx.outsider.1,
        json!({"url": "https://example.com/theirs", "subscriptions": ["message_created"]}),
    )
    .await;

    let (state, account) = (api.state(), fx.account);
    let subscribed = |event: &'static str| async move {
        webhooks::subscribed(state, account, event)
            .await
            .unwrap()
            .iter()
            .map(|w| w.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        subscribed("message_created").await,
        [ids[0], ids[1], ids[3]]
    );
    assert_eq!(subscribed("conversation_created").await, [ids[0]]);
    assert_eq!(subscribed("conversation_typing_off").await, [ids[2]]);
    assert_eq!(subscribed("inbox_created").await, [ids[3]]);
    assert!(subscribed("inbox_updated").await.is_empty());
    assert!(subscribed("agent_added").await.is_empty());

    // What delivery needs comes with each webhook.
    let found = webhooks::subscribed(state, fx.account, "message_created")
        .await
        .unwrap();
    let listed = list(&api, &fx).await;
    assert_eq!(found[1].url, "https://example.com/messages");
    assert_eq!(found[1].secret, listed[1]["secret"].as_str().unwrap());
    assert_eq!(found[1].account_id, fx.account);

    // One round trip, whatever else the account partition holds.
    let counter = CountingStore::new(state.store.clone());
    let counted = AppState {
        store: Arc::new(counter.clone()),
        blobs: state.blobs.clone(),
        clock: state.clock.clone(),
        config: state.config.clone(),
    };
    webhooks::subscribed(&counted, fx.account, "message_created")
        .await
        .unwrap();
    let trips = counter.take();
    assert_eq!((trips.reads, trips.writes, trips.items_read), (1, 0, 4));
}
