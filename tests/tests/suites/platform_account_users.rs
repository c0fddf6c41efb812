//! Platform API account users: list, upsert, remove.

use api_tests::{email, json, TestApi};

#[tokio::test]
async fn create_is_an_upsert_and_list_shows_raw_rows() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Team").await;
    let (user, _) = api.create_user(&platform, &email("agent")).await;
    let path = format!("/platform/api/v1/accounts/{account}/account_users");
    let created = api
        .post(&path)
        .token(&platform)
        .json(json!({"user_id": user}))
        .send()
        .await
        .expect(200);
    let row = &created.body;
    assert_eq!(row["account_id"], account);
    assert_eq!(row["user_id"], user);
    assert_eq!(row["role"], "agent", "role defaults to agent");
    assert_eq!(row["availability"], "online");
    assert_eq!(row["auto_offline"], true);
    assert_eq!(row["active_at"], serde_json::Value::Null);
    assert!(row["created_at"].as_str().unwrap().ends_with('Z'));
    let upserted = api
        .post(&path)
        .token(&platform)
        .json(json!({"user_id": user.to_string(), "role": "administrator"}))
        .send()
        .await
        .expect(200);
    assert_eq!(upserted.body["id"], row["id"], "same membership, new role");
    assert_eq!(upserted.body["role"], "administrator");
    let listed = api.get(&path).token(&platform).send().await.expect(200);
    assert_eq!(listed.body, json!([upserted.body]));
}

#[tokio::test]
async fn a_user_of_another_app_can_be_attached() {
    // The permissible check is on the account only (Chatwoot's rule).
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let other = api.platform_token().await;
    let account = api.create_account(&platform, "Team").await;
    let (user, _) = api.create_user(&other, &email("foreign")).await;
    api.add_member(&platform, account, user, "agent").await;
}

#[tokio::test]
async fn bad_members_are_refused() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Team").await;
    let (user, _) = api.create_user(&platform, &email("agent")).await;
    let path = format!("/platform/api/v1/accounts/{account}/account_users");
    for (body, status, expected) in [
        (
            json!({"user_id": 424242}),
            422,
            json!({"message": "User must exist", "attributes": ["user"]}),
        ),
        (
            json!({"role": "agent"}),
            422,
            json!({"message": "User must exist", "attributes": ["user"]}),
        ),
        (
            json!({"user_id": user, "role": "owner"}),
            422,
            json!({"message": "Role is not included in the list", "attributes": ["role"]}),
        ),
    ] {
        let response = api
            .post(&path)
            .token(&platform)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, status, "{body}");
        assert_eq!(response.body, expected, "{body}");
    }
    let bad_id = api
        .post(&path)
        .token(&platform)
        .json(json!({"user_id": "twelve"}))
        .send()
        .await;
    assert_eq!(bad_id.status, 400);
    let listed = api.get(&path).token(&platform).send().await.expect(200);
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn delete_removes_the_membership_from_both_sides() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Team").await;
    let (user, token) = api.create_user(&platform, &email("agent")).await;
    api.add_member(&platform, account, user, "administrator")
        .await;
    let path = format!("/platform/api/v1/accounts/{account}/account_users");
    let deleted = api
        .delete(&path)
        .token(&platform)
        .json(json!({"user_id": user}))
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty());
    let listed = api.get(&path).token(&platform).send().await.expect(200);
    assert_eq!(listed.body, json!([]));
    let profile = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    assert_eq!(profile.body["accounts"], json!([]));
    // Removing again, or via the query string, or for nobody, still answers 200.
    api.delete(&format!("{path}?user_id={user}"))
        .token(&platform)
        .send()
        .await
        .expect(200);
    api.delete(&path).token(&platform).send().await.expect(200);
}
