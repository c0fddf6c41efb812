//! `/api/v1/accounts/{account_id}/agent_bots` and `/api/v1/agent_bots`.

use api_tests::{check_account_guards, json, multipart, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn base(account: i64) -> String {
    format!("/api/v1/accounts/{account}/agent_bots")
}

/// A system bot: a Platform API bot without an account.
async fn system_bot(api: &TestApi, fx: &AccountFixture, name: &str) -> Value {
    api.post("/platform/api/v1/agent_bots")
        .token(&fx.platform)
        .json(json!({"name": name, "description": "Global", "outgoing_url": "https://system.example.com/hook"}))
        .send()
        .await
        .expect(200)
        .body
}

/// The answer a token gets on a user-only route: tells a live bot token from a dead one.
async fn token_answer(api: &TestApi, token: &str) -> Value {
    api.get("/api/v1/profile").token(token).send().await.body
}

const BOTS_REFUSED: &str = "Access to this endpoint is not authorized for bots";

#[tokio::test]
async fn agent_bot_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = api
        .create_id(&base(fx.account), &fx.admin.1, json!({"name": "Guarded"}))
        .await;
    let one = format!("/api/v1/accounts/{{account}}/agent_bots/{id}");
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/agent_bots",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/agent_bots",
                json!({"name": "x"}),
                true,
            ),
            GuardedRoute::new(Method::GET, one.clone(), json!(null), false),
            GuardedRoute::new(Method::PATCH, one.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::PUT, one.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::DELETE, one.clone(), json!(null), true),
            GuardedRoute::new(Method::DELETE, format!("{one}/avatar"), json!(null), true),
            GuardedRoute::new(
                Method::POST,
                format!("{one}/reset_access_token"),
                json!(null),
                true,
            ),
        ],
    )
    .await;
    let shown = api
        .get(&format!("{}/{id}", base(fx.account)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "Guarded", "nothing above changed it");
}

#[tokio::test]
async fn the_installations_system_bots_for_any_user() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let system = system_bot(&api, &fx, "Helper").await;
    api.post(&base(fx.account))
        .token(&fx.admin.1)
        .json(json!({"name": "Own"}))
        .send()
        .await
        .expect(200);
    let listed = api
        .get("/api/v1/agent_bots")
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed.body,
        json!([{
            "id": system["id"],
            "name": "Helper",
            "description": "Global",
            "thumbnail": "",
            "bot_type": "webhook",
            "bot_config": {},
            "account_id": null,
            "system_bot": true,
        }])
    );
    for (token, status, body) in [
        (
            None,
            401,
            json!({"errors": ["You need to sign in or sign up before continuing."]}),
        ),
        (
            Some("unknown-token"),
            401,
            json!({"error": "Invalid Access Token"}),
        ),
        (
            Some(fx.bot_token.as_str()),
            401,
            json!({"error": BOTS_REFUSED}),
        ),
        (
            Some(fx.platform.as_str()),
            401,
            json!({"error": BOTS_REFUSED}),
        ),
    ] {
        let mut request = api.get("/api/v1/agent_bots");
        if let Some(token) = token {
            request = request.token(token);
        }
        let response = request.send().await;
        assert_eq!(response.status, status, "{token:?}");
        assert_eq!(response.body, body, "{token:?}");
    }
}

#[tokio::test]
async fn bots_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Triage", "description": "Sorts", "outgoing_url": "https://bot.example.com/hook", "bot_type": "webhook", "bot_config": {"lang": "en"}, "account_id": fx.other_account}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    let token = created.text("access_token");
    assert_eq!(token.len(), 24);
    assert_eq!(
        created.body,
        json!({
            "id": id,
            "name": "Triage",
            "description": "Sorts",
            "thumbnail": "",
            "outgoing_url": "https://bot.example.com/hook",
            "bot_type": "webhook",
            "bot_config": {"lang": "en"},
            "account_id": fx.account,
            "access_token": token,
            "system_bot": false,
        }),
        "the bot belongs to the URL's account whatever the body says"
    );
    assert_eq!(
        token_answer(&api, &token).await,
        json!({"error": BOTS_REFUSED}),
        "the token is live"
    );
    // Chatwoot's integer bot type is accepted.
    let second = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Second", "bot_type": 0}))
        .send()
        .await
        .expect(200);
    assert_eq!(second.body["bot_type"], "webhook");
    assert_eq!(second.body["bot_config"], json!({}));
    assert_eq!(second.body["outgoing_url"], Value::Null);

    // Agents read too, all but the token (Chatwoot shows it to them as well).
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    let mut without_token = created.body.clone();
    without_token
        .as_object_mut()
        .unwrap()
        .remove("access_token");
    assert_eq!(shown.body, without_token);

    let updated = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"description": null, "outgoing_url": "https://new.example.com", "bot_config": {"lang": "fr"}, "account_id": fx.other_account}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["description"], Value::Null);
    assert_eq!(updated.body["outgoing_url"], "https://new.example.com");
    assert_eq!(updated.body["bot_config"], json!({"lang": "fr"}));
    assert_eq!(updated.body["name"], "Triage");
    assert_eq!(updated.body["account_id"], fx.account);
    assert_eq!(updated.body["access_token"], token);
    let put = api
        .put(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"name": "Triage 2"}))
        .send()
        .await
        .expect(200);
    assert_eq!(put.body["name"], "Triage 2");
    assert_eq!(put.body["bot_config"], json!({"lang": "fr"}));

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
    assert_eq!(
        token_answer(&api, &token).await,
        json!({"error": "Invalid Access Token"}),
        "the token went with the bot"
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bot", "Second"]);
}

#[tokio::test]
async fn the_list_holds_own_platform_made_and_system_bots() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let system = system_bot(&api, &fx, "Helper").await;
    let own = api
        .post(&base(fx.account))
        .token(&fx.admin.1)
        .json(json!({"name": "Own", "outgoing_url": "https://own.example.com"}))
        .send()
        .await
        .expect(200)
        .body;
    let theirs = api
        .post(&base(fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"name": "Theirs"}))
        .send()
        .await
        .expect(200)
        .body;
    let listed = api
        .get(&base(fx.account))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    let bots = listed.body.as_array().unwrap();
    let names: Vec<&str> = bots.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bot", "Helper", "Own"], "id order");
    // The fixture's bot was made through the Platform API for this account. Its token acts
    // in every inbox, so an agent is not shown it (Chatwoot shows it: an agent could act
    // through the bot where they are no member).
    assert_eq!(bots[0]["account_id"], fx.account);
    assert_eq!(bots[0].get("access_token"), None);
    assert_eq!(bots[0]["system_bot"], false);
    // System bots show neither token nor URL.
    assert_eq!(
        bots[1],
        json!({
            "id": system["id"],
            "name": "Helper",
            "description": "Global",
            "thumbnail": "",
            "bot_type": "webhook",
            "bot_config": {},
            "account_id": null,
            "system_bot": true,
        })
    );
    let mut own_without_token = own.clone();
    own_without_token
        .as_object_mut()
        .unwrap()
        .remove("access_token");
    assert_eq!(bots[2], own_without_token);
    // Administrators see the account's bots' tokens.
    let as_admin = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(as_admin.body[0]["access_token"], fx.bot_token);
    assert_eq!(as_admin.body[2], own);
    let shown_to_agent = api
        .get(&format!("{}/{}", base(fx.account), own["id"]))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown_to_agent.body, own_without_token);
    // Shown one by one the same way.
    let shown = api
        .get(&format!("{}/{}", base(fx.account), system["id"]))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, bots[1]);
    // The other account sees its own bot and the system bot only.
    let other = api
        .get(&base(fx.other_account))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    let ids: Vec<&Value> = other
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids, [&system["id"], &theirs["id"]]);
    // A bot the platform moves to another account moves between the lists.
    api.patch(&format!("/platform/api/v1/agent_bots/{}", system["id"]))
        .token(&fx.platform)
        .json(json!({"account_id": fx.account}))
        .send()
        .await
        .expect(200);
    let other = api
        .get(&base(fx.other_account))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(other.body.as_array().unwrap().len(), 1);
    let mine = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(mine.body[1]["system_bot"], false);
    assert!(mine.body[1]["access_token"].is_string());
}

#[tokio::test]
async fn system_and_other_accounts_bots_cannot_be_changed() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let system = system_bot(&api, &fx, "Helper").await;
    let theirs = api
        .post(&base(fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"name": "Theirs"}))
        .send()
        .await
        .expect(200)
        .body;
    let base = base(fx.account);
    let not_found = json!({"error": "Resource could not be found"});
    // Another account's bot and unknown ids are not even shown.
    for id in [
        theirs["id"].to_string(),
        "999999".to_owned(),
        "abc".to_owned(),
    ] {
        let response = api
            .get(&format!("{base}/{id}"))
            .token(&fx.admin.1)
            .send()
            .await;
        assert_eq!(response.status, 404, "{id}");
        assert_eq!(response.body, not_found);
    }
    for id in [
        system["id"].to_string(),
        theirs["id"].to_string(),
        "999999".to_owned(),
    ] {
        for (method, path, body) in [
            (
                Method::PATCH,
                format!("{base}/{id}"),
                json!({"name": "Mine"}),
            ),
            (Method::PUT, format!("{base}/{id}"), json!({"name": "Mine"})),
            (Method::DELETE, format!("{base}/{id}"), json!(null)),
            (Method::DELETE, format!("{base}/{id}/avatar"), json!(null)),
            (
                Method::POST,
                format!("{base}/{id}/reset_access_token"),
                json!(null),
            ),
        ] {
            let mut request = api.request(method.clone(), &path).token(&fx.admin.1);
            if !body.is_null() {
                request = request.json(body);
            }
            let response = request.send().await;
            assert_eq!(response.status, 404, "{method} {path}");
            assert_eq!(response.body, not_found, "{method} {path}");
        }
    }
    let still = api
        .get(&format!(
            "/api/v1/accounts/{}/agent_bots/{}",
            fx.other_account, theirs["id"]
        ))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body, theirs);
    assert_eq!(
        token_answer(&api, theirs["access_token"].as_str().unwrap()).await,
        json!({"error": BOTS_REFUSED}),
        "its token still works"
    );
    let system_now = api
        .get(&format!("/platform/api/v1/agent_bots/{}", system["id"]))
        .token(&fx.platform)
        .send()
        .await
        .expect(200);
    assert_eq!(system_now.body, system);
}

#[tokio::test]
async fn bots_are_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let long_url = format!("https://example.com/{}", "a".repeat(2030));
    for (body, message, attributes) in [
        (
            json!({"name": "x", "bot_type": "csml"}),
            "Bot type is not included in the list",
            json!(["bot_type"]),
        ),
        (
            json!({"name": "x", "bot_type": 1}),
            "Bot type is not included in the list",
            json!(["bot_type"]),
        ),
        (
            json!({"name": "x", "bot_config": "verbose"}),
            "Bot config must be an object",
            json!(["bot_config"]),
        ),
        (
            json!({"name": "x", "outgoing_url": long_url}),
            "Outgoing url is too long (maximum is 2048 characters)",
            json!(["outgoing_url"]),
        ),
        (
            json!({"name": "n".repeat(256), "bot_config": [1]}),
            "Bot config must be an object, Name is too long (maximum is 255 characters)",
            json!(["bot_config", "name"]),
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
    let malformed = api
        .post(&base)
        .token(&fx.admin.1)
        .body("application/json", "{\"name\"")
        .send()
        .await;
    assert_eq!(malformed.status, 400);
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(
        listed.body.as_array().unwrap().len(),
        1,
        "only the fixture's bot: nothing was written"
    );
    // An empty body makes a bot with no name, as Chatwoot allows.
    let bare = api.post(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(bare.body["name"], Value::Null);
    let refused = api
        .patch(&format!("{base}/{}", bare.id()))
        .token(&fx.admin.1)
        .json(json!({"name": "Named", "bot_type": "other"}))
        .send()
        .await;
    assert_eq!(refused.status, 422);
    let shown = api
        .get(&format!("{base}/{}", bare.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, bare.body, "a refused change changes nothing");
}

#[tokio::test]
async fn resetting_a_token_retires_the_old_one_at_once() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"name": "Rotated"}))
        .send()
        .await
        .expect(200);
    let old = created.text("access_token");
    let reset = api
        .post(&format!("{base}/{}/reset_access_token", created.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let new = reset.text("access_token");
    assert_ne!(new, old);
    assert_eq!(new.len(), 24);
    let mut expected = created.body.clone();
    expected["access_token"] = json!(new);
    assert_eq!(reset.body, expected);
    assert_eq!(
        token_answer(&api, &old).await,
        json!({"error": "Invalid Access Token"})
    );
    assert_eq!(
        token_answer(&api, &new).await,
        json!({"error": BOTS_REFUSED})
    );
    let shown = api
        .get(&format!("{base}/{}", created.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["access_token"], new);
    // The fixture's Platform-made bot can be rotated by the account too.
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    let fixture_bot = listed.body[0]["id"].clone();
    api.post(&format!("{base}/{fixture_bot}/reset_access_token"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        token_answer(&api, &fx.bot_token).await,
        json!({"error": "Invalid Access Token"})
    );
}

#[tokio::test]
async fn avatars_upload_as_multipart_and_delete() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = base(fx.account);
    let png: &[u8] = b"\x89PNG\r\n\x1a\nfake image bytes";
    let (content_type, body) = multipart(
        &[("name", "Pic bot"), ("bot_config[mode]", "fast")],
        &[("avatar", "bot.png", "image/png", png)],
    );
    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    assert_eq!(created.body["name"], "Pic bot");
    assert_eq!(created.body["bot_config"], json!({"mode": "fast"}));
    let thumbnail = created.text("thumbnail");
    assert!(thumbnail.contains("bot.png"), "{thumbnail}");
    let (content_type, body) = multipart(&[], &[("avatar", "bot.png", "text/plain", b"hello")]);
    let refused = api
        .patch(&format!("{base}/{}", created.id()))
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body,
        json!({"message": "Avatar filetype not supported", "attributes": ["avatar"]})
    );
    let cleared = api
        .delete(&format!("{base}/{}/avatar", created.id()))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body["thumbnail"], "");
    let mut expected = created.body.clone();
    expected["thumbnail"] = json!("");
    assert_eq!(cleared.body, expected);
    // An avatar given by URL is shown as is.
    let by_url = api
        .patch(&format!("{base}/{}", created.id()))
        .token(&fx.admin.1)
        .json(json!({"avatar_url": "https://cdn.example.com/bot.png"}))
        .send()
        .await
        .expect(200);
    assert_eq!(by_url.body["thumbnail"], "https://cdn.example.com/bot.png");
}

#[tokio::test]
async fn deleting_a_platform_made_bot_removes_it_for_the_platform_too() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let listed = api
        .get(&base(fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let id = listed.body[0]["id"].clone();
    api.delete(&format!("{}/{id}", base(fx.account)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.get(&format!("/platform/api/v1/agent_bots/{id}"))
        .token(&fx.platform)
        .send()
        .await
        .expect(404);
    let platform_list = api
        .get("/platform/api/v1/agent_bots")
        .token(&fx.platform)
        .send()
        .await
        .expect(200);
    assert_eq!(platform_list.body, json!([]));
    // The app's right to the bot went with it (no dangling item in the bot's partition).
    let page = api
        .state()
        .store
        .query(&shared::store::Query::partition(format!("BOT#{id}")))
        .await
        .unwrap();
    assert!(page.items.is_empty(), "{:?}", page.items);
    assert_eq!(
        token_answer(&api, &fx.bot_token).await,
        json!({"error": "Invalid Access Token"})
    );
}

#[tokio::test]
async fn deleting_a_bot_disconnects_it_from_the_accounts_inboxes() {
    let api = api_tests::TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let bot = api
        .post(&format!("{base}/agent_bots"))
        .token(&fx.admin.1)
        .json(api_tests::json!({"name": "Helper"}))
        .send()
        .await
        .expect(200)
        .id();
    let inbox = api
        .post(&format!("{base}/inboxes"))
        .token(&fx.admin.1)
        .json(api_tests::json!({"name": "Bot inbox", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200)
        .id();
    api.post(&format!("{base}/inboxes/{inbox}/set_agent_bot"))
        .token(&fx.admin.1)
        .json(api_tests::json!({"agent_bot": bot}))
        .send()
        .await
        .expect(200);
    let attached = api
        .get(&format!("{base}/inboxes/{inbox}/agent_bot"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(attached.body["agent_bot"]["id"], bot);
    api.delete(&format!("{base}/agent_bots/{bot}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let detached = api
        .get(&format!("{base}/inboxes/{inbox}/agent_bot"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(detached.body, api_tests::json!({"agent_bot": {}}));
    assert!(!shared::domain::agent_bot_inboxes::bot_attached_to_account(
        api.state(),
        fx.account,
        bot
    )
    .await
    .unwrap());
}
