//! `/api/v1/accounts/{account_id}/contacts`, its sub-resources and `/actions/contact_merge`.

use api_tests::{check_account_guards, json, multipart, AccountFixture, GuardedRoute, TestApi};
use http::Method;
use serde_json::Value;
use std::sync::Arc;

fn contacts_path(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/contacts", fx.account)
}

/// Creates a contact as the agent; answers its id.
async fn create_contact(api: &TestApi, fx: &AccountFixture, body: Value) -> i64 {
    let account = format!("/api/v1/accounts/{}", fx.account);
    api.create_contact(&account, &fx.agent.1, body).await
}

async fn create_api_inbox(api: &TestApi, fx: &AccountFixture, name: &str) -> i64 {
    api.create_id(
        &format!("/api/v1/accounts/{}/inboxes", fx.account),
        &fx.admin.1,
        json!({"name": name, "channel": {"type": "api"}}),
    )
    .await
}

async fn get(api: &TestApi, path: &str, token: &str) -> Value {
    api.get(path).token(token).send().await.expect(200).body
}

/// The ids of a list response's payload, in order.
fn ids(body: &Value) -> Vec<i64> {
    body["payload"]
        .as_array()
        .unwrap_or_else(|| panic!("no payload in {body}"))
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// Chatwoot's contact JSON for a contact without avatar or activity.
fn contact_json(id: i64, created_at: &Value, fields: Value) -> Value {
    let mut expected = json!({
        "additional_attributes": {},
        "availability_status": "offline",
        "email": null,
        "id": id,
        "name": "",
        "phone_number": null,
        "blocked": false,
        "identifier": null,
        "thumbnail": "",
        "custom_attributes": {},
        "created_at": created_at,
    });
    for (key, value) in fields.as_object().unwrap() {
        expected[key] = value.clone();
    }
    expected
}

#[tokio::test]
async fn contact_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = create_contact(&api, &fx, json!({"email": "guard@example.com"})).await;
    let other = create_contact(&api, &fx, json!({"email": "other@example.com"})).await;
    let contact = format!("/api/v1/accounts/{{account}}/contacts/{id}");
    let route =
        |method: Method, path: String, body: Value| GuardedRoute::new(method, path, body, false);
    let mut routes = vec![
        route(
            Method::GET,
            "/api/v1/accounts/{account}/contacts".into(),
            json!(null),
        ),
        route(
            Method::POST,
            "/api/v1/accounts/{account}/contacts".into(),
            json!({"name": "x"}),
        ),
        route(
            Method::GET,
            "/api/v1/accounts/{account}/contacts/search?q=guard".into(),
            json!(null),
        ),
        route(
            Method::GET,
            "/api/v1/accounts/{account}/contacts/active".into(),
            json!(null),
        ),
        route(
            Method::POST,
            "/api/v1/accounts/{account}/contacts/filter".into(),
            json!({"payload": []}),
        ),
        route(Method::GET, contact.clone(), json!(null)),
        route(Method::PATCH, contact.clone(), json!({"name": "y"})),
        route(Method::PUT, contact.clone(), json!({"name": "y"})),
        route(Method::GET, format!("{contact}/labels"), json!(null)),
        route(
            Method::POST,
            format!("{contact}/labels"),
            json!({"labels": ["a"]}),
        ),
        route(
            Method::POST,
            format!("{contact}/contact_inboxes"),
            json!({"inbox_id": 1}),
        ),
        route(
            Method::GET,
            format!("{contact}/contactable_inboxes"),
            json!(null),
        ),
        route(
            Method::POST,
            format!("{contact}/destroy_custom_attributes"),
            json!({"custom_attributes": ["a"]}),
        ),
        route(Method::DELETE, format!("{contact}/avatar"), json!(null)),
        route(
            Method::POST,
            "/api/v1/accounts/{account}/actions/contact_merge".into(),
            json!({"base_contact_id": id, "mergee_contact_id": other}),
        ),
    ];
    routes.push(GuardedRoute::new(
        Method::DELETE,
        contact,
        json!(null),
        true,
    ));
    check_account_guards(&api, &fx, &routes).await;
}

#[tokio::test]
async fn create_show_and_update_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({
            "name": "Ann Lee", "email": "Ann@Example.COM", "phone_number": "+14155550123",
            "identifier": "ext-1", "additional_attributes": {"city": "Oslo"},
            "custom_attributes": {"plan": "pro"}, "ignored": true
        }))
        .send()
        .await
        .expect(200);
    let contact = &created.body["payload"]["contact"];
    let id = contact["id"].as_i64().unwrap();
    let created_at = contact["created_at"].clone();
    assert!(created_at.as_i64().unwrap() > 1_600_000_000);
    let expected = contact_json(
        id,
        &created_at,
        json!({
            "name": "Ann Lee", "email": "ann@example.com", "phone_number": "+14155550123",
            "identifier": "ext-1", "additional_attributes": {"city": "Oslo"},
            "custom_attributes": {"plan": "pro"}, "contact_inboxes": []
        }),
    );
    assert_eq!(
        created.body,
        json!({"payload": {"contact": expected, "contact_inbox": {"inbox": null, "source_id": null}}})
    );
    let shown = get(&api, &format!("{base}/{id}"), &fx.agent.1).await;
    assert_eq!(shown, json!({"payload": expected}));
    // Attribute maps merge; other fields change; blank email becomes null.
    let updated = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({
            "name": "Ann B. Lee", "email": "", "blocked": true,
            "additional_attributes": {"company_name": "Acme"},
            "custom_attributes": {"seats": 3}
        }))
        .send()
        .await
        .expect(200);
    assert_eq!(
        updated.body,
        json!({"payload": contact_json(id, &created_at, json!({
            "name": "Ann B. Lee", "phone_number": "+14155550123", "identifier": "ext-1",
            "blocked": true, "additional_attributes": {"city": "Oslo", "company_name": "Acme"},
            "custom_attributes": {"plan": "pro", "seats": 3}, "contact_inboxes": []
        }))})
    );
    // The released email can be used by another contact.
    create_contact(&api, &fx, json!({"email": "ann@example.com"})).await;
    // A name-only contact exists and is reachable by id, though never listed.
    let nameless = create_contact(&api, &fx, json!({"name": "Just a name"})).await;
    let shown = get(&api, &format!("{base}/{nameless}"), &fx.agent.1).await;
    assert_eq!(shown["payload"]["name"], "Just a name");
    let listed = get(&api, &base, &fx.agent.1).await;
    assert!(!ids(&listed).contains(&nameless));
    assert_eq!(listed["meta"]["count"], 2);
}

#[tokio::test]
async fn bad_input_is_refused_with_rails_messages_and_writes_nothing() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    create_contact(
        &api,
        &fx,
        json!({"email": "taken@example.com", "phone_number": "+4912345", "identifier": "ID-1"}),
    )
    .await;
    let long = "n".repeat(256);
    let cases = [
        (json!({"email": "no-at-sign"}), "Email Invalid email", json!(["email"])),
        (json!({"email": "TAKEN@example.com"}), "Email has already been taken", json!(["email"])),
        (json!({"phone_number": "0123"}), "Phone number should be in e164 format", json!(["phone_number"])),
        (json!({"phone_number": "+4912345"}), "Phone number has already been taken", json!(["phone_number"])),
        (json!({"identifier": "ID-1"}), "Identifier has already been taken", json!(["identifier"])),
        (json!({"name": long}), "Name is too long (maximum is 255 characters)", json!(["name"])),
        (
            json!({"email": "taken@example.com", "identifier": "ID-1", "phone_number": "12"}),
            "Email has already been taken, Identifier has already been taken, Phone number should be in e164 format",
            json!(["email", "identifier", "phone_number"]),
        ),
    ];
    for (body, message, attributes) in cases {
        let response = api
            .post(&base)
            .token(&fx.agent.1)
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
    // The identifier is case-sensitive.
    create_contact(&api, &fx, json!({"identifier": "id-1"})).await;
    let malformed = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"custom_attributes": "not a hash"}))
        .send()
        .await;
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    let listed = get(&api, &base, &fx.agent.1).await;
    assert_eq!(listed["meta"]["count"], 2);
    // Updates are held to the same rules, and nothing changes.
    let id = ids(&listed)[1];
    let response = api
        .put(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .json(json!({"email": "taken@example.com", "name": "changed"}))
        .send()
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.body["attributes"], json!(["email"]));
    let shown = get(&api, &format!("{base}/{id}"), &fx.agent.1).await;
    assert_eq!(shown["payload"]["name"], "");
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_email_make_one_contact() {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let responses = api_tests::concurrent_posts(
        &api,
        &base,
        &fx.agent.1,
        20,
        |n| json!({ "email": if n % 2 == 0 { "race@example.com" } else { "RACE@example.com" } }),
    )
    .await;
    api_tests::assert_one_winner(
        &responses,
        &json!({"message": "Email has already been taken", "attributes": ["email"]}),
    );
    let listed = get(&api, &base, &fx.agent.1).await;
    assert_eq!(listed["meta"]["count"], 1);
}

#[tokio::test]
async fn creating_with_an_inbox_links_the_contact_in_the_same_request() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let inbox = create_api_inbox(&api, &fx, "Support").await;
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"email": "linked@example.com", "inbox_id": inbox, "source_id": "src-1"}))
        .send()
        .await
        .expect(200);
    let payload = &created.body["payload"];
    assert_eq!(payload["contact_inbox"]["source_id"], "src-1");
    let row = &payload["contact_inbox"]["inbox"];
    assert_eq!(row["id"], inbox);
    assert_eq!(row["account_id"], fx.account);
    assert_eq!(row["channel_type"], "Channel::Api");
    assert_eq!(row["name"], "Support");
    let link = json!([{"source_id": "src-1", "inbox": {
        "id": inbox, "avatar_url": "", "channel_id": row["channel_id"], "name": "Support",
        "channel_type": "Channel::Api", "provider": null
    }}]);
    assert_eq!(payload["contact"]["contact_inboxes"], link);
    let id = payload["contact"]["id"].as_i64().unwrap();
    let listed = get(&api, &base, &fx.agent.1).await;
    assert_eq!(listed["payload"][0]["contact_inboxes"], link);
    // Without a source id, a fresh UUID.
    let generated = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"name": "Anon", "inbox_id": inbox}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        generated.body["payload"]["contact_inbox"]["source_id"]
            .as_str()
            .unwrap()
            .len(),
        36
    );
    // A source id another contact holds: 422, and the contact is not created.
    let taken = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"email": "second@example.com", "inbox_id": inbox, "source_id": "src-1"}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(taken.body, json!({"error": "source_id should be unique"}));
    create_contact(&api, &fx, json!({"email": "second@example.com"})).await;
    // Another account's inbox is not found.
    let theirs = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"email": "third@example.com", "inbox_id": 987654}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(theirs.status, 404);
    assert_eq!(get(&api, &base, &fx.agent.1).await["meta"]["count"], 2);
    assert!(ids(&get(&api, &base, &fx.agent.1).await).contains(&id));
}

#[tokio::test]
async fn lists_page_by_fifteen_and_count_resolved_contacts() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let mut created = Vec::new();
    for n in 0..17 {
        created.push(
            create_contact(&api, &fx, json!({"email": format!("c{n:02}@example.com")})).await,
        );
    }
    create_contact(&api, &fx, json!({"name": "unresolved"})).await;
    let first = get(&api, &base, &fx.agent.1).await;
    assert_eq!(first["meta"], json!({"count": 17, "current_page": 1}));
    assert_eq!(ids(&first), created[..15]);
    let second = get(&api, &format!("{base}?page=2"), &fx.agent.1).await;
    assert_eq!(second["meta"], json!({"count": 17, "current_page": "2"}));
    assert_eq!(ids(&second), created[15..]);
    let beyond = get(&api, &format!("{base}?page=3"), &fx.agent.1).await;
    assert_eq!(beyond["payload"], json!([]));
    let bogus = get(&api, &format!("{base}?page=abc"), &fx.agent.1).await;
    assert_eq!(bogus["meta"]["current_page"], "abc");
    assert_eq!(ids(&bogus), created[..15]);
    let without = get(
        &api,
        &format!("{base}?include_contact_inboxes=false"),
        &fx.agent.1,
    )
    .await;
    assert!(without["payload"][0].get("contact_inboxes").is_none());
    assert!(first["payload"][0].get("contact_inboxes").is_some());
}

#[tokio::test]
async fn sorts_follow_chatwoots_orders_and_null_placement() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let bea = create_contact(
        &api,
        &fx,
        json!({"name": "bea", "email": "b@example.com", "additional_attributes": {"city": "Oslo", "company_name": "Zeta"}}),
    )
    .await;
    let al = create_contact(
        &api,
        &fx,
        json!({"name": "Al", "phone_number": "+15550001", "additional_attributes": {"city": "Berlin"}}),
    )
    .await;
    let cy = create_contact(&api, &fx, json!({"name": "cy", "email": "a@example.com"})).await;
    let cases = [
        ("name", vec![al, bea, cy]),
        ("-name", vec![cy, bea, al]),
        ("email", vec![cy, bea, al]),
        // PostgreSQL's default: a missing email is the greatest value.
        ("-email", vec![al, bea, cy]),
        ("phone_number", vec![al, bea, cy]),
        ("city", vec![al, bea, cy]),
        // NULLS LAST both ways.
        ("-city", vec![bea, al, cy]),
        ("company", vec![bea, al, cy]),
        // Contacts without a value keep their (reversed) creation order.
        ("-company", vec![bea, cy, al]),
        ("created_at", vec![bea, al, cy]),
        ("-created_at", vec![cy, al, bea]),
        ("-last_activity_at", vec![cy, al, bea]),
        ("bogus", vec![bea, al, cy]),
    ];
    for (sort, expected) in cases {
        let listed = get(&api, &format!("{base}?sort={sort}"), &fx.agent.1).await;
        assert_eq!(ids(&listed), expected, "sort={sort}");
    }
    // An update moves the contact in the orders it changes.
    api.patch(&format!("{base}/{cy}"))
        .token(&fx.agent.1)
        .json(json!({"additional_attributes": {"city": "Aachen"}}))
        .send()
        .await
        .expect(200);
    let listed = get(&api, &format!("{base}?sort=city"), &fx.agent.1).await;
    assert_eq!(ids(&listed), [cy, al, bea]);
}

#[tokio::test]
async fn a_page_costs_the_same_round_trips_however_many_contacts() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let inbox = create_api_inbox(&api, &fx, "Support").await;
    let mut costs = Vec::new();
    // Page 2 is full in both rounds: 30, then 60 contacts.
    for round in 0..2 {
        for n in 0..30 {
            create_contact(
                &api,
                &fx,
                json!({"email": format!("r{round}-{n}@example.com"), "inbox_id": inbox}),
            )
            .await;
        }
        for sort in ["email", "-email"] {
            let path = format!("{base}?page=2&sort={sort}");
            costs.push(api.round_trips(Method::GET, &path, &fx.agent.1).await);
        }
    }
    // Token, account + membership, the view query, contacts + count, their inboxes; a
    // descending email order first reads the (empty) group of contacts without one.
    assert_eq!(costs[0].reads, 5, "{costs:?}");
    assert_eq!(costs[1].reads, 6, "{costs:?}");
    for (small, large) in [(costs[0], costs[2]), (costs[1], costs[3])] {
        assert_eq!(small.reads, large.reads, "{costs:?}");
        assert_eq!(large.writes, 0);
    }
}

#[tokio::test]
async fn labels_replace_and_filter_the_list() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let vip = create_contact(&api, &fx, json!({"email": "vip@example.com"})).await;
    let lead = create_contact(&api, &fx, json!({"email": "lead@example.com"})).await;
    create_contact(&api, &fx, json!({"email": "plain@example.com"})).await;
    let set = api
        .post(&format!("{base}/{vip}/labels"))
        .token(&fx.agent.1)
        .json(json!({"labels": ["vip", "billing", "vip", " "]}))
        .send()
        .await
        .expect(200);
    assert_eq!(set.body, json!({"payload": ["vip", "billing"]}));
    api.post(&format!("{base}/{lead}/labels"))
        .token(&fx.agent.1)
        .json(json!({"labels": ["lead"]}))
        .send()
        .await
        .expect(200);
    let shown = get(&api, &format!("{base}/{vip}/labels"), &fx.agent.1).await;
    assert_eq!(shown, json!({"payload": ["vip", "billing"]}));
    let filtered = get(
        &api,
        &format!("{base}?labels[]=vip&labels[]=lead&sort=email"),
        &fx.agent.1,
    )
    .await;
    assert_eq!(filtered["meta"]["count"], 2);
    assert_eq!(ids(&filtered), [lead, vip]);
    // Replacing drops the old labels from the filter.
    api.post(&format!("{base}/{vip}/labels"))
        .token(&fx.agent.1)
        .json(json!({"labels": ["billing"]}))
        .send()
        .await
        .expect(200);
    let filtered = get(&api, &format!("{base}?labels[]=vip"), &fx.agent.1).await;
    assert_eq!(filtered["meta"]["count"], 0);
    assert_eq!(filtered["payload"], json!([]));
    let cleared = api
        .post(&format!("{base}/{vip}/labels"))
        .token(&fx.agent.1)
        .json(json!({}))
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body, json!({"payload": []}));
}

#[tokio::test]
async fn search_matches_substrings_of_the_searchable_fields() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let ann = create_contact(
        &api,
        &fx,
        json!({"name": "Annabel Lee", "email": "annabel@poe.org", "additional_attributes": {"company_name": "Raven Inc"}}),
    )
    .await;
    let bob = create_contact(
        &api,
        &fx,
        json!({"name": "Bob", "phone_number": "+15551234", "identifier": "CRM-XY-9"}),
    )
    .await;
    create_contact(&api, &fx, json!({"name": "Annabel unresolved"})).await;
    let cases: [(&str, Vec<i64>); 11] = [
        ("BEL", vec![ann]),
        ("poe.o", vec![ann]),
        ("raven", vec![ann]),
        ("5123", vec![bob]),
        ("CRM-XY", vec![bob]),
        // The identifier matches case-sensitively only.
        ("crm-xy", vec![]),
        ("b", vec![ann, bob]),
        ("ob", vec![bob]),
        ("%20Bob%20", vec![bob]),
        ("zzz", vec![]),
        ("annabel%20lee", vec![ann]),
    ];
    for (q, expected) in cases {
        let found = get(&api, &format!("{base}/search?q={q}&sort=name"), &fx.agent.1).await;
        assert_eq!(ids(&found), expected, "q={q}");
        assert_eq!(found["meta"]["count"], expected.len(), "q={q}");
    }
    // Missing q: Chatwoot's early return leaves an empty result.
    let empty = get(&api, &format!("{base}/search"), &fx.agent.1).await;
    assert_eq!(
        empty,
        json!({"meta": {"count": null, "current_page": 1}, "payload": []})
    );
    // The index follows updates and deletes.
    api.patch(&format!("{base}/{bob}"))
        .token(&fx.agent.1)
        .json(json!({"name": "Robert"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        ids(&get(&api, &format!("{base}/search?q=bob"), &fx.agent.1).await),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&get(&api, &format!("{base}/search?q=robe"), &fx.agent.1).await),
        [bob]
    );
    api.delete(&format!("{base}/{ann}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        ids(&get(&api, &format!("{base}/search?q=raven"), &fx.agent.1).await),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn search_indexes_long_text_beyond_one_transaction() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let name: String = (0..250)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect::<String>();
    let name = format!("{name}ZQ");
    let id = create_contact(
        &api,
        &fx,
        json!({"name": name, "email": "long@example.com"}),
    )
    .await;
    // Only the end of the name (past the first transaction's room) has this gram.
    let found = get(&api, &format!("{base}/search?q=nopzq"), &fx.agent.1).await;
    assert_eq!(ids(&found), [id]);
}

#[tokio::test]
async fn delete_is_for_administrators_and_frees_everything() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let inbox = create_api_inbox(&api, &fx, "Support").await;
    let id = create_contact(
        &api,
        &fx,
        json!({"email": "gone@example.com", "phone_number": "+4930123", "inbox_id": inbox, "source_id": "s-1"}),
    )
    .await;
    api.delete(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(401);
    let deleted = api
        .delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(deleted.body, Value::Null);
    api.get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    assert_eq!(get(&api, &base, &fx.agent.1).await["meta"]["count"], 0);
    // Email, phone and source id are free again.
    let again = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"email": "gone@example.com", "phone_number": "+4930123", "inbox_id": inbox, "source_id": "s-1"}))
        .send()
        .await
        .expect(200);
    assert_eq!(again.body["payload"]["contact_inbox"]["source_id"], "s-1");
}

#[tokio::test]
async fn custom_attributes_and_avatars_are_removed() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let png = b"\x89PNG\r\n\x1a\nfake";
    let (content_type, body) = multipart(
        &[
            ("name", "Pic"),
            ("email", "pic@example.com"),
            ("custom_attributes[a]", "1"),
            ("custom_attributes[b]", "2"),
        ],
        &[("avatar", "face.png", "image/png", png)],
    );
    let created = api
        .post(&base)
        .token(&fx.agent.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    let contact = &created.body["payload"]["contact"];
    let id = contact["id"].as_i64().unwrap();
    let thumbnail = contact["thumbnail"].as_str().unwrap().to_owned();
    assert!(!thumbnail.is_empty());
    let (status, bytes) =
        api_tests::fetch_url(&api, Method::GET, &thumbnail, "", bytes::Bytes::new()).await;
    assert_eq!((status, bytes.as_ref()), (200, &png[..]));
    let trimmed = api
        .post(&format!("{base}/{id}/destroy_custom_attributes"))
        .token(&fx.agent.1)
        .json(json!({"custom_attributes": ["a", "missing"]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        trimmed.body["payload"]["custom_attributes"],
        json!({"b": "2"})
    );
    assert_eq!(trimmed.body["payload"]["contact_inboxes"], json!([]));
    let removed = api
        .delete(&format!("{base}/{id}/avatar"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(
        removed.body,
        json!({"payload": contact_json(id, &contact["created_at"], json!({
            "name": "Pic", "email": "pic@example.com", "custom_attributes": {"b": "2"}
        }))})
    );
    let (content_type, body) = multipart(&[], &[("avatar", "face.png", "text/plain", b"hello")]);
    let refused = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.agent.1)
        .body(&content_type, body)
        .send()
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body,
        json!({"message": "Avatar filetype not supported", "attributes": ["avatar"]})
    );
}

#[tokio::test]
async fn contact_inboxes_are_created_for_inboxes_the_caller_sees() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let inbox = create_api_inbox(&api, &fx, "Support").await;
    let id = create_contact(&api, &fx, json!({"email": "ci@example.com"})).await;
    let path = format!("{base}/{id}/contact_inboxes");
    let agent = api
        .post(&path)
        .token(&fx.agent.1)
        .json(json!({"inbox_id": inbox}))
        .send()
        .await;
    assert_eq!(agent.status, 401);
    assert_eq!(
        agent.body,
        json!({"error": "You are not authorized to do this action"})
    );
    for body in [json!({"inbox_id": 987654}), json!({})] {
        let response = api
            .post(&path)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 404, "{body}");
    }
    let created = api
        .post(&path)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "source_id": "abc"}))
        .send()
        .await
        .expect(200);
    let slim = json!({
        "id": inbox, "avatar_url": "", "channel_id": created.body["inbox"]["channel_id"],
        "name": "Support", "channel_type": "Channel::Api", "provider": null
    });
    assert_eq!(created.body, json!({"source_id": "abc", "inbox": slim}));
    // The same pair again is the same link; another contact cannot take it.
    api.post(&path)
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "source_id": "abc"}))
        .send()
        .await
        .expect(200);
    let other = create_contact(&api, &fx, json!({"email": "other@example.com"})).await;
    let taken = api
        .post(&format!("{base}/{other}/contact_inboxes"))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "source_id": "abc"}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(taken.body, json!({"error": "source_id should be unique"}));
    let shown = get(&api, &format!("{base}/{id}"), &fx.agent.1).await;
    assert_eq!(
        shown["payload"]["contact_inboxes"],
        json!([{"source_id": "abc", "inbox": slim}])
    );
    // Contactable: the admin sees the API inbox with the contact's source id; the agent,
    // who is no member of it, sees none.
    let contactable = get(
        &api,
        &format!("{base}/{id}/contactable_inboxes"),
        &fx.admin.1,
    )
    .await;
    assert_eq!(
        contactable,
        json!({"payload": [{"source_id": "abc", "inbox": slim}]})
    );
    let fresh = get(
        &api,
        &format!("{base}/{other}/contactable_inboxes"),
        &fx.admin.1,
    )
    .await;
    assert_eq!(fresh["payload"][0]["source_id"].as_str().unwrap().len(), 36);
    let agents = get(
        &api,
        &format!("{base}/{id}/contactable_inboxes"),
        &fx.agent.1,
    )
    .await;
    assert_eq!(agents, json!({"payload": []}));
}

#[tokio::test]
async fn merge_keeps_base_values_and_deletes_the_mergee() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = contacts_path(&fx);
    let merge = format!("/api/v1/accounts/{}/actions/contact_merge", fx.account);
    let inbox = create_api_inbox(&api, &fx, "Support").await;
    let keep = create_contact(
        &api,
        &fx,
        json!({"name": "Keep", "email": "keep@example.com", "custom_attributes": {"a": 1, "n": {"x": 1}}}),
    )
    .await;
    let mergee = create_contact(
        &api,
        &fx,
        json!({
            "name": "Gone", "email": "gone@example.com", "phone_number": "+3312345",
            "custom_attributes": {"a": 2, "b": 2, "n": {"x": 2, "y": 2}},
            "inbox_id": inbox, "source_id": "m-1"
        }),
    )
    .await;
    let merged = api
        .post(&merge)
        .token(&fx.agent.1)
        .json(json!({"base_contact_id": keep, "mergee_contact_id": mergee}))
        .send()
        .await
        .expect(200);
    assert_eq!(merged.body["id"], keep);
    assert_eq!(merged.body["name"], "Keep");
    assert_eq!(merged.body["email"], "keep@example.com");
    assert_eq!(merged.body["phone_number"], "+3312345");
    assert_eq!(
        merged.body["custom_attributes"],
        json!({"a": 1, "b": 2, "n": {"x": 1, "y": 2}})
    );
    assert!(merged.body.get("contact_inboxes").is_none());
    api.get(&format!("{base}/{mergee}"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(404);
    let shown = get(&api, &format!("{base}/{keep}"), &fx.agent.1).await;
    assert_eq!(shown["payload"]["contact_inboxes"][0]["source_id"], "m-1");
    let listed = get(&api, &base, &fx.agent.1).await;
    assert_eq!(listed["meta"]["count"], 1);
    assert_eq!(
        ids(&get(&api, &format!("{base}/search?q=gone"), &fx.agent.1).await),
        Vec::<i64>::new()
    );
    // The phone number moved with it; the mergee's email is free.
    let phone = api
        .post(&base)
        .token(&fx.agent.1)
        .json(json!({"phone_number": "+3312345"}))
        .send()
        .await;
    assert_eq!(phone.status, 422);
    create_contact(&api, &fx, json!({"email": "gone@example.com"})).await;
    // The source id now belongs to the base contact.
    api.post(&format!("{base}/{keep}/contact_inboxes"))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": inbox, "source_id": "m-1"}))
        .send()
        .await
        .expect(200);
    // Same id: nothing happens; unknown or another account's contact: 404.
    let same = api
        .post(&merge)
        .token(&fx.agent.1)
        .json(json!({"base_contact_id": keep, "mergee_contact_id": keep}))
        .send()
        .await
        .expect(200);
    assert_eq!(same.body["id"], keep);
    let theirs = api
        .post(&format!("/api/v1/accounts/{}/contacts", fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"email": "theirs@example.com"}))
        .send()
        .await
        .expect(200);
    let theirs = theirs.body["payload"]["contact"]["id"].as_i64().unwrap();
    for body in [
        json!({"base_contact_id": keep, "mergee_contact_id": theirs}),
        json!({"base_contact_id": theirs, "mergee_contact_id": keep}),
        json!({"base_contact_id": keep}),
    ] {
        let response = api
            .post(&merge)
            .token(&fx.agent.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 404, "{body}");
    }
    assert_eq!(
        get(&api, &format!("{base}/{keep}"), &fx.agent.1).await["payload"]["id"],
        keep
    );
}

#[tokio::test]
async fn another_accounts_contact_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .post(&format!("/api/v1/accounts/{}/contacts", fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"email": "secret@example.com"}))
        .send()
        .await
        .expect(200);
    let theirs = theirs.body["payload"]["contact"]["id"].as_i64().unwrap();
    let contact = format!("{}/{theirs}", contacts_path(&fx));
    for (method, path) in [
        (Method::GET, contact.clone()),
        (Method::PATCH, contact.clone()),
        (Method::DELETE, contact.clone()),
        (Method::GET, format!("{contact}/labels")),
        (Method::POST, format!("{contact}/labels")),
        (Method::POST, format!("{contact}/contact_inboxes")),
        (Method::GET, format!("{contact}/contactable_inboxes")),
        (Method::POST, format!("{contact}/destroy_custom_attributes")),
        (Method::DELETE, format!("{contact}/avatar")),
        (Method::GET, format!("{}/not-a-number", contacts_path(&fx))),
    ] {
        let response = api
            .request(method.clone(), &path)
            .token(&fx.admin.1)
            .json(json!({"name": "x"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    // Their contact is neither listed nor found by search here.
    let listed = get(&api, &contacts_path(&fx), &fx.admin.1).await;
    assert_eq!(listed["meta"]["count"], 0);
    let found = get(
        &api,
        &format!("{}/search?q=secret", contacts_path(&fx)),
        &fx.admin.1,
    )
    .await;
    assert_eq!(found["payload"], json!([]));
}

#[tokio::test]
async fn active_contacts_are_an_empty_page() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    create_contact(&api, &fx, json!({"email": "here@example.com"})).await;
    let active = get(
        &api,
        &format!("{}/active?page=2", contacts_path(&fx)),
        &fx.agent.1,
    )
    .await;
    assert_eq!(
        active,
        json!({"meta": {"count": 0, "current_page": "2"}, "payload": []})
    );
}

#[tokio::test]
async fn filter_applies_chatwoots_conditions_to_resolved_contacts() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let acme = create_contact(
        &api,
        &fx,
        json!({"name": "Ann", "email": "ann@acme.test", "additional_attributes": {"city": "Lyon"}}),
    )
    .await;
    create_contact(&api, &fx, json!({"name": "Bob", "email": "bob@other.test"})).await;
    let blocked = create_contact(
        &api,
        &fx,
        json!({"name": "Cy", "phone_number": "+33612345678", "blocked": true}),
    )
    .await;
    create_contact(&api, &fx, json!({"name": "Only a name"})).await;
    let path = format!("{}/filter", contacts_path(&fx));
    let filter = |payload: Value| {
        let (api, path, token) = (&api, path.clone(), fx.admin.1.clone());
        async move {
            api.post(&path)
                .token(&token)
                .json(json!({"payload": payload}))
                .send()
                .await
        }
    };
    let found = filter(json!([
        {"attribute_key": "email", "filter_operator": "contains", "values": ["acme"], "query_operator": "or"},
        {"attribute_key": "blocked", "filter_operator": "equal_to", "values": [true], "query_operator": null}
    ]))
    .await
    .expect(200);
    assert_eq!(ids(&found.body), [acme, blocked]);
    assert_eq!(found.body["meta"], json!({"count": 2, "current_page": 1}));
    let city = filter(json!([
        {"attribute_key": "city", "filter_operator": "equal_to", "values": ["lyon"]}
    ]))
    .await
    .expect(200);
    assert_eq!(ids(&city.body), [acme]);
    let refused = filter(json!([
        {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}
    ]))
    .await
    .expect(422);
    assert!(refused.body["error"]
        .as_str()
        .unwrap()
        .starts_with("Invalid attribute key - [status]."));
}
