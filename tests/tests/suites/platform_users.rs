//! Platform API users: create (or adopt by e-mail), show, update, delete, SSO link, token.

use api_tests::{email, json, TestApi, FRONTEND_URL};

#[tokio::test]
async fn create_returns_the_platform_user_object() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let address = email("Jane.Doe");
    let created = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Jane", "display_name": "JD", "email": address.to_uppercase(), "password": "Password1!", "custom_attributes": {"tier": "gold"}}))
        .send()
        .await
        .expect(200);
    let user = &created.body;
    assert_eq!(user["name"], "Jane");
    assert_eq!(user["display_name"], "JD");
    assert_eq!(user["available_name"], "JD");
    assert_eq!(
        user["email"],
        address.to_lowercase(),
        "e-mail is stored lower-cased"
    );
    assert_eq!(user["uid"], address.to_lowercase());
    assert_eq!(user["provider"], "email");
    assert_eq!(user["confirmed"], true);
    assert_eq!(user["avatar_url"], "");
    assert_eq!(user["custom_attributes"], json!({"tier": "gold"}));
    assert_eq!(user["account_id"], serde_json::Value::Null);
    assert_eq!(user["role"], serde_json::Value::Null);
    assert_eq!(user["accounts"], json!([]));
    assert_eq!(user["access_token"].as_str().unwrap().len(), 24);
    assert!(user.get("password").is_none() && user.get("password_digest").is_none());
    let mut keys: Vec<&str> = user
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
            "custom_attributes",
            "display_name",
            "email",
            "id",
            "message_signature",
            "name",
            "provider",
            "pubsub_token",
            "role",
            "ui_settings",
            "uid"
        ]
    );
    // custom_attributes is left out when empty.
    let plain = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Plain", "email": email("plain"), "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    assert!(plain.body.get("custom_attributes").is_none());
}

#[tokio::test]
async fn an_existing_email_adopts_the_user_unchanged() {
    let api = TestApi::new().await;
    let first = api.platform_token().await;
    let second = api.platform_token().await;
    let address = email("shared");
    let original = api
        .post("/platform/api/v1/users")
        .token(&first)
        .json(json!({"name": "old test", "email": address, "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    let adopted = api
        .post("/platform/api/v1/users")
        .token(&second)
        .json(json!({"name": "new name", "email": address.to_uppercase(), "password": "x"}))
        .send()
        .await
        .expect(200);
    assert_eq!(adopted.id(), original.id());
    assert_eq!(
        adopted.body["name"], "old test",
        "the request's fields are ignored"
    );
    // Both apps may now see it.
    for app in [&first, &second] {
        api.get(&format!("/platform/api/v1/users/{}", original.id()))
            .token(app)
            .send()
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn create_validates_email_name_and_password() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let cases = [
        (json!({"name": "A", "password": "Password1!"}), "Email can't be blank", vec!["email"]),
        (json!({"name": "A", "email": "nope", "password": "Password1!"}), "Email is invalid", vec!["email"]),
        (json!({"email": email("x"), "password": "Password1!"}), "Name can't be blank", vec!["name"]),
        (json!({"name": "A", "email": email("x")}), "Password can't be blank", vec!["password"]),
        (
            json!({"name": "A", "email": email("x"), "password": "password"}),
            "Password must contain at least one uppercase letter, Password must contain at least one number, Password must contain at least one special character",
            vec!["password"],
        ),
        (json!({"name": "A", "email": email("x"), "password": "P1!a"}), "Password is too short (minimum is 6 characters)", vec!["password"]),
    ];
    for (body, message, attributes) in cases {
        let response = api
            .post("/platform/api/v1/users")
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
}

#[tokio::test]
async fn update_merges_custom_attributes_and_moves_the_email() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let created = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Jo", "email": email("jo"), "password": "Password1!", "custom_attributes": {"a": 1, "b": 2}}))
        .send()
        .await
        .expect(200);
    let path = format!("/platform/api/v1/users/{}", created.id());
    let new_address = email("moved");
    let updated = api
        .patch(&path)
        .token(&platform)
        .json(
            json!({"name": "Joanna", "email": new_address, "custom_attributes": {"b": 3, "c": 4}}),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(updated.body["name"], "Joanna");
    assert_eq!(updated.body["email"], new_address);
    assert_eq!(
        updated.body["custom_attributes"],
        json!({"a": 1, "b": 3, "c": 4})
    );
    // The old address is free again; the new one is taken.
    let reuse_old = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Other", "email": created.text("email"), "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    assert_ne!(reuse_old.id(), created.id());
    let taken = api
        .put(&path)
        .token(&platform)
        .json(json!({"email": created.text("email")}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.body,
        json!({"message": "Email has already been taken", "attributes": ["email"]})
    );
    // A password change rotates the realtime token.
    let rotated = api
        .patch(&path)
        .token(&platform)
        .json(json!({"password": "Another2@"}))
        .send()
        .await
        .expect(200);
    assert_ne!(rotated.body["pubsub_token"], updated.body["pubsub_token"]);
    let weak = api
        .patch(&path)
        .token(&platform)
        .json(json!({"password": "weak"}))
        .send()
        .await;
    assert_eq!(weak.status, 422);
}

#[tokio::test]
async fn user_json_lists_memberships_and_the_active_account() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let first = api.create_account(&platform, "First").await;
    let second = api.create_account(&platform, "Second").await;
    let (user, _) = api.create_user(&platform, &email("multi")).await;
    api.add_member(&platform, first, user, "agent").await;
    api.add_member(&platform, second, user, "administrator")
        .await;
    let shown = api
        .get(&format!("/platform/api/v1/users/{user}"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    let accounts = shown.body["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(
        accounts[0],
        json!({"id": first, "name": "First", "active_at": null, "role": "agent"})
    );
    assert_eq!(
        accounts[1],
        json!({"id": second, "name": "Second", "active_at": null, "role": "administrator"})
    );
    assert!([first, second].contains(&shown.body["account_id"].as_i64().unwrap()));
    // Renaming an account shows up in its members' JSON.
    api.patch(&format!("/platform/api/v1/accounts/{first}"))
        .token(&platform)
        .json(json!({"name": "First renamed"}))
        .send()
        .await
        .expect(200);
    let shown = api
        .get(&format!("/platform/api/v1/users/{user}"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["accounts"][0]["name"], "First renamed");
}

#[tokio::test]
async fn login_gives_a_single_use_link_and_token_gives_the_api_token() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let address = email("dev+testing");
    let created = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Dev", "email": address, "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    let login = api
        .get(&format!("/platform/api/v1/users/{id}/login"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    let url = login.text("url");
    let encoded = address.replace('+', "%2B").replace('@', "%40");
    let prefix = format!("{FRONTEND_URL}/app/login?email={encoded}&sso_auth_token=");
    assert!(url.starts_with(&prefix), "{url}");
    let sso = &url[prefix.len()..];
    assert_eq!(sso.len(), 64);
    assert!(sso.chars().all(|c| c.is_ascii_hexdigit()));
    let again = api
        .get(&format!("/platform/api/v1/users/{id}/login"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_ne!(again.text("url"), url, "each link is new");
    let stored = api
        .state()
        .store
        .get(&shared::keys::sso_token(id, sso))
        .await
        .unwrap()
        .expect("the link's token is stored");
    let ttl = stored["expires_at"].as_i64().unwrap() - api.state().clock.now().unix_timestamp();
    assert!((290..=300).contains(&ttl), "valid for five minutes: {ttl}");

    let token = api
        .post(&format!("/platform/api/v1/users/{id}/token"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(
        token.body,
        json!({
            "access_token": created.body["access_token"],
            "expiry": null,
            "user": {
                "id": id, "name": "Dev", "display_name": null, "email": address,
                "pubsub_token": created.body["pubsub_token"]
            }
        })
    );
}

#[tokio::test]
async fn delete_revokes_the_token_and_frees_the_email() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Team").await;
    let address = email("gone");
    let created = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Gone", "email": address, "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    api.add_member(&platform, account, created.id(), "agent")
        .await;
    let path = format!("/platform/api/v1/users/{}", created.id());
    let deleted = api.delete(&path).token(&platform).send().await.expect(200);
    assert!(deleted.raw.is_empty());
    api.get(&path).token(&platform).send().await.expect(404);
    let profile = api
        .get("/api/v1/profile")
        .token(&created.text("access_token"))
        .send()
        .await;
    assert_eq!(profile.status, 401);
    assert_eq!(profile.body, json!({"error": "Invalid Access Token"}));
    let members = api
        .get(&format!(
            "/platform/api/v1/accounts/{account}/account_users"
        ))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(members.body, json!([]));
    let recreated = api
        .post("/platform/api/v1/users")
        .token(&platform)
        .json(json!({"name": "Back", "email": address, "password": "Password1!"}))
        .send()
        .await
        .expect(200);
    assert_ne!(recreated.id(), created.id());
}
