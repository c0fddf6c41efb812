//! Parallel writers on the same objects: one conversation (messages, status, labels,
//! assignee), one contact (updates, merges), one label title, the unread and per-status
//! counters, and many conversations opened at once. Optimistic-locking conflicts are retried
//! inside the request: nothing answers 5xx, nothing is lost or doubled, uniqueness and the
//! per-account display-id sequence hold.

use api_tests::{
    assert_one_winner, concurrent_posts, concurrent_requests, json, AccountFixture,
    OpenConversation, TestApi, TestResponse,
};
use http::Method;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;

struct World {
    api: Arc<TestApi>,
    fx: AccountFixture,
    base: String,
    inbox: i64,
    contact: i64,
    conversation: i64,
}

async fn world() -> World {
    let api = Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let OpenConversation {
        base,
        inbox,
        contact,
        conversation,
    } = api.open_conversation(&fx).await;
    World {
        api,
        fx,
        base,
        inbox,
        contact,
        conversation,
    }
}

impl World {
    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn conversation_path(&self, action: &str) -> String {
        self.path(&format!("/conversations/{}{action}", self.conversation))
    }

    async fn read(&self, path: &str) -> Value {
        self.api
            .get(&self.path(path))
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body
    }

    /// Every message of the conversation, following `before` pages.
    async fn message_contents(&self) -> Vec<String> {
        let mut contents = Vec::new();
        let mut before: Option<i64> = None;
        loop {
            let query = before.map_or(String::new(), |id| format!("?before={id}"));
            let page = self
                .read(&format!(
                    "/conversations/{}/messages{query}",
                    self.conversation
                ))
                .await;
            let messages = page["payload"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                return contents;
            }
            before = messages[0]["id"].as_i64();
            for message in messages.iter().rev() {
                contents.push(message["content"].as_str().unwrap_or("").to_owned());
            }
        }
    }
}

/// Every response is 200: a lost race is retried inside the request, never a 409/5xx.
#[track_caller]
fn all_succeeded(what: &str, responses: &[TestResponse]) {
    for response in responses {
        assert_eq!(response.status, 200, "{what}: {}", response.body);
    }
}

#[tokio::test]
async fn messages_status_labels_and_assignments_in_parallel_on_one_conversation() {
    let w = world().await;
    let statuses = ["resolved", "pending", "open", "resolved"];
    let label_sets = [
        json!(["a", "b"]),
        json!(["c"]),
        json!(["b", "d"]),
        json!(["e"]),
    ];
    let assignees = [w.fx.admin.0, w.fx.agent.0];
    let mut requests: Vec<(Method, String, Value)> = (0..12)
        .map(|i| {
            (
                Method::POST,
                w.conversation_path("/messages"),
                json!({ "content": format!("parallel {i}") }),
            )
        })
        .collect();
    for status in statuses {
        requests.push((
            Method::POST,
            w.conversation_path("/toggle_status"),
            json!({ "status": status }),
        ));
    }
    for labels in &label_sets {
        requests.push((
            Method::POST,
            w.conversation_path("/labels"),
            json!({ "labels": labels }),
        ));
    }
    for assignee in assignees {
        requests.push((
            Method::POST,
            w.conversation_path("/assignments"),
            json!({ "assignee_id": assignee }),
        ));
    }
    let responses = concurrent_requests(&w.api, w.admin(), requests).await;
    all_succeeded("parallel conversation writes", &responses);

    let contents = w.message_contents().await;
    for i in 0..12 {
        let content = format!("parallel {i}");
        let copies = contents.iter().filter(|c| **c == content).count();
        assert_eq!(copies, 1, "{content} stored {copies} times");
    }
    let conversation = w.read(&format!("/conversations/{}", w.conversation)).await;
    // Each write replaced the field whole: the result is one writer's value, never a mix.
    let status = conversation["status"].as_str().unwrap().to_owned();
    assert!(statuses.contains(&status.as_str()), "{status}");
    let labels = w
        .read(&format!("/conversations/{}/labels", w.conversation))
        .await["payload"]
        .clone();
    assert!(label_sets.contains(&labels), "labels torn: {labels}");
    assert_eq!(conversation["labels"], labels);
    let assignee = conversation["meta"]["assignee"]["id"].as_i64().unwrap();
    assert!(assignees.contains(&assignee), "{assignee}");
    // The per-status counters agree with the one conversation's final state.
    for listed in ["open", "resolved", "pending"] {
        let meta = w
            .read(&format!("/conversations/meta?status={listed}"))
            .await;
        let expected = i64::from(listed == status);
        assert_eq!(meta["meta"]["all_count"], expected, "{listed}: {meta}");
        assert_eq!(meta["meta"]["assigned_count"], expected, "{listed}: {meta}");
    }
}

#[tokio::test]
async fn parallel_incoming_messages_each_count_as_unread_once() {
    let w = world().await;
    // Chatwoot shows at most 10 unread: 9 keeps every one visible.
    let responses = concurrent_posts(
        &w.api,
        &w.conversation_path("/messages"),
        w.admin(),
        9,
        |i| json!({"content": format!("in {i}"), "message_type": "incoming"}),
    )
    .await;
    all_succeeded("incoming messages", &responses);
    let conversation = w.read(&format!("/conversations/{}", w.conversation)).await;
    assert_eq!(conversation["unread_count"], 9);
    assert_eq!(w.message_contents().await.len(), 9);
}

#[tokio::test]
async fn parallel_updates_of_one_contact_all_land() {
    let w = world().await;
    let path = w.path(&format!("/contacts/{}", w.contact));
    let changes = [
        json!({"name": "Carla Diaz"}),
        json!({"phone_number": "+15550001111"}),
        json!({"identifier": "carla-1"}),
        json!({"email": "carla.diaz@example.com"}),
        json!({"blocked": true}),
    ];
    let requests = changes
        .iter()
        .map(|change| (Method::PATCH, path.clone(), change.clone()))
        .collect();
    let responses = concurrent_requests(&w.api, w.admin(), requests).await;
    all_succeeded("contact updates", &responses);
    let contact = w.read(&format!("/contacts/{}", w.contact)).await["payload"].clone();
    for change in &changes {
        for (field, value) in change.as_object().unwrap() {
            assert_eq!(&contact[field], value, "{field} lost: {contact}");
        }
    }
}

#[tokio::test]
async fn parallel_merges_of_one_contact_merge_it_once() {
    let w = world().await;
    let mergee = w
        .api
        .post(&w.path("/contacts"))
        .token(w.admin())
        .json(json!({"name": "Dup", "phone_number": "+15550002222"}))
        .send()
        .await
        .expect(200)
        .body["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    let responses = concurrent_posts(
        &w.api,
        &w.path("/actions/contact_merge"),
        w.admin(),
        5,
        |_| json!({"base_contact_id": w.contact, "mergee_contact_id": mergee}),
    )
    .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    // The mergee is gone for the others, as after a merge Chatwoot finished first.
    for response in responses.iter().filter(|r| r.status != 200) {
        assert_eq!(response.status, 404, "{statuses:?}: {}", response.body);
    }
    w.api
        .get(&w.path(&format!("/contacts/{mergee}")))
        .token(w.admin())
        .send()
        .await
        .expect(404);
    let contacts = w.read("/contacts").await;
    assert_eq!(contacts["meta"]["count"], 1);
    assert_eq!(contacts["payload"][0]["phone_number"], "+15550002222");
}

#[tokio::test]
async fn one_label_title_in_any_case_is_created_once() {
    let w = world().await;
    let titles = ["Urgent", "urgent", "URGENT", " urgent "];
    let responses = concurrent_posts(
        &w.api,
        &w.path("/labels"),
        w.admin(),
        8,
        |i| json!({ "title": titles[i % titles.len()] }),
    )
    .await;
    assert_one_winner(
        &responses,
        &json!({"message": "Title has already been taken", "attributes": ["title"]}),
    );
    let labels = w.read("/labels").await;
    assert_eq!(labels["payload"].as_array().unwrap().len(), 1);
    assert_eq!(labels["payload"][0]["title"], "urgent");
}

#[tokio::test]
async fn conversations_opened_at_once_get_unique_gap_free_display_ids_and_counts() {
    let w = world().await;
    let second_contact = w
        .api
        .post(&w.path("/contacts"))
        .token(w.admin())
        .json(json!({"name": "Eve"}))
        .send()
        .await
        .expect(200)
        .body["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    let contacts = [w.contact, second_contact];
    let opened = 30;
    let responses = concurrent_posts(
        &w.api,
        &w.path("/conversations"),
        w.admin(),
        opened,
        |i| json!({"inbox_id": w.inbox, "contact_id": contacts[i % 2], "message": {"content": format!("open {i}")}}),
    )
    .await;
    all_succeeded("conversation creates", &responses);
    let mut display_ids: Vec<i64> = responses.iter().map(TestResponse::id).collect();
    display_ids.sort();
    // The world's own conversation is 1: Chatwoot's per-account sequence goes on from there.
    let expected: Vec<i64> = (w.conversation + 1..=w.conversation + opened as i64).collect();
    assert_eq!(display_ids, expected);
    let uuids: HashSet<&str> = responses
        .iter()
        .map(|r| r.body["uuid"].as_str().expect("a uuid"))
        .collect();
    assert_eq!(uuids.len(), opened);
    let meta = w.read("/conversations/meta").await;
    assert_eq!(meta["meta"]["all_count"], opened as i64 + 1);
    assert_eq!(meta["meta"]["unassigned_count"], opened as i64 + 1);
}
