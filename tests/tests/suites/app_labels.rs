//! `/api/v1/accounts/{account_id}/labels`.

use api_tests::{check_account_guards, json, GuardedRoute, TestApi};
use http::Method;

#[tokio::test]
async fn label_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let id = api
        .create_id(
            &format!("/api/v1/accounts/{}/labels", fx.account),
            &fx.admin.1,
            json!({"title": "billing"}),
        )
        .await;
    check_account_guards(
        &api,
        &fx,
        &[
            GuardedRoute::new(
                Method::GET,
                "/api/v1/accounts/{account}/labels",
                json!(null),
                false,
            ),
            GuardedRoute::new(
                Method::POST,
                "/api/v1/accounts/{account}/labels",
                json!({"title": "x1"}),
                true,
            ),
            GuardedRoute::new(
                Method::GET,
                format!("/api/v1/accounts/{{account}}/labels/{id}"),
                json!(null),
                true,
            ),
            GuardedRoute::new(
                Method::PATCH,
                format!("/api/v1/accounts/{{account}}/labels/{id}"),
                json!({"color": "#000"}),
                true,
            ),
            GuardedRoute::new(
                Method::DELETE,
                format!("/api/v1/accounts/{{account}}/labels/{id}"),
                json!(null),
                true,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn labels_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}/labels", fx.account);
    let created = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"title": "VIP-Customers", "description": "Big ones", "show_on_sidebar": true}))
        .send()
        .await
        .expect(200);
    let id = created.id();
    assert_eq!(
        created.body,
        json!({"id": id, "title": "vip-customers", "description": "Big ones", "color": "#1f93ff", "show_on_sidebar": true})
    );
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"label": {"title": "billing", "color": "#ff0000"}}))
        .send()
        .await
        .expect(200);
    let listed = api.get(&base).token(&fx.agent.1).send().await.expect(200);
    let titles: Vec<&str> = listed.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["billing", "vip-customers"], "ordered by title");
    let shown = api
        .get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body, created.body);
    let renamed = api
        .patch(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"title": "vip", "color": "#00ff00"}))
        .send()
        .await
        .expect(200);
    assert_eq!(renamed.body["title"], "vip");
    assert_eq!(renamed.body["color"], "#00ff00");
    // The old title is free again, the new one taken.
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"title": "vip-customers"}))
        .send()
        .await
        .expect(200);
    let taken = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({"title": "VIP"}))
        .send()
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.body,
        json!({"message": "Title has already been taken", "attributes": ["title"]})
    );
    let rename_taken = api
        .put(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .json(json!({"title": "billing"}))
        .send()
        .await;
    assert_eq!(rename_taken.status, 422);
    api.delete(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.get(&format!("{base}/{id}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    api.post(&base)
        .token(&fx.admin.1)
        .json(json!({"title": "vip"}))
        .send()
        .await
        .expect(200);
}

#[tokio::test]
async fn label_titles_are_validated() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}/labels", fx.account);
    for (body, message) in [
        (json!({"title": ""}), "Title must not be blank"),
        (json!({"title": "a"}), "Title is invalid"),
        (json!({"title": "two words"}), "Title is invalid"),
        (json!({"title": "-dash"}), "Title is invalid"),
    ] {
        let response = api
            .post(&base)
            .token(&fx.admin.1)
            .json(body.clone())
            .send()
            .await;
        assert_eq!(response.status, 422, "{body}");
        assert_eq!(
            response.body,
            json!({"message": message, "attributes": ["title"]}),
            "{body}"
        );
    }
    let missing = api
        .post(&base)
        .token(&fx.admin.1)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({"error": "param is missing or the value is empty: label"})
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body, json!({"payload": []}));
}

#[tokio::test]
async fn another_accounts_label_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = api
        .create_id(
            &format!("/api/v1/accounts/{}/labels", fx.other_account),
            &fx.outsider.1,
            json!({"title": "secret"}),
        )
        .await;
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let response = api
            .request(
                method.clone(),
                &format!("/api/v1/accounts/{}/labels/{theirs}", fx.account),
            )
            .token(&fx.admin.1)
            .json(json!({"title": "mine"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method}");
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    let listed = api
        .get(&format!("/api/v1/accounts/{}/labels", fx.account))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body, json!({"payload": []}));
}

#[tokio::test]
async fn twenty_concurrent_creates_of_one_title_make_one_label() {
    let api = std::sync::Arc::new(TestApi::new().await);
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}/labels", fx.account);
    let responses =
        api_tests::concurrent_posts(&api, &base, &fx.admin.1, 20, |_| json!({"title": "race"}))
            .await;
    api_tests::assert_one_winner(
        &responses,
        &json!({"message": "Title has already been taken", "attributes": ["title"]}),
    );
    let listed = api.get(&base).token(&fx.admin.1).send().await.expect(200);
    assert_eq!(listed.body["payload"].as_array().unwrap().len(), 1);
}
