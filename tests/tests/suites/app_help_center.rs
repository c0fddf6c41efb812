//! `/api/v1/accounts/{account_id}/portals` (by slug), with their `categories` and `articles`.

use api_tests::{
    check_account_guards, fetch_url, json, multipart, AccountFixture, GuardedRoute, TestApi,
};
use bytes::Bytes;
use http::Method;
use serde_json::Value;

fn portals(fx: &AccountFixture) -> String {
    format!("/api/v1/accounts/{}/portals", fx.account)
}

fn portal_path(fx: &AccountFixture, slug: &str) -> String {
    format!("{}/{slug}", portals(fx))
}

fn categories(fx: &AccountFixture, slug: &str) -> String {
    format!("{}/categories", portal_path(fx, slug))
}

fn articles(fx: &AccountFixture, slug: &str) -> String {
    format!("{}/articles", portal_path(fx, slug))
}

/// A unique slug (slugs are unique in the whole installation, and suites share a table).
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// Ids order records by creation to the millisecond; creations whose order a test checks are
/// kept a few milliseconds apart.
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

async fn create_portal(api: &TestApi, fx: &AccountFixture, slug: &str, locales: &[&str]) -> Value {
    api.post(&portals(fx))
        .token(&fx.admin.1)
        .json(json!({
            "name": "Handbook",
            "slug": slug,
            "config": {"allowed_locales": locales, "default_locale": locales[0]},
        }))
        .send()
        .await
        .expect(200)
        .body
}

async fn create_category(api: &TestApi, fx: &AccountFixture, portal: &str, body: Value) -> Value {
    pause().await;
    api.post(&categories(fx, portal))
        .token(&fx.admin.1)
        .json(body)
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone()
}

async fn create_article(api: &TestApi, fx: &AccountFixture, portal: &str, body: Value) -> Value {
    pause().await;
    api.post(&articles(fx, portal))
        .token(&fx.admin.1)
        .json(body)
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

fn id(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {value}"))
}

#[track_caller]
fn assert_invalid(response: &api_tests::TestResponse, message: &str, attributes: Value) {
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(
        response.body,
        json!({"message": message, "attributes": attributes})
    );
}

/// Each create refused with its validation body, then an empty body refused for the missing
/// `wrapper` parameter.
async fn assert_creates_refused(
    api: &TestApi,
    path: &str,
    token: &str,
    wrapper: &str,
    cases: impl IntoIterator<Item = (Value, &str, Value)>,
) {
    for (body, message, attributes) in cases {
        let response = api.post(path).token(token).json(body).send().await;
        assert_invalid(&response, message, attributes);
    }
    let missing = api.post(path).token(token).json(json!({})).send().await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        json!({ "error": format!("param is missing or the value is empty: {wrapper}") })
    );
}

#[tokio::test]
async fn help_center_routes_are_guarded() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("guarded");
    create_portal(&api, &fx, &slug, &["en"]).await;
    let category = create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Guides", "slug": "guides"}),
    )
    .await;
    let article = create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Start", "content": "Body", "author_id": fx.admin.0}),
    )
    .await;
    let portal = format!("/api/v1/accounts/{{account}}/portals/{slug}");
    let category_path = format!("{portal}/categories/{}", id(&category));
    let article_path = format!("{portal}/articles/{}", id(&article));
    let route = |method: Method, path: &str, body: Value, admin_only: bool| {
        GuardedRoute::new(method, path.to_owned(), body, admin_only)
    };
    check_account_guards(
        &api,
        &fx,
        &[
            route(
                Method::GET,
                "/api/v1/accounts/{account}/portals",
                json!(null),
                false,
            ),
            route(
                Method::POST,
                "/api/v1/accounts/{account}/portals",
                json!({"name": "X", "slug": unique("x")}),
                true,
            ),
            route(Method::GET, &portal, json!(null), false),
            route(Method::PATCH, &portal, json!({"name": "Y"}), true),
            route(Method::PUT, &portal, json!({"name": "Y"}), true),
            route(Method::DELETE, &portal, json!(null), true),
            route(
                Method::PATCH,
                &format!("{portal}/archive"),
                json!(null),
                true,
            ),
            route(Method::DELETE, &format!("{portal}/logo"), json!(null), true),
            route(
                Method::GET,
                &format!("{portal}/categories"),
                json!(null),
                false,
            ),
            route(
                Method::POST,
                &format!("{portal}/categories"),
                json!({"name": "Z", "slug": "z"}),
                true,
            ),
            route(Method::GET, &category_path, json!(null), true),
            route(Method::PATCH, &category_path, json!({"name": "Q"}), true),
            route(Method::DELETE, &category_path, json!(null), true),
            route(
                Method::GET,
                &format!("{portal}/articles"),
                json!(null),
                false,
            ),
            route(
                Method::POST,
                &format!("{portal}/articles"),
                json!({"title": "T", "content": "C", "author_id": fx.admin.0}),
                true,
            ),
            route(Method::GET, &article_path, json!(null), true),
            route(Method::PATCH, &article_path, json!({"title": "U"}), true),
            route(Method::DELETE, &article_path, json!(null), true),
        ],
    )
    .await;
    // Nothing the refused requests sent was applied.
    let shown = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["name"], "Handbook");
    assert_eq!(shown.body["archived"], false);
    let listed = api
        .get(&articles(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200);
    assert_eq!(ids(&listed.body["payload"]), [id(&article)]);
    assert_eq!(listed.body["payload"][0]["title"], "Start");
}

#[tokio::test]
async fn another_accounts_portal_is_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let theirs = unique("theirs");
    api.post(&format!("/api/v1/accounts/{}/portals", fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"name": "Theirs", "slug": theirs}))
        .send()
        .await
        .expect(200);
    for (method, path) in [
        (Method::GET, portal_path(&fx, &theirs)),
        (Method::PATCH, portal_path(&fx, &theirs)),
        (Method::DELETE, portal_path(&fx, &theirs)),
        (
            Method::PATCH,
            format!("{}/archive", portal_path(&fx, &theirs)),
        ),
        (Method::GET, categories(&fx, &theirs)),
        (Method::POST, categories(&fx, &theirs)),
        (Method::GET, articles(&fx, &theirs)),
        (Method::POST, articles(&fx, &theirs)),
        (Method::GET, portal_path(&fx, "no-such-portal")),
        (Method::GET, articles(&fx, "no-such-portal")),
    ] {
        let response = api
            .request(method.clone(), &path)
            .token(&fx.admin.1)
            .json(json!({"name": "Mine now", "slug": "s", "title": "t", "content": "c"}))
            .send()
            .await;
        assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
        assert_eq!(
            response.body,
            json!({"error": "Resource could not be found"})
        );
    }
    let still = api
        .get(&format!(
            "/api/v1/accounts/{}/portals/{theirs}",
            fx.other_account
        ))
        .token(&fx.outsider.1)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body["name"], "Theirs");
}

#[tokio::test]
async fn portal_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("handbook");
    let created = api
        .post(&portals(&fx))
        .token(&fx.admin.1)
        .json(json!({"portal": {
            "name": "Handbook",
            "slug": slug,
            "color": "#1F93FF",
            "custom_domain": format!("https://{slug}.example.com/start"),
            "header_text": "How can we help?",
            "homepage_link": "https://www.example.com",
            "page_title": "Acme Handbook",
            "config": {"allowed_locales": ["en", "es", "en"], "default_locale": "en"},
        }}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        keys(&created),
        [
            "id",
            "color",
            "custom_domain",
            "header_text",
            "homepage_link",
            "name",
            "page_title",
            "slug",
            "archived",
            "account_id",
            "config",
            "meta"
        ]
    );
    assert_eq!(created["custom_domain"], format!("{slug}.example.com"));
    assert_eq!(created["account_id"], fx.account);
    assert_eq!(created["archived"], false);
    assert_eq!(
        created["config"],
        json!({"allowed_locales": [
            {"code": "en", "articles_count": 0, "categories_count": 0},
            {"code": "es", "articles_count": 0, "categories_count": 0},
        ]})
    );
    // Create, update and index render the article counts of an empty list, as Chatwoot does.
    assert_eq!(
        created["meta"],
        json!({
            "all_articles_count": 0,
            "archived_articles_count": null,
            "published_count": null,
            "draft_articles_count": null,
            "categories_count": 0,
            "default_locale": "en",
        })
    );

    pause().await;
    let second = create_portal(&api, &fx, &unique("second"), &["fr"]).await;
    assert_eq!(second["meta"]["default_locale"], "fr");
    let listed = api
        .get(&portals(&fx))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(ids(&listed["payload"]), [id(&created), id(&second)]);
    assert_eq!(
        listed["meta"],
        json!({"current_page": 1, "portals_count": 2})
    );
    assert_eq!(listed["payload"][0], created);
    let paged = api
        .get(&format!("{}?page=2", portals(&fx)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(paged["meta"]["current_page"], "2", "echoed as sent");

    let shown = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        shown["meta"],
        json!({
            "all_articles_count": 0,
            "archived_articles_count": 0,
            "published_count": 0,
            "draft_articles_count": 0,
            "categories_count": 0,
            "default_locale": "en",
        }),
        "show counts articles; none yet, so no mine count"
    );

    // Renaming the slug frees the old one (and the portal answers at the new one only).
    let renamed_slug = unique("renamed");
    let renamed = api
        .patch(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .json(json!({"slug": renamed_slug, "name": "Guide", "color": "#000", "custom_domain": ""}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(renamed["slug"], renamed_slug);
    assert_eq!(renamed["name"], "Guide");
    assert_eq!(renamed["color"], "#000");
    assert_eq!(renamed["custom_domain"], Value::Null);
    assert_eq!(renamed["header_text"], "How can we help?", "unchanged");
    assert_eq!(renamed["config"], created["config"], "unchanged");
    api.get(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    create_portal(&api, &fx, &slug, &["en"]).await;
    // The freed custom domain can be claimed again.
    api.patch(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .json(json!({"custom_domain": format!("{slug}.example.com")}))
        .send()
        .await
        .expect(200);

    // Archiving (Chatwoot's archive route) and un-archiving through update.
    let archived = api
        .patch(&format!("{}/archive", portal_path(&fx, &renamed_slug)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(archived.raw.is_empty());
    let shown = api
        .get(&portal_path(&fx, &renamed_slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["archived"], true);
    let live = api
        .put(&portal_path(&fx, &renamed_slug))
        .token(&fx.admin.1)
        .json(json!({"portal": {"archived": false}}))
        .send()
        .await
        .expect(200);
    assert_eq!(live.body["archived"], false);

    let deleted = api
        .delete(&portal_path(&fx, &renamed_slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert!(deleted.raw.is_empty());
    api.get(&portal_path(&fx, &renamed_slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    // Its slug may be used again.
    create_portal(&api, &fx, &renamed_slug, &["en"]).await;
}

#[tokio::test]
async fn portal_validation_and_uniqueness() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("taken");
    let domain = format!("{slug}.example.com");
    api.post(&portals(&fx))
        .token(&fx.admin.1)
        .json(json!({"name": "First", "slug": slug, "custom_domain": domain}))
        .send()
        .await
        .expect(200);
    let cases = [
        (
            json!({"slug": unique("s")}),
            "Name can't be blank",
            json!(["name"]),
        ),
        (json!({"name": "N"}), "Slug can't be blank", json!(["slug"])),
        (
            json!({"name": " ", "slug": " "}),
            "Name can't be blank, Slug can't be blank",
            json!(["name", "slug"]),
        ),
        (
            json!({"name": "N", "slug": unique("s"), "color": "blue"}),
            "Color is invalid",
            json!(["color"]),
        ),
        (
            json!({"name": "N", "slug": unique("s"), "config": {"allowed_locales": ["en"], "theme": "dark"}}),
            "Config in portal on theme is not supported.",
            json!(["config"]),
        ),
        (
            json!({"name": "N", "slug": unique("s"), "config": {"allowed_locales": ["en#x"]}}),
            "Config locale en#x is not supported.",
            json!(["config"]),
        ),
        (
            json!({"name": "x".repeat(256), "slug": unique("s")}),
            "Name is too long (maximum is 255 characters)",
            json!(["name"]),
        ),
        // Invisible and control characters would let one slug pass for another.
        (
            json!({"name": "N", "slug": format!("{}\u{200B}", unique("s"))}),
            "Slug is invalid",
            json!(["slug"]),
        ),
        (
            json!({"name": "N", "slug": format!("{}\u{202E}", unique("s"))}),
            "Slug is invalid",
            json!(["slug"]),
        ),
        (
            json!({"name": "N", "slug": format!("{}\u{0}x", unique("s"))}),
            "Slug is invalid",
            json!(["slug"]),
        ),
        // Slugs and custom domains are unique across the installation: another account's
        // administrator cannot take them either.
        (
            json!({"name": "N", "slug": slug}),
            "Slug has already been taken",
            json!(["slug"]),
        ),
        (
            json!({"name": "N", "slug": unique("s"), "custom_domain": format!("http://{domain}")}),
            "Custom domain has already been taken",
            json!(["custom_domain"]),
        ),
    ];
    let elsewhere = format!("/api/v1/accounts/{}/portals", fx.other_account);
    assert_creates_refused(&api, &elsewhere, &fx.outsider.1, "portal", cases).await;
    // Updates are checked too, and a failed one changes nothing.
    let other = unique("other");
    create_portal(&api, &fx, &other, &["en"]).await;
    let clash = api
        .patch(&portal_path(&fx, &other))
        .token(&fx.admin.1)
        .json(json!({"slug": slug, "name": "Changed"}))
        .send()
        .await;
    assert_invalid(&clash, "Slug has already been taken", json!(["slug"]));
    let blank = api
        .patch(&portal_path(&fx, &other))
        .token(&fx.admin.1)
        .json(json!({"name": ""}))
        .send()
        .await;
    assert_invalid(&blank, "Name can't be blank", json!(["name"]));
    let unchanged = api
        .get(&portal_path(&fx, &other))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(unchanged.body["name"], "Handbook");
}

#[tokio::test]
async fn portal_logo_upload_removal_and_linked_inbox() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let inbox = api
        .post(&format!("/api/v1/accounts/{}/inboxes", fx.account))
        .token(&fx.admin.1)
        .json(json!({"name": "Website", "channel": {"type": "web_widget", "website_url": "https://acme.test"}}))
        .send()
        .await
        .expect(200)
        .body;
    let slug = unique("logo");
    let png: &[u8] = b"\x89PNG\r\n\x1a\nlogo-bytes";
    let (content_type, body) = multipart(
        &[
            ("portal[name]", "Logo portal"),
            ("portal[slug]", &slug),
            ("inbox_id", &id(&inbox).to_string()),
        ],
        &[("logo", "square.png", "image/png", png)],
    );
    let created = api
        .post(&portals(&fx))
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200)
        .body;
    let logo = &created["logo"];
    assert_eq!(
        keys(logo),
        [
            "id",
            "portal_id",
            "file_type",
            "account_id",
            "file_url",
            "blob_id",
            "filename"
        ]
    );
    assert_eq!(logo["portal_id"], created["id"]);
    assert_eq!(logo["file_type"], "image/png");
    assert_eq!(logo["filename"], "square.png");
    let (status, bytes) = fetch_url(
        &api,
        Method::GET,
        logo["file_url"].as_str().unwrap(),
        "",
        Bytes::new(),
    )
    .await;
    assert_eq!((status, bytes.as_ref()), (200, png));
    assert_eq!(created["inbox"]["id"], inbox["id"]);
    assert_eq!(created["inbox"]["channel_type"], "Channel::WebWidget");

    let not_image = multipart(&[], &[("logo", "notes.txt", "text/plain", b"hello")]);
    let refused = api
        .patch(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .body(&not_image.0, not_image.1)
        .send()
        .await;
    assert_invalid(&refused, "Logo filetype not supported", json!(["logo"]));

    api.delete(&format!("{}/logo", portal_path(&fx, &slug)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let shown = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert!(shown.get("logo").is_none(), "{shown}");
    // A blank inbox id unlinks; another account's inbox is not found.
    let unlinked = api
        .patch(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": ""}))
        .send()
        .await
        .expect(200)
        .body;
    assert!(unlinked.get("inbox").is_none(), "{unlinked}");
    api.patch(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .json(json!({"inbox_id": 987_654_321}))
        .send()
        .await
        .expect(404);
}

#[tokio::test]
async fn categories_crud_relations_and_validation() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("cats");
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    let base = categories(&fx, &slug);
    let guides = create_category(
        &api,
        &fx,
        &slug,
        json!({"category": {"name": "Guides", "slug": "guides", "locale": "en", "position": 2, "description": "How-tos", "icon": "📘"}}),
    )
    .await;
    assert_eq!(
        keys(&guides),
        [
            "id",
            "name",
            "slug",
            "locale",
            "description",
            "position",
            "account_id",
            "icon",
            "related_categories",
            "meta"
        ]
    );
    assert_eq!(guides["account_id"], fx.account);
    assert_eq!(guides["meta"], json!({"articles_count": 0}));
    assert_eq!(guides["related_categories"], json!([]));
    let basics = create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Basics", "slug": "basics", "position": 1, "parent_category_id": id(&guides), "related_category_ids": [id(&guides)]}),
    )
    .await;
    assert_eq!(basics["locale"], "en", "the portal's default locale");
    assert_eq!(basics["parent_category"]["id"], guides["id"]);
    assert_eq!(
        keys(&basics["parent_category"]),
        [
            "id",
            "name",
            "slug",
            "locale",
            "description",
            "position",
            "account_id"
        ]
    );
    assert_eq!(ids(&basics["related_categories"]), [id(&guides)]);
    // The same slug in another locale is another category, a translation of the first.
    let guias = create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Guías", "slug": "guides", "locale": "es", "associated_category_id": id(&guides)}),
    )
    .await;
    assert_eq!(guias["root_category"]["id"], guides["id"]);

    let listed = api
        .get(&format!("{base}?locale=en"))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        ids(&listed["payload"]),
        [id(&basics), id(&guides)],
        "by position"
    );
    assert_eq!(
        listed["meta"],
        json!({"current_page": 1, "categories_count": 2})
    );
    let all = api
        .get(&base)
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(all["meta"]["categories_count"], 3);
    let portal = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(portal["meta"]["categories_count"], 3);
    assert_eq!(
        portal["config"]["allowed_locales"],
        json!([
            {"code": "en", "articles_count": 0, "categories_count": 2},
            {"code": "es", "articles_count": 0, "categories_count": 1},
        ])
    );

    let cases = [
        (
            json!({"name": "Again", "slug": "guides", "locale": "en"}),
            "Locale should be unique in the category and portal",
            json!(["locale"]),
        ),
        (
            json!({"name": "No slug"}),
            "Slug can't be blank",
            json!(["slug"]),
        ),
        (
            json!({"slug": "no-name"}),
            "Name can't be blank",
            json!(["name"]),
        ),
        (
            json!({"name": "French", "slug": "fr", "locale": "fr"}),
            r#"Locale fr of category is not part of portal's ["en", "es"]."#,
            json!(["locale"]),
        ),
        (
            json!({"name": "Orphan", "slug": "orphan", "parent_category_id": 987_654_321}),
            "Parent category must exist",
            json!(["parent_category"]),
        ),
    ];
    assert_creates_refused(&api, &base, &fx.admin.1, "category", cases).await;

    let shown = api
        .get(&format!("{base}/{}", id(&basics)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(shown["payload"], basics);
    // Moving a category to a slug its locale already has is refused; to a free one is not.
    let clash = api
        .patch(&format!("{base}/{}", id(&basics)))
        .token(&fx.admin.1)
        .json(json!({"slug": "guides"}))
        .send()
        .await;
    assert_invalid(
        &clash,
        "Locale should be unique in the category and portal",
        json!(["locale"]),
    );
    let moved = api
        .put(&format!("{base}/{}", id(&basics)))
        .token(&fx.admin.1)
        .json(json!({"category": {"slug": "basicos", "locale": "es", "name": "Básicos"}}))
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone();
    assert_eq!(
        (moved["slug"].as_str(), moved["locale"].as_str()),
        (Some("basicos"), Some("es"))
    );
    assert_eq!(moved["position"], 1, "unchanged");
    let portal = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        portal["config"]["allowed_locales"],
        json!([
            {"code": "en", "articles_count": 0, "categories_count": 1},
            {"code": "es", "articles_count": 0, "categories_count": 2},
        ]),
        "the locale counts moved with the category"
    );
    // The old slug is free again.
    create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Basics 2", "slug": "basics"}),
    )
    .await;

    api.delete(&format!("{base}/{}", id(&guides)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.get(&format!("{base}/{}", id(&guides)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    let after = api
        .get(&format!("{base}/{}", id(&moved)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone();
    assert!(after.get("parent_category").is_none(), "{after}");
    assert_eq!(after["related_categories"], json!([]));
}

#[tokio::test]
async fn articles_crud_with_chatwoots_shapes() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("docs");
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    let guides = create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Guides", "slug": "guides"}),
    )
    .await;
    let created = create_article(
        &api,
        &fx,
        &slug,
        json!({"article": {
            "title": "Getting Started!",
            "content": "Welcome **aboard**.",
            "description": "First steps",
            "category_id": id(&guides),
            "author_id": fx.agent.0,
            "meta": {"title": "SEO title", "tags": ["start"], "ignored": 1},
        }}),
    )
    .await;
    assert_eq!(
        keys(&created),
        [
            "id",
            "slug",
            "title",
            "content",
            "description",
            "status",
            "position",
            "account_id",
            "updated_at",
            "meta",
            "category",
            "views",
            "author",
            "associated_articles"
        ]
    );
    let slug_text = created["slug"].as_str().unwrap();
    let (seconds, rest) = slug_text.split_once('-').unwrap();
    assert!(
        seconds.parse::<i64>().is_ok() && rest == "getting-started",
        "{slug_text}"
    );
    assert_eq!(created["status"], "draft", "the default");
    assert_eq!(created["position"], 10, "the first of its category");
    assert_eq!(created["views"], 0);
    assert_eq!(created["account_id"], fx.account);
    assert!(created["updated_at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(
        created["meta"],
        json!({"title": "SEO title", "tags": ["start"]})
    );
    assert_eq!(
        created["category"],
        json!({"id": guides["id"], "name": "Guides", "slug": "guides", "locale": "en"})
    );
    assert_eq!(created["author"]["id"], fx.agent.0);
    assert_eq!(created["author"]["role"], "agent");
    assert_eq!(created["associated_articles"], json!([]));

    let second = create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Second", "slug": "second-steps", "content": "More", "category_id": id(&guides), "author_id": fx.admin.0, "status": "published"}),
    )
    .await;
    assert_eq!(second["slug"], "second-steps");
    assert_eq!(second["position"], 20, "ten past the category's highest");
    assert_eq!(second["status"], "published");
    let loose = create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "No category", "content": "x", "author_id": fx.admin.0, "status": 2}),
    )
    .await;
    assert_eq!(loose["status"], "archived", "Rails' enum integer");
    assert_eq!(
        loose["category"],
        json!({"id": null, "name": null, "slug": null, "locale": null})
    );

    let path = |article: &Value| format!("{}/{}", articles(&fx, &slug), id(article));
    let shown = api
        .get(&path(&created))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(shown["payload"], created);

    // A translation joins the group of its root and is listed by it.
    let translation = create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Primeros pasos", "content": "Hola", "locale": "es", "author_id": fx.admin.0, "associated_article_id": id(&created)}),
    )
    .await;
    let root = api
        .get(&path(&created))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone();
    let members = &root["associated_articles"];
    assert_eq!(ids(members), [id(&translation)]);
    assert_eq!(
        keys(&members[0]),
        [
            "id",
            "category_id",
            "title",
            "content",
            "description",
            "status",
            "account_id",
            "portal",
            "views",
            "author"
        ]
    );
    assert_eq!(members[0]["portal"]["slug"], slug);
    let unknown_root = api
        .post(&articles(&fx, &slug))
        .token(&fx.admin.1)
        .json(json!({"title": "T", "content": "C", "author_id": fx.admin.0, "associated_article_id": 987_654_321}))
        .send()
        .await;
    assert_eq!(unknown_root.status, 404);

    // Update: fields, status, a new slug (the old one is free again), a move to a category
    // of another locale (the article follows it).
    let guias = create_category(
        &api,
        &fx,
        &slug,
        json!({"name": "Guías", "slug": "guias", "locale": "es"}),
    )
    .await;
    let updated = api
        .patch(&path(&created))
        .token(&fx.admin.1)
        .json(json!({"title": "Start here", "slug": "start-here", "status": "published", "category_id": id(&guias), "position": 5}))
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone();
    assert_eq!(updated["title"], "Start here");
    assert_eq!(updated["slug"], "start-here");
    assert_eq!(updated["status"], "published");
    assert_eq!(updated["position"], 5);
    assert_eq!(updated["category"]["locale"], "es");
    assert_eq!(updated["content"], "Welcome **aboard**.", "unchanged");
    assert_eq!(ids(&updated["associated_articles"]), [id(&translation)]);
    let spanish = api
        .get(&format!("{}?locale=es", articles(&fx, &slug)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    let mut spanish_ids = ids(&spanish["payload"]);
    spanish_ids.sort_unstable();
    assert_eq!(spanish_ids, [id(&created), id(&translation)]);
    create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Reuses the old slug", "slug": slug_text, "content": "x", "author_id": fx.admin.0}),
    )
    .await;

    api.delete(&path(&created))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    api.get(&path(&created))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    api.delete(&path(&created))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(404);
    create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Reuses the deleted slug", "slug": "start-here", "content": "x", "author_id": fx.admin.0}),
    )
    .await;
}

#[tokio::test]
async fn article_validation() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("rules");
    create_portal(&api, &fx, &slug, &["en"]).await;
    let first = create_article(
        &api,
        &fx,
        &slug,
        json!({"title": "Taken", "slug": "taken-slug", "content": "x", "author_id": fx.admin.0}),
    )
    .await;
    let base = articles(&fx, &slug);
    let cases = [
        (
            json!({"content": "x", "author_id": fx.admin.0}),
            "Title can't be blank",
            json!(["title"]),
        ),
        (
            json!({"title": "T", "author_id": fx.admin.0}),
            "Content can't be blank",
            json!(["content"]),
        ),
        (
            json!({"title": "T", "content": "x"}),
            "Author can't be blank",
            json!(["author_id"]),
        ),
        (
            json!({"title": "T", "content": "x", "author_id": fx.outsider.0}),
            "Author must exist",
            json!(["author"]),
        ),
        (
            json!({"title": "T", "content": "x", "author_id": fx.admin.0, "status": "hidden"}),
            "Status is not included in the list",
            json!(["status"]),
        ),
        (
            json!({"title": "T", "content": "x", "author_id": fx.admin.0, "category_id": 987_654_321}),
            "Category must exist",
            json!(["category"]),
        ),
        (
            json!({"title": "T", "content": "x", "author_id": fx.admin.0, "locale": "de"}),
            r#"Locale de of article is not part of portal's ["en"]."#,
            json!(["locale"]),
        ),
        (
            json!({"title": "T", "content": "x", "author_id": fx.admin.0, "slug": "taken-slug"}),
            "Slug has already been taken",
            json!(["slug"]),
        ),
        (
            json!({"title": "x".repeat(256), "content": "x", "author_id": fx.admin.0}),
            // The slug made from it is too long as well.
            "Title is too long (maximum is 255 characters), Slug is too long (maximum is 255 characters)",
            json!(["title", "slug"]),
        ),
    ];
    assert_creates_refused(&api, &base, &fx.admin.1, "article", cases).await;
    // Slugs are unique across portals and accounts too.
    let theirs = unique("theirs");
    api.post(&format!("/api/v1/accounts/{}/portals", fx.other_account))
        .token(&fx.outsider.1)
        .json(json!({"name": "Theirs", "slug": theirs}))
        .send()
        .await
        .expect(200);
    let elsewhere = api
        .post(&format!(
            "/api/v1/accounts/{}/portals/{theirs}/articles",
            fx.other_account
        ))
        .token(&fx.outsider.1)
        .json(
            json!({"title": "T", "content": "x", "author_id": fx.outsider.0, "slug": "taken-slug"}),
        )
        .send()
        .await;
    assert_invalid(&elsewhere, "Slug has already been taken", json!(["slug"]));
    let cleared = api
        .patch(&format!("{base}/{}", id(&first)))
        .token(&fx.admin.1)
        .json(json!({"content": "", "status": "bogus"}))
        .send()
        .await;
    assert_invalid(
        &cleared,
        "Status is not included in the list, Content can't be blank",
        json!(["status", "content"]),
    );
    let kept = api
        .get(&format!("{base}/{}", id(&first)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(kept.body["payload"]["content"], "x");
}

/// Articles of a portal for the list tests: (title, locale, category, author, status).
async fn seed_articles(api: &TestApi, fx: &AccountFixture, slug: &str) -> Vec<Value> {
    let guides = create_category(api, fx, slug, json!({"name": "Guides", "slug": "guides"})).await;
    let faq = create_category(api, fx, slug, json!({"name": "FAQ", "slug": "faq"})).await;
    let guias = create_category(
        api,
        fx,
        slug,
        json!({"name": "Guías", "slug": "guides", "locale": "es"}),
    )
    .await;
    let mut created = Vec::new();
    for (title, category, author, status, position) in [
        ("Install the widget", &guides, fx.admin.0, "published", 30),
        ("Invite your team", &guides, fx.agent.0, "draft", 10),
        ("Billing questions", &faq, fx.admin.0, "published", 10),
        ("Old pricing", &faq, fx.agent.0, "archived", 20),
        ("Instalar el widget", &guias, fx.admin.0, "published", 10),
    ] {
        created.push(
            create_article(
                api,
                fx,
                slug,
                json!({"title": title, "content": format!("All about {title}"), "category_id": id(category), "author_id": author, "status": status, "position": position}),
            )
            .await,
        );
    }
    created
}

#[tokio::test]
async fn article_list_filters_and_counts() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("lists");
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    let seeded = seed_articles(&api, &fx, &slug).await;
    let [install, invite, billing, old, instalar] = [0, 1, 2, 3, 4].map(|i| id(&seeded[i]));
    let base = articles(&fx, &slug);
    let list = |query: String, token: String| {
        let api = &api;
        let base = base.clone();
        async move {
            api.get(&format!("{base}{query}"))
                .token(&token)
                .send()
                .await
                .expect(200)
                .body
        }
    };
    let everything = list(String::new(), fx.agent.1.clone()).await;
    assert_eq!(
        ids(&everything["payload"]),
        [instalar, old, billing, invite, install],
        "most recently updated first"
    );
    assert_eq!(
        everything["meta"],
        json!({
            "all_articles_count": 5,
            "articles_count": 5,
            "mine_articles_count": 2,
            "published_count": 3,
            "draft_articles_count": 1,
            "archived_articles_count": 1,
            "current_page": 1,
        })
    );
    for (query, expected, meta) in [
        (
            "?locale=en",
            vec![old, billing, invite, install],
            json!([5, 4, 2, 2, 1, 1]),
        ),
        (
            "?locale=en&status=published",
            vec![billing, install],
            json!([5, 4, 2, 2, 1, 1]),
        ),
        (
            "?locale=en&author_id=",
            vec![old, billing, invite, install],
            json!([5, 4, 2, 2, 1, 1]),
        ),
        ("?status=hidden", vec![], json!([5, 5, 2, 3, 1, 1])),
        (
            "?locale=en&category_slug=guides",
            vec![invite, install],
            json!([5, 2, 1, 1, 1, 0]),
        ),
        (
            "?category_slug=guides",
            vec![invite, instalar, install],
            json!([5, 3, 1, 2, 1, 0]),
        ),
        (
            "?query=WIDGET",
            vec![instalar, install],
            json!([5, 2, 0, 2, 0, 0]),
        ),
        (
            "?locale=en&query=about%20old",
            vec![old],
            json!([5, 1, 1, 0, 0, 1]),
        ),
    ] {
        let body = list(query.to_owned(), fx.agent.1.clone()).await;
        assert_eq!(ids(&body["payload"]), expected, "{query}");
        let counts = [
            "all_articles_count",
            "articles_count",
            "mine_articles_count",
            "published_count",
            "draft_articles_count",
            "archived_articles_count",
        ]
        .map(|key| body["meta"][key].clone());
        assert_eq!(json!(counts), meta, "{query}: {}", body["meta"]);
    }
    let by_author = list(format!("?author_id={}", fx.admin.0), fx.agent.1.clone()).await;
    assert_eq!(ids(&by_author["payload"]), [instalar, billing, install]);
    let mine = list(String::new(), fx.admin.1.clone()).await;
    assert_eq!(mine["meta"]["mine_articles_count"], 3, "the caller's own");

    // Pages of 25, the page echoed as sent.
    let page_two = list("?page=2".to_owned(), fx.agent.1.clone()).await;
    assert_eq!(page_two["payload"], json!([]));
    assert_eq!(page_two["meta"]["current_page"], "2");

    // The portal's meta and locale summaries count the same articles.
    let portal = api
        .get(&portal_path(&fx, &slug))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        portal["meta"],
        json!({
            "all_articles_count": 5,
            "archived_articles_count": 1,
            "published_count": 3,
            "draft_articles_count": 1,
            "mine_articles_count": 2,
            "categories_count": 3,
            "default_locale": "en",
        })
    );
    assert_eq!(
        portal["config"]["allowed_locales"],
        json!([
            {"code": "en", "articles_count": 4, "categories_count": 2},
            {"code": "es", "articles_count": 1, "categories_count": 1},
        ])
    );
    let spanish = api
        .get(&format!("{}?locale=es", portal_path(&fx, &slug)))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(spanish["meta"]["all_articles_count"], 1);
    assert_eq!(spanish["meta"]["published_count"], 1);
    assert_eq!(spanish["meta"]["mine_articles_count"], 1);
    let guides = api
        .get(&format!("{}?locale=en", categories(&fx, &slug)))
        .token(&fx.agent.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(guides["payload"][0]["meta"], json!({"articles_count": 2}));

    // Counters follow changes: a status change, an author change, a deletion.
    api.patch(&format!("{base}/{invite}"))
        .token(&fx.admin.1)
        .json(json!({"status": "published", "author_id": fx.admin.0}))
        .send()
        .await
        .expect(200);
    api.delete(&format!("{base}/{old}"))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    let after = list("?locale=en".to_owned(), fx.agent.1.clone()).await;
    assert_eq!(ids(&after["payload"]), [invite, billing, install]);
    assert_eq!(
        after["meta"],
        json!({
            "all_articles_count": 4,
            "articles_count": 3,
            "mine_articles_count": 0,
            "published_count": 3,
            "draft_articles_count": 0,
            "archived_articles_count": 0,
            "current_page": 1,
        })
    );
}

#[tokio::test]
async fn deleting_a_portal_takes_its_contents_along() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("gone");
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    seed_articles(&api, &fx, &slug).await;
    api.delete(&portal_path(&fx, &slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    // A new portal under the same slug starts empty, and the old article slugs are free.
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    let listed = api
        .get(&articles(&fx, &slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(listed["payload"], json!([]));
    assert_eq!(listed["meta"]["all_articles_count"], 0);
    let categories_listed = api
        .get(&categories(&fx, &slug))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(categories_listed["payload"], json!([]));
    seed_articles(&api, &fx, &slug).await;
}

#[tokio::test]
async fn lists_and_counts_cost_a_fixed_number_of_round_trips() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("trips");
    create_portal(&api, &fx, &slug, &["en", "es"]).await;
    seed_articles(&api, &fx, &slug).await;
    // Every account route: the token, then the account and membership. A portal: its slug
    // claim, then the portal. The article list: the locale's partition, the categories and
    // the counters (concurrently), the translation links and the authors. Portal show: one
    // batch read of its counters. Category list: the categories and the portal's counter.
    let expected = [
        (articles(&fx, &slug) + "?locale=en", 9),
        (
            articles(&fx, &slug) + "?locale=en&status=published&page=1",
            9,
        ),
        (portal_path(&fx, &slug) + "?locale=es", 5),
        (portal_path(&fx, &slug), 5),
        (categories(&fx, &slug) + "?locale=en", 6),
        (portals(&fx), 4),
    ];
    for (path, reads) in expected {
        let trips = api.round_trips(Method::GET, &path, &fx.admin.1).await;
        assert_eq!((trips.reads, trips.writes), (reads, 0), "{path}");
    }
}
