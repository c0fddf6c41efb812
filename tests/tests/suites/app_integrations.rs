//! `/api/v1/accounts/{account_id}/integrations`: the app catalogue and hooks (which this
//! service refuses for every app; see `shared::domain::integrations`).

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn path(fx: &AccountFixture, rest: &str) -> String {
    format!("/api/v1/accounts/{}/integrations/{rest}", fx.account)
}

/// Every app of Chatwoot's catalogue.
const CATALOGUE: [&str; 11] = [
    "webhook",
    "dashboard_apps",
    "openai",
    "linear",
    "notion",
    "slack",
    "dialogflow",
    "google_translate",
    "dyte",
    "shopify",
    "leadsquared",
];

/// What Chatwoot lists on an installation without third-party OAuth credentials.
const LISTED: [&str; 6] = [
    "webhook",
    "dashboard_apps",
    "openai",
    "dialogflow",
    "google_translate",
    "dyte",
];

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

async fn apps(api: &TestApi, fx: &AccountFixture, token: &str) -> Vec<Value> {
    let response = api
        .get(&path(fx, "apps"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert_eq!(keys(&response.body), ["payload"]);
    response.body["payload"].as_array().unwrap().clone()
}

fn ids(apps: &[Value]) -> Vec<&str> {
    apps.iter().map(|app| app["id"].as_str().unwrap()).collect()
}

fn app<'a>(apps: &'a [Value], id: &str) -> &'a Value {
    apps.iter()
        .find(|app| app["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

#[tokio::test]
async fn integration_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hook = "/api/v1/accounts/{account}/integrations/hooks/1";
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/integrations/apps",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/integrations/apps/webhook",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/integrations/hooks",
                json!({"hook": {"app_id": "openai"}}),
                true,
            ),
            GuardedRoute::new(Method::PATCH, hook, json!({"status": 1}), false),
            GuardedRoute::new(Method::PUT, hook, json!({"status": 1}), false),
            GuardedRoute::new(Method::DELETE, hook, json!(null), false),
            GuardedRoute::new(
                Method::POST,
                format!("{hook}/process_event"),
                json!({"event": {"name": "reply_suggestion", "data": {}}}),
                false,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn apps_are_listed_as_chatwoot_lists_them() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;

    // An agent sees the listed apps without their catalogue parameters; none is enabled yet.
    let listed = apps(&api, &fx, &fx.agent.1).await;
    assert_eq!(ids(&listed), LISTED);
    for app in &listed {
        assert_eq!(
            keys(app),
            [
                "id",
                "name",
                "description",
                "short_description",
                "enabled",
                "hooks"
            ]
        );
        assert_eq!(app["enabled"], false, "{app}");
        assert_eq!(app["hooks"], json!([]));
    }
    let webhook = app(&listed, "webhook");
    assert_eq!(webhook["name"], "Webhooks");
    assert_eq!(webhook["short_description"], Value::Null);
    assert!(webhook["description"]
        .as_str()
        .unwrap()
        .starts_with("Webhook events"));
    assert_eq!(app(&listed, "openai")["name"], "OpenAI");
    assert!(app(&listed, "openai")["short_description"].is_string());

    // An administrator also gets the catalogue parameters, the action and the button.
    let listed = apps(&api, &fx, &fx.admin.1).await;
    assert_eq!(ids(&listed), LISTED);
    let webhook = app(&listed, "webhook");
    assert_eq!(
        keys(webhook),
        [
            "id",
            "name",
            "description",
            "short_description",
            "enabled",
            "logo",
            "i18n_key",
            "action",
            "hook_type",
            "allow_multiple_hooks",
            "button",
            "hooks"
        ]
    );
    assert_eq!(webhook["logo"], "webhooks.png");
    assert_eq!(webhook["i18n_key"], "webhooks");
    assert_eq!(webhook["action"], "/webhook");
    assert_eq!(webhook["button"], "/webhook");
    assert_eq!(webhook["hook_type"], "account");
    assert_eq!(webhook["allow_multiple_hooks"], true);
    let dashboard_apps = app(&listed, "dashboard_apps");
    assert_eq!(
        dashboard_apps["action"],
        Value::Null,
        "no action in the catalogue"
    );
    assert_eq!(dashboard_apps["button"], Value::Null);
    let dialogflow = app(&listed, "dialogflow");
    assert_eq!(dialogflow["hook_type"], "inbox");
    assert_eq!(
        dialogflow["settings_json_schema"]["required"],
        json!(["project_id", "credentials"])
    );
    assert!(dialogflow["settings_form_schema"].is_array());

    // The webhook app is enabled while the account has a webhook.
    let webhooks = format!("/api/v1/accounts/{}/webhooks", fx.account);
    let created = api
        .post(&webhooks)
        .token(&fx.admin.1)
        .json(json!({"url": "https://example.com/hook"}))
        .send()
        .await
        .expect(200);
    let enabled: Vec<(String, bool)> = apps(&api, &fx, &fx.agent.1)
        .await
        .iter()
        .map(|app| {
            (
                app["id"].as_str().unwrap().to_owned(),
                app["enabled"] == true,
            )
        })
        .collect();
    assert!(enabled
        .iter()
        .all(|(id, enabled)| *enabled == (id == "webhook")));
    let shown = api
        .get(&path(&fx, "apps/webhook"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["enabled"], true);
    api.delete(&format!(
        "{webhooks}/{}",
        created.body["payload"]["webhook"]["id"]
    ))
    .token(&fx.admin.1)
    .send()
    .await
    .expect(200);
    assert_eq!(
        app(&apps(&api, &fx, &fx.agent.1).await, "webhook")["enabled"],
        false
    );

    // LeadSquared is listed for accounts with the CRM integration feature.
    api.patch(&format!("/platform/api/v1/accounts/{}", fx.account))
        .token(&fx.platform)
        .json(json!({"features": {"crm_integration": true}}))
        .send()
        .await
        .expect(200);
    let listed = apps(&api, &fx, &fx.admin.1).await;
    assert_eq!(ids(&listed).last(), Some(&"leadsquared"));
    assert_eq!(
        app(&listed, "leadsquared")["feature_flag"],
        "crm_integration"
    );
}

#[tokio::test]
async fn any_catalogue_app_is_shown_by_id() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let admin_listed = apps(&api, &fx, &fx.admin.1).await;
    let agent_listed = apps(&api, &fx, &fx.agent.1).await;
    for id in CATALOGUE {
        for (token, listed) in [(&fx.admin.1, &admin_listed), (&fx.agent.1, &agent_listed)] {
            let shown = api
                .get(&path(&fx, &format!("apps/{id}")))
                .token(token)
                .send()
                .await
                .expect(200);
            assert_eq!(shown.body["id"], id);
            assert_eq!(shown.body["enabled"], false);
            if LISTED.contains(&id) {
                assert_eq!(
                    &shown.body,
                    app(listed, id),
                    "show renders as the list does"
                );
            }
        }
    }
    let slack = api
        .get(&path(&fx, "apps/slack"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(slack.body["name"], "Slack");
    assert_eq!(
        slack.body["visible_properties"],
        json!(["channel_name", "message_mode"])
    );
    for unknown in ["zapier", "webhooks", "WEBHOOK"] {
        let response = api
            .get(&path(&fx, &format!("apps/{unknown}")))
            .token(&fx.agent.1)
            .send()
            .await
            .expect(404);
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
}

#[tokio::test]
async fn no_app_accepts_hooks_here() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hooks = path(&fx, "hooks");
    let refused = |message: &str| json!({"message": message, "attributes": ["app_id"]});
    let mut cases: Vec<(Value, Value)> = CATALOGUE
        .iter()
        .map(|id| {
            (
                json!({"hook": {"app_id": id, "status": "enabled", "settings": {}}}),
                refused("App is not supported on this installation"),
            )
        })
        .collect();
    cases.extend([
        // Top-level keys are wrapped, as Rails does.
        (
            json!({"app_id": "dialogflow", "inbox_id": 1, "settings": {"project_id": "p"}}),
            refused("App is not supported on this installation"),
        ),
        (
            json!({"hook": {"app_id": "zapier"}}),
            refused("App is not included in the list"),
        ),
        (
            json!({"app_id": 1, "status": 1}),
            refused("App is not included in the list"),
        ),
        (
            json!({"hook": {"status": "enabled"}}),
            refused("App can't be blank"),
        ),
        (
            json!({"hook": {"app_id": ""}}),
            refused("App can't be blank"),
        ),
        (
            json!({}),
            json!({"error": "param is missing or the value is empty: hook"}),
        ),
    ]);
    for (body, expected) in &cases {
        let response = api
            .post(&hooks)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(&response.body, expected, "{body}");
    }
    // The role is checked first.
    let response = api
        .post(&hooks)
        .token(&fx.agent.1)
        .json(json!({}))
        .send()
        .await
        .expect(401);
    assert_eq!(
        response.body,
        json!({"error": "You are not authorized to do this action"})
    );
    // Nothing was stored: no app has a hook or is enabled.
    assert!(apps(&api, &fx, &fx.admin.1)
        .await
        .iter()
        .all(|app| app["hooks"] == json!([]) && app["enabled"] == false));

    // The routes naming a hook find none, for administrators and agents alike (Chatwoot
    // looks the hook up before checking the role).
    for token in [&fx.admin.1, &fx.agent.1] {
        for (method, rest) in [
            (Method::PATCH, "hooks/1"),
            (Method::PUT, "hooks/1"),
            (Method::DELETE, "hooks/1"),
            (Method::POST, "hooks/1/process_event"),
            (Method::DELETE, "hooks/abc"),
        ] {
            let response = api
                .request(method.clone(), &path(&fx, rest))
                .token(token)
                .json(json!({"status": "disabled", "event": {"name": "x"}}))
                .send()
                .await;
            assert_eq!(response.status, 404, "{method} {rest}: {}", response.body);
            assert_eq!(
                response.body,
                json!({"error": "Resource could not be found"})
            );
        }
    }
}
