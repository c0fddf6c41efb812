//! Articles of a portal. Each lives in the partition of its portal and locale (what lists and
//! public pages read), with a pointer in the portal's partition (id → locale, slug) for the
//! routes that name it by id, and a slug claim unique installation-wide (how a public URL
//! finds it). A change of locale moves the article between partitions in one transaction.
//!
//! Every write moves the counters (per status, author and category, over the portal and per
//! locale) in its own transaction. Translations form flat groups under a root article; each
//! member is listed by a link item under its root.

use super::portals::locale_not_allowed;
use super::{author_attribute, category_attribute, counter_moves, parameterize, Counts, Tally};
use crate::domain::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use crate::domain::{agents, avatars};
use crate::domain::{
    contended_pause, create_with_fresh_id, query_records, retrying, store_conflict,
    CONTENDED_ATTEMPTS,
};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::help_center as keys;
use crate::model::help_center::{
    Article, ArticleLink, ArticlePointer, ArticleSlugClaim, ArticleStatus, Category, Portal,
};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, Key, Query, StoreError, WriteOp, MAX_BATCH_GET, VERSION};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Chatwoot's page size for articles.
pub const PAGE_SIZE: usize = 25;
/// Gap between the default positions of articles of one category.
const POSITION_STEP: i64 = 10;
/// The `meta` keys Chatwoot permits.
const META_KEYS: &[&str] = &["title", "description", "tags"];

/// What an administrator may set; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct ArticleChanges {
    pub title: Option<Option<String>>,
    pub slug: Option<Option<String>>,
    pub content: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub position: Option<Option<i64>>,
    pub category_id: Option<Option<i64>>,
    pub author_id: Option<Option<i64>>,
    pub associated_article_id: Option<Option<i64>>,
    pub status: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub meta: Option<Map<String, Value>>,
}

/// The list's filters (Chatwoot's `locale`, `category_slug`, `status`, `author_id`, `query`).
#[derive(Debug, Default, Clone)]
pub struct ArticleFilters {
    pub locale: Option<String>,
    pub category_slug: Option<String>,
    /// As sent: an unknown status matches nothing.
    pub status: Option<String>,
    pub author_id: Option<i64>,
    pub query: Option<String>,
    pub page: usize,
}

/// The list's counts: over the locale, category and query filters, ignoring status and author.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleCounts {
    pub all_articles: i64,
    pub articles: i64,
    pub mine: i64,
    pub published: i64,
    pub draft: i64,
    pub archived: i64,
}

/// One page of articles with the list's counts.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub articles: Vec<Article>,
    pub counts: ArticleCounts,
    /// Every category of the portal (for the articles' `category`).
    pub categories: Vec<Category>,
}

/// What article JSON shows besides the article: its category, author and translations.
#[derive(Debug, Clone, Default)]
pub struct ArticleContext {
    pub categories: Vec<Category>,
    /// Authors with their avatar URLs.
    pub authors: Vec<(agents::Agent, String)>,
    /// Root article id → the members of its translation group.
    pub associated: HashMap<i64, Vec<Article>>,
}

impl ArticleContext {
    pub fn category(&self, article: &Article) -> Option<&Category> {
        let id = article.category_id?;
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn author(&self, article: &Article) -> Option<&(agents::Agent, String)> {
        self.authors
            .iter()
            .find(|(agent, _)| agent.user.id == article.author_id)
    }

    pub fn associated(&self, article: &Article) -> &[Article] {
        self.associated
            .get(&article.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn tallies(article: &Article) -> Vec<Tally> {
    let total = keys::portal_counter(article.portal_id);
    let local = keys::locale_counter(article.portal_id, &article.locale);
    let mut tallies = Vec::new();
    for key in [&total, &local] {
        tallies.push((key.clone(), "all".to_owned()));
        tallies.push((key.clone(), article.status.as_str().to_owned()));
        tallies.push((key.clone(), author_attribute(article.author_id)));
    }
    if let Some(category_id) = article.category_id {
        tallies.push((total, category_attribute(category_id)));
    }
    tallies
}

fn pointer(article: &Article) -> ArticlePointer {
    ArticlePointer {
        portal_id: article.portal_id,
        article_id: article.id,
        locale: article.locale.clone(),
        slug: article.slug.clone(),
    }
}

fn slug_claim(article: &Article) -> ArticleSlugClaim {
    ArticleSlugClaim {
        slug: article.slug.clone(),
        account_id: article.account_id,
        portal_id: article.portal_id,
        locale: article.locale.clone(),
        article_id: article.id,
    }
}

fn link(article: &Article) -> Option<ArticleLink> {
    Some(ArticleLink {
        portal_id: article.portal_id,
        root_id: article.associated_article_id?,
        article_id: article.id,
        locale: article.locale.clone(),
    })
}

fn slug_taken() -> AppError {
    ValidationErrors::single("slug", "has already been taken")
}

/// Chatwoot's default slug: the creation time and the title, parameterized.
fn default_slug(title: &str, now_ms: i64) -> String {
    format!("{}-{}", now_ms / 1000, parameterize(title))
}

/// `meta` as Chatwoot permits it: `title`, `description` and a list of `tags`.
fn permitted_meta(meta: &Map<String, Value>) -> Map<String, Value> {
    meta.iter()
        .filter(|(key, _)| META_KEYS.contains(&key.as_str()))
        .filter_map(|(key, value)| match (key.as_str(), value) {
            ("tags", Value::Array(tags)) => Some((
                key.clone(),
                Value::Array(tags.iter().filter(|t| t.is_string()).cloned().collect()),
            )),
            ("tags", _) => None,
            (_, Value::String(_) | Value::Null) => Some((key.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

/// What [`apply`] checks references against: the portal's categories and whether the author
/// named is an agent of the account.
struct References<'a> {
    portal: &'a Portal,
    categories: &'a [Category],
    author_is_agent: bool,
    /// The root of the translation group named by `associated_article_id`.
    associated_root: Option<i64>,
}

fn apply(
    article: &mut Article,
    changes: &ArticleChanges,
    references: &References,
    now_ms: i64,
) -> AppResult<()> {
    let text = |value: &Option<Option<String>>| value.clone().map(Option::unwrap_or_default);
    let mut errors = ValidationErrors::new();
    if let Some(title) = text(&changes.title) {
        article.title = title;
    }
    if let Some(content) = text(&changes.content) {
        article.content = content;
    }
    if let Some(description) = &changes.description {
        article.description = description.clone();
    }
    if let Some(author_id) = changes.author_id {
        article.author_id = author_id.unwrap_or(0);
    }
    if let Some(meta) = &changes.meta {
        article.meta = permitted_meta(meta);
    }
    if let Some(status) = text(&changes.status) {
        match ArticleStatus::parse(status.trim()) {
            Some(status) => article.status = status,
            None => errors.add("status", "is not included in the list"),
        }
    }
    if let Some(category_id) = changes.category_id {
        match category_id {
            Some(id) if !references.categories.iter().any(|c| c.id == id) => {
                errors.add("category", "must exist")
            }
            _ => article.category_id = category_id,
        }
    }
    if changes.associated_article_id.is_some() {
        article.associated_article_id = references
            .associated_root
            .filter(|root| *root != article.id);
    }
    // An article's locale is its category's; without one, the locale given (else kept).
    let category_locale = changes
        .category_id
        .flatten()
        .and_then(|id| references.categories.iter().find(|c| c.id == id))
        .map(|c| c.locale.clone());
    if let Some(locale) = category_locale.or_else(|| text(&changes.locale)) {
        if !locale.trim().is_empty() {
            article.locale = locale.trim().to_owned();
        }
    }
    if let Some(slug) = text(&changes.slug) {
        article.slug = slug.trim().to_owned();
    }
    if article.slug.is_empty() {
        article.slug = default_slug(&article.title, now_ms);
    }
    if article.author_id == 0 {
        errors.add("author_id", "can't be blank");
    } else if changes.author_id.is_some() && !references.author_is_agent {
        errors.add("author", "must exist");
    }
    validate::presence(&mut errors, "title", Some(&article.title));
    validate::presence(&mut errors, "content", Some(&article.content));
    if !references.portal.allowed_locales.contains(&article.locale) {
        errors.add(
            "locale",
            &locale_not_allowed(references.portal, "article", &article.locale),
        );
    }
    validate::max_length(&mut errors, "title", Some(&article.title), STRING_COLUMN);
    validate::max_length(&mut errors, "slug", Some(&article.slug), STRING_COLUMN);
    validate::visible(&mut errors, "slug", &article.slug);
    validate::max_length(&mut errors, "content", Some(&article.content), TEXT_COLUMN);
    validate::max_length(
        &mut errors,
        "description",
        article.description.as_deref(),
        TEXT_COLUMN,
    );
    errors.into_result()
}

/// The article a pointer leads to (`None` when either is gone).
async fn load_by_id(state: &AppState, portal_id: i64, id: i64) -> AppResult<Option<Article>> {
    let Some(pointer) = state
        .store
        .get(&keys::article_pointer(portal_id, id))
        .await?
    else {
        return Ok(None);
    };
    let pointer = ArticlePointer::from_item(pointer)?;
    let item = state
        .store
        .get(&keys::article(portal_id, &pointer.locale, id))
        .await?;
    Ok(item.map(Article::from_item).transpose()?)
}

/// The portal's article with this id.
pub async fn load(state: &AppState, portal: &Portal, id: i64) -> AppResult<Article> {
    load_by_id(state, portal.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The articles of one locale, in id (creation) order: one query of its partition.
pub async fn in_locale(state: &AppState, portal_id: i64, locale: &str) -> AppResult<Vec<Article>> {
    query_records(
        state,
        Query::prefix(
            keys::articles_partition(portal_id, locale),
            keys::articles_prefix(),
        ),
    )
    .await
}

/// The locales that hold articles: the portal's locale counters, one query.
async fn locales_in_use(state: &AppState, portal_id: i64) -> AppResult<Vec<String>> {
    let counters = crate::domain::query_all(
        state,
        Query::prefix(keys::portal_partition(portal_id), "COUNT#"),
    )
    .await?;
    Ok(counters
        .into_iter()
        .filter_map(|item| {
            let locale = Key::of(&item)?.sk.strip_prefix("COUNT#")?.to_owned();
            (Counts::from_item(Some(item)).all() > 0).then_some(locale)
        })
        .collect())
}

fn matches_query(article: &Article, needle: &str) -> bool {
    [
        Some(article.title.as_str()),
        article.description.as_deref(),
        Some(article.content.as_str()),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.to_lowercase().contains(needle))
}

fn counts_of(rows: &[&Article], all_articles: i64, user_id: i64) -> ArticleCounts {
    let with = |status: ArticleStatus| rows.iter().filter(|a| a.status == status).count() as i64;
    ArticleCounts {
        all_articles,
        articles: rows.len() as i64,
        mine: rows.iter().filter(|a| a.author_id == user_id).count() as i64,
        published: with(ArticleStatus::Published),
        draft: with(ArticleStatus::Draft),
        archived: with(ArticleStatus::Archived),
    }
}

fn counts_from(counter: &Counts, all_articles: i64, user_id: i64) -> ArticleCounts {
    ArticleCounts {
        all_articles,
        articles: counter.all(),
        mine: counter.by_author(user_id),
        published: counter.status(ArticleStatus::Published),
        draft: counter.status(ArticleStatus::Draft),
        archived: counter.status(ArticleStatus::Archived),
    }
}

/// One page of the portal's articles. Reads the partition of the locale asked for (without
/// one: of every locale that has articles), the portal's categories and its counters
/// concurrently; filters and orders in memory: by position within a category, else most
/// recently updated first. Counts come from the counters unless a category or text filter
/// narrows them, then from the articles read.
pub async fn list(
    state: &AppState,
    portal: &Portal,
    filters: &ArticleFilters,
    user_id: i64,
) -> AppResult<ArticlePage> {
    let locales = match &filters.locale {
        Some(locale) => vec![locale.clone()],
        None => locales_in_use(state, portal.id).await?,
    };
    let partitions = futures::future::try_join_all(
        locales
            .iter()
            .map(|locale| in_locale(state, portal.id, locale)),
    );
    // The portal's totals, and the locale's counter when the list is of one locale.
    let scope_locales: &[String] = match filters.locale {
        Some(_) => &locales,
        None => &[],
    };
    let counter_keys = super::counter_keys(portal.id, scope_locales);
    let (partitions, categories, counters) = futures::try_join!(
        partitions,
        super::categories::all(state, portal.id),
        async { Ok(state.store.get_many(&counter_keys).await?) },
    )?;
    let mut counters = counters.into_iter().map(Counts::from_item);
    let totals = counters.next().unwrap_or_default();
    let scope_counter = counters.next().unwrap_or_else(|| totals.clone());

    let category_ids: Option<Vec<i64>> = filters.category_slug.as_ref().map(|slug| {
        categories
            .iter()
            .filter(|c| &c.slug == slug)
            .filter(|c| filters.locale.as_ref().is_none_or(|l| &c.locale == l))
            .map(|c| c.id)
            .collect()
    });
    let needle = filters.query.as_ref().map(|q| q.to_lowercase());
    let scoped: Vec<&Article> = partitions
        .iter()
        .flatten()
        .filter(|a| {
            category_ids
                .as_ref()
                .is_none_or(|ids| a.category_id.is_some_and(|id| ids.contains(&id)))
        })
        .filter(|a| needle.as_ref().is_none_or(|n| matches_query(a, n)))
        .collect();
    let counts = if category_ids.is_some() || needle.is_some() {
        counts_of(&scoped, totals.all(), user_id)
    } else {
        counts_from(&scope_counter, totals.all(), user_id)
    };
    // `Some(None)`: a status that does not exist, which no article has.
    let status = filters.status.as_deref().map(ArticleStatus::parse);
    let mut listed: Vec<Article> = scoped
        .into_iter()
        .filter(|a| status.is_none_or(|s| Some(a.status) == s))
        .filter(|a| filters.author_id.is_none_or(|id| a.author_id == id))
        .cloned()
        .collect();
    if category_ids.is_some() {
        listed.sort_by_key(|a| (a.position, a.id));
    } else {
        listed.sort_by_key(|a| std::cmp::Reverse((a.updated_at_ms, a.id)));
    }
    let articles = listed
        .into_iter()
        .skip((filters.page.max(1) - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Ok(ArticlePage {
        articles,
        counts,
        categories,
    })
}

/// The translations of the root articles among `articles`: one query of the portal's links
/// (of one root when there is one article), then one batch read of the members.
async fn associated(
    state: &AppState,
    portal_id: i64,
    articles: &[Article],
) -> AppResult<HashMap<i64, Vec<Article>>> {
    let prefix = match articles {
        [one] => keys::article_links_prefix(one.id),
        _ => "ARTICLE_LINK#".to_owned(),
    };
    let links: Vec<ArticleLink> = query_records(
        state,
        Query::prefix(keys::portal_partition(portal_id), prefix),
    )
    .await?;
    let wanted: Vec<&ArticleLink> = links
        .iter()
        .filter(|link| articles.iter().any(|a| a.id == link.root_id))
        .collect();
    let mut groups: HashMap<i64, Vec<Article>> = HashMap::new();
    for chunk in wanted.chunks(MAX_BATCH_GET) {
        let keys: Vec<Key> = chunk
            .iter()
            .map(|link| keys::article(portal_id, &link.locale, link.article_id))
            .collect();
        for item in state.store.get_many(&keys).await?.into_iter().flatten() {
            let member = Article::from_item(item)?;
            if let Some(root) = member.associated_article_id {
                groups.entry(root).or_default().push(member);
            }
        }
    }
    Ok(groups)
}

/// What the JSON of `articles` shows: their translations, and the authors of all of them.
/// `categories` are the portal's, when already read.
pub async fn context(
    state: &AppState,
    portal: &Portal,
    articles: &[Article],
    categories: Option<Vec<Category>>,
) -> AppResult<ArticleContext> {
    let categories = match categories {
        Some(categories) => categories,
        None => super::categories::all(state, portal.id).await?,
    };
    let associated = associated(state, portal.id, articles).await?;
    let mut author_ids: Vec<i64> = articles
        .iter()
        .chain(associated.values().flatten())
        .map(|a| a.author_id)
        .collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let mut authors = Vec::new();
    for agent in agents::load_many(state, portal.account_id, &author_ids).await? {
        let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
        authors.push((agent, thumbnail));
    }
    Ok(ArticleContext {
        categories,
        authors,
        associated,
    })
}

/// Resolves what the changes name: categories (always read: the locale follows them), the
/// author (is an agent of the account) and the translation root.
async fn references(
    state: &AppState,
    portal: &Portal,
    changes: &ArticleChanges,
) -> AppResult<(Vec<Category>, bool, Option<i64>)> {
    let categories = super::categories::all(state, portal.id).await?;
    let author_is_agent = match changes.author_id.flatten() {
        Some(id) => !agents::load_many(state, portal.account_id, &[id])
            .await?
            .is_empty(),
        None => false,
    };
    // Chatwoot's `portal.articles.find`: an unknown article is a 404.
    let root = match changes.associated_article_id.flatten() {
        Some(id) => {
            let named = load(state, portal, id).await?;
            Some(named.associated_article_id.unwrap_or(named.id))
        }
        None => None,
    };
    Ok((categories, author_is_agent, root))
}

/// The default position of a new article: 10 past the highest of its category (in its
/// locale), or 10.
async fn next_position(state: &AppState, article: &Article) -> AppResult<i64> {
    let highest = in_locale(state, article.portal_id, &article.locale)
        .await?
        .iter()
        .filter(|a| a.category_id == article.category_id)
        .map(|a| a.position)
        .max();
    Ok(highest.unwrap_or(0) + POSITION_STEP)
}

pub async fn create(
    state: &AppState,
    portal: &Portal,
    changes: &ArticleChanges,
) -> AppResult<Article> {
    let (categories, author_is_agent, associated_root) = references(state, portal, changes).await?;
    let now = epoch_ms(state.clock.now());
    let mut draft = Article {
        id: 0,
        account_id: portal.account_id,
        portal_id: portal.id,
        locale: portal.default_locale.clone(),
        slug: String::new(),
        title: String::new(),
        content: String::new(),
        description: None,
        status: ArticleStatus::Draft,
        position: 0,
        category_id: None,
        author_id: 0,
        associated_article_id: None,
        meta: Map::new(),
        views: 0,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    let references = References {
        portal,
        categories: &categories,
        author_is_agent,
        associated_root,
    };
    apply(&mut draft, changes, &references, now)?;
    draft.position = match changes.position.flatten() {
        Some(position) => position,
        None => next_position(state, &draft).await?,
    };
    retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let article = Article {
                id,
                ..draft.clone()
            };
            let mut ops = vec![
                WriteOp::create(article.to_item()),
                WriteOp::create(pointer(&article).to_item()),
                WriteOp::create(slug_claim(&article).to_item()),
            ];
            ops.extend(link(&article).map(|l| WriteOp::put(l.to_item())));
            ops.extend(counter_moves(&[], &tallies(&article)));
            (article, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 2 } => slug_taken(),
        other => other.into(),
    })
}

/// The writes that replace `before` by `after` (the same article, changed), the version
/// check first; and the index of the write that claims a new slug, if any.
fn change_ops(before: &Article, after: &Article) -> (Vec<WriteOp>, Option<usize>) {
    let mut ops = Vec::new();
    if before.locale == after.locale {
        ops.push(WriteOp::replace_version(after.to_item(), before.version));
    } else {
        ops.push(WriteOp::Delete {
            key: before.key(),
            condition: Some(version_is(before.version)),
        });
        ops.push(WriteOp::create(after.to_item()));
    }
    if (&before.locale, &before.slug) != (&after.locale, &after.slug) {
        ops.push(WriteOp::put(pointer(after).to_item()));
    }
    let mut slug_claim_at = None;
    if before.slug != after.slug {
        slug_claim_at = Some(ops.len());
        ops.push(WriteOp::create(slug_claim(after).to_item()));
        ops.push(WriteOp::delete(keys::article_slug(&before.slug)));
    } else if before.locale != after.locale {
        ops.push(WriteOp::put(slug_claim(after).to_item()));
    }
    match (link(before), link(after)) {
        (Some(old), Some(new)) if old.key() == new.key() => {
            if old != new {
                ops.push(WriteOp::put(new.to_item()));
            }
        }
        (old, new) => {
            ops.extend(old.map(|l| WriteOp::delete(l.key())));
            ops.extend(new.map(|l| WriteOp::put(l.to_item())));
        }
    }
    ops.extend(counter_moves(&tallies(before), &tallies(after)));
    (ops, slug_claim_at)
}

fn version_is(version: i64) -> Condition {
    Condition::Equals {
        attr: VERSION.into(),
        value: Value::from(version),
    }
}

/// Saves a change with optimistic locking: on a lost race the article is read again (it may
/// have moved to another locale) and the change re-applied.
async fn save(
    state: &AppState,
    mut current: Article,
    mut change: impl FnMut(&mut Article) -> AppResult<()>,
) -> AppResult<Article> {
    for attempt in 0..CONTENDED_ATTEMPTS {
        let mut next = current.clone();
        change(&mut next)?;
        next.version = current.version + 1;
        let (ops, slug_claim_at) = change_ops(&current, &next);
        match retrying(store_conflict, || state.store.write(ops.clone())).await {
            Ok(()) => return Ok(next),
            Err(StoreError::ConditionFailed { op: 0 }) => {
                contended_pause(attempt).await;
                current = load_by_id(state, current.portal_id, current.id)
                    .await?
                    .ok_or(AppError::NotFound)?;
            }
            Err(StoreError::ConditionFailed { op }) if Some(op) == slug_claim_at => {
                return Err(slug_taken())
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Unavailable)
}

pub async fn update(
    state: &AppState,
    portal: &Portal,
    article: Article,
    changes: &ArticleChanges,
) -> AppResult<Article> {
    let (categories, author_is_agent, associated_root) = references(state, portal, changes).await?;
    let references = References {
        portal,
        categories: &categories,
        author_is_agent,
        associated_root,
    };
    let now = epoch_ms(state.clock.now());
    save(state, article, |article| {
        apply(article, changes, &references, now)?;
        if let Some(position) = changes.position.flatten() {
            article.position = position;
        }
        article.updated_at_ms = now;
        Ok(())
    })
    .await
}

/// Deletes the article with its pointer, slug claim, link and the links of its translations
/// (they stay, ungrouped), moving the counters.
pub async fn delete(state: &AppState, article: &Article) -> AppResult<()> {
    let member_links: Vec<ArticleLink> = query_records(
        state,
        Query::prefix(
            keys::portal_partition(article.portal_id),
            keys::article_links_prefix(article.id),
        ),
    )
    .await?;
    let mut ops = vec![
        WriteOp::Delete {
            key: article.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::article_pointer(article.portal_id, article.id)),
        WriteOp::delete(keys::article_slug(&article.slug)),
    ];
    ops.extend(link(article).map(|l| WriteOp::delete(l.key())));
    ops.extend(counter_moves(&tallies(article), &[]));
    let (now, later) = member_links.split_at(
        member_links
            .len()
            .min(crate::store::MAX_TRANSACTION_OPS - ops.len()),
    );
    ops.extend(now.iter().map(|l| WriteOp::delete(l.key())));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed { op: 0 }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    }
    crate::domain::write_in_chunks(
        state,
        later.iter().map(|l| WriteOp::delete(l.key())).collect(),
    )
    .await
}

/// The published articles of a locale, by position (public pages).
pub async fn published_in_locale(
    state: &AppState,
    portal_id: i64,
    locale: &str,
) -> AppResult<Vec<Article>> {
    let mut articles: Vec<Article> = in_locale(state, portal_id, locale)
        .await?
        .into_iter()
        .filter(|a| a.status == ArticleStatus::Published)
        .collect();
    articles.sort_by_key(|a| (a.position, a.id));
    Ok(articles)
}

/// A published article of a live portal by slug, with its portal (public article page): the
/// slug claim, then one batch read of the portal and the article.
pub async fn find_published(state: &AppState, slug: &str) -> AppResult<Option<(Portal, Article)>> {
    let Some(claim) = state.store.get(&keys::article_slug(slug)).await? else {
        return Ok(None);
    };
    let claim = ArticleSlugClaim::from_item(claim)?;
    let mut found = state
        .store
        .get_many(&[
            keys::portal(claim.account_id, claim.portal_id),
            keys::article(claim.portal_id, &claim.locale, claim.article_id),
        ])
        .await?
        .into_iter();
    let (Some(Some(portal)), Some(Some(article))) = (found.next(), found.next()) else {
        return Ok(None);
    };
    let (portal, article) = (Portal::from_item(portal)?, Article::from_item(article)?);
    let visible = !portal.archived && article.status == ArticleStatus::Published;
    Ok(visible.then_some((portal, article)))
}

/// Counts a public view: one write conditioned on the version read, without touching
/// `updated_at`. A view that loses a race with a change is not counted (never retried: a
/// page view must not wait on an editor).
pub async fn record_view(state: &AppState, article: &Article) -> AppResult<()> {
    let mut viewed = article.clone();
    viewed.views += 1;
    viewed.version += 1;
    match state
        .store
        .write(vec![WriteOp::replace_version(
            viewed.to_item(),
            article.version,
        )])
        .await
    {
        Ok(())
        | Err(StoreError::ConditionFailed { .. } | StoreError::Conflict | StoreError::Throttled) => {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_keeps_chatwoots_keys() {
        let meta = serde_json::json!({
            "title": "T", "description": null, "tags": ["a", 1, "b"], "other": "x"
        });
        assert_eq!(
            Value::Object(permitted_meta(meta.as_object().unwrap())),
            serde_json::json!({"title": "T", "description": null, "tags": ["a", "b"]})
        );
    }

    #[test]
    fn default_slugs() {
        assert_eq!(
            default_slug("Getting Started!", 1_700_000_000_123),
            "1700000000-getting-started"
        );
    }
}
