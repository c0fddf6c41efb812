//! `/api/v1/accounts/{account_id}/audit_logs`, and the entries every audited change writes.

use api_tests::{check_account_guards, json, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;

fn base(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}", fx.account)
}

/// Turns an account's `audit_logs` feature on or off through the Platform API (itself an
/// audited account change, made by no user).
async fn set_feature(api: &TestApi, fx: &AccountFixture, account: i64, on: bool) {
    api.patch(&format!("/platform/api/v1/accounts/{account}"))
        .token(&fx.platform)
        .json(json!({"features": {"audit_logs": on}}))
        .send()
        .await
        .expect(200);
}

async fn enabled_fixture(api: &TestApi) -> AccountFixture {
    let fx = api.account_fixture().await;
    set_feature(api, &fx, fx.account, true).await;
    fx
}

async fn list(api: &TestApi, account: i64, token: &str, query: &str) -> Value {
    api.get(&format!("/api/v1/accounts/{account}/audit_logs{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

fn total(page: &Value) -> i64 {
    page["total_entries"].as_i64().expect("total_entries")
}

fn entries(page: &Value) -> &Vec<Value> {
    page["audit_logs"].as_array().expect("audit_logs")
}

/// Runs `change` and answers the entries it added, newest first, checking it added `count`.
async fn added<F: std::future::Future<Output = ()>>(
    api: &TestApi,
    fx: &AccountFixture,
    count: usize,
    change: F,
) -> Vec<Value> {
    let before = total(&list(api, fx.account, &fx.admin.1, "").await);
    change.await;
    let after = list(api, fx.account, &fx.admin.1, "").await;
    assert_eq!(total(&after), before + count as i64, "{after}");
    entries(&after)[..count].to_vec()
}

async fn one(
    api: &TestApi,
    fx: &AccountFixture,
    change: impl std::future::Future<Output = ()>,
) -> Value {
    added(api, fx, 1, change).await.remove(0)
}

async fn send_ok(api: &TestApi, method: Method, path: &str, token: &str, body: Value) -> Value {
    let mut request = api.request(method, path).token(token);
    if !body.is_null() {
        request = request.json(body);
    }
    request.send().await.expect(200).body
}

async fn email_of(api: &TestApi, token: &str) -> String {
    send_ok(api, Method::GET, "/api/v1/profile", token, Value::Null).await["email"]
        .as_str()
        .expect("email")
        .to_owned()
}

/// Asserts the entry's kind and that the administrator made it.
fn assert_by_admin(entry: &Value, fx: &AccountFixture, email: &str, kind: (&str, &str)) {
    assert_eq!(
        (entry["auditable_type"].as_str(), entry["action"].as_str()),
        (Some(kind.0), Some(kind.1)),
        "{entry}"
    );
    assert_eq!(entry["user_id"], json!(fx.admin.0), "{entry}");
    assert_eq!(entry["user_type"], json!("User"));
    assert_eq!(entry["username"], json!(email));
    assert_eq!(entry["associated_type"], json!("Account"));
    assert_eq!(entry["associated_id"], json!(fx.account));
    assert!(entry["request_uuid"]
        .as_str()
        .is_some_and(|u| !u.is_empty()));
    assert_eq!(entry["remote_address"], Value::Null);
    assert!(entry["created_at"]
        .as_i64()
        .is_some_and(|t| t > 1_700_000_000));
}

#[tokio::test]
async fn audit_logs_are_for_administrators_only() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    check_account_guards(
        &api,
        &fx,
        &[GuardedRoute::new(
            Method::GET,
            "/api/v1/accounts/{account}/audit_logs",
            json!(null),
            true,
        )],
    )
    .await;
}

#[tokio::test]
async fn inbox_changes_and_memberships_are_recorded_with_their_actor() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    let email = email_of(&api, &fx.admin.1).await;
    let inboxes = format!("{}/inboxes", base(&fx));
    let mut inbox = 0;
    let created = one(&api, &fx, async {
        inbox = send_ok(
            &api,
            Method::POST,
            &inboxes,
            &fx.admin.1,
            json!({"name": "Support", "channel": {"type": "api"}}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
    })
    .await;
    assert_by_admin(&created, &fx, &email, ("Inbox", "create"));
    assert_eq!(created["auditable_id"], json!(inbox));
    assert_eq!(created["version"], json!(1));
    assert_eq!(created["audited_changes"]["name"], json!("Support"));
    assert_eq!(
        created["audited_changes"]["channel_type"],
        json!("Channel::Api")
    );
    assert!(created["audited_changes"].get("channel").is_none());
    // Inboxes have no push data in Chatwoot.
    assert_eq!(created["auditable"], Value::Null);

    let one_inbox = format!("{inboxes}/{inbox}");
    let updated = one(&api, &fx, async {
        send_ok(
            &api,
            Method::PATCH,
            &one_inbox,
            &fx.admin.1,
            json!({"name": "Help", "greeting_enabled": true}),
        )
        .await;
    })
    .await;
    assert_by_admin(&updated, &fx, &email, ("Inbox", "update"));
    assert_eq!(
        updated["audited_changes"],
        json!({"name": ["Support", "Help"], "greeting_enabled": [false, true]})
    );
    assert_eq!(updated["version"], json!(2));
    // Nothing audited changes: nothing is recorded.
    added(&api, &fx, 0, async {
        send_ok(
            &api,
            Method::PATCH,
            &one_inbox,
            &fx.admin.1,
            json!({"name": "Help"}),
        )
        .await;
    })
    .await;

    let members = format!("{}/inbox_members", base(&fx));
    let joined = one(&api, &fx, async {
        send_ok(
            &api,
            Method::POST,
            &members,
            &fx.admin.1,
            json!({"inbox_id": inbox, "user_ids": [fx.agent.0]}),
        )
        .await;
    })
    .await;
    assert_by_admin(&joined, &fx, &email, ("InboxMember", "create"));
    assert_eq!(
        joined["audited_changes"],
        json!({"inbox_id": inbox, "user_id": fx.agent.0})
    );
    let left = one(&api, &fx, async {
        api.delete(&members)
            .token(&fx.admin.1)
            .json(json!({"inbox_id": inbox, "user_ids": [fx.agent.0]}))
            .send()
            .await
            .expect(200);
    })
    .await;
    assert_by_admin(&left, &fx, &email, ("InboxMember", "destroy"));
    assert_eq!(
        left["audited_changes"],
        json!({"inbox_id": inbox, "user_id": fx.agent.0})
    );
    // Several members joining at once: one entry each.
    let both = added(&api, &fx, 2, async {
        send_ok(
            &api,
            Method::PATCH,
            &members,
            &fx.admin.1,
            json!({"inbox_id": inbox, "user_ids": [fx.agent.0, fx.admin.0]}),
        )
        .await;
    })
    .await;
    let mut joined: Vec<Value> = both
        .iter()
        .map(|e| e["audited_changes"]["user_id"].clone())
        .collect();
    joined.sort_by_key(|id| id.as_i64());
    let mut expected = vec![json!(fx.agent.0), json!(fx.admin.0)];
    expected.sort_by_key(|id| id.as_i64());
    assert_eq!(joined, expected);

    let deleted = one(&api, &fx, async {
        send_ok(&api, Method::DELETE, &one_inbox, &fx.admin.1, Value::Null).await;
    })
    .await;
    assert_by_admin(&deleted, &fx, &email, ("Inbox", "destroy"));
    assert_eq!(deleted["auditable_id"], json!(inbox));
    assert_eq!(deleted["audited_changes"]["name"], json!("Help"));
}

#[tokio::test]
async fn team_changes_and_memberships_are_recorded() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    let email = email_of(&api, &fx.admin.1).await;
    let teams = format!("{}/teams", base(&fx));
    let mut team = 0;
    let created = one(&api, &fx, async {
        team = send_ok(
            &api,
            Method::POST,
            &teams,
            &fx.admin.1,
            json!({"name": "Billing", "description": "Money"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
    })
    .await;
    assert_by_admin(&created, &fx, &email, ("Team", "create"));
    assert_eq!(
        created["audited_changes"],
        json!({"account_id": fx.account, "name": "billing", "description": "Money", "allow_auto_assign": true})
    );
    let one_team = format!("{teams}/{team}");
    let updated = one(&api, &fx, async {
        send_ok(
            &api,
            Method::PATCH,
            &one_team,
            &fx.admin.1,
            json!({"allow_auto_assign": false}),
        )
        .await;
    })
    .await;
    assert_by_admin(&updated, &fx, &email, ("Team", "update"));
    assert_eq!(
        updated["audited_changes"],
        json!({"allow_auto_assign": [true, false]})
    );
    let members = format!("{one_team}/team_members");
    let joined = one(&api, &fx, async {
        send_ok(
            &api,
            Method::POST,
            &members,
            &fx.admin.1,
            json!({"user_ids": [fx.agent.0]}),
        )
        .await;
    })
    .await;
    assert_by_admin(&joined, &fx, &email, ("TeamMember", "create"));
    assert_eq!(
        joined["audited_changes"],
        json!({"team_id": team, "user_id": fx.agent.0})
    );
    let left = one(&api, &fx, async {
        api.delete(&members)
            .token(&fx.admin.1)
            .json(json!({"user_ids": [fx.agent.0]}))
            .send()
            .await
            .expect(200);
    })
    .await;
    assert_by_admin(&left, &fx, &email, ("TeamMember", "destroy"));
    let deleted = one(&api, &fx, async {
        send_ok(&api, Method::DELETE, &one_team, &fx.admin.1, Value::Null).await;
    })
    .await;
    assert_by_admin(&deleted, &fx, &email, ("Team", "destroy"));
    assert_eq!(deleted["auditable_id"], json!(team));
    assert_eq!(deleted["audited_changes"]["name"], json!("billing"));
}

#[tokio::test]
async fn agents_account_settings_and_conversation_deletion_are_recorded() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    let email = email_of(&api, &fx.admin.1).await;
    let agents = format!("{}/agents", base(&fx));
    let mut agent = 0;
    let created = one(&api, &fx, async {
        agent = send_ok(
            &api,
            Method::POST,
            &agents,
            &fx.admin.1,
            json!({"name": "Ann", "email": api_tests::email("ann"), "role": "agent"}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
    })
    .await;
    assert_by_admin(&created, &fx, &email, ("AccountUser", "create"));
    assert_eq!(
        created["audited_changes"],
        json!({"account_id": fx.account, "user_id": agent, "role": 0, "availability": 1, "inviter_id": fx.admin.0})
    );
    let one_agent = format!("{agents}/{agent}");
    let updated = one(&api, &fx, async {
        send_ok(
            &api,
            Method::PATCH,
            &one_agent,
            &fx.admin.1,
            json!({"role": "administrator", "availability": "busy"}),
        )
        .await;
    })
    .await;
    assert_by_admin(&updated, &fx, &email, ("AccountUser", "update"));
    assert_eq!(
        updated["audited_changes"],
        json!({"role": [0, 1], "availability": [1, 2]})
    );
    let removed = one(&api, &fx, async {
        send_ok(&api, Method::DELETE, &one_agent, &fx.admin.1, Value::Null).await;
    })
    .await;
    assert_by_admin(&removed, &fx, &email, ("AccountUser", "destroy"));
    assert_eq!(removed["audited_changes"]["user_id"], json!(agent));

    let account = one(&api, &fx, async {
        send_ok(
            &api,
            Method::PATCH,
            &base(&fx),
            &fx.admin.1,
            json!({"name": "Acme Corp", "auto_resolve_after": 1440}),
        )
        .await;
    })
    .await;
    assert_by_admin(&account, &fx, &email, ("Account", "update"));
    assert_eq!(account["auditable_id"], json!(fx.account));
    assert_eq!(
        account["audited_changes"]["name"],
        json!(["Acme", "Acme Corp"])
    );
    assert_eq!(
        account["audited_changes"]["settings"][1]["auto_resolve_after"],
        json!(1440)
    );

    let inbox = api
        .create_id(
            &format!("{}/inboxes", base(&fx)),
            &fx.admin.1,
            json!({"name": "Support", "channel": {"type": "api"}}),
        )
        .await;
    let contact = send_ok(
        &api,
        Method::POST,
        &format!("{}/contacts", base(&fx)),
        &fx.admin.1,
        json!({"name": "Carla"}),
    )
    .await["payload"]["contact"]["id"]
        .clone();
    let conversation = send_ok(
        &api,
        Method::POST,
        &format!("{}/conversations", base(&fx)),
        &fx.admin.1,
        json!({"inbox_id": inbox, "contact_id": contact}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let deleted = one(&api, &fx, async {
        send_ok(
            &api,
            Method::DELETE,
            &format!("{}/conversations/{conversation}", base(&fx)),
            &fx.admin.1,
            Value::Null,
        )
        .await;
    })
    .await;
    assert_by_admin(&deleted, &fx, &email, ("Conversation", "destroy"));
    assert_eq!(
        deleted["audited_changes"]["display_id"],
        json!(conversation)
    );
    assert_eq!(deleted["audited_changes"]["inbox_id"], json!(inbox));
    assert_eq!(deleted["auditable"], Value::Null);
}

#[tokio::test]
async fn platform_changes_have_no_user_and_sso_links_record_sign_ins() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let enabling = one_after_enabling(&api, &fx).await;
    assert_eq!(
        (
            enabling["auditable_type"].as_str(),
            enabling["action"].as_str()
        ),
        (Some("Account"), Some("update"))
    );
    for user_field in ["user_id", "user_type", "username"] {
        assert_eq!(enabling[user_field], Value::Null, "{enabling}");
    }
    let features = &enabling["audited_changes"]["features"];
    assert!(!features[0]
        .as_array()
        .unwrap()
        .contains(&json!("audit_logs")));
    assert!(features[1]
        .as_array()
        .unwrap()
        .contains(&json!("audit_logs")));

    // A platform app adding a member: no user either.
    let (newcomer, _) = api
        .create_user(&fx.platform, &api_tests::email("newcomer"))
        .await;
    let joined = one(&api, &fx, async {
        api.add_member(&fx.platform, fx.account, newcomer, "agent")
            .await;
    })
    .await;
    assert_eq!(joined["auditable_type"], json!("AccountUser"));
    assert_eq!(joined["action"], json!("create"));
    assert_eq!(joined["user_id"], Value::Null);

    // The SSO link signs the administrator in: an entry in each of their accounts.
    let email = email_of(&api, &fx.admin.1).await;
    let signed_in = one(&api, &fx, async {
        send_ok(
            &api,
            Method::GET,
            &format!("/platform/api/v1/users/{}/login", fx.admin.0),
            &fx.platform,
            Value::Null,
        )
        .await;
    })
    .await;
    assert_by_admin(&signed_in, &fx, &email, ("User", "sign_in"));
    assert_eq!(signed_in["auditable_id"], json!(fx.admin.0));
    assert_eq!(signed_in["audited_changes"], Value::Null);
    assert_eq!(signed_in["auditable"]["id"], json!(fx.admin.0));
    assert_eq!(signed_in["auditable"]["type"], json!("user"));
    // The suspended account the administrator belongs to got one too.
    set_feature(&api, &fx, fx.suspended_account, true).await;
    let storage = shared::domain::audit_logs::page(
        api.state(),
        &suspended(&api, fx.suspended_account).await,
        1,
        shared::domain::audit_logs::Order::NewestFirst,
    )
    .await
    .unwrap();
    assert!(storage
        .logs
        .iter()
        .any(|log| log.action == "sign_in" && log.auditable_id == Some(fx.admin.0)));
}

/// Enables the feature and answers the entry that recorded it.
async fn one_after_enabling(api: &TestApi, fx: &AccountFixture) -> Value {
    set_feature(api, fx, fx.account, true).await;
    entries(&list(api, fx.account, &fx.admin.1, "").await)[0].clone()
}

/// The stored account (the API refuses suspended accounts, so the log is read directly).
async fn suspended(api: &TestApi, account: i64) -> shared::model::Account {
    use shared::model::Record;
    let item = api
        .state()
        .store
        .get(&shared::keys::account(account))
        .await
        .unwrap()
        .unwrap();
    shared::model::Account::from_item(item).unwrap()
}

#[tokio::test]
async fn pages_of_fifteen_newest_first_with_the_total() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    let start = total(&list(&api, fx.account, &fx.admin.1, "").await);
    let teams = format!("{}/teams", base(&fx));
    for i in 0..17 {
        api.create_id(&teams, &fx.admin.1, json!({"name": format!("team {i}")}))
            .await;
    }
    let count = start + 17;
    let first = list(&api, fx.account, &fx.admin.1, "").await;
    assert_eq!(first["per_page"], json!(15));
    assert_eq!(first["current_page"], json!(1));
    assert_eq!(total(&first), count);
    let first_page = entries(&first);
    assert_eq!(first_page.len(), 15);
    assert_eq!(
        first_page[0]["audited_changes"]["name"],
        json!("team 16"),
        "newest first"
    );
    let ids: Vec<i64> = first_page
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    let second = list(&api, fx.account, &fx.admin.1, "?page=2").await;
    assert_eq!(second["current_page"], json!(2));
    assert_eq!(total(&second), count);
    let second_page = entries(&second);
    assert_eq!(second_page.len() as i64, (count - 15).min(15));
    assert!(second_page[0]["id"].as_i64().unwrap() < *ids.last().unwrap());

    let ascending = list(&api, fx.account, &fx.admin.1, "?sort=asc").await;
    let oldest: Vec<i64> = entries(&ascending)
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(oldest.windows(2).all(|w| w[0] < w[1]), "{oldest:?}");
    assert!(oldest[0] < *ids.last().unwrap());

    for page in [1_000_000, usize::MAX] {
        let beyond = list(&api, fx.account, &fx.admin.1, &format!("?page={page}")).await;
        assert_eq!(entries(&beyond).len(), 0, "{page}");
        assert_eq!(total(&beyond), count);
        assert_eq!(beyond["current_page"], json!(page));
    }
    let invalid = list(&api, fx.account, &fx.admin.1, "?page=abc").await;
    assert_eq!(invalid["current_page"], json!(1));
    assert_eq!(entries(&invalid).len(), 15);
}

#[tokio::test]
async fn with_the_feature_off_the_log_reads_as_empty() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    // Changes are recorded whatever the feature (members joined, the inbox below).
    api.create_id(
        &format!("{}/inboxes", base(&fx)),
        &fx.admin.1,
        json!({"name": "Support", "channel": {"type": "api"}}),
    )
    .await;
    let off = list(&api, fx.account, &fx.admin.1, "?page=2").await;
    assert_eq!(
        off,
        json!({"per_page": 15, "total_entries": 0, "current_page": 2, "audit_logs": []})
    );
    set_feature(&api, &fx, fx.account, true).await;
    let on = list(&api, fx.account, &fx.admin.1, "").await;
    let kinds: Vec<(&str, &str)> = entries(&on)
        .iter()
        .map(|e| {
            (
                e["auditable_type"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds[0], ("Account", "update"));
    assert_eq!(kinds[1], ("Inbox", "create"));
    assert!(kinds.contains(&("AccountUser", "create")));
    assert_eq!(total(&on), kinds.len() as i64);
    set_feature(&api, &fx, fx.account, false).await;
    assert_eq!(total(&list(&api, fx.account, &fx.admin.1, "").await), 0);
}

#[tokio::test]
async fn another_accounts_changes_stay_in_its_own_log() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    set_feature(&api, &fx, fx.other_account, true).await;
    let other_inbox = api
        .create_id(
            &format!("/api/v1/accounts/{}/inboxes", fx.other_account),
            &fx.outsider.1,
            json!({"name": "Elsewhere", "channel": {"type": "api"}}),
        )
        .await;
    let inbox = api
        .create_id(
            &format!("{}/inboxes", base(&fx)),
            &fx.admin.1,
            json!({"name": "Here", "channel": {"type": "api"}}),
        )
        .await;
    let ours = list(&api, fx.account, &fx.admin.1, "").await;
    let theirs = list(&api, fx.other_account, &fx.outsider.1, "").await;
    let inbox_ids = |page: &Value| -> Vec<i64> {
        entries(page)
            .iter()
            .filter(|e| e["auditable_type"] == json!("Inbox"))
            .map(|e| e["auditable_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(inbox_ids(&ours), vec![inbox]);
    assert_eq!(inbox_ids(&theirs), vec![other_inbox]);
    assert!(entries(&theirs)
        .iter()
        .all(|e| e["associated_id"] == json!(fx.other_account)));
    // The administrator of one account cannot read the other's.
    api.get(&format!("/api/v1/accounts/{}/audit_logs", fx.other_account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(401);
}

#[tokio::test]
async fn webhooks_and_automation_rules_are_recorded_without_secrets() {
    let api = TestApi::new().await;
    let fx = enabled_fixture(&api).await;
    let email = email_of(&api, &fx.admin.1).await;
    let webhooks = format!("{}/webhooks", base(&fx));
    let mut id = 0;
    let created = one(&api, &fx, async {
        id = send_ok(
            &api,
            Method::POST,
            &webhooks,
            &fx.admin.1,
            json!({"webhook": {"url": "https://hooks.example.com/a"}}),
        )
        .await["payload"]["webhook"]["id"]
            .as_i64()
            .unwrap();
    })
    .await;
    assert_by_admin(&created, &fx, &email, ("Webhook", "create"));
    assert_eq!(created["auditable_id"], json!(id));
    assert_eq!(
        created["audited_changes"]["url"],
        json!("https://hooks.example.com/a")
    );
    assert!(created["audited_changes"].get("secret").is_none());
    let one_webhook = format!("{webhooks}/{id}");
    let updated = one(&api, &fx, async {
        send_ok(
            &api,
            Method::PATCH,
            &one_webhook,
            &fx.admin.1,
            json!({"webhook": {"url": "https://hooks.example.com/b"}}),
        )
        .await;
    })
    .await;
    assert_by_admin(&updated, &fx, &email, ("Webhook", "update"));
    assert_eq!(
        updated["audited_changes"]["url"],
        json!(["https://hooks.example.com/a", "https://hooks.example.com/b"])
    );
    let deleted = one(&api, &fx, async {
        send_ok(&api, Method::DELETE, &one_webhook, &fx.admin.1, Value::Null).await;
    })
    .await;
    assert_by_admin(&deleted, &fx, &email, ("Webhook", "destroy"));

    let rules = format!("{}/automation_rules", base(&fx));
    let mut rule = 0;
    let created = one(&api, &fx, async {
        rule = send_ok(
            &api,
            Method::POST,
            &rules,
            &fx.admin.1,
            json!({"name": "Tag", "event_name": "message_created",
                   "conditions": [{"attribute_key": "content", "filter_operator": "contains",
                                   "values": ["x"], "query_operator": null}],
                   "actions": [{"action_name": "add_label", "action_params": ["x"]}]}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
    })
    .await;
    assert_by_admin(&created, &fx, &email, ("AutomationRule", "create"));
    assert_eq!(created["audited_changes"]["name"], json!("Tag"));
    let cloned = one(&api, &fx, async {
        send_ok(
            &api,
            Method::POST,
            &format!("{rules}/{rule}/clone"),
            &fx.admin.1,
            Value::Null,
        )
        .await;
    })
    .await;
    assert_by_admin(&cloned, &fx, &email, ("AutomationRule", "create"));
    let deleted = one(&api, &fx, async {
        send_ok(
            &api,
            Method::DELETE,
            &format!("{rules}/{rule}"),
            &fx.admin.1,
            Value::Null,
        )
        .await;
    })
    .await;
    assert_by_admin(&deleted, &fx, &email, ("AutomationRule", "destroy"));
}
