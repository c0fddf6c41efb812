//! A populated installation for isolation suites and benchmarks: one platform app with two
//! accounts (A and B), each holding one object of every kind the documented operations
//! address, and a second platform app with an account, user and bot of its own.
//!
//! Every text field an object of B shows (name, title, content, feedback) carries
//! [`LEAK_MARKER`] followed by the object's kind, so a response that shows any of B's data
//! to somebody else is caught by searching its bytes for the marker.

use crate::operations::Operation;
use crate::{email, json, multipart, TestApi};
use infra::Function;
use serde_json::Value;

/// The prefix of every text of account B's objects (lower case: labels, slugs and team names
/// are stored lower-cased, and the search is case-insensitive).
pub const LEAK_MARKER: &str = "zleakb";

/// One account's objects. Ids are Chatwoot's (conversation display ids, portal slugs).
#[derive(Debug, Clone)]
pub struct Tenant {
    pub account: i64,
    /// (user id, access token).
    pub admin: (i64, String),
    pub agent: (i64, String),
    /// A platform-made agent bot of this account: (id, access token).
    pub bot: (i64, String),
    /// An agent bot the account made itself.
    pub account_bot: i64,
    pub team: i64,
    pub api_inbox: i64,
    pub api_inbox_identifier: String,
    pub website_inbox: i64,
    pub contact: i64,
    /// A second contact (merge and cross-contact cases).
    pub other_contact: i64,
    /// The contact's source id in the API inbox (the Client API's contact identifier).
    pub contact_identifier: String,
    /// The contact's conversation (display id) in the API inbox, resolved and rated.
    pub conversation: i64,
    pub conversation_uuid: String,
    /// A second Client API contact of the API inbox, and its own conversation (display id).
    pub second_identifier: String,
    pub second_conversation: i64,
    /// An outgoing message with an attachment, and an incoming text message.
    pub message: i64,
    pub incoming_message: i64,
    /// The attachment's signed URL.
    pub attachment_url: String,
    pub label: i64,
    pub label_title: String,
    pub canned_response: i64,
    pub custom_attribute: i64,
    pub custom_filter: i64,
    pub webhook: i64,
    pub automation_rule: i64,
    pub portal_slug: String,
    pub category: i64,
    pub article: i64,
    pub campaign: i64,
    pub csat_response: i64,
}

/// The whole installation.
pub struct World {
    /// The platform app owning A and B (and their users and bots).
    pub platform: String,
    pub a: Tenant,
    pub b: Tenant,
    /// A second platform app and what it made: an account, a user and a bot.
    pub other_platform: String,
    pub other_app_account: i64,
    pub other_app_user: i64,
    pub other_app_bot: i64,
}

impl World {
    pub async fn build(api: &TestApi) -> World {
        let platform = api.platform_token().await;
        let a = Tenant::build(api, &platform, "alpha", 0).await;
        // B's conversations and campaigns (numbered per account) get numbers A does not have.
        let b = Tenant::build(api, &platform, LEAK_MARKER, 2).await;
        let other_platform = api.platform_token().await;
        let other_app_account = api.create_account(&other_platform, "Other app").await;
        let (other_app_user, _) = api.create_user(&other_platform, &email("other-app")).await;
        let other_app_bot = api
            .create_id(
                "/platform/api/v1/agent_bots",
                &other_platform,
                json!({"name": "Other app bot", "account_id": other_app_account}),
            )
            .await;
        World {
            platform,
            a,
            b,
            other_platform,
            other_app_account,
            other_app_user,
            other_app_bot,
        }
    }
}

/// The `id` of a created record, wherever the route's answer puts it.
pub fn created_id(body: &Value) -> i64 {
    [
        &body["id"],
        &body["payload"]["id"],
        &body["payload"]["webhook"]["id"],
        &body["payload"]["contact"]["id"],
    ]
    .into_iter()
    .find_map(Value::as_i64)
    .unwrap_or_else(|| panic!("no id in {body}"))
}

impl Tenant {
    /// An account whose every text starts with `tag` (`tag` is [`LEAK_MARKER`] for B). Its
    /// conversations and campaigns come after `padding` others of each.
    async fn build(api: &TestApi, platform: &str, tag: &str, padding: usize) -> Tenant {
        let account = api
            .create_account(platform, &format!("{tag} account"))
            .await;
        let base = format!("/api/v1/accounts/{account}");
        let member = |role: &'static str| async move {
            let user = api
                .post("/platform/api/v1/users")
                .token(platform)
                .json(json!({"name": format!("{tag} {role}"), "email": email(tag), "password": "Password1!"}))
                .send()
                .await
                .expect(200);
            let user = (user.id(), user.text("access_token"));
            api.add_member(platform, account, user.0, role).await;
            user
        };
        let admin = member("administrator").await;
        let agent = member("agent").await;
        let bot = api
            .post("/platform/api/v1/agent_bots")
            .token(platform)
            .json(json!({"name": format!("{tag} platform bot"), "account_id": account}))
            .send()
            .await
            .expect(200);
        let bot = (bot.id(), bot.text("access_token"));
        let token = admin.1.clone();
        let create = |rest: &str, body: Value| {
            let path = format!("{base}{rest}");
            let token = token.clone();
            async move {
                let response = api.post(&path).token(&token).json(body).send().await;
                assert_eq!(response.status, 200, "POST {path}: {}", response.body);
                response.body
            }
        };

        let account_bot =
            created_id(&create("/agent_bots", json!({"name": format!("{tag} bot")})).await);
        let team = created_id(&create("/teams", json!({"name": format!("{tag} team")})).await);
        let api_inbox = create(
            "/inboxes",
            json!({"name": format!("{tag} api inbox"), "channel": {"type": "api"}, "csat_survey_enabled": true}),
        )
        .await;
        let website_inbox = create(
            "/inboxes",
            json!({"name": format!("{tag} website"), "channel": {"type": "web_widget", "website_url": "https://site.test"}}),
        )
        .await;
        let inbox_ids = [created_id(&api_inbox), created_id(&website_inbox)];
        for inbox in inbox_ids {
            create(
                "/inbox_members",
                json!({"inbox_id": inbox, "user_ids": [agent.0]}),
            )
            .await;
        }
        create(
            &format!("/teams/{team}/team_members"),
            json!({"user_ids": [agent.0]}),
        )
        .await;
        let api_inbox_identifier = api_inbox["inbox_identifier"].as_str().unwrap().to_owned();
        let public = format!("/public/api/v1/inboxes/{api_inbox_identifier}/contacts");
        let contact = api
            .post(&public)
            .json(json!({"name": format!("{tag} contact"), "email": email(tag)}))
            .send()
            .await
            .expect(200);
        let contact_identifier = contact.text("source_id");
        let other_contact = created_id(
            &create(
                "/contacts",
                json!({"name": format!("{tag} other contact"), "email": email(tag)}),
            )
            .await,
        );
        let open_conversation = || async {
            api.post(&format!("{public}/{contact_identifier}/conversations"))
                .json(json!({}))
                .send()
                .await
                .expect(200)
                .id()
        };
        for _ in 0..padding {
            open_conversation().await;
        }
        let conversation = open_conversation().await;
        let incoming_message = api
            .post(&format!(
                "{public}/{contact_identifier}/conversations/{conversation}/messages"
            ))
            .json(json!({"content": format!("{tag} incoming message")}))
            .send()
            .await
            .expect(200)
            .id();
        let second_identifier = api
            .post(&public)
            .json(json!({"name": format!("{tag} second contact")}))
            .send()
            .await
            .expect(200)
            .text("source_id");
        let second_conversation = api
            .post(&format!("{public}/{second_identifier}/conversations"))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .id();
        let conversation_path = format!("{base}/conversations/{conversation}");
        let (content_type, body) = multipart(
            &[("content", &format!("{tag} outgoing message"))],
            &[(
                "attachments[]",
                &format!("{tag}.txt"),
                "text/plain",
                tag.as_bytes(),
            )],
        );
        let message = api
            .post(&format!("{conversation_path}/messages"))
            .token(&admin.1)
            .body(&content_type, body)
            .send()
            .await
            .expect(200);
        let attachment_url = message.body["attachments"][0]["data_url"]
            .as_str()
            .unwrap_or_else(|| panic!("no attachment in {}", message.body))
            .to_owned();
        let label_title = format!("{tag}_label");
        let label = created_id(
            &create(
                "/labels",
                json!({"title": label_title, "description": format!("{tag} label")}),
            )
            .await,
        );
        create(
            &format!("/conversations/{conversation}/labels"),
            json!({"labels": [label_title]}),
        )
        .await;
        let canned_response = created_id(
            &create(
                "/canned_responses",
                json!({"short_code": format!("{tag}_code"), "content": format!("{tag} canned")}),
            )
            .await,
        );
        let custom_attribute = created_id(&create("/custom_attribute_definitions", json!({"attribute_display_name": format!("{tag} attribute"), "attribute_key": format!("{tag}_key"), "attribute_display_type": "text", "attribute_model": "conversation_attribute"})).await);
        let custom_filter = created_id(
            &create(
                "/custom_filters",
                json!({"name": format!("{tag} filter"), "type": "conversation", "query": {"payload": []}}),
            )
            .await,
        );
        let webhook = created_id(
            &create(
                "/webhooks",
                json!({"url": format!("https://example.com/{tag}"), "name": format!("{tag} webhook")}),
            )
            .await,
        );
        let automation_rule = created_id(&create("/automation_rules", json!({
            "name": format!("{tag} rule"),
            "description": format!("{tag} rule"),
            "event_name": "message_created",
            "conditions": [{"attribute_key": "content", "filter_operator": "contains", "values": ["refund"], "query_operator": null}],
            "actions": [{"action_name": "add_label", "action_params": [label_title]}]
        })).await);
        let portal_slug = format!("{tag}-{}", ulid::Ulid::new().to_string().to_lowercase());
        create(
            "/portals",
            json!({"name": format!("{tag} portal"), "slug": portal_slug, "config": {"allowed_locales": ["en"], "default_locale": "en"}}),
        )
        .await;
        let category = created_id(
            &create(
                &format!("/portals/{portal_slug}/categories"),
                json!({"name": format!("{tag} category"), "slug": format!("{tag}-category"), "locale": "en"}),
            )
            .await,
        );
        let article = created_id(
            &create(
                &format!("/portals/{portal_slug}/articles"),
                json!({"title": format!("{tag} article"), "content": format!("{tag} article body"), "author_id": admin.0, "category_id": category, "status": "published"}),
            )
            .await,
        );
        let campaign_body = json!({"title": format!("{tag} campaign"), "inbox_id": inbox_ids[1], "sender_id": admin.0, "message": format!("{tag} campaign message"), "trigger_rules": {"url": "https://site.test/pricing", "time_on_page": 10}});
        for _ in 0..padding {
            create("/campaigns", campaign_body.clone()).await;
        }
        let campaign = created_id(&create("/campaigns", campaign_body).await);
        // Resolving sends the survey; the contact answers it.
        create(
            &format!("/conversations/{conversation}/toggle_status"),
            json!({"status": "resolved"}),
        )
        .await;
        let conversation_uuid = api
            .get(&conversation_path)
            .token(&admin.1)
            .send()
            .await
            .expect(200)
            .text("uuid");
        let answer = json!({"csat_survey_response": {"rating": 5, "feedback_message": format!("{tag} feedback")}});
        let csat_response = api
            .patch(&format!("/public/api/v1/csat_survey/{conversation_uuid}"))
            .json(json!({"message": {"submitted_values": answer}}))
            .send()
            .await
            .expect(200)
            .body["csat_survey_response"]["id"]
            .as_i64()
            .expect("CSAT response id");
        Tenant {
            account,
            admin,
            agent,
            bot,
            account_bot,
            team,
            api_inbox: inbox_ids[0],
            api_inbox_identifier,
            website_inbox: inbox_ids[1],
            contact: contact.id(),
            other_contact,
            contact_identifier,
            conversation,
            conversation_uuid,
            second_identifier,
            second_conversation,
            message: message.id(),
            incoming_message,
            attachment_url,
            label,
            label_title,
            canned_response,
            custom_attribute,
            custom_filter,
            webhook,
            automation_rule,
            portal_slug,
            category,
            article,
            campaign,
            csat_response,
        }
    }
}

/// The value of one path parameter of an operation of `function`, the segment after
/// `resource`: `account` names the account (and, on the Client API, the inbox), `objects` its
/// objects.
fn parameter(
    function: Function,
    name: &str,
    resource: &str,
    account: &Tenant,
    objects: &Tenant,
) -> String {
    match (function, name, resource) {
        (Function::Platform, "id", "agent_bots") => objects.bot.0.to_string(),
        (Function::Platform, "id", "users") => objects.admin.0.to_string(),
        (_, "account_id", _) => account.account.to_string(),
        (_, "inbox_identifier", _) => account.api_inbox_identifier.clone(),
        (_, "contact_identifier", _) => objects.contact_identifier.clone(),
        (_, "conversation_uuid", _) => objects.conversation_uuid.clone(),
        (_, "id", "agent_bots") => objects.account_bot.to_string(),
        (_, "id", "agents") => objects.agent.0.to_string(),
        (_, "id", "canned_responses") => objects.canned_response.to_string(),
        (_, "id", "custom_attribute_definitions") => objects.custom_attribute.to_string(),
        (_, "id", "contacts") => objects.contact.to_string(),
        (_, "id", "automation_rules") => objects.automation_rule.to_string(),
        (_, "id", "portals") => objects.portal_slug.clone(),
        (_, "id", "inboxes") | (_, "inbox_id", _) => objects.api_inbox.to_string(),
        (_, "id", "labels") => objects.label.to_string(),
        (_, "id", "campaigns") => objects.campaign.to_string(),
        (_, "conversation_id", _) => objects.conversation.to_string(),
        (_, "message_id", _) => objects.message.to_string(),
        // No integration app can be enabled on this installation, so no account has a hook.
        (_, "hook_id", _) => "1".to_owned(),
        (_, "team_id", _) => objects.team.to_string(),
        (_, "custom_filter_id", _) => objects.custom_filter.to_string(),
        (_, "webhook_id", _) => objects.webhook.to_string(),
        other => panic!("no value for path parameter {other:?}"),
    }
}

/// The operation's path with `{account_id}` (and the Client API's inbox) of `account` and
/// every other parameter naming an object of `objects`: the Platform API's users and bots are
/// the account's administrator and platform-made bot.
pub fn fill(operation: &Operation, account: &Tenant, objects: &Tenant) -> String {
    let segments: Vec<&str> = operation.path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| match segment.strip_prefix('{') {
            Some(name) => parameter(
                operation.function,
                name.trim_end_matches('}'),
                segments[i - 1],
                account,
                objects,
            ),
            None => (*segment).to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}
