//! `/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`: windows, create
//! rules, attachments, delivery status, soft delete, and parallel creates.

use api_tests::{concurrent_posts, fetch_url, json, multipart, AccountFixture, TestApi};
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use std::sync::Arc;

struct World {
    api: Arc<TestApi>,
    fx: AccountFixture,
    base: String,
    /// An API inbox's conversation.
    conversation: i64,
    /// A website inbox's conversation.
    widget_conversation: i64,
}

async fn world() -> World {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let admin = fx.admin.1.clone();
    let inbox = |channel: Value| {
        let (api, base, admin) = (api.clone(), base.clone(), admin.clone());
        async move {
            api.create_id(
                &format!("{base}/inboxes"),
                &admin,
                json!({"name": "Inbox", "channel": channel}),
            )
            .await
        }
    };
    let api_inbox = inbox(json!({"type": "api"})).await;
    let widget_inbox =
        inbox(json!({"type": "web_widget", "website_url": "https://acme.test"})).await;
    let contact = api
        .create_contact(
            &base,
            &admin,
            json!({"name": "Carla", "email": "carla@example.com"}),
        )
        .await;
    let open = |inbox: i64| {
        let (api, base, admin) = (api.clone(), base.clone(), admin.clone());
        async move {
            api.create_id(
                &format!("{base}/conversations"),
                &admin,
                json!({"inbox_id": inbox, "contact_id": contact}),
            )
            .await
        }
    };
    let conversation = open(api_inbox).await;
    let widget_conversation = open(widget_inbox).await;
    World {
        api,
        fx,
        base,
        conversation,
        widget_conversation,
    }
}

impl World {
    fn messages(&self, conversation: i64) -> String {
        format!("{}/conversations/{conversation}/messages", self.base)
    }

    async fn send(&self, body: Value) -> api_tests::TestResponse {
        self.api
            .post(&self.messages(self.conversation))
            .token(&self.fx.admin.1)
            .json(body)
            .send()
            .await
    }

    async fn list(&self, query: &str) -> Value {
        self.api
            .get(&format!("{}{query}", self.messages(self.conversation)))
            .token(&self.fx.admin.1)
            .send()
            .await
            .expect(200)
            .body
    }
}

fn contents(list: &Value) -> Vec<String> {
    list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn create_answers_message_json_and_lists_the_latest_twenty() {
    let w = world().await;
    let created = w
        .send(json!({"content": "Hello", "echo_id": "e-1", "content_attributes": "{\"a\":1}"}))
        .await
        .expect(200);
    let mut keys: Vec<&str> = created
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "content",
            "content_attributes",
            "content_type",
            "conversation_id",
            "created_at",
            "echo_id",
            "id",
            "inbox_id",
            "message_type",
            "private",
            "sender",
            "source_id",
            "status"
        ]
    );
    assert_eq!(created.body["echo_id"], "e-1");
    assert_eq!(created.body["conversation_id"], w.conversation);
    assert_eq!(created.body["content_attributes"], json!({"a": 1}));
    assert_eq!(created.body["status"], "sent");
    assert_eq!(created.body["sender"]["type"], "user");
    let note = w
        .send(json!({"content": "psst", "private": true}))
        .await
        .expect(200);
    assert_eq!(note.body["private"], true);
    let incoming = w
        .send(json!({"content": "from the contact", "message_type": "incoming"}))
        .await
        .expect(200);
    assert_eq!(incoming.body["message_type"], 0);
    assert_eq!(incoming.body["sender"]["type"], "contact");

    for i in 0..22 {
        w.send(json!({"content": format!("m{i}")}))
            .await
            .expect(200);
    }
    let latest = w.list("").await;
    let texts = contents(&latest);
    assert_eq!(texts.len(), 20);
    assert_eq!(texts.first().unwrap(), "m2");
    assert_eq!(texts.last().unwrap(), "m21");
    assert_eq!(latest["meta"]["contact"]["email"], "carla@example.com");
    assert_eq!(latest["meta"]["labels"], json!([]));

    let oldest_id = latest["payload"][0]["id"].as_i64().unwrap();
    let before = w.list(&format!("?before={oldest_id}")).await;
    assert_eq!(
        contents(&before),
        ["Hello", "psst", "from the contact", "m0", "m1"]
    );
    let after = w.list(&format!("?after={}", created.body["id"])).await;
    assert_eq!(contents(&after).len(), 24);
    let public = w
        .list(&format!(
            "?before={oldest_id}&filter_internal_messages=true"
        ))
        .await;
    assert_eq!(contents(&public), ["Hello", "from the contact", "m0", "m1"]);
}

#[tokio::test]
async fn create_refuses_what_chatwoot_refuses() {
    let w = world().await;
    let widget = w
        .api
        .post(&w.messages(w.widget_conversation))
        .token(&w.fx.admin.1)
        .json(json!({"content": "x", "message_type": "incoming"}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        widget.body,
        json!({"error": "Incoming messages are only allowed in Api inboxes"})
    );
    let long = w
        .send(json!({"content": "a".repeat(150_001)}))
        .await
        .expect(422);
    assert_eq!(
        long.body,
        json!({"error": "Validation failed: Content is too long (maximum is 150000 characters)"})
    );
    w.send(json!({"content": "x", "message_type": "loud"}))
        .await
        .expect(422);
    assert_eq!(contents(&w.list("").await), Vec::<String>::new());
    // Unknown conversation, and another account's.
    w.api
        .post(&w.messages(999))
        .token(&w.fx.admin.1)
        .json(json!({"content": "x"}))
        .send()
        .await
        .expect(404);
    w.api
        .post(&format!(
            "/api/v1/accounts/{}/conversations/{}/messages",
            w.fx.other_account, w.conversation
        ))
        .token(&w.fx.outsider.1)
        .json(json!({"content": "x"}))
        .send()
        .await
        .expect(404);
    // Agents only reach conversations of their inboxes.
    w.api
        .post(&w.messages(w.conversation))
        .token(&w.fx.agent.1)
        .json(json!({"content": "x"}))
        .send()
        .await
        .expect(401);
}

#[tokio::test]
async fn bots_send_messages_but_do_not_read_them() {
    let w = world().await;
    let sent = w
        .api
        .post(&w.messages(w.conversation))
        .token(&w.fx.bot_token)
        .json(json!({"content": "beep"}))
        .send()
        .await
        .expect(200);
    assert_eq!(sent.body["sender"]["type"], "agent_bot");
    assert_eq!(sent.body["sender"]["name"], "Bot");
    let refused = w
        .api
        .get(&w.messages(w.conversation))
        .token(&w.fx.bot_token)
        .send()
        .await
        .expect(401);
    assert_eq!(
        refused.body,
        json!({"error": "Access to this endpoint is not authorized for bots"})
    );
}

#[tokio::test]
async fn attachments_are_stored_and_served_back() {
    let w = world().await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\nfake image bytes";
    let pdf: &[u8] = b"%PDF-1.4 fake";
    let (content_type, body) = multipart(
        &[("content", "files")],
        &[
            ("attachments[]", "shot.png", "image/png", png),
            ("attachments[]", "terms.pdf", "application/pdf", pdf),
        ],
    );
    let created = w
        .api
        .post(&w.messages(w.conversation))
        .token(&w.fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    let files = created.body["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file_type"], "image");
    assert_eq!(files[0]["extension"], "png");
    assert_eq!(files[0]["file_size"], png.len());
    assert_eq!(files[1]["file_type"], "file");
    assert_eq!(files[1]["thumb_url"], "");
    let listed = w.list("").await;
    let listed_files = listed["payload"][0]["attachments"]
        .as_array()
        .unwrap()
        .clone();
    for (file, bytes) in listed_files.iter().zip([png, pdf]) {
        let url = file["data_url"].as_str().unwrap();
        let (status, fetched) = fetch_url(&w.api, Method::GET, url, "", Bytes::new()).await;
        assert_eq!((status, fetched.as_ref()), (200, bytes));
    }
    // Soft delete drops the files and keeps the message.
    let id = created.body["id"].as_i64().unwrap();
    let deleted = w
        .api
        .delete(&format!("{}/{id}", w.messages(w.conversation)))
        .token(&w.fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(deleted.body["content"], "This message was deleted");
    assert_eq!(deleted.body["content_attributes"], json!({"deleted": true}));
    assert_eq!(deleted.body.get("attachments"), None);
    let url = listed_files[0]["data_url"].as_str().unwrap();
    let (status, _) = fetch_url(&w.api, Method::GET, url, "", Bytes::new()).await;
    assert_eq!(status, 404);
    let conversation = w
        .api
        .get(&format!("{}/conversations/{}", w.base, w.conversation))
        .token(&w.fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        conversation.body["messages"][0]["content"],
        "This message was deleted"
    );
    // An uploaded page is a download, never a page on the API's origin (the local server's
    // blob route; S3 gets the same Content-Disposition as object metadata).
    let page: &[u8] = b"<script>alert(document.cookie)</script>";
    let (content_type, body) = multipart(
        &[("content", "page")],
        &[
            ("attachments[]", "x.html", "text/html", page),
            ("attachments[]", "shot.png", "image/png", png),
        ],
    );
    let uploaded = w
        .api
        .post(&w.messages(w.conversation))
        .token(&w.fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    let url = uploaded.body["attachments"][0]["data_url"]
        .as_str()
        .unwrap();
    if let Some(path) = url.strip_prefix(api_tests::FRONTEND_URL) {
        let served = w.api.get(path).send().await.expect(200);
        assert_eq!(served.raw.as_ref(), page);
        let header = |name: &str| served.headers[name].to_str().unwrap().to_owned();
        assert_eq!(header("content-disposition"), "attachment");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-security-policy").starts_with("sandbox"));
        let image = uploaded.body["attachments"][1]["data_url"]
            .as_str()
            .unwrap();
        let shown = w
            .api
            .get(image.strip_prefix(api_tests::FRONTEND_URL).unwrap())
            .send()
            .await
            .expect(200);
        assert_eq!(shown.headers["content-disposition"], "inline");
    }
}

#[tokio::test]
async fn status_updates_are_for_api_inboxes_only() {
    let w = world().await;
    let id = w.send(json!({"content": "out"})).await.expect(200).body["id"]
        .as_i64()
        .unwrap();
    let path = format!("{}/{id}", w.messages(w.conversation));
    let patch = |body: Value| {
        let (api, path, token) = (w.api.clone(), path.clone(), w.fx.admin.1.clone());
        async move { api.patch(&path).token(&token).json(body).send().await }
    };
    let read = patch(json!({"status": "read"})).await.expect(200);
    assert_eq!(read.body["status"], "read");
    // read → delivered is ignored; failed keeps its error.
    let still = patch(json!({"status": "delivered"})).await.expect(200);
    assert_eq!(still.body["status"], "read");
    let failed = patch(json!({"status": "failed", "external_error": "bounced"}))
        .await
        .expect(200);
    assert_eq!(
        failed.body["content_attributes"]["external_error"],
        "bounced"
    );

    let widget_message = w
        .api
        .post(&w.messages(w.widget_conversation))
        .token(&w.fx.admin.1)
        .json(json!({"content": "hi"}))
        .send()
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let refused = w
        .api
        .patch(&format!(
            "{}/{widget_message}",
            w.messages(w.widget_conversation)
        ))
        .token(&w.fx.admin.1)
        .json(json!({"status": "read"}))
        .send()
        .await
        .expect(403);
    assert_eq!(
        refused.body,
        json!({"error": "Message status update is only allowed for API inboxes"})
    );
    w.api
        .patch(&format!("{}/123", w.messages(w.conversation)))
        .token(&w.fx.admin.1)
        .json(json!({"status": "read"}))
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn parallel_messages_are_all_stored_once_in_order() {
    let w = world().await;
    let responses = concurrent_posts(
        &w.api,
        &w.messages(w.conversation),
        &w.fx.admin.1,
        50,
        |i| json!({"content": format!("p{i}")}),
    )
    .await;
    let mut sent: Vec<i64> = responses
        .iter()
        .map(|r| r.clone().expect(200).body["id"].as_i64().unwrap())
        .collect();
    sent.sort();
    let all = w.list(&format!("?after={}", sent[0] - 1)).await;
    let listed: Vec<i64> = all["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, sent);
    let conversation = w
        .api
        .get(&format!("{}/conversations/{}", w.base, w.conversation))
        .token(&w.fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        conversation.body["messages"][0]["id"],
        *sent.last().unwrap()
    );
}

#[tokio::test]
async fn large_files_go_straight_to_storage_and_attach_by_signed_id() {
    let w = world().await;
    let uploads = format!("{}/conversations/{}/direct_uploads", w.base, w.conversation);
    let bytes = vec![7u8; 64 * 1024];
    let prepared = w
        .api
        .post(&uploads)
        .token(&w.fx.admin.1)
        .json(json!({"blob": {"filename": "big.mp4", "byte_size": bytes.len(), "content_type": "video/mp4"}}))
        .send()
        .await
        .expect(200);
    let url = prepared.body["direct_upload"]["url"].as_str().unwrap();
    assert_eq!(
        prepared.body["direct_upload"]["headers"],
        json!({"Content-Type": "video/mp4"})
    );
    let (status, _) = fetch_url(
        &w.api,
        Method::PUT,
        url,
        "video/mp4",
        Bytes::from(bytes.clone()),
    )
    .await;
    assert_eq!(status, 200);
    let signed_id = prepared.text("signed_id");
    let message = w
        .send(json!({"content": "see video", "attachments": [signed_id]}))
        .await
        .expect(200);
    let file = &message.body["attachments"][0];
    assert_eq!(file["file_type"], "video");
    assert_eq!(file["file_size"], bytes.len());
    let (status, fetched) = fetch_url(
        &w.api,
        Method::GET,
        file["data_url"].as_str().unwrap(),
        "",
        Bytes::new(),
    )
    .await;
    assert_eq!((status, fetched.len()), (200, bytes.len()));

    // Unknown ids, uploads of another conversation, oversized and unnamed files are refused.
    w.send(json!({"content": "x", "attachments": ["nope"]}))
        .await
        .expect(422);
    let elsewhere = w
        .api
        .post(&format!(
            "{}/conversations/{}/messages",
            w.base, w.widget_conversation
        ))
        .token(&w.fx.admin.1)
        .json(json!({"content": "x", "attachments": [prepared.text("signed_id")]}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        elsewhere.body,
        json!({"error": "Attachment upload not found"})
    );
    for blob in [
        json!({"filename": "huge.bin", "byte_size": 50 * 1024 * 1024}),
        json!({"filename": "", "byte_size": 10}),
    ] {
        w.api
            .post(&uploads)
            .token(&w.fx.admin.1)
            .json(json!({ "blob": blob }))
            .send()
            .await
            .expect(422);
    }
    w.api
        .post(&uploads)
        .token(&w.fx.admin.1)
        .json(json!({}))
        .send()
        .await
        .expect(422);
}

/// Chatwoot's document lists the message list once without `/api/v1`: the alias answers the
/// same list, behind the same guards.
#[tokio::test]
async fn unprefixed_message_list_is_an_alias_with_the_same_guards() {
    let w = world().await;
    w.send(json!({"content": "hello"})).await.expect(200);
    let prefixed = w.list("").await;
    let unprefixed = w
        .api
        .get(&format!(
            "/accounts/{}/conversations/{}/messages",
            w.fx.account, w.conversation
        ))
        .token(&w.fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(contents(&unprefixed.body), ["hello"]);
    assert_eq!(unprefixed.body, prefixed);
    let route = api_tests::GuardedRoute::new(
        Method::GET,
        format!(
            "/accounts/{{account}}/conversations/{}/messages",
            w.conversation
        ),
        Value::Null,
        false,
    );
    api_tests::check_account_guards(&w.api, &w.fx, &[route]).await;
}
