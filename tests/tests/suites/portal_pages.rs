//! The public help-center pages: `/hc/{portal}`, `/hc/{portal}/{locale}`,
//! `/hc/{portal}/{locale}/categories/{category}` and `/hc/{portal}/articles/{article}`.

use api_tests::{json, AccountFixture, TestApi, TestResponse};
use serde_json::Value;

/// A unique slug (portal and article slugs are unique in the whole installation).
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

struct HelpCenter {
    portal: String,
    published: Value,
    draft: Value,
    archived: Value,
    loose: Value,
    spanish: Value,
}

async fn post(api: &TestApi, fx: &AccountFixture, path: &str, body: Value) -> Value {
    let response = api
        .post(&format!("/api/v1/accounts/{}/{path}", fx.account))
        .token(&fx.admin.1)
        .json(body)
        .send()
        .await
        .expect(200)
        .body;
    response.get("payload").cloned().unwrap_or(response)
}

/// A portal in English and Spanish with a category and one article of each status, plus a
/// published one in no category and one in Spanish.
async fn help_center(api: &TestApi, fx: &AccountFixture) -> HelpCenter {
    let portal = unique("acme");
    post(
        api,
        fx,
        "portals",
        json!({
            "name": "Acme <Help>",
            "slug": portal,
            "color": "#6b21a8",
            "header_text": "How can we help? <b>",
            "homepage_link": "https://acme.example.com",
            "config": {"allowed_locales": ["en", "es"], "default_locale": "en"},
        }),
    )
    .await;
    let categories = format!("portals/{portal}/categories");
    let guides = post(
        api,
        fx,
        &categories,
        json!({"name": "Guides & <Tips>", "slug": "guides", "description": "Step by step"}),
    )
    .await;
    let guias = post(
        api,
        fx,
        &categories,
        json!({"name": "Guías", "slug": "guias", "locale": "es"}),
    )
    .await;
    let articles = format!("portals/{portal}/articles");
    let article = |title: &str, status: &str, category: &Value, content: &str| {
        json!({
            "title": title,
            "slug": unique("article"),
            "content": content,
            "description": format!("About {title}"),
            "status": status,
            "category_id": category["id"],
            "author_id": fx.admin.0,
        })
    };
    let published = post(
        api,
        fx,
        &articles,
        article(
            "Install the widget",
            "published",
            &guides,
            "## Steps\n\nCopy the **snippet**.\n\n<script>alert('owned')</script>\n\n[Evil](javascript:alert(1)) and [docs](https://docs.example.com)",
        ),
    )
    .await;
    let draft = post(
        api,
        fx,
        &articles,
        article("Secret draft", "draft", &guides, "Not yet"),
    )
    .await;
    let archived = post(
        api,
        fx,
        &articles,
        article("Old archived", "archived", &guides, "Gone"),
    )
    .await;
    let loose = post(
        api,
        fx,
        &articles,
        article("Loose ends", "published", &Value::Null, "No category"),
    )
    .await;
    let spanish = post(
        api,
        fx,
        &articles,
        article("Instalar el widget", "published", &guias, "Pasos"),
    )
    .await;
    HelpCenter {
        portal,
        published,
        draft,
        archived,
        loose,
        spanish,
    }
}

fn html(response: &TestResponse) -> String {
    String::from_utf8(response.raw.to_vec()).expect("utf-8 page")
}

async fn page(api: &TestApi, path: &str, status: u16) -> String {
    let response = api.get(path).send().await;
    assert_eq!(response.status, status, "{path}: {}", html(&response));
    let content_type = response.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let policy = response.headers["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(
        !policy.contains("script-src"),
        "no script may run: {policy}"
    );
    let cache = response.headers["cache-control"].to_str().unwrap();
    let expected = if status == 200 {
        "public, max-age=60"
    } else {
        "no-store"
    };
    assert_eq!(cache, expected, "{path}");
    html(&response)
}

fn article_path(hc: &HelpCenter, article: &Value) -> String {
    format!(
        "/hc/{}/articles/{}",
        hc.portal,
        article["slug"].as_str().unwrap()
    )
}

#[tokio::test]
async fn the_home_lists_categories_with_their_published_articles() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hc = help_center(&api, &fx).await;
    let home = page(&api, &format!("/hc/{}/en", hc.portal), 200).await;
    assert!(home.contains("<html lang=\"en\">"));
    assert!(
        home.contains("Acme &lt;Help&gt;"),
        "the portal name, escaped"
    );
    assert!(
        home.contains("How can we help? &lt;b&gt;"),
        "the header text, escaped"
    );
    assert!(home.contains("--brand:#6b21a8"), "the portal's colour");
    assert!(home.contains("Guides &amp; &lt;Tips&gt;"));
    assert!(home.contains(&format!("href=\"/hc/{}/en/categories/guides\"", hc.portal)));
    assert!(home.contains(&format!("href=\"{}\"", article_path(&hc, &hc.published))));
    assert!(home.contains("Install the widget"));
    assert!(
        home.contains("Loose ends"),
        "published articles in no category too"
    );
    assert!(home.contains("href=\"https://acme.example.com\""));
    for hidden in ["Secret draft", "Old archived", "Instalar el widget"] {
        assert!(
            !home.contains(hidden),
            "{hidden} is not on the English home"
        );
    }
    // The portal's own address opens its default locale; the other locale has its articles.
    let default = page(&api, &format!("/hc/{}", hc.portal), 200).await;
    assert_eq!(default, home);
    let spanish = page(&api, &format!("/hc/{}/es", hc.portal), 200).await;
    assert!(spanish.contains("<html lang=\"es\">"));
    assert!(spanish.contains("Instalar el widget"));
    assert!(!spanish.contains("Install the widget"));
}

#[tokio::test]
async fn category_and_article_pages_show_published_content_escaped() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hc = help_center(&api, &fx).await;
    let category = page(
        &api,
        &format!("/hc/{}/en/categories/guides", hc.portal),
        200,
    )
    .await;
    assert!(category.contains("<h1>Guides &amp; &lt;Tips&gt;</h1>"));
    assert!(category.contains("Step by step"));
    assert!(category.contains("Install the widget"));
    assert!(category.contains("About Install the widget"));
    for hidden in ["Secret draft", "Old archived", "Loose ends"] {
        assert!(!category.contains(hidden), "{hidden}");
    }

    let article = page(&api, &article_path(&hc, &hc.published), 200).await;
    assert!(article.contains("<h1>Install the widget</h1>"));
    assert!(
        article.contains("<h3>Steps</h3>"),
        "headings start below the title"
    );
    assert!(article.contains("Copy the <strong>snippet</strong>."));
    assert!(
        article.contains("&lt;script&gt;alert('owned')&lt;/script&gt;"),
        "the author's HTML is shown as text"
    );
    assert!(!article.contains("<script"), "no script element at all");
    assert!(!article.contains("javascript:"));
    assert!(
        article.contains("<a href=\"https://docs.example.com\" rel=\"nofollow noopener\">docs</a>")
    );
    assert!(article.contains(&format!(
        "<a href=\"/hc/{}/en/categories/guides\">Guides &amp; &lt;Tips&gt;</a>",
        hc.portal
    )));
    let spanish = page(&api, &article_path(&hc, &hc.spanish), 200).await;
    assert!(spanish.contains("<html lang=\"es\">"));
    let loose = page(&api, &article_path(&hc, &hc.loose), 200).await;
    assert!(loose.contains("No category"));

    // Each page view is counted on the article.
    let shown = api
        .get(&format!(
            "/api/v1/accounts/{}/portals/{}/articles/{}",
            fx.account, hc.portal, hc.published["id"]
        ))
        .token(&fx.admin.1)
        .send()
        .await
        .expect(200);
    assert_eq!(shown.body["payload"]["views"], 1);
}

#[tokio::test]
async fn unpublished_articles_and_unknown_or_archived_places_are_not_found() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hc = help_center(&api, &fx).await;
    let other = unique("other");
    post(
        &api,
        &fx,
        "portals",
        json!({"name": "Other", "slug": other}),
    )
    .await;
    for path in [
        article_path(&hc, &hc.draft),
        article_path(&hc, &hc.archived),
        format!("/hc/{}/articles/no-such-article", hc.portal),
        // An article is found only under its own portal.
        format!(
            "/hc/{other}/articles/{}",
            hc.published["slug"].as_str().unwrap()
        ),
        "/hc/no-such-portal".to_owned(),
        "/hc/no-such-portal/en".to_owned(),
        format!("/hc/{}/fr", hc.portal),
        format!("/hc/{}/en/categories/no-such-category", hc.portal),
        format!("/hc/{}/es/categories/guides", hc.portal),
        format!("/hc/{}/fr/categories/guides", hc.portal),
    ] {
        let body = page(&api, &path, 404).await;
        assert!(body.contains("Page not found"), "{path}");
    }
    // Publishing makes an article visible; archiving the portal hides everything.
    let articles = format!(
        "/api/v1/accounts/{}/portals/{}/articles/{}",
        fx.account, hc.portal, hc.draft["id"]
    );
    api.patch(&articles)
        .token(&fx.admin.1)
        .json(json!({"status": "published"}))
        .send()
        .await
        .expect(200);
    page(&api, &article_path(&hc, &hc.draft), 200).await;
    api.patch(&format!(
        "/api/v1/accounts/{}/portals/{}/archive",
        fx.account, hc.portal
    ))
    .token(&fx.admin.1)
    .send()
    .await
    .expect(200);
    for path in [
        format!("/hc/{}", hc.portal),
        format!("/hc/{}/en", hc.portal),
        format!("/hc/{}/en/categories/guides", hc.portal),
        article_path(&hc, &hc.published),
    ] {
        page(&api, &path, 404).await;
    }
}

#[tokio::test]
async fn an_empty_portal_says_so_in_the_default_colour() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let slug = unique("empty");
    post(&api, &fx, "portals", json!({"name": "Empty", "slug": slug})).await;
    let home = page(&api, &format!("/hc/{slug}/en"), 200).await;
    assert!(home.contains("No articles have been published yet."));
    assert!(
        home.contains("--brand:#1f93ff"),
        "Chatwoot's default colour"
    );
}

#[tokio::test]
async fn public_pages_cost_a_fixed_number_of_round_trips() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let hc = help_center(&api, &fx).await;
    // Home: the slug claim and the portal, then the categories and the locale's articles
    // (concurrently). Category page: the same with the category's slug claim and record.
    // Article page: the article's slug claim, one batch read of portal and article, its
    // category; one write counts the view.
    for (path, reads, writes) in [
        (format!("/hc/{}/en", hc.portal), 4, 0),
        (format!("/hc/{}/en/categories/guides", hc.portal), 5, 0),
        (article_path(&hc, &hc.published), 3, 1),
    ] {
        let trips = api.round_trips(http::Method::GET, &path, "").await;
        assert_eq!((trips.reads, trips.writes), (reads, writes), "{path}");
    }
}
