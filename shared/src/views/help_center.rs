//! Chatwoot's help-center JSON: portals, categories and articles.

use crate::domain::help_center::articles::{ArticleContext, ArticleCounts};
use crate::domain::help_center::portals::DescribedPortal;
use crate::domain::help_center::Counts;
use crate::model::help_center::{Article, Category};
use serde_json::{json, Map, Value};

/// The article counts a portal's `meta` shows: those of `show` (over the portal, or one
/// locale), for the user asking.
pub struct PortalArticleCounts<'a> {
    pub counts: &'a Counts,
    pub user_id: i64,
}

/// Chatwoot's portal JSON. Without `article_counts` (index, create, update) the article
/// counts are those of an empty list, as Chatwoot renders them there.
pub fn portal(
    described: &DescribedPortal,
    frontend_url: &str,
    administrator: bool,
    article_counts: Option<PortalArticleCounts>,
) -> Value {
    let portal = &described.portal;
    let mut map = Map::new();
    map.insert("id".into(), json!(portal.id));
    map.insert("color".into(), json!(portal.color));
    map.insert("custom_domain".into(), json!(portal.custom_domain));
    map.insert("header_text".into(), json!(portal.header_text));
    map.insert("homepage_link".into(), json!(portal.homepage_link));
    map.insert("name".into(), json!(portal.name));
    map.insert("page_title".into(), json!(portal.page_title));
    map.insert("slug".into(), json!(portal.slug));
    map.insert("archived".into(), json!(portal.archived));
    map.insert("account_id".into(), json!(portal.account_id));
    let locales: Vec<Value> = described
        .locales
        .iter()
        .map(|(code, counts)| {
            json!({
                "code": code,
                "articles_count": counts.all(),
                "categories_count": counts.categories(),
            })
        })
        .collect();
    map.insert("config".into(), json!({ "allowed_locales": locales }));
    if let Some(inbox) = &described.inbox {
        map.insert(
            "inbox".into(),
            super::inboxes::inbox(
                inbox,
                &described.inbox_avatar_url,
                frontend_url,
                administrator,
            ),
        );
    }
    if let (Some(logo), Some(url)) = (&portal.logo, &described.logo_url) {
        map.insert(
            "logo".into(),
            json!({
                "id": logo.id,
                "portal_id": portal.id,
                "file_type": logo.content_type,
                "account_id": portal.account_id,
                "file_url": url,
                "blob_id": logo.id,
                "filename": logo.filename,
            }),
        );
    }
    let mut meta = Map::new();
    match article_counts {
        Some(PortalArticleCounts { counts, user_id }) => {
            use crate::model::help_center::ArticleStatus::*;
            meta.insert("all_articles_count".into(), json!(counts.all()));
            meta.insert(
                "archived_articles_count".into(),
                json!(counts.status(Archived)),
            );
            meta.insert("published_count".into(), json!(counts.status(Published)));
            meta.insert("draft_articles_count".into(), json!(counts.status(Draft)));
            if counts.all() > 0 {
                meta.insert(
                    "mine_articles_count".into(),
                    json!(counts.by_author(user_id)),
                );
            }
        }
        None => {
            meta.insert("all_articles_count".into(), json!(0));
            meta.insert("archived_articles_count".into(), Value::Null);
            meta.insert("published_count".into(), Value::Null);
            meta.insert("draft_articles_count".into(), Value::Null);
        }
    }
    meta.insert(
        "categories_count".into(),
        json!(described.totals.categories()),
    );
    meta.insert("default_locale".into(), json!(portal.default_locale));
    map.insert("meta".into(), Value::Object(meta));
    Value::Object(map)
}

/// `GET /portals`: `{payload: [...], meta: {current_page, portals_count}}`.
pub fn portal_list(portals: Vec<Value>, current_page: Value) -> Value {
    json!({
        "payload": portals,
        "meta": {"current_page": current_page, "portals_count": portals.len()},
    })
}

/// A category as its relations show it (Chatwoot's `_associated_category`).
fn category_summary(category: &Category) -> Value {
    json!({
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "locale": category.locale,
        "description": category.description,
        "position": category.position,
        "account_id": category.account_id,
    })
}

/// Chatwoot's category JSON; relations are looked up among the portal's `categories`
/// (one since deleted is left out) and the article count is the portal counter's.
pub fn category(category: &Category, categories: &[Category], portal_counts: &Counts) -> Value {
    let find = |id: Option<i64>| id.and_then(|id| categories.iter().find(|c| c.id == id));
    let mut map = Map::new();
    map.insert("id".into(), json!(category.id));
    map.insert("name".into(), json!(category.name));
    map.insert("slug".into(), json!(category.slug));
    map.insert("locale".into(), json!(category.locale));
    map.insert("description".into(), json!(category.description));
    map.insert("position".into(), json!(category.position));
    map.insert("account_id".into(), json!(category.account_id));
    map.insert("icon".into(), json!(category.icon));
    let related: Vec<Value> = category
        .related_category_ids
        .iter()
        .filter_map(|id| find(Some(*id)))
        .map(category_summary)
        .collect();
    map.insert("related_categories".into(), json!(related));
    if let Some(parent) = find(category.parent_category_id) {
        map.insert("parent_category".into(), category_summary(parent));
    }
    if let Some(root) = find(category.associated_category_id) {
        map.insert("root_category".into(), category_summary(root));
    }
    map.insert(
        "meta".into(),
        json!({ "articles_count": portal_counts.in_category(category.id) }),
    );
    Value::Object(map)
}

pub fn category_payload(category: Value) -> Value {
    json!({ "payload": category })
}

/// `GET …/categories`: `{payload: [...], meta: {current_page, categories_count}}`.
pub fn category_list(categories: Vec<Value>, current_page: Value) -> Value {
    json!({
        "payload": categories,
        "meta": {"current_page": current_page, "categories_count": categories.len()},
    })
}

fn author(context: &ArticleContext, article: &Article) -> Option<Value> {
    context
        .author(article)
        .map(|(agent, thumbnail)| super::agent(agent, thumbnail))
}

/// A translation as its root article lists it (Chatwoot's `_associated_article`).
fn associated_article(article: &Article, context: &ArticleContext, portal: &Value) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(article.id));
    map.insert("category_id".into(), json!(article.category_id));
    map.insert("title".into(), json!(article.title));
    map.insert("content".into(), json!(article.content));
    map.insert("description".into(), json!(article.description));
    map.insert("status".into(), json!(article.status.as_str()));
    map.insert("account_id".into(), json!(article.account_id));
    map.insert("portal".into(), portal.clone());
    map.insert("views".into(), json!(article.views));
    if let Some(author) = author(context, article) {
        map.insert("author".into(), author);
    }
    Value::Object(map)
}

/// Chatwoot's article JSON. `portal` is the portal's JSON, which translations embed.
pub fn article(article: &Article, context: &ArticleContext, portal: &Value) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(article.id));
    map.insert("slug".into(), json!(article.slug));
    map.insert("title".into(), json!(article.title));
    map.insert("content".into(), json!(article.content));
    map.insert("description".into(), json!(article.description));
    map.insert("status".into(), json!(article.status.as_str()));
    map.insert("position".into(), json!(article.position));
    map.insert("account_id".into(), json!(article.account_id));
    map.insert("updated_at".into(), json!(article.updated_at_ms / 1000));
    map.insert("meta".into(), Value::Object(article.meta.clone()));
    let category = context.category(article);
    map.insert(
        "category".into(),
        json!({
            "id": category.map(|c| c.id),
            "name": category.map(|c| &c.name),
            "slug": category.map(|c| &c.slug),
            "locale": category.map(|c| &c.locale),
        }),
    );
    map.insert("views".into(), json!(article.views));
    if let Some(author) = author(context, article) {
        map.insert("author".into(), author);
    }
    let associated: Vec<Value> = context
        .associated(article)
        .iter()
        .map(|member| associated_article(member, context, portal))
        .collect();
    map.insert("associated_articles".into(), json!(associated));
    Value::Object(map)
}

pub fn article_payload(article: Value) -> Value {
    json!({ "payload": article })
}

/// `GET …/articles`: the page and Chatwoot's counts.
pub fn article_list(articles: Vec<Value>, counts: &ArticleCounts, current_page: Value) -> Value {
    json!({
        "payload": articles,
        "meta": {
            "all_articles_count": counts.all_articles,
            "articles_count": counts.articles,
            "mine_articles_count": counts.mine,
            "published_count": counts.published,
            "draft_articles_count": counts.draft,
            "archived_articles_count": counts.archived,
            "current_page": current_page,
        },
    })
}
