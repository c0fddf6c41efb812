//! `/api/v1/accounts/{account_id}/inboxes`, `/inbox_members` and `/branded_email_layout`.

use api_tests::{check_account_guards, json, multipart, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use shared::domain::{agent_bot_inboxes, inboxes};
use shared::store::Query;

fn base(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/inboxes", fx.account)
}

async fn create_api_inbox(api: &TestApi, fx: &AccountFixture, name: &str) -> Value {
    api.post(&base(fx))
        .token(&fx.admin.1)
        .json(json!({"name": name, "channel": {"type": "api", "webhook_url": "https://example.com/hook"}}))
        .send()
        .await
        .expect(200)
        .body
}

async fn inbox_id(api: &TestApi, fx: &AccountFixture, name: &str) -> i64 {
    create_api_inbox(api, fx, name).await["id"]
        .as_i64()
        .unwrap()
}

async fn add_members(api: &TestApi, fx: &AccountFixture, inbox: i64, users: &[i64]) -> Value {
    api.post(&format!("/api/v1/accounts/{}/inbox_members", fx.account))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "user_ids": users}))
        .send()
        .await
        .expect(200)
        .body
}

fn member_ids(body: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn inbox_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = inbox_id(&api, &fx, "Support").await;
    let inbox = format!("/api/v1/accounts/{{account}}/inboxes/{id}");
    let members = "/api/v1/accounts/{account}/inbox_members";
    let body = json!({"inbox_id": id, "user_ids": [fx.agent.0]});
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/inboxes",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/inboxes",
                json!({"name": "x", "channel": {"type": "api"}}),
                true,
            ),
            // The agent is not a member of the inbox: show and friends refuse too.
            GuardedRoute::new(Method::GET, inbox.clone(), json!(null), true),
            GuardedRoute::new(Method::PATCH, inbox.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::PUT, inbox.clone(), json!({"name": "y"}), true),
            GuardedRoute::new(Method::DELETE, inbox.clone(), json!(null), true),
            GuardedRoute::new(Method::DELETE, format!("{inbox}/avatar"), json!(null), true),
            GuardedRoute::new(Method::GET, format!("{inbox}/agent_bot"), json!(null), true),
            GuardedRoute::new(
                Method::POST,
                format!("{inbox}/set_agent_bot"),
                json!({"agent_bot": null}),
                true,
            ),
            GuardedRoute::new(
                Method::GET,
                format!("{inbox}/message_templates"),
                json!(null),
                true,
            ),
            GuardedRoute::new(Method::GET, format!("{members}/{id}"), json!(null), true),
            GuardedRoute::new(Method::POST, members, body.clone(), true),
            GuardedRoute::new(Method::PATCH, members, body.clone(), true),
            GuardedRoute::new(Method::DELETE, members, body.clone(), true),
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/branded_email_layout",
                json!(null),
                true,
            ),
            GuardedRoute::new(
                Method::PATCH,
                "/api/v1/accounts/{account}/branded_email_layout",
                json!({"branded_email_layout": "x"}),
                true,
            ),
        ],
    )
    .await;
    // Nothing above got through.
    api.get(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn api_inbox_json_has_chatwoots_keys() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let created = api
        .post(&base(&fx))
        .token(&fx.admin.1)
        .json(json!({
            "name": "API Support",
            "greeting_enabled": true,
            "greeting_message": "Hi!",
            "timezone": "America/New_York",
            "channel": {"type": "api", "webhook_url": "https://example.com/hook", "hmac_mandatory": true,
                        "additional_attributes": {"agent_reply_time_window": 24}}
        }))
        .send()
        .await
        .expect(200)
        .body;
    let id = created["id"].as_i64().unwrap();
    let identifier = created["inbox_identifier"].as_str().unwrap().to_owned();
    let hmac = created["hmac_token"].as_str().unwrap().to_owned();
    assert!(identifier.len() >= 24, "{identifier}");
    assert!(hmac.len() >= 24 && hmac != identifier);
    assert!(created["channel_id"].as_i64().unwrap() > 0);
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "avatar_url",
            "channel_id",
            "name",
            "channel_type",
            "greeting_enabled",
            "greeting_message",
            "working_hours_enabled",
            "enable_email_collect",
            "csat_survey_enabled",
            "csat_config",
            "enable_auto_assignment",
            "auto_assignment_config",
            "out_of_office_message",
            "working_hours",
            "timezone",
            "callback_webhook_url",
            "allow_messages_after_resolved",
            "lock_to_single_conversation",
            "sender_name_type",
            "business_name",
            "allowed_domains",
            "widget_color",
            "website_url",
            "hmac_mandatory",
            "welcome_title",
            "welcome_tagline",
            "web_widget_script",
            "website_token",
            "selected_feature_flags",
            "reply_time",
            "messaging_service_sid",
            "phone_number",
            "hmac_token",
            "webhook_url",
            "inbox_identifier",
            "additional_attributes",
            "provider",
        ]
    );
    let expected = json!({
        "id": id,
        "avatar_url": "",
        "channel_id": created["channel_id"],
        "name": "API Support",
        "channel_type": "Channel::Api",
        "greeting_enabled": true,
        "greeting_message": "Hi!",
        "working_hours_enabled": false,
        "enable_email_collect": true,
        "csat_survey_enabled": false,
        "csat_config": {},
        "enable_auto_assignment": true,
        "auto_assignment_config": {},
        "out_of_office_message": null,
        "working_hours": [
            {"day_of_week": 0, "closed_all_day": true, "open_hour": null, "open_minutes": null, "close_hour": null, "close_minutes": null, "open_all_day": false},
            {"day_of_week": 1, "closed_all_day": false, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0, "open_all_day": false},
            {"day_of_week": 2, "closed_all_day": false, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0, "open_all_day": false},
            {"day_of_week": 3, "closed_all_day": false, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0, "open_all_day": false},
            {"day_of_week": 4, "closed_all_day": false, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0, "open_all_day": false},
            {"day_of_week": 5, "closed_all_day": false, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0, "open_all_day": false},
            {"day_of_week": 6, "closed_all_day": true, "open_hour": null, "open_minutes": null, "close_hour": null, "close_minutes": null, "open_all_day": false},
        ],
        "timezone": "America/New_York",
        "callback_webhook_url": null,
        "allow_messages_after_resolved": true,
        "lock_to_single_conversation": false,
        "sender_name_type": "friendly",
        "business_name": null,
        "allowed_domains": null,
        "widget_color": null,
        "website_url": null,
        "hmac_mandatory": true,
        "welcome_title": null,
        "welcome_tagline": null,
        "web_widget_script": null,
        "website_token": null,
        "selected_feature_flags": null,
        "reply_time": null,
        "messaging_service_sid": null,
        "phone_number": null,
        "hmac_token": hmac,
        "webhook_url": "https://example.com/hook",
        "inbox_identifier": identifier,
        "additional_attributes": {"agent_reply_time_window": 24},
        "provider": null,
    });
    assert_eq!(created, expected);
    let shown = api
        .get(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, expected);
    // The public lookup names the inbox, written with it.
    let lookup = inboxes::find_public(api.state(), &identifier)
        .await
        .unwrap()
        .expect("lookup item");
    assert_eq!((lookup.account_id, lookup.inbox_id), (fx.account, id));
    assert_eq!(lookup.channel, "api");
    let loaded = inboxes::load_public(api.state(), &identifier)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.id, id);
    assert!(inboxes::find_public(api.state(), "nope")
        .await
        .unwrap()
        .is_none());
    // The inbox cache key moved.
    let keys = api
        .get(&format!("/api/v1/accounts/{}/cache_keys", fx.account))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(keys.body["cache_keys"]["inbox"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn website_inbox_json_and_defaults() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let created = api
        .post(&base(&fx))
        .token(&fx.admin.1)
        .json(json!({
            "name": "Website",
            "channel": {"type": "web_widget", "website_url": "https://acme.test", "welcome_title": "Hello"}
        }))
        .send()
        .await
        .expect(200)
        .body;
    let token = created["website_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 24);
    assert_eq!(created["channel_type"], "Channel::WebWidget");
    assert_eq!(created["website_url"], "https://acme.test");
    assert_eq!(created["widget_color"], "#1f93ff");
    assert_eq!(created["welcome_title"], "Hello");
    assert_eq!(created["welcome_tagline"], Value::Null);
    assert_eq!(created["reply_time"], "in_a_few_minutes");
    assert_eq!(created["allowed_domains"], "");
    assert_eq!(created["hmac_mandatory"], false);
    assert_eq!(
        created["selected_feature_flags"],
        json!(["attachments", "emoji_picker", "end_conversation"])
    );
    assert_eq!(created["pre_chat_form_enabled"], false);
    assert_eq!(created["continuity_via_email"], true);
    assert_eq!(
        created["pre_chat_form_options"]["pre_chat_message"],
        "Share your queries or comments here."
    );
    assert_eq!(
        created["pre_chat_form_options"]["pre_chat_fields"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(created["hmac_token"].as_str().unwrap().len() >= 24);
    let script = created["web_widget_script"].as_str().unwrap();
    assert!(
        script.contains("var BASE_URL=\"http://chat.test\";"),
        "{script}"
    );
    assert!(
        script.contains(&format!("websiteToken: '{token}'")),
        "{script}"
    );
    for absent in ["webhook_url", "inbox_identifier", "additional_attributes"] {
        assert!(created.get(absent).is_none(), "{absent}");
    }
    let lookup = inboxes::find_public(api.state(), &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lookup.channel, "web_widget");

    // Channel attributes update for the inbox's own type; the type stays.
    let id = created["id"].as_i64().unwrap();
    let updated = api
        .patch(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .json(json!({
            "channel": {"type": "api", "widget_color": "#000000", "reply_time": "in_a_day",
                        "selected_feature_flags": ["end_conversation", "attachments"],
                        "pre_chat_form_enabled": true, "allowed_domains": "acme.test"}
        }))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(updated["channel_type"], "Channel::WebWidget");
    assert_eq!(updated["widget_color"], "#000000");
    assert_eq!(updated["reply_time"], "in_a_day");
    assert_eq!(
        updated["selected_feature_flags"],
        json!(["attachments", "end_conversation"])
    );
    assert_eq!(updated["pre_chat_form_enabled"], true);
    assert_eq!(updated["allowed_domains"], "acme.test");
    assert_eq!(updated["website_token"], token.as_str());
    for (channel, message, attribute) in [
        (
            json!({"website_url": ""}),
            "Website url can't be blank",
            "website_url",
        ),
        (
            json!({"reply_time": "never"}),
            "Reply time is not included in the list",
            "reply_time",
        ),
        (
            json!({"selected_feature_flags": ["teleport"]}),
            "Selected feature flags is not included in the list",
            "selected_feature_flags",
        ),
    ] {
        let refused = api
            .patch(&format!("{}/{id}", base(&fx)))
            .token(&fx.admin.1)
            .json(json!({ "channel": channel }))
            .send()
            .await;
        assert_eq!(refused.status, 422, "{channel}");
        assert_eq!(
            refused.body,
            json!({"message": message, "attributes": [attribute]})
        );
    }
}

#[tokio::test]
async fn creation_is_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    for (body, message, attributes) in [
        (
            json!({"name": "x"}),
            "Channel must exist",
            json!(["channel"]),
        ),
        (
            json!({"name": "x", "channel": {"type": "carrier_pigeon"}}),
            "Channel must exist",
            json!(["channel"]),
        ),
        (
            json!({"channel": {"type": "telegram"}}),
            "Channel must exist, Name can't be blank",
            json!(["channel", "name"]),
        ),
        (
            json!({"channel": {"type": "api"}}),
            "Name can't be blank",
            json!(["name"]),
        ),
        (
            json!({"name": "x", "channel": {"type": "web_widget"}}),
            "Website url can't be blank",
            json!(["website_url"]),
        ),
        (
            json!({"name": "x", "channel": {"type": "api", "webhook_url": format!("https://a.test/{}", "a".repeat(2048))}}),
            "Webhook url is too long (maximum is 2048 characters)",
            json!(["webhook_url"]),
        ),
        (
            json!({"name": "x", "channel": {"type": "api", "additional_attributes": {"agent_reply_time_window": "0"}}}),
            "Agent reply time window agent_reply_time_window must be greater than 0",
            json!(["agent_reply_time_window"]),
        ),
        (
            json!({"name": "x", "timezone": "Mars/Olympus", "channel": {"type": "api"}}),
            "Timezone is not included in the list",
            json!(["timezone"]),
        ),
        (
            json!({"name": "x", "timezone": "not a zone", "channel": {"type": "api"}}),
            "Timezone is not included in the list",
            json!(["timezone"]),
        ),
        (
            json!({"name": "x", "greeting_message": "g".repeat(10_001), "channel": {"type": "api"}}),
            "Greeting message is too long (maximum is 10000 characters)",
            json!(["greeting_message"]),
        ),
        (
            json!({"name": "x", "out_of_office_message": "o".repeat(10_001), "channel": {"type": "api"}}),
            "Out of office message is too long (maximum is 10000 characters)",
            json!(["out_of_office_message"]),
        ),
        (
            json!({"name": "x", "sender_name_type": "rude", "channel": {"type": "api"}}),
            "Sender name type is not included in the list",
            json!(["sender_name_type"]),
        ),
    ] {
        let response = api
            .post(&base(&fx))
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
    // 10 000 characters are fine; "null" text is null.
    let ok = api
        .post(&base(&fx))
        .token(&fx.admin.1)
        .json(json!({"name": "x", "greeting_message": "g".repeat(10_000), "business_name": "null", "timezone": "Asia/Kolkata", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(ok.body["business_name"], Value::Null);
    assert_eq!(ok.body["timezone"], "Asia/Kolkata");
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["payload"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn updates_attributes_working_hours_and_csat() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = inbox_id(&api, &fx, "Support").await;
    let path = format!("{}/{id}", base(&fx));
    let updated = api
        .patch(&path)
        .token(&fx.admin.1)
        .json(json!({
            "name": "Help desk",
            "enable_auto_assignment": false,
            "working_hours_enabled": true,
            "out_of_office_message": "Away",
            "timezone": "Europe/Paris",
            "sender_name_type": "professional",
            "business_name": "Acme",
            "lock_to_single_conversation": true,
            "csat_survey_enabled": true,
            "csat_config": {"display_type": "star", "survey_rules": {"values": ["vip"]}},
            "auto_assignment_config": {"max_assignment_limit": 5},
            "working_hours": [
                {"day_of_week": 1, "open_hour": 8, "open_minutes": 30, "close_hour": 18, "close_minutes": 0},
                {"day_of_week": 0, "closed_all_day": false, "open_all_day": true},
                {"day_of_week": 2, "open_hour": 20},
            ],
            "channel": {"webhook_url": "https://example.com/other", "hmac_mandatory": true}
        }))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(updated["name"], "Help desk");
    assert_eq!(updated["enable_auto_assignment"], false);
    assert_eq!(updated["working_hours_enabled"], true);
    assert_eq!(updated["out_of_office_message"], "Away");
    assert_eq!(updated["timezone"], "Europe/Paris");
    assert_eq!(updated["sender_name_type"], "professional");
    assert_eq!(updated["business_name"], "Acme");
    assert_eq!(updated["lock_to_single_conversation"], true);
    assert_eq!(updated["csat_survey_enabled"], true);
    assert_eq!(
        updated["csat_config"],
        json!({"display_type": "star", "message": "", "survey_rules": {"operator": "contains", "values": ["vip"]}, "button_text": "Please rate us", "language": "en"})
    );
    assert_eq!(
        updated["auto_assignment_config"],
        json!({"max_assignment_limit": 5})
    );
    assert_eq!(
        updated["working_hours"][1],
        json!({"day_of_week": 1, "closed_all_day": false, "open_hour": 8, "open_minutes": 30, "close_hour": 18, "close_minutes": 0, "open_all_day": false})
    );
    assert_eq!(
        updated["working_hours"][0],
        json!({"day_of_week": 0, "closed_all_day": false, "open_hour": 0, "open_minutes": 0, "close_hour": 23, "close_minutes": 59, "open_all_day": true})
    );
    // Opening after closing is ignored, as Chatwoot's row `update` ignores it.
    assert_eq!(updated["working_hours"][2]["open_hour"], 9);
    assert_eq!(updated["webhook_url"], "https://example.com/other");
    assert_eq!(updated["hmac_mandatory"], true);
    let shown = api.get(&path).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(shown.body, updated);
    let put = api
        .put(&path)
        .token(&fx.admin.1)
        .json(json!({"greeting_enabled": true}))
        .send()
        .await
        .expect(200);
    assert_eq!(put.body["greeting_enabled"], true);
    assert_eq!(put.body["name"], "Help desk");
    for (body, message, attribute) in [
        (json!({"name": ""}), "Name can't be blank", "name"),
        (
            json!({"timezone": "Nowhere"}),
            "Timezone is not included in the list",
            "timezone",
        ),
        (
            json!({"greeting_message": "x".repeat(10_001)}),
            "Greeting message is too long (maximum is 10000 characters)",
            "greeting_message",
        ),
        (
            json!({"auto_assignment_config": {"max_assignment_limit": 0}}),
            "Auto assignment config max_assignment_limit must be greater than 0",
            "auto_assignment_config",
        ),
    ] {
        let refused = api
            .patch(&path)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(refused.status, 422, "{body}");
        assert_eq!(
            refused.body,
            json!({"message": message, "attributes": [attribute]})
        );
    }
    let unchanged = api.get(&path).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(unchanged.body["name"], "Help desk");
}

#[tokio::test]
async fn agents_see_only_their_inboxes_without_secrets() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let b = inbox_id(&api, &fx, "beta").await;
    let a = inbox_id(&api, &fx, "Alpha").await;
    let c = inbox_id(&api, &fx, "gamma").await;
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let ids: Vec<i64> = listed.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [a, b, c], "by lower-cased name");
    let agent_list = api
        .get(&base(&fx))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(agent_list.body, json!({"payload": []}));
    add_members(&api, &fx, c, &[fx.agent.0]).await;
    add_members(&api, &fx, a, &[fx.agent.0]).await;
    let agent_list = api
        .get(&base(&fx))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    let payload = agent_list.body["payload"].as_array().unwrap();
    let ids: Vec<i64> = payload.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [a, c]);
    assert!(payload.iter().all(|i| i.get("hmac_token").is_none()));
    assert!(payload.iter().all(|i| i["inbox_identifier"].is_string()));
    let shown = api
        .get(&format!("{}/{a}", base(&fx)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert!(shown.body.get("hmac_token").is_none());
    let refused = api
        .get(&format!("{}/{b}", base(&fx)))
        .token(&fx.agent.1)
        .send()
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.body,
        json!({"error": "You are not authorized to do this action"})
    );
    // A member agent still may not change the inbox.
    let update = api
        .patch(&format!("{}/{a}", base(&fx)))
        .token(&fx.agent.1)
        .json(json!({"name": "mine"}))
        .send()
        .await;
    assert_eq!(update.status, 401);
    assert_eq!(
        inboxes::inbox_ids_of_agent(api.state(), fx.account, fx.agent.0)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(inboxes::is_member(api.state(), fx.account, a, fx.agent.0)
        .await
        .unwrap());
    assert!(!inboxes::is_member(api.state(), fx.account, b, fx.agent.0)
        .await
        .unwrap());
}

#[tokio::test]
async fn inbox_members_add_set_remove() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = inbox_id(&api, &fx, "Support").await;
    let members = format!("/api/v1/accounts/{}/inbox_members", fx.account);
    let shown = api
        .get(&format!("{members}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, json!({"payload": []}));
    let added = add_members(&api, &fx, id, &[fx.agent.0]).await;
    assert_eq!(member_ids(&added), [fx.agent.0]);
    let agent = &added["payload"][0];
    assert_eq!(agent["role"], "agent");
    assert_eq!(agent["account_id"], fx.account);
    assert!(agent["thumbnail"].is_string());
    // Adding again (and the admin, as strings from a form) keeps one row each.
    let added = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": id.to_string(), "user_ids": [fx.agent.0, fx.admin.0.to_string()]}))
        .send()
        .await
        .expect(200);
    let mut both = vec![fx.agent.0, fx.admin.0];
    both.sort();
    assert_eq!(member_ids(&added.body), both);
    // The member agent may now list the members.
    let listed = api
        .get(&format!("{members}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(member_ids(&listed.body), both);
    // A user of another account (or no user at all) is refused and nothing is written.
    for bad in [
        json!([fx.outsider.0]),
        json!([fx.agent.0, 424242]),
        json!(["abc"]),
    ] {
        let refused = api
            .post(&members)
            .token(&fx.admin.1)
            .json(json!({"inbox_id": id, "user_ids": bad}))
            .send()
            .await;
        assert_eq!(refused.status, 422, "{bad}");
        assert_eq!(
            refused.body,
            json!({"message": "User must exist", "attributes": ["user"]})
        );
    }
    let refused = api
        .patch(&members)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": id, "user_ids": [fx.outsider.0]}))
        .send()
        .await;
    assert_eq!(refused.status, 422);
    let listed = api
        .get(&format!("{members}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(member_ids(&listed.body), both);
    // PATCH sets exactly the list.
    let set = api
        .patch(&members)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": id, "user_ids": [fx.admin.0]}))
        .send()
        .await
        .expect(200);
    assert_eq!(member_ids(&set.body), [fx.admin.0]);
    assert!(
        inboxes::inbox_ids_of_agent(api.state(), fx.account, fx.agent.0)
            .await
            .unwrap()
            .is_empty(),
        "both copies go"
    );
    // DELETE removes, ignoring unknown ids.
    api.delete(&members)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": id, "user_ids": [fx.admin.0, 999, fx.outsider.0]}))
        .send()
        .await
        .expect(200);
    let listed = api
        .get(&format!("{members}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!({"payload": []}));
    // inbox_id missing, unknown or another account's: 404.
    let theirs = api
        .create_id(
            &format!("/api/v1/accounts/{}/inboxes", fx.other_account),
            &fx.outsider.1,
            json!({"name": "Theirs", "channel": {"type": "api"}}),
        )
        .await;
    for body in [
        json!({"user_ids": [fx.agent.0]}),
        json!({"inbox_id": 12345, "user_ids": [fx.agent.0]}),
        json!({"inbox_id": "abc", "user_ids": [fx.agent.0]}),
        json!({"inbox_id": theirs, "user_ids": [fx.agent.0]}),
    ] {
        for method in [Method::POST, Method::PATCH, Method::DELETE] {
            let response = api
                .request(method.clone(), &members)
                .token(&fx.admin.1)
                .json(body.clone())
                .send()
                .await;
            assert_eq!(response.status, 404, "{method} {body}");
            assert_eq!(
                response.body,
                json!({"error": "Resource could not be found"})
            );
        }
    }
    api.get(&format!("{members}/{theirs}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    let missing = api
        .post(&members)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": id}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({"error": "param is missing or the value is empty: user_ids"})
    );
}

#[tokio::test]
async fn removing_an_agent_from_all_inboxes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let a = inbox_id(&api, &fx, "A").await;
    let b = inbox_id(&api, &fx, "B").await;
    add_members(&api, &fx, a, &[fx.agent.0, fx.admin.0]).await;
    add_members(&api, &fx, b, &[fx.agent.0]).await;
    inboxes::remove_agent_from_all(api.state(), fx.account, fx.agent.0)
        .await
        .unwrap();
    assert!(
        inboxes::inbox_ids_of_agent(api.state(), fx.account, fx.agent.0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        inboxes::member_ids(api.state(), fx.account, a)
            .await
            .unwrap(),
        [fx.admin.0]
    );
    assert!(inboxes::member_ids(api.state(), fx.account, b)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn deleting_an_inbox_removes_everything_it_owns() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let created = create_api_inbox(&api, &fx, "Doomed").await;
    let id = created["id"].as_i64().unwrap();
    let identifier = created["inbox_identifier"].as_str().unwrap().to_owned();
    let keep = inbox_id(&api, &fx, "Kept").await;
    add_members(&api, &fx, id, &[fx.agent.0, fx.admin.0]).await;
    add_members(&api, &fx, keep, &[fx.agent.0]).await;
    let bot = api
        .create_id(
            "/platform/api/v1/agent_bots",
            &fx.platform,
            json!({"name": "Helper", "account_id": fx.account}),
        )
        .await;
    api.post(&format!("{}/{id}/set_agent_bot", base(&fx)))
        .token(&fx.admin.1)
        .json(json!({"agent_bot": bot}))
        .send()
        .await
        .expect(200);
    let deleted = api
        .delete(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        deleted.body,
        json!({"message": "Your inbox deletion request will be processed in some time."})
    );
    api.get(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    api.delete(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    assert!(inboxes::find_public(api.state(), &identifier)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        inboxes::inbox_ids_of_agent(api.state(), fx.account, fx.agent.0)
            .await
            .unwrap(),
        [keep]
    );
    assert!(inboxes::member_ids(api.state(), fx.account, id)
        .await
        .unwrap()
        .is_empty());
    assert!(
        !agent_bot_inboxes::bot_attached_to_account(api.state(), fx.account, bot)
            .await
            .unwrap()
    );
    // The outbox has the event a later stage purges conversations from.
    let events = api
        .state()
        .store
        .query(&Query::prefix(
            shared::keys::account_partition(fx.account),
            "EVENT#",
        ))
        .await
        .unwrap()
        .items;
    let event = events
        .iter()
        .find(|e| e["name"] == "inbox_deleted")
        .expect("inbox_deleted event");
    assert_eq!(event["payload"]["id"], id);
    assert_eq!(event["payload"]["channel_type"], "Channel::Api");
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["payload"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn agent_bot_connect_show_disconnect() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = inbox_id(&api, &fx, "Support").await;
    add_members(&api, &fx, id, &[fx.agent.0]).await;
    let path = format!("{}/{id}", base(&fx));
    let none = api
        .get(&format!("{path}/agent_bot"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(none.body, json!({"agent_bot": {}}));
    let own = api
        .post("/platform/api/v1/agent_bots")
        .token(&fx.platform)
        .json(json!({"name": "Own", "description": "d", "outgoing_url": "https://bot.test", "account_id": fx.account}))
        .send()
        .await
        .expect(200)
        .body;
    let system = api
        .create_id(
            "/platform/api/v1/agent_bots",
            &fx.platform,
            json!({"name": "System"}),
        )
        .await;
    let foreign = api
        .create_id(
            "/platform/api/v1/agent_bots",
            &fx.platform,
            json!({"name": "Foreign", "account_id": fx.other_account}),
        )
        .await;
    let own_id = own["id"].as_i64().unwrap();
    api.post(&format!("{path}/set_agent_bot"))
        .token(&fx.admin.1)
        .json(json!({"agent_bot": own_id}))
        .send()
        .await
        .expect(200);
    let shown = api
        .get(&format!("{path}/agent_bot"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        shown.body,
        json!({"agent_bot": {
            "id": own_id, "name": "Own", "description": "d", "thumbnail": "",
            "outgoing_url": "https://bot.test", "bot_type": "webhook", "bot_config": {},
            "account_id": fx.account, "access_token": own["access_token"], "system_bot": false
        }})
    );
    assert!(
        agent_bot_inboxes::bot_attached_to_account(api.state(), fx.account, own_id)
            .await
            .unwrap()
    );
    // A system bot replaces it: no token shown, the old link is gone.
    api.post(&format!("{path}/set_agent_bot"))
        .token(&fx.admin.1)
        .json(json!({"agent_bot": system.to_string()}))
        .send()
        .await
        .expect(200);
    let shown = api
        .get(&format!("{path}/agent_bot"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["agent_bot"]["id"], system);
    assert_eq!(shown.body["agent_bot"]["system_bot"], true);
    assert_eq!(shown.body["agent_bot"]["account_id"], Value::Null);
    assert!(shown.body["agent_bot"].get("access_token").is_none());
    assert!(
        !agent_bot_inboxes::bot_attached_to_account(api.state(), fx.account, own_id)
            .await
            .unwrap()
    );
    assert!(
        agent_bot_inboxes::bot_attached_to_account(api.state(), fx.account, system)
            .await
            .unwrap()
    );
    // Another account's bot and unknown bots are not found.
    for bot in [json!(foreign), json!(123456789), json!("abc")] {
        let response = api
            .post(&format!("{path}/set_agent_bot"))
            .token(&fx.admin.1)
            .json(json!({ "agent_bot": bot }))
            .send()
            .await;
        assert_eq!(response.status, 404, "{bot}");
    }
    // null disconnects.
    api.post(&format!("{path}/set_agent_bot"))
        .token(&fx.admin.1)
        .json(json!({"agent_bot": null}))
        .send()
        .await
        .expect(200);
    let none = api
        .get(&format!("{path}/agent_bot"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(none.body, json!({"agent_bot": {}}));
    assert!(
        !agent_bot_inboxes::bot_attached_to_account(api.state(), fx.account, system)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn avatars_templates_and_branded_layout() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\ninbox avatar";
    let (content_type, body) = multipart(
        &[("name", "Pictured"), ("channel[type]", "api")],
        &[("avatar", "logo.png", "image/png", png)],
    );
    let created = api
        .post(&base(&fx))
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200)
        .body;
    let id = created["id"].as_i64().unwrap();
    let url = created["avatar_url"].as_str().unwrap().to_owned();
    assert!(url.contains("logo.png"), "{url}");
    let (content_type, body) = multipart(&[], &[("avatar", "logo.png", "text/plain", b"nope")]);
    let refused = api
        .patch(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body,
        json!({"message": "Avatar filetype not supported", "attributes": ["avatar"]})
    );
    api.delete(&format!("{}/{id}/avatar", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let shown = api
        .get(&format!("{}/{id}", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["avatar_url"], "");
    api.delete(&format!("{}/{id}/avatar", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);

    let templates = api
        .get(&format!("{}/{id}/message_templates", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        templates.body,
        json!({"payload": [], "meta": {"last_sync_attempt_at": null}})
    );
    api.get(&format!("{}/987654/message_templates", base(&fx)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);

    let layout = format!("/api/v1/accounts/{}/branded_email_layout", fx.account);
    let shown = api.get(&layout).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(shown.body, json!({"branded_email_layout": null}));
    for body in [
        json!({"branded_email_layout": "<html>{{ content_for_layout }}</html>"}),
        json!({"branded_email_layout": ""}),
    ] {
        let refused = api
            .patch(&layout)
            .token(&fx.admin.1)
            .json(body)
            .send()
            .await;
        assert_eq!(refused.status, 422);
        assert_eq!(
            refused.body,
            json!({"error": "Branded email templates feature is not enabled"})
        );
    }
}

#[tokio::test]
async fn another_accounts_inbox_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .create_id(
            &format!("/api/v1/accounts/{}/inboxes", fx.other_account),
            &fx.outsider.1,
            json!({"name": "Theirs", "channel": {"type": "api"}}),
        )
        .await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::PATCH, ""),
        (Method::DELETE, ""),
        (Method::DELETE, "/avatar"),
        (Method::GET, "/agent_bot"),
        (Method::POST, "/set_agent_bot"),
        (Method::GET, "/message_templates"),
    ] {
        let response = api
            .request(method.clone(), &format!("{}/{theirs}{suffix}", base(&fx)))
            .token(&fx.admin.1)
            .json(json!({"name": "mine"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method} {suffix}");
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    let listed = api
        .get(&base(&fx))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!({"payload": []}));
}
