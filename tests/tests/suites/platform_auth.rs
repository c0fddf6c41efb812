//! What every Platform operation shares: token checks before anything else, the permissible
//! rule (an app sees only what it created), unknown ids and malformed bodies.

use api_tests::{email, json, TestApi};
use http::Method;
use serde_json::Value;

/// Objects owned by one app, to aim requests at.
struct Fixture {
    account: i64,
    bot: i64,
    user: i64,
}

async fn fixture(api: &TestApi, platform: &str) -> Fixture {
    let account = api.create_account(platform, "Owned").await;
    let bot = api
        .create_id(
            "/platform/api/v1/agent_bots",
            platform,
            json!({"name": "Owned bot"}),
        )
        .await;
    let (user, _) = api.create_user(platform, &email("owned")).await;
    Fixture { account, bot, user }
}

/// Every Platform operation: method, path (`{account}`, `{bot}`, `{user}` filled in), body.
fn operations() -> Vec<(Method, &'static str, Value)> {
    vec![
        (Method::GET, "/platform/api/v1/accounts", Value::Null),
        (
            Method::POST,
            "/platform/api/v1/accounts",
            json!({"name": "X"}),
        ),
        (
            Method::GET,
            "/platform/api/v1/accounts/{account}",
            Value::Null,
        ),
        (
            Method::PATCH,
            "/platform/api/v1/accounts/{account}",
            json!({"name": "Y"}),
        ),
        (
            Method::PUT,
            "/platform/api/v1/accounts/{account}",
            json!({"name": "Y"}),
        ),
        (
            Method::DELETE,
            "/platform/api/v1/accounts/{account}",
            Value::Null,
        ),
        (
            Method::GET,
            "/platform/api/v1/accounts/{account}/account_users",
            Value::Null,
        ),
        (
            Method::POST,
            "/platform/api/v1/accounts/{account}/account_users",
            json!({"user_id": 1, "role": "agent"}),
        ),
        (
            Method::DELETE,
            "/platform/api/v1/accounts/{account}/account_users",
            json!({"user_id": 1}),
        ),
        (Method::GET, "/platform/api/v1/agent_bots", Value::Null),
        (
            Method::POST,
            "/platform/api/v1/agent_bots",
            json!({"name": "B"}),
        ),
        (
            Method::GET,
            "/platform/api/v1/agent_bots/{bot}",
            Value::Null,
        ),
        (
            Method::PATCH,
            "/platform/api/v1/agent_bots/{bot}",
            json!({"name": "C"}),
        ),
        (
            Method::PUT,
            "/platform/api/v1/agent_bots/{bot}",
            json!({"name": "C"}),
        ),
        (
            Method::DELETE,
            "/platform/api/v1/agent_bots/{bot}",
            Value::Null,
        ),
        (
            Method::DELETE,
            "/platform/api/v1/agent_bots/{bot}/avatar",
            Value::Null,
        ),
        (
            Method::POST,
            "/platform/api/v1/users",
            json!({"name": "U", "email": "u@example.com", "password": "Password1!"}),
        ),
        (Method::GET, "/platform/api/v1/users/{user}", Value::Null),
        (
            Method::PATCH,
            "/platform/api/v1/users/{user}",
            json!({"name": "V"}),
        ),
        (
            Method::PUT,
            "/platform/api/v1/users/{user}",
            json!({"name": "V"}),
        ),
        (Method::DELETE, "/platform/api/v1/users/{user}", Value::Null),
        (
            Method::GET,
            "/platform/api/v1/users/{user}/login",
            Value::Null,
        ),
        (
            Method::POST,
            "/platform/api/v1/users/{user}/token",
            Value::Null,
        ),
    ]
}

fn fill(path: &str, account: i64, bot: i64, user: i64) -> String {
    path.replace("{account}", &account.to_string())
        .replace("{bot}", &bot.to_string())
        .replace("{user}", &user.to_string())
}

async fn send(
    api: &TestApi,
    method: &Method,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> api_tests::TestResponse {
    let mut request = api.request(method.clone(), path);
    if let Some(token) = token {
        request = request.token(token);
    }
    if !body.is_null() {
        request = request.json(body.clone());
    }
    request.send().await
}

#[tokio::test]
async fn every_operation_refuses_missing_invalid_and_non_platform_tokens() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let owned = fixture(&api, &platform).await;
    let account = api.create_account(&platform, "Member account").await;
    let (user, user_token) = api.create_user(&platform, &email("member")).await;
    api.add_member(&platform, account, user, "administrator")
        .await;
    let expected = json!({"error": "Invalid access_token"});
    for (method, path, body) in operations() {
        let path = fill(path, owned.account, owned.bot, owned.user);
        for token in [
            None,
            Some("not-a-token"),
            Some(""),
            Some(user_token.as_str()),
        ] {
            let response = send(&api, &method, &path, &body, token).await;
            assert_eq!(
                response.status, 401,
                "{method} {path} with {token:?}: {}",
                response.body
            );
            assert_eq!(response.body, expected, "{method} {path} with {token:?}");
        }
    }
    // Nothing was changed by the refused requests.
    let shown = api
        .get(&format!("/platform/api/v1/accounts/{}", owned.account))
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "Owned");
}

#[tokio::test]
async fn another_apps_objects_are_non_permissible_and_untouched() {
    let api = TestApi::new().await;
    let owner = api.platform_token().await;
    let other = api.platform_token().await;
    let owned = fixture(&api, &owner).await;
    for (method, path, body) in operations() {
        if !path.contains('{') {
            continue;
        }
        let path = fill(path, owned.account, owned.bot, owned.user);
        let response = send(&api, &method, &path, &body, Some(&other)).await;
        assert_eq!(response.status, 401, "{method} {path}: {}", response.body);
        assert_eq!(
            response.body,
            json!({"error": "Non permissible resource"}),
            "{method} {path}"
        );
    }
    // The owner still sees everything unchanged, and the other app's lists hold none of it.
    for path in [
        format!("/platform/api/v1/accounts/{}", owned.account),
        format!("/platform/api/v1/agent_bots/{}", owned.bot),
        format!("/platform/api/v1/users/{}", owned.user),
    ] {
        api.get(&path).token(&owner).send().await.expect(200);
    }
    for list in ["/platform/api/v1/accounts", "/platform/api/v1/agent_bots"] {
        let listed = api.get(list).token(&other).send().await.expect(200);
        assert_eq!(listed.body, json!([]), "{list}");
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    for (method, path, body) in operations() {
        if !path.contains('{') {
            continue;
        }
        for id in ["999999", "abc", "-1", "0"] {
            let path = path
                .replace("{account}", id)
                .replace("{bot}", id)
                .replace("{user}", id);
            let response = send(&api, &method, &path, &body, Some(&platform)).await;
            assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
            assert_eq!(response.body, json!({"status": 404, "error": "Not Found"}));
        }
    }
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests_without_side_effects() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    let owned = fixture(&api, &platform).await;
    for (method, path, body) in operations() {
        if body.is_null() {
            continue;
        }
        let path = fill(path, owned.account, owned.bot, owned.user);
        let response = api
            .request(method.clone(), &path)
            .token(&platform)
            .body("application/json", "{\"name\": ")
            .send()
            .await;
        assert_eq!(response.status, 400, "{method} {path}: {}", response.body);
        assert_eq!(response.body["error"], "Bad Request");
    }
    let accounts = api
        .get("/platform/api/v1/accounts")
        .token(&platform)
        .send()
        .await
        .expect(200);
    assert_eq!(accounts.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn tokens_are_accepted_in_every_documented_header_form() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    for (name, value) in [
        ("api_access_token", platform.clone()),
        ("API_ACCESS_TOKEN", platform.clone()),
        ("api-access-token", platform.clone()),
        ("Authorization", format!("Bearer {platform}")),
        ("authorization", format!("bearer  {platform} ")),
    ] {
        api.get("/platform/api/v1/accounts")
            .header(name, &value)
            .send()
            .await
            .expect(200);
    }
    let basic = api
        .get("/platform/api/v1/accounts")
        .header("Authorization", &format!("Basic {platform}"))
        .send()
        .await;
    assert_eq!(basic.status, 401);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_framework_404() {
    let api = TestApi::new().await;
    let platform = api.platform_token().await;
    for (method, path) in [
        (Method::GET, "/platform/api/v1/nothing"),
        (Method::POST, "/platform/api/v1/users/1/unknown"),
        (Method::PATCH, "/platform/api/v1/accounts"),
        (Method::GET, "/nowhere"),
    ] {
        let response = api
            .request(method.clone(), path)
            .token(&platform)
            .send()
            .await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(response.body, json!({"status": 404, "error": "Not Found"}));
    }
}
