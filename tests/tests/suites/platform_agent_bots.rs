//! Platform API agent bots.

use api_tests::{json, multipart, TestApi};

#[tokio::test]
async fn create_show_list_update_delete() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Bots").await;
    let created = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .json(json!({"name": "Triage", "description": "Sorts", "outgoing_url": "https://bot.example.com/hook", "account_id": account}))
        .send()
        .await
        .expect(200);
    let bot = created.body.clone();
    assert_eq!(bot["name"], "Triage");
    assert_eq!(bot["description"], "Sorts");
    assert_eq!(
        bot["outgoing_url"], "https://bot.example.com/hook",
        "the real URL, not the name"
    );
    assert_eq!(bot["account_id"], account);
    assert_eq!(bot["system_bot"], false);
    assert_eq!(bot["access_token"].as_str().unwrap().len(), 24);
    let id = created.id();
    let path = format!("/platform/api/v1/agent_bots/{id}");
    assert_eq!(
        api.get(&path)
            .token(&platform)
            .send()
            .await
            .expect(200)
            .body,
        bot
    );
    let listed = api
        .get("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([bot]));
    let updated = api
        .patch(&path)
        .token(&platform)
        .json(json!({"description": null, "outgoing_url": "https://new.example.com"}))
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["description"], serde_json::Value::Null);
    assert_eq!(updated.body["outgoing_url"], "https://new.example.com");
    assert_eq!(updated.body["name"], "Triage");
    assert_eq!(updated.body["access_token"], bot["access_token"]);
    api.delete(&path).token(&platform).send().await.expect(200);
    api.get(&path).token(&platform).send().await.expect(404);
    let listed = api
        .get("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn no_field_is_required_and_a_bot_without_account_is_a_system_bot() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let bot = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(bot.body["name"], serde_json::Value::Null);
    assert_eq!(bot.body["account_id"], serde_json::Value::Null);
    assert_eq!(bot.body["system_bot"], true);
}

#[tokio::test]
async fn bots_may_only_join_accounts_of_the_same_app() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let other = api.platform_token().await;
    let theirs = api.create_account(&other, "Theirs").await;
    let refused = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .json(json!({"name": "Sneaky", "account_id": theirs}))
        .send()
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body, json!({"error": "Non permissible account"}));
    let listed = api
        .get("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]), "the refused bot was not created");
    let bot = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200)
        .id();
    let moved = api
        .patch(&format!("/platform/api/v1/agent_bots/{bot}"))
        .token(&platform)
        .json(json!({"account_id": theirs}))
        .send()
        .await;
    assert_eq!(moved.status, 401);
    assert_eq!(moved.body, json!({"error": "Non permissible account"}));
}

#[tokio::test]
async fn validation_errors() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let long = format!("https://x.test/{}", "a".repeat(2040));
    let response = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .json(json!({"name": "n".repeat(256), "outgoing_url": long}))
        .send()
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.body,
        json!({
            "message": "Name is too long (maximum is 255 characters), Outgoing url is too long (maximum is 2048 characters)",
            "attributes": ["name", "outgoing_url"]
        })
    );
    let bad_account = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .json(json!({"account_id": "one"}))
        .send()
        .await;
    assert_eq!(bad_account.status, 400);
}

#[tokio::test]
async fn avatars_upload_as_multipart_serve_and_delete() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\nfake image bytes";
    let (content_type, body) = multipart(
        &[("name", "Pic bot")],
        &[("avatar", "../me.png", "image/png", png)],
    );
    let created = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    assert_eq!(created.body["name"], "Pic bot");
    let thumbnail = created.text("thumbnail");
    assert!(thumbnail.contains("me.png"), "{thumbnail}");
    assert!(
        !thumbnail.contains(".."),
        "file names cannot climb folders: {thumbnail}"
    );
    let key = avatar_key(&api, created.id()).await;
    let stored = api.state().blobs.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.bytes.as_ref(), png);
    assert_eq!(stored.content_type, "image/png");
    if !api_tests::aws_backend() {
        // The embedded mode serves its signed URL through the local server.
        let path = thumbnail.strip_prefix(api_tests::FRONTEND_URL).unwrap();
        let fetched = api.get(path).send().await.expect(200);
        assert_eq!(fetched.raw.as_ref(), png);
        let tampered = path.replace("signature=", "signature=00");
        api.get(&tampered).send().await.expect(403);
    }
    let (content_type, body) = multipart(&[], &[("avatar", "../me.png", "text/plain", b"hello")]);
    let refused = api
        .patch(&format!("/platform/api/v1/agent_bots/{}", created.id()))
        .token(&platform)
        .body(&content_type, body)
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body,
        json!({"message": "Avatar filetype not supported", "attributes": ["avatar"]})
    );
    let cleared = api
        .delete(&format!(
            "/platform/api/v1/agent_bots/{}/avatar",
            created.id()
        ))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body["thumbnail"], "");
    assert_eq!(
        api.state().blobs.get(&key).await.unwrap(),
        None,
        "the file is gone"
    );
}

async fn avatar_key(api: &TestApi, bot: i64) -> String {
    let item = api
        .state()
        .store
        .get(&shared::keys::agent_bot(bot))
        .await
        .unwrap()
        .unwrap();
    item["avatar_key"].as_str().unwrap().to_owned()
}
