//! The Client API (`/public/api/v1/inboxes/{inbox_identifier}/...`): public shapes, the
//! inbox identifier and source id as the only credentials, identity verification (HMAC),
//! conversation scoping, incoming messages with their side effects, and submitted values.

use api_tests::{json, multipart, AccountFixture, TestApi, TestResponse};
use hmac::{Hmac, Mac};
use http::Method;
use serde_json::Value;
use sha2::Sha256;
use shared::store::Query;

struct World {
    api: TestApi,
    fx: AccountFixture,
    base: String,
    inbox: Inbox,
}

#[derive(Clone)]
struct Inbox {
    id: i64,
    identifier: String,
    hmac_token: String,
}

async fn world() -> World {
    world_over(TestApi::new().await).await
}

async fn world_over(api: TestApi) -> World {
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let mut world = World {
        api,
        fx,
        base,
        inbox: Inbox {
            id: 0,
            identifier: String::new(),
            hmac_token: String::new(),
        },
    };
    world.inbox = world.api_inbox(json!({})).await;
    world
}

fn sorted_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn keys(names: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = names.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}

fn not_found() -> Value {
    json!({"status": 404, "error": "Not Found"})
}

fn identifier_hash(token: &str, identifier: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(identifier.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl World {
    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    /// An API inbox of the account with extra inbox fields (`channel` keys go in `channel`).
    async fn api_inbox(&self, extra: Value) -> Inbox {
        let mut body = json!({"name": "Support", "channel": {"type": "api"}});
        for (key, value) in extra.as_object().unwrap() {
            if key == "channel" {
                for (k, v) in value.as_object().unwrap() {
                    body["channel"][k] = v.clone();
                }
            } else {
                body[key] = value.clone();
            }
        }
        let inbox = self
            .api
            .post(&format!("{}/inboxes", self.base))
            .token(self.admin())
            .json(body)
            .send()
            .await
            .expect(200);
        Inbox {
            id: inbox.id(),
            identifier: inbox.text("inbox_identifier"),
            hmac_token: inbox.text("hmac_token"),
        }
    }

    fn public(&self, inbox: &Inbox, path: &str) -> String {
        format!("/public/api/v1/inboxes/{}{path}", inbox.identifier)
    }

    /// A new contact through the Client API; answers its source id.
    async fn visitor(&self, inbox: &Inbox, body: Value) -> String {
        self.api
            .post(&self.public(inbox, "/contacts"))
            .json(body)
            .send()
            .await
            .expect(200)
            .text("source_id")
    }

    fn conversations(&self, inbox: &Inbox, source: &str) -> String {
        self.public(inbox, &format!("/contacts/{source}/conversations"))
    }

    async fn open(&self, inbox: &Inbox, source: &str) -> i64 {
        self.api
            .post(&self.conversations(inbox, source))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .id()
    }

    fn messages(&self, inbox: &Inbox, source: &str, conversation: i64) -> String {
        format!(
            "{}/{conversation}/messages",
            self.conversations(inbox, source)
        )
    }

    async fn say(
        &self,
        inbox: &Inbox,
        source: &str,
        conversation: i64,
        text: &str,
    ) -> TestResponse {
        self.api
            .post(&self.messages(inbox, source, conversation))
            .json(json!({"content": text}))
            .send()
            .await
    }

    /// The conversation through the Application API (as the administrator).
    async fn agent_view(&self, conversation: i64) -> Value {
        self.api
            .get(&format!("{}/conversations/{conversation}", self.base))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body
    }

    /// Every message through the Application API, oldest first.
    async fn agent_messages(&self, conversation: i64) -> Vec<Value> {
        self.api
            .get(&format!(
                "{}/conversations/{conversation}/messages",
                self.base
            ))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body["payload"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn agent_note(&self, conversation: i64, text: &str, private: bool) {
        self.api
            .post(&format!(
                "{}/conversations/{conversation}/messages",
                self.base
            ))
            .token(self.admin())
            .json(json!({"content": text, "private": private}))
            .send()
            .await
            .expect(200);
    }

    async fn resolve_as_admin(&self, conversation: i64) {
        self.api
            .post(&format!(
                "{}/conversations/{conversation}/toggle_status",
                self.base
            ))
            .token(self.admin())
            .json(json!({"status": "resolved"}))
            .send()
            .await
            .expect(200);
    }

    async fn events(&self) -> Vec<Value> {
        self.api
            .state()
            .store
            .query(&Query::prefix(
                shared::keys::account_partition(self.fx.account),
                "EVENT#",
            ))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|item| serde_json::to_value(item).unwrap())
            .collect()
    }
}

#[tokio::test]
async fn inbox_show_answers_the_public_inbox() {
    let w = world().await;
    let shown = w
        .api
        .get(&format!("/public/api/v1/inboxes/{}", w.inbox.identifier))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&shown),
        keys(&[
            "identifier",
            "identity_validation_enabled",
            "name",
            "timezone",
            "working_hours",
            "working_hours_enabled",
            "csat_survey_enabled",
            "greeting_enabled"
        ])
    );
    assert_eq!(shown["identifier"], w.inbox.identifier);
    assert_eq!(shown["identity_validation_enabled"], false);
    assert_eq!(shown["csat_survey_enabled"], false);
    let days = shown["working_hours"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["closed_all_day"], true);
    assert_eq!(days[1]["open_hour"], 9);
    // The hmac token never shows.
    assert!(!shown.to_string().contains(&w.inbox.hmac_token));

    for identifier in ["no-such-inbox", "%00", &"x".repeat(600), &"y".repeat(5000)] {
        let response = w
            .api
            .get(&format!("/public/api/v1/inboxes/{identifier}"))
            .send()
            .await
            .expect(404);
        assert_eq!(response.body, not_found());
    }
    // A website inbox's token is not a Client API identifier.
    let widget = w
        .api
        .post(&format!("{}/inboxes", w.base))
        .token(w.admin())
        .json(json!({"name": "Site", "channel": {"type": "web_widget", "website_url": "https://acme.test"}}))
        .send()
        .await
        .expect(200);
    let token = widget.text("website_token");
    w.api
        .get(&format!("/public/api/v1/inboxes/{token}"))
        .send()
        .await
        .expect(404);
    w.api
        .post(&format!("/public/api/v1/inboxes/{token}/contacts"))
        .json(json!({"name": "X"}))
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn contact_create_show_and_update() {
    let w = world().await;
    let created = w
        .api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({"name": "Grace", "email": "Grace@Example.com", "custom_attributes": {"plan": "pro"}}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&created),
        keys(&[
            "source_id",
            "pubsub_token",
            "id",
            "name",
            "email",
            "phone_number"
        ])
    );
    assert_eq!(created["name"], "Grace");
    assert_eq!(created["email"], "grace@example.com");
    let source = created["source_id"].as_str().unwrap().to_owned();
    assert_eq!(source.len(), 36, "a random UUID: {source}");
    let contact_id = created["id"].as_i64().unwrap();

    // The contact is the account's, with its custom attributes.
    let agent_side = w
        .api
        .get(&format!("{}/contacts/{contact_id}", w.base))
        .token(w.admin())
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        agent_side["payload"]["custom_attributes"],
        json!({"plan": "pro"})
    );

    // Show: the same public contact.
    let path = w.public(&w.inbox, &format!("/contacts/{source}"));
    let shown = w.api.get(&path).send().await.expect(200).body;
    assert_eq!(shown, created);

    // An existing source id answers its contact-inbox as it is.
    let again = w
        .api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({"source_id": source, "name": "Someone else"}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(again, created);

    // A chosen source id; an existing contact is found by email and linked, not duplicated.
    let linked = w
        .api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({"source_id": "device-42", "email": "grace@example.com"}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(linked["source_id"], "device-42");
    assert_eq!(linked["id"], contact_id);
    assert_ne!(linked["pubsub_token"], created["pubsub_token"]);

    // No name: a random readable one.
    let anonymous = w
        .api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({}))
        .send()
        .await
        .expect(200)
        .body;
    let name = anonymous["name"].as_str().unwrap();
    assert_eq!(name.split('-').count(), 3, "{name}");
    assert_ne!(anonymous["id"], contact_id);

    // Update answers the contact record; blank values are ignored, attributes merged.
    let updated = w
        .api
        .patch(&path)
        .json(json!({"name": "Grace Hopper", "phone_number": "", "custom_attributes": {"seats": 3}, "identifier": "ignored"}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&updated),
        keys(&[
            "id",
            "name",
            "email",
            "phone_number",
            "identifier",
            "additional_attributes",
            "custom_attributes",
            "account_id",
            "created_at",
            "updated_at",
            "last_activity_at",
            "contact_type",
            "middle_name",
            "last_name",
            "location",
            "country_code",
            "blocked"
        ])
    );
    assert_eq!(updated["name"], "Grace Hopper");
    assert_eq!(updated["phone_number"], Value::Null);
    assert_eq!(updated["identifier"], Value::Null, "never written here");
    assert_eq!(
        updated["custom_attributes"],
        json!({"plan": "pro", "seats": 3})
    );
    assert_eq!(updated["account_id"], w.fx.account);
    assert_eq!(updated["contact_type"], "lead");
    // PUT is the same action.
    w.api
        .put(&path)
        .json(json!({"name": "Grace B. Hopper"}))
        .send()
        .await
        .expect(200);
    // The changes' outbox records.
    let events = w.events().await;
    let of = |name: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["name"] == name && e["payload"]["contact"]["id"] == contact_id)
            .map(|e| e["payload"].clone())
            .collect()
    };
    assert_eq!(of("contact_created").len(), 1);
    let changed: Vec<Vec<String>> = of("contact_updated")
        .iter()
        .map(|payload| {
            payload["changed_attributes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c.as_object().unwrap().keys().cloned())
                .collect()
        })
        .collect();
    assert_eq!(
        changed,
        [
            vec!["name", "custom_attributes", "updated_at"],
            vec!["name", "updated_at"],
        ]
    );

    // Bad input: 422 with the model's errors, nothing written.
    let bad = w
        .api
        .patch(&path)
        .json(json!({"email": "not-an-email", "name": "Changed"}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        bad.body,
        json!({"message": "Email Invalid email", "attributes": ["email"]})
    );
    let bad = w
        .api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({"phone_number": "12345"}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        bad.body,
        json!({"message": "Phone number should be in e164 format", "attributes": ["phone_number"]})
    );
    w.api
        .post(&w.public(&w.inbox, "/contacts"))
        .json(json!({"custom_attributes": "plan"}))
        .send()
        .await
        .expect(400);
    w.api
        .post(&w.public(&w.inbox, "/contacts"))
        .body("application/json", "{not json")
        .send()
        .await
        .expect(400);
    assert_eq!(
        w.api.get(&path).send().await.expect(200).body["name"],
        "Grace B. Hopper"
    );
}

#[tokio::test]
async fn update_with_another_contacts_email_merges_into_it() {
    let w = world().await;
    let existing = w
        .api
        .create_contact(
            &w.base,
            w.admin(),
            json!({"name": "Known", "email": "known@example.com"}),
        )
        .await;
    let source = w.visitor(&w.inbox, json!({"name": "Anonymous"})).await;
    let conversation = w.open(&w.inbox, &source).await;
    let merged = w
        .api
        .patch(&w.public(&w.inbox, &format!("/contacts/{source}")))
        .json(json!({"email": "KNOWN@example.com", "custom_attributes": {"tier": "gold"}}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(merged["id"], existing);
    assert_eq!(merged["name"], "Known");
    assert_eq!(merged["custom_attributes"], json!({"tier": "gold"}));
    // The session now belongs to the surviving contact, with its conversation.
    let shown = w
        .api
        .get(&w.public(&w.inbox, &format!("/contacts/{source}")))
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["id"], existing);
    assert_eq!(
        w.agent_view(conversation).await["meta"]["sender"]["id"],
        existing
    );
}

#[tokio::test]
async fn identity_verification() {
    let w = world().await;
    let strict = w
        .api_inbox(json!({"channel": {"hmac_mandatory": true}}))
        .await;
    let shown = w
        .api
        .get(&format!("/public/api/v1/inboxes/{}", strict.identifier))
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["identity_validation_enabled"], true);
    let failed = json!({"error": "HMAC failed: Invalid Identifier Hash Provided"});
    let contacts = w.public(&strict, "/contacts");
    for body in [
        json!({"identifier": "user-1"}),
        json!({"identifier": "user-1", "identifier_hash": "00"}),
        json!({"identifier": "user-1", "identifier_hash": identifier_hash(&strict.hmac_token, "user-2")}),
        json!({"identifier": "user-1", "identifier_hash": identifier_hash(&w.inbox.hmac_token, "user-1")}),
    ] {
        let response = w.api.post(&contacts).json(body.clone()).send().await;
        assert_eq!(response.status, 401, "{body}");
        assert_eq!(response.body, failed);
    }
    let hash = identifier_hash(&strict.hmac_token, "user-1");
    let source = w
        .visitor(
            &strict,
            json!({"identifier": "user-1", "identifier_hash": hash, "name": "Verified"}),
        )
        .await;
    let path = w.public(&strict, &format!("/contacts/{source}"));
    // Mandatory: show without the proof is refused; with it, the contact-inbox is verified.
    w.api.get(&path).send().await.expect(401);
    w.api
        .get(&format!("{path}?identifier=user-1&identifier_hash={hash}"))
        .send()
        .await
        .expect(200);

    // A verified contact-inbox reaches the contact's conversations in other inboxes; an
    // unverified one only its own.
    let contact = w
        .api
        .get(&format!("{path}?identifier=user-1&identifier_hash={hash}"))
        .send()
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let elsewhere = w
        .api
        .post(&format!("{}/conversations", w.base))
        .token(w.admin())
        .json(json!({"inbox_id": w.inbox.id, "contact_id": contact}))
        .send()
        .await
        .expect(200)
        .id();
    let own = w.open(&strict, &source).await;
    let listed = w
        .api
        .get(&w.conversations(&strict, &source))
        .send()
        .await
        .expect(200)
        .body;
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![elsewhere, own]);
    w.api
        .get(&format!(
            "{}/{elsewhere}",
            w.conversations(&strict, &source)
        ))
        .send()
        .await
        .expect(200);

    // Optional verification on a lax inbox; a proof for another identifier than the
    // contact's own is refused and verifies nothing.
    let lax_source = w
        .visitor(&w.inbox, json!({"identifier": "user-9", "name": "Nine"}))
        .await;
    let lax_path = w.public(&w.inbox, &format!("/contacts/{lax_source}"));
    let other_proof = identifier_hash(&w.inbox.hmac_token, "user-10");
    let refused = w
        .api
        .patch(&lax_path)
        .json(json!({"identifier": "user-10", "identifier_hash": other_proof, "name": "Hijack"}))
        .send()
        .await
        .expect(401);
    assert_eq!(refused.body, failed);
    assert_eq!(
        w.api.get(&lax_path).send().await.expect(200).body["name"],
        "Nine"
    );
    let nine_conversation = w.open(&w.inbox, &lax_source).await;
    let unverified_list = w
        .api
        .get(&w.conversations(&w.inbox, &lax_source))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(unverified_list.as_array().unwrap().len(), 1);
    let proof = identifier_hash(&w.inbox.hmac_token, "user-9");
    w.api
        .get(&format!(
            "{lax_path}?identifier=user-9&identifier_hash={proof}"
        ))
        .send()
        .await
        .expect(200);
    let verified_list = w
        .api
        .get(&w.conversations(&w.inbox, &lax_source))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(verified_list[0]["id"], nine_conversation);
}

#[tokio::test]
async fn conversations_create_list_show_and_scope() {
    let w = world().await;
    let source = w.visitor(&w.inbox, json!({"name": "grace"})).await;
    let created = w
        .api
        .post(&w.conversations(&w.inbox, &source))
        .json(json!({"custom_attributes": {"order": 7}, "status": "snoozed", "assignee_id": w.fx.admin.0}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&created),
        keys(&[
            "id",
            "uuid",
            "inbox_id",
            "contact_last_seen_at",
            "status",
            "agent_last_seen_at",
            "messages",
            "contact"
        ])
    );
    assert_eq!(created["status"], "open");
    assert_eq!(created["inbox_id"], w.inbox.id);
    assert_eq!(created["messages"], json!([]));
    assert_eq!(created["contact_last_seen_at"], 0);
    assert_eq!(created["contact"]["name"], "grace");
    assert_eq!(sorted_keys(&created["contact"]).len(), 17);
    let id = created["id"].as_i64().unwrap();
    let agent = w.agent_view(id).await;
    assert_eq!(agent["custom_attributes"], json!({"order": 7}));
    assert!(agent["meta"].get("assignee").is_none());
    assert_eq!(agent["uuid"], created["uuid"]);

    // Its messages: the contact's and public replies, never notes or activity messages.
    w.say(&w.inbox, &source, id, "Where is my order?")
        .await
        .expect(200);
    w.agent_note(id, "internal: customer is angry", true).await;
    w.agent_note(id, "It ships today", false).await;
    w.resolve_as_admin(id).await;
    let shown = w
        .api
        .get(&format!("{}/{id}", w.conversations(&w.inbox, &source)))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(shown["status"], "resolved");
    let contents: Vec<&str> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["Where is my order?", "It ships today"]);
    assert!(!shown.to_string().contains("internal"));

    // List: the contact-inbox's conversations only.
    let second = w.open(&w.inbox, &source).await;
    let other_source = w.visitor(&w.inbox, json!({"name": "Other"})).await;
    let others = w.open(&w.inbox, &other_source).await;
    let listed = w
        .api
        .get(&w.conversations(&w.inbox, &source))
        .send()
        .await
        .expect(200)
        .body;
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id, second]);
    // Another contact's conversation, by display id: not found.
    let response = w
        .api
        .get(&format!("{}/{others}", w.conversations(&w.inbox, &source)))
        .send()
        .await
        .expect(404);
    assert_eq!(response.body, not_found());

    // An inbox locked to one conversation answers the latest one instead of a new one.
    let locked = w
        .api_inbox(json!({"lock_to_single_conversation": true}))
        .await;
    let locked_source = w.visitor(&locked, json!({"name": "Lock"})).await;
    let first = w.open(&locked, &locked_source).await;
    assert_eq!(w.open(&locked, &locked_source).await, first);

    // Bad input.
    w.api
        .post(&w.conversations(&w.inbox, &source))
        .json(json!({"custom_attributes": [1, 2]}))
        .send()
        .await
        .expect(400);
}

#[tokio::test]
async fn toggle_status_only_resolves_and_sends_one_csat_survey() {
    let w = world().await;
    let csat = w
        .api_inbox(json!({"csat_survey_enabled": true, "csat_config": {"message": "How did we do?", "display_type": "star"}}))
        .await;
    let source = w.visitor(&csat, json!({"name": "grace"})).await;
    let id = w.open(&csat, &source).await;
    let toggle = format!("{}/{id}/toggle_status", w.conversations(&csat, &source));
    let resolved = w.api.post(&toggle).send().await.expect(200).body;
    assert_eq!(resolved["status"], "resolved");
    // Resolving again changes nothing.
    assert_eq!(
        w.api.post(&toggle).send().await.expect(200).body["status"],
        "resolved"
    );
    let messages = w.agent_messages(id).await;
    let activity: Vec<&Value> = messages.iter().filter(|m| m["message_type"] == 2).collect();
    assert_eq!(activity.len(), 1);
    assert_eq!(activity[0]["content"], "Conversation was resolved by Grace");
    let surveys: Vec<&Value> = messages
        .iter()
        .filter(|m| m["content_type"] == "input_csat")
        .collect();
    assert_eq!(surveys.len(), 1);
    assert_eq!(surveys[0]["message_type"], 3);
    assert_eq!(surveys[0]["content"], "How did we do?");
    assert_eq!(
        surveys[0]["content_attributes"],
        json!({"display_type": "star"})
    );
    // The survey comes after the activity message, and the contact sees it (not the activity).
    assert!(surveys[0]["id"].as_i64() > activity[0]["id"].as_i64());
    let public: Vec<String> = resolved["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(public, ["input_csat"]);

    // An incoming message reopens it; resolving again sends no second survey.
    w.say(&csat, &source, id, "One more thing")
        .await
        .expect(200);
    assert_eq!(w.agent_view(id).await["status"], "open");
    w.resolve_as_admin(id).await;
    let surveys = w
        .agent_messages(id)
        .await
        .iter()
        .filter(|m| m["content_type"] == "input_csat")
        .count();
    assert_eq!(surveys, 1);

    // Inboxes without CSAT send none; label rules decide when configured.
    let plain_id = w
        .open(&w.inbox, &w.visitor(&w.inbox, json!({})).await)
        .await;
    w.resolve_as_admin(plain_id).await;
    assert!(w
        .agent_messages(plain_id)
        .await
        .iter()
        .all(|m| m["content_type"] != "input_csat"));
    let ruled = w
        .api_inbox(json!({"csat_survey_enabled": true, "csat_config": {"survey_rules": {"operator": "contains", "values": ["vip"]}}}))
        .await;
    let ruled_source = w.visitor(&ruled, json!({})).await;
    let (plain, vip) = (
        w.open(&ruled, &ruled_source).await,
        w.open(&ruled, &ruled_source).await,
    );
    w.api
        .post(&format!("{}/labels", w.base))
        .token(w.admin())
        .json(json!({"title": "vip"}))
        .send()
        .await
        .expect(200);
    w.api
        .post(&format!("{}/conversations/{vip}/labels", w.base))
        .token(w.admin())
        .json(json!({"labels": ["vip"]}))
        .send()
        .await
        .expect(200);
    for (conversation, expected) in [(plain, 0), (vip, 1)] {
        w.resolve_as_admin(conversation).await;
        let sent = w
            .agent_messages(conversation)
            .await
            .iter()
            .filter(|m| m["content_type"] == "input_csat")
            .count();
        assert_eq!(sent, expected, "conversation {conversation}");
    }
}

#[tokio::test]
async fn typing_and_last_seen() {
    let w = world().await;
    let source = w.visitor(&w.inbox, json!({"name": "Grace"})).await;
    let id = w.open(&w.inbox, &source).await;
    let path = |action: &str| format!("{}/{id}/{action}", w.conversations(&w.inbox, &source));
    for status in ["on", "off", "sideways"] {
        let response = w
            .api
            .post(&path("toggle_typing"))
            .json(json!({"typing_status": status}))
            .send()
            .await
            .expect(200);
        assert!(response.raw.is_empty());
    }
    let events = w.events().await;
    let typing: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["name"]
                .as_str()
                .unwrap()
                .starts_with("conversation_typing")
        })
        .collect();
    assert_eq!(typing.len(), 2);
    assert_eq!(typing[0]["name"], "conversation_typing_on");
    assert_eq!(typing[0]["payload"]["user"]["type"], "Contact");
    assert_eq!(typing[0]["payload"]["is_private"], false);

    w.agent_note(id, "Hello Grace", false).await;
    w.agent_note(id, "note", true).await;
    let response = w
        .api
        .post(&path("update_last_seen"))
        .send()
        .await
        .expect(200);
    assert!(response.raw.is_empty());
    let shown = w
        .api
        .get(&format!("{}/{id}", w.conversations(&w.inbox, &source)))
        .send()
        .await
        .expect(200)
        .body;
    assert!(shown["contact_last_seen_at"].as_i64().unwrap() > 0);
    let statuses: Vec<(String, String)> = w
        .agent_messages(id)
        .await
        .iter()
        .map(|m| {
            (
                m["content"].as_str().unwrap_or_default().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("Hello Grace".into(), "read".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("note".into(), "sent".into())),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn messages_create_list_and_side_effects() {
    let w = world().await;
    let source = w.visitor(&w.inbox, json!({"name": "Grace"})).await;
    let id = w.open(&w.inbox, &source).await;
    let created = w
        .say(&w.inbox, &source, id, "Hello?")
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&created),
        keys(&[
            "id",
            "content",
            "message_type",
            "content_type",
            "content_attributes",
            "created_at",
            "conversation_id",
            "sender"
        ])
    );
    assert_eq!(created["message_type"], 0);
    assert_eq!(created["content_type"], "text");
    assert_eq!(created["conversation_id"], id);
    assert_eq!(created["sender"]["type"], "contact");
    assert_eq!(created["sender"]["name"], "Grace");
    let agent = w.agent_view(id).await;
    assert_eq!(agent["unread_count"], 1);
    assert!(agent["waiting_since"].as_i64().unwrap() > 0);
    let events = w.events().await;
    assert!(events
        .iter()
        .any(|e| e["name"] == "message_created" && e["payload"]["message_id"] == created["id"]));

    // Files, as multipart `attachments[]`.
    let (content_type, body) = multipart(
        &[("content", "see attached")],
        &[("attachments[]", "shot.png", "image/png", b"\x89PNG fake")],
    );
    let with_file = w
        .api
        .post(&w.messages(&w.inbox, &source, id))
        .body(&content_type, body)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(with_file["attachments"][0]["file_type"], "image");
    assert_eq!(with_file["attachments"][0]["extension"], "png");

    // Replies from agents show with their sender; notes never.
    w.agent_note(id, "We are on it", false).await;
    w.agent_note(id, "secret note", true).await;
    let listed = w
        .api
        .get(&w.messages(&w.inbox, &source, id))
        .send()
        .await
        .expect(200)
        .body;
    let listed = listed.as_array().unwrap();
    let contents: Vec<&str> = listed
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["Hello?", "see attached", "We are on it"]);
    assert_eq!(listed[2]["sender"]["type"], "user");
    assert_eq!(listed[2]["message_type"], 1);
    assert!(
        listed[2]["sender"].get("email").is_none(),
        "no agent e-mail"
    );

    // `before` pages back 20 at a time.
    for n in 0..22 {
        w.say(&w.inbox, &source, id, &format!("m{n}"))
            .await
            .expect(200);
    }
    let latest = w
        .api
        .get(&w.messages(&w.inbox, &source, id))
        .send()
        .await
        .expect(200)
        .body;
    let latest = latest.as_array().unwrap();
    assert_eq!(latest.len(), 20);
    assert_eq!(latest[19]["content"], "m21");
    let oldest_shown = latest[0]["id"].as_i64().unwrap();
    let earlier = w
        .api
        .get(&format!(
            "{}?before={oldest_shown}",
            w.messages(&w.inbox, &source, id)
        ))
        .send()
        .await
        .expect(200)
        .body;
    let earlier: Vec<&str> = earlier
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        earlier,
        ["Hello?", "see attached", "We are on it", "m0", "m1"]
    );

    // A resolved conversation reopens with an incoming message.
    w.resolve_as_admin(id).await;
    w.say(&w.inbox, &source, id, "Still there?")
        .await
        .expect(200);
    assert_eq!(w.agent_view(id).await["status"], "open");

    // Too long: 422 with the model's error, nothing written.
    let long = w
        .say(&w.inbox, &source, id, &"x".repeat(150_001))
        .await
        .expect(422);
    assert_eq!(
        long.body,
        json!({"message": "Content is too long (maximum is 150000 characters)", "attributes": ["content"]})
    );
    let count_before = w.agent_messages(id).await.len();
    w.api
        .post(&w.messages(&w.inbox, &source, id))
        .body("application/json", "[oops")
        .send()
        .await
        .expect(400);
    assert_eq!(w.agent_messages(id).await.len(), count_before);
}

#[tokio::test]
async fn the_flood_guard_refuses_a_conversations_messages_past_the_limit() {
    let api = TestApi::with_state(|state| state.config.messages_per_minute = 3).await;
    let w = world_over(api).await;
    let source = w.visitor(&w.inbox, json!({})).await;
    let id = w.open(&w.inbox, &source).await;
    for n in 0..3 {
        w.say(&w.inbox, &source, id, &format!("m{n}"))
            .await
            .expect(200);
    }
    let refused = w.say(&w.inbox, &source, id, "m3").await.expect(422);
    assert_eq!(
        refused.body,
        json!({"message": "Too many messages", "attributes": ["base"]})
    );
    // Another conversation has its own budget.
    let other = w
        .open(&w.inbox, &w.visitor(&w.inbox, json!({})).await)
        .await;
    assert_ne!(other, id);
    assert_eq!(
        w.agent_messages(id).await.len(),
        3,
        "the refused message was not written"
    );
}

#[tokio::test]
async fn submitted_values_and_csat_answers() {
    let clock = api_tests::clock::fixed_at_this_minute();
    let api = TestApi::with_clock(clock.clone()).await;
    let w = world_over(api).await;
    let csat = w.api_inbox(json!({"csat_survey_enabled": true})).await;
    let source = w.visitor(&csat, json!({"name": "Grace"})).await;
    let id = w.open(&csat, &source).await;

    // A select reply stores the submitted values.
    w.api
        .post(&format!("{}/conversations/{id}/messages", w.base))
        .token(w.admin())
        .json(json!({"content": "Pick one", "content_type": "input_select", "content_attributes": {"items": [{"title": "A", "value": "a"}]}}))
        .send()
        .await
        .expect(200);
    let select = w
        .agent_messages(id)
        .await
        .into_iter()
        .find(|m| m["content_type"] == "input_select")
        .unwrap();
    let message = |mid: &Value| format!("{}/{mid}", w.messages(&csat, &source, id));
    let answered = w
        .api
        .patch(&message(&select["id"]))
        .json(json!({"submitted_values": [{"name": "pick", "title": "A", "value": "a"}]}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        answered["content_attributes"]["submitted_values"],
        json!([{"name": "pick", "title": "A", "value": "a"}])
    );
    assert_eq!(answered["content_attributes"]["items"][0]["value"], "a");

    // The survey: answered from the Client API, visible to the agents at once.
    w.api
        .post(&format!(
            "{}/{id}/toggle_status",
            w.conversations(&csat, &source)
        ))
        .send()
        .await
        .expect(200);
    let survey = w
        .agent_messages(id)
        .await
        .into_iter()
        .find(|m| m["content_type"] == "input_csat")
        .unwrap();
    let rated = w
        .api
        .patch(&message(&survey["id"]))
        .json(json!({"submitted_values": {"csat_survey_response": {"rating": 4, "feedback_message": "Quick"}}}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(rated["content_type"], "input_csat");
    let agent_copy = w
        .agent_messages(id)
        .await
        .into_iter()
        .find(|m| m["content_type"] == "input_csat")
        .unwrap();
    assert_eq!(
        agent_copy["content_attributes"]["submitted_values"]["csat_survey_response"],
        json!({"rating": 4, "feedback_message": "Quick"})
    );

    // The public CSAT JSON shows the recorded response.
    let uuid = w.agent_view(id).await["uuid"].as_str().unwrap().to_owned();
    let public = w
        .api
        .get(&format!("/public/api/v1/csat_survey/{uuid}"))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        sorted_keys(&public),
        keys(&[
            "id",
            "csat_survey_response",
            "display_type",
            "content",
            "inbox_avatar_url",
            "inbox_name",
            "locale",
            "conversation_id",
            "created_at"
        ])
    );
    assert_eq!(public["id"], survey["id"]);
    assert_eq!(public["display_type"], "emoji");
    assert_eq!(public["csat_survey_response"]["rating"], 4);
    assert_eq!(public["csat_survey_response"]["feedback_message"], "Quick");
    assert_eq!(public["csat_survey_response"]["message_id"], survey["id"]);

    // Changing the answer keeps one response.
    let changed = w
        .api
        .patch(&format!("/public/api/v1/csat_survey/{uuid}"))
        .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 5, "feedback_message": "Great"}}}}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(changed["csat_survey_response"]["rating"], 5);
    assert_eq!(
        changed["csat_survey_response"]["id"],
        public["csat_survey_response"]["id"]
    );

    // Bad ratings are refused, nothing changes.
    for bad in [json!(0), json!(6), json!("great")] {
        let refused = w
            .api
            .patch(&message(&survey["id"]))
            .json(json!({"submitted_values": {"csat_survey_response": {"rating": bad}}}))
            .send()
            .await
            .expect(422);
        assert_eq!(
            refused.body,
            json!({"message": "Rating is not included in the list", "attributes": ["rating"]})
        );
    }
    w.api
        .patch(&message(&survey["id"]))
        .json(json!({"content": "no values"}))
        .send()
        .await
        .expect(422);

    // Private notes cannot be reached from the contact's side.
    w.agent_note(id, "secret", true).await;
    let note = w
        .agent_messages(id)
        .await
        .into_iter()
        .find(|m| m["private"] == true)
        .unwrap();
    w.api
        .patch(&message(&note["id"]))
        .json(json!({"submitted_values": [{"value": "x"}]}))
        .send()
        .await
        .expect(404);

    // Fourteen calendar days later the survey is still open; the day after, locked.
    clock.advance_ms(14 * 86_400_000);
    let day_fourteen = w
        .api
        .patch(&format!("/public/api/v1/csat_survey/{uuid}"))
        .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 3}}}}))
        .send()
        .await;
    // Depending on the hour, day fourteen may already be the fifteenth calendar day.
    assert!([200, 422].contains(&day_fourteen.status));
    clock.advance_ms(2 * 86_400_000);
    let locked = json!({"error": "You cannot update the CSAT survey after 14 days"});
    for response in [
        w.api
            .patch(&message(&survey["id"]))
            .json(json!({"submitted_values": {"csat_survey_response": {"rating": 1}}}))
            .send()
            .await,
        w.api
            .patch(&format!("/public/api/v1/csat_survey/{uuid}"))
            .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 1}}}}))
            .send()
            .await,
    ] {
        assert_eq!(response.status, 422);
        assert_eq!(response.body, locked);
    }
    let page = w
        .api
        .get(&format!("/survey/responses/{uuid}"))
        .send()
        .await
        .expect(200);
    assert!(String::from_utf8_lossy(&page.raw).contains("\"expired\":true"));
}

#[tokio::test]
async fn the_survey_page_and_json_for_known_and_unknown_uuids() {
    let w = world().await;
    let csat = w.api_inbox(json!({"csat_survey_enabled": true})).await;
    let source = w.visitor(&csat, json!({"name": "Grace"})).await;
    let id = w.open(&csat, &source).await;
    let uuid = w.agent_view(id).await["uuid"].as_str().unwrap().to_owned();
    // No survey yet: the JSON is not found, the page says so.
    w.api
        .get(&format!("/public/api/v1/csat_survey/{uuid}"))
        .send()
        .await
        .expect(404);
    w.resolve_as_admin(id).await;

    let page = w
        .api
        .get(&format!("/survey/responses/{uuid}"))
        .send()
        .await
        .expect(200);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = String::from_utf8_lossy(&page.raw).to_string();
    assert!(!html.contains("__SURVEY_DATA__"));
    let data = embedded_data(&html);
    assert_eq!(data["uuid"], uuid);
    assert_eq!(data["account_name"], "Acme");
    assert_eq!(data["expired"], false);
    assert_eq!(
        data["submit_url"],
        format!("/public/api/v1/csat_survey/{uuid}")
    );
    assert_eq!(data["survey"]["inbox_name"], "Support");
    assert_eq!(data["survey"]["csat_survey_response"], Value::Null);

    let long = "u".repeat(5000);
    for unknown in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", &long] {
        let page = w
            .api
            .get(&format!("/survey/responses/{unknown}"))
            .send()
            .await
            .expect(200);
        let data = embedded_data(&String::from_utf8_lossy(&page.raw));
        assert_eq!(data["survey"], Value::Null);
        assert_eq!(data["account_name"], Value::Null);
        let response = w
            .api
            .get(&format!("/public/api/v1/csat_survey/{unknown}"))
            .send()
            .await
            .expect(404);
        assert_eq!(response.body, not_found());
        w.api
            .patch(&format!("/public/api/v1/csat_survey/{unknown}"))
            .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 3}}}}))
            .send()
            .await
            .expect(404);
    }
    // Bad input on a known survey.
    w.api
        .patch(&format!("/public/api/v1/csat_survey/{uuid}"))
        .json(json!({"rating": 3}))
        .send()
        .await
        .expect(422);

    // A deleted conversation's uuid names nothing.
    w.api
        .delete(&format!("{}/conversations/{id}", w.base))
        .token(w.admin())
        .send()
        .await
        .expect(200);
    let page = w
        .api
        .get(&format!("/survey/responses/{uuid}"))
        .send()
        .await
        .expect(200);
    assert_eq!(
        embedded_data(&String::from_utf8_lossy(&page.raw))["survey"],
        Value::Null
    );
}

fn embedded_data(html: &str) -> Value {
    let start = html
        .find("type=\"application/json\">")
        .expect("data script")
        + 24;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// Every Client route, with paths built from the given identifier, source id, conversation
/// and message: another inbox's, another contact's or another account's ids all answer the
/// framework's 404, and nothing is written.
#[tokio::test]
async fn foreign_and_unknown_ids_are_not_found() {
    let w = world().await;
    let source = w.visitor(&w.inbox, json!({"name": "Mine"})).await;
    let id = w.open(&w.inbox, &source).await;
    let message = w.say(&w.inbox, &source, id, "mine").await.expect(200).id();

    // Another inbox of the account, with a contact and conversation of its own.
    let second = w.api_inbox(json!({})).await;
    let second_source = w.visitor(&second, json!({"name": "Theirs"})).await;
    let second_id = w.open(&second, &second_source).await;
    let second_message = w
        .say(&second, &second_source, second_id, "theirs")
        .await
        .expect(200)
        .id();

    // Another account with the same shapes.
    let other_account = w.fx.other_account;
    let outsider = &w.fx.outsider.1;
    let foreign_inbox = w
        .api
        .post(&format!("/api/v1/accounts/{other_account}/inboxes"))
        .token(outsider)
        .json(json!({"name": "Theirs", "channel": {"type": "api"}}))
        .send()
        .await
        .expect(200);
    let foreign = Inbox {
        id: foreign_inbox.id(),
        identifier: foreign_inbox.text("inbox_identifier"),
        hmac_token: foreign_inbox.text("hmac_token"),
    };
    // Display ids are per account: its first conversation has our first one's number, and
    // our paths can only ever name our account's.
    let foreign_source = w.visitor(&foreign, json!({"name": "Foreign"})).await;
    assert_eq!(w.open(&foreign, &foreign_source).await, id);

    let events_before = w.events().await.len();
    let routes: Vec<(Method, &str, Value)> = vec![
        (Method::GET, "/contacts/{s}", Value::Null),
        (Method::PATCH, "/contacts/{s}", json!({"name": "Hijacked"})),
        (Method::GET, "/contacts/{s}/conversations", Value::Null),
        (Method::POST, "/contacts/{s}/conversations", json!({})),
        (Method::GET, "/contacts/{s}/conversations/{c}", Value::Null),
        (
            Method::POST,
            "/contacts/{s}/conversations/{c}/toggle_status",
            json!({}),
        ),
        (
            Method::POST,
            "/contacts/{s}/conversations/{c}/toggle_typing",
            json!({"typing_status": "on"}),
        ),
        (
            Method::POST,
            "/contacts/{s}/conversations/{c}/update_last_seen",
            json!({}),
        ),
        (
            Method::GET,
            "/contacts/{s}/conversations/{c}/messages",
            Value::Null,
        ),
        (
            Method::POST,
            "/contacts/{s}/conversations/{c}/messages",
            json!({"content": "hi"}),
        ),
        (
            Method::PATCH,
            "/contacts/{s}/conversations/{c}/messages/{m}",
            json!({"submitted_values": [{"value": "x"}]}),
        ),
    ];
    let path = |inbox: &Inbox, template: &str, s: &str, c: i64, m: i64| {
        w.public(
            inbox,
            &template
                .replace("{s}", s)
                .replace("{c}", &c.to_string())
                .replace("{m}", &m.to_string()),
        )
    };
    for (method, template, body) in &routes {
        let needs_conversation = template.contains("{c}");
        let needs_message = template.contains("{m}");
        let mut cases = vec![
            // Unknown inbox identifier.
            path(
                &Inbox {
                    identifier: "nope".into(),
                    ..w.inbox.clone()
                },
                template,
                &source,
                id,
                message,
            ),
            // Unknown source id.
            path(&w.inbox, template, "no-such-source", id, message),
            // Another inbox's source id.
            path(&w.inbox, template, &second_source, id, message),
            // Another account's source id in its own inbox path, under ours.
            path(&w.inbox, template, &foreign_source, id, message),
        ];
        if needs_conversation {
            // Another contact's conversation (of another inbox), unknown and bad ids.
            cases.push(path(&w.inbox, template, &source, second_id, message));
            cases.push(path(&w.inbox, template, &source, 999_999, message));
            cases.push(path(&w.inbox, template, &source, -1, message));
        }
        if needs_message {
            cases.push(path(&w.inbox, template, &source, id, second_message));
        }
        for path in cases {
            let mut request = w.api.request(method.clone(), &path);
            if !body.is_null() {
                request = request.json(body.clone());
            }
            let response = request.send().await;
            assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
            assert_eq!(response.body, not_found(), "{method} {path}");
        }
    }
    assert_eq!(w.events().await.len(), events_before, "nothing was written");
    // The other contact's data is as it was.
    let theirs = w
        .api
        .get(&w.public(&second, &format!("/contacts/{second_source}")))
        .send()
        .await
        .expect(200);
    assert_eq!(theirs.body["name"], "Theirs");
    let their_conversation = w.agent_view(second_id).await;
    assert_eq!(their_conversation["status"], "open");
}

/// Store round trips of the Client API's reads: key lookups and queries only, a fixed number
/// per request (the conversation's own messages aside).
#[tokio::test]
async fn client_reads_cost_a_fixed_number_of_round_trips() {
    let w = world().await;
    let csat = w.api_inbox(json!({"csat_survey_enabled": true})).await;
    let source = w.visitor(&csat, json!({"name": "Grace"})).await;
    let id = w.open(&csat, &source).await;
    w.say(&csat, &source, id, "hello").await.expect(200);
    w.resolve_as_admin(id).await;
    let uuid = w.agent_view(id).await["uuid"].as_str().unwrap().to_owned();
    let conversation = format!("{}/{id}", w.conversations(&csat, &source));
    for (path, reads) in [
        (format!("/public/api/v1/inboxes/{}", csat.identifier), 2),
        (w.public(&csat, &format!("/contacts/{source}")), 3),
        (w.conversations(&csat, &source), 9),
        (conversation.clone(), 5),
        (format!("{conversation}/messages"), 5),
        (format!("/public/api/v1/csat_survey/{uuid}"), 3),
        (format!("/survey/responses/{uuid}"), 3),
    ] {
        let trips = w.api.round_trips(Method::GET, &path, "").await;
        assert_eq!((trips.reads, trips.writes), (reads, 0), "{path}");
    }
}
