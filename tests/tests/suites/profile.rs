//! `GET`/`PUT`/`PATCH /api/v1/profile`.

use api_tests::{email, json, TestApi};

async fn member(api: &TestApi) -> (String, i64, i64, String) {
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Acme").await;
    let (user, token) = api.create_user(&platform, &email("agent")).await;
    api.add_member(&platform, account, user, "administrator")
        .await;
    (platform, account, user, token)
}

#[tokio::test]
async fn profile_json_has_chatwoots_shape() {
    let api = TestApi::new().await;
    let (_, account, user, token) = member(&api).await;
    let profile = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    let body = &profile.body;
    assert_eq!(body["id"], user);
    assert_eq!(body["access_token"], token);
    assert_eq!(body["account_id"], account);
    assert_eq!(body["role"], "administrator");
    assert_eq!(body["type"], serde_json::Value::Null);
    assert_eq!(body["inviter_id"], serde_json::Value::Null);
    assert_eq!(
        body["accounts"],
        json!([{
            "id": account, "name": "Acme", "status": "active", "active_at": null,
            "role": "administrator", "permissions": ["administrator"], "availability": "online",
            "availability_status": "offline", "auto_offline": true, "custom_role_id": null, "custom_role": null
        }])
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
            "access_token",
            "account_id",
            "accounts",
            "available_name",
            "avatar_url",
            "confirmed",
            "display_name",
            "email",
            "id",
            "inviter_id",
            "message_signature",
            "name",
            "provider",
            "pubsub_token",
            "role",
            "type",
            "ui_settings",
            "uid"
        ]
    );
    // Bearer works as well as the api_access_token header.
    let bearer = api
        .get("/api/v1/profile")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .expect(200);
    assert_eq!(bearer.body, profile.body);
}

#[tokio::test]
async fn profile_refuses_missing_invalid_bot_and_platform_tokens() {
    let api = TestApi::new().await;
    let (platform, _, _, _) = member(&api).await;
    let bot_token = api
        .post("/platform/api/v1/agent_bots")
        .token(&platform)
        .send()
        .await
        .expect(200)
        .text("access_token");
    for method in [http::Method::GET, http::Method::PUT, http::Method::PATCH] {
        let none = api.request(method.clone(), "/api/v1/profile").send().await;
        assert_eq!(none.status, 401);
        assert_eq!(
            none.body,
            json!({"errors": ["You need to sign in or sign up before continuing."]})
        );
        let invalid = api
            .request(method.clone(), "/api/v1/profile")
            .token("bogus")
            .send()
            .await;
        assert_eq!(invalid.status, 401);
        assert_eq!(invalid.body, json!({"error": "Invalid Access Token"}));
        for token in [&bot_token, &platform] {
            let refused = api
                .request(method.clone(), "/api/v1/profile")
                .token(token)
                .send()
                .await;
            assert_eq!(refused.status, 401);
            assert_eq!(
                refused.body,
                json!({"error": "Access to this endpoint is not authorized for bots"})
            );
        }
    }
}

#[tokio::test]
async fn update_accepts_wrapped_and_flat_params() {
    let api = TestApi::new().await;
    let (_, _, _, token) = member(&api).await;
    let wrapped = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"name": "Wrapped", "display_name": "W", "message_signature": "-- W", "ui_settings": {"theme": "dark"}, "phone_number": "+15550100"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(wrapped.body["name"], "Wrapped");
    assert_eq!(wrapped.body["available_name"], "W");
    assert_eq!(wrapped.body["message_signature"], "-- W");
    assert_eq!(wrapped.body["ui_settings"], json!({"theme": "dark"}));
    assert_eq!(
        wrapped.body["custom_attributes"],
        json!({"phone_number": "+15550100"})
    );
    let flat = api
        .patch("/api/v1/profile")
        .token(&token)
        .json(json!({"name": "Flat", "ui_settings": {"locale": "fr"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(flat.body["name"], "Flat");
    assert_eq!(
        flat.body["ui_settings"],
        json!({"locale": "fr"}),
        "ui_settings is replaced"
    );
    let form = api
        .put("/api/v1/profile")
        .token(&token)
        .body(
            "application/x-www-form-urlencoded",
            "profile%5Bname%5D=Form+Name",
        )
        .send()
        .await
        .expect(200);
    assert_eq!(form.body["name"], "Form Name");
}

#[tokio::test]
async fn update_rejects_bad_input_without_changes() {
    let api = TestApi::new().await;
    let (_, _, _, token) = member(&api).await;
    let empty = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(
        empty.body,
        json!({"error": "param is missing or the value is empty: profile"})
    );
    let long = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"name": "n".repeat(256)}}))
        .send()
        .await;
    assert_eq!(long.status, 422);
    assert_eq!(
        long.body,
        json!({"message": "Name is too long (maximum is 255 characters)", "attributes": ["name"]})
    );
    let malformed = api
        .put("/api/v1/profile")
        .token(&token)
        .body("application/json", "{")
        .send()
        .await;
    assert_eq!(malformed.status, 400);
    let shown = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "Test User");
}

#[tokio::test]
async fn password_changes_need_the_current_password() {
    let api = TestApi::new().await;
    let (_, _, _, token) = member(&api).await;
    let wrong = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"password": "Newpass1!", "password_confirmation": "Newpass1!", "current_password": "nope"}}))
        .send()
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.body, json!({"error": "Invalid current password"}));
    let mismatch = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"password": "Newpass1!", "password_confirmation": "Other1!x", "current_password": "Password1!"}}))
        .send()
        .await;
    assert_eq!(mismatch.status, 422);
    assert_eq!(
        mismatch.body["attributes"],
        json!(["password_confirmation"])
    );
    let before = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    let changed = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"password": "Newpass1!", "password_confirmation": "Newpass1!", "current_password": "Password1!"}}))
        .send()
        .await
        .expect(200);
    assert_ne!(changed.body["pubsub_token"], before.body["pubsub_token"]);
    // The old password no longer counts as current.
    let stale = api
        .put("/api/v1/profile")
        .token(&token)
        .json(json!({"profile": {"password": "Third333#", "password_confirmation": "Third333#", "current_password": "Password1!"}}))
        .send()
        .await;
    assert_eq!(stale.status, 422);
}

#[tokio::test]
async fn avatar_upload_through_the_profile() {
    let api = TestApi::new().await;
    let (_, _, user, token) = member(&api).await;
    let boundary = "b0und4ry";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"profile[avatar]\"; filename=\"face.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEGDATA\r\n--{boundary}--\r\n"
    );
    let updated = api
        .put("/api/v1/profile")
        .token(&token)
        .body(&format!("multipart/form-data; boundary={boundary}"), body)
        .send()
        .await
        .expect(200);
    let url = updated.text("avatar_url");
    assert!(url.contains("face.jpg"), "{url}");
    let item = api
        .state()
        .store
        .get(&shared::keys::user(user))
        .await
        .unwrap()
        .unwrap();
    let key = item["avatar_key"].as_str().unwrap();
    let blob = api.state().blobs.get(key).await.unwrap().unwrap();
    assert_eq!(blob.bytes.as_ref(), b"JPEGDATA");
}
