//! Portals: an account's help centers, addressed by slug. Slugs and custom domains are unique
//! installation-wide (claims created conditionally with the portal, moved with it); the slug
//! claim is also how a public page finds its portal.

use super::{counter_keys, inspect_list, locale_code_is_valid, Counts};
use crate::domain::avatars::{self, AvatarUpload};
use crate::domain::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use crate::domain::{
    create_with_fresh_id, inboxes, query_all, query_records, retrying, save_claiming,
    store_conflict, write_in_chunks,
};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{account_partition, help_center as keys};
use crate::model::help_center::{
    ArticlePointer, Portal, PortalDomainClaim, PortalLogo, PortalSlugClaim,
};
use crate::model::inbox::{Channel, Inbox};
use crate::model::{epoch_ms, Record, ENTITY};
use crate::state::AppState;
use crate::store::{Condition, Key, Query, StoreError, WriteOp, MAX_BATCH_GET};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The config keys Chatwoot accepts (`website_token` is reserved and ignored).
const CONFIG_KEYS: &[&str] = &["allowed_locales", "default_locale", "website_token"];
const DEFAULT_LOCALE: &str = "en";

/// What an administrator may set; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct PortalChanges {
    pub name: Option<Option<String>>,
    pub slug: Option<Option<String>>,
    pub color: Option<Option<String>>,
    pub custom_domain: Option<Option<String>>,
    pub header_text: Option<Option<String>>,
    pub homepage_link: Option<Option<String>>,
    pub page_title: Option<Option<String>>,
    pub archived: Option<bool>,
    pub config: Option<Map<String, Value>>,
    /// The web-widget inbox to embed (`Some(None)` unlinks).
    pub inbox_id: Option<Option<i64>>,
    pub logo: Option<AvatarUpload>,
}

/// A portal with what its JSON shows besides its own columns.
#[derive(Debug, Clone)]
pub struct DescribedPortal {
    pub portal: Portal,
    /// The portal's counts over every locale.
    pub totals: Counts,
    /// Each allowed locale with its counts, in the portal's order.
    pub locales: Vec<(String, Counts)>,
    /// The linked web-widget inbox, if it still exists.
    pub inbox: Option<Inbox>,
    pub inbox_avatar_url: String,
    pub logo_url: Option<String>,
}

/// Chatwoot's `parsed_custom_domain`: an `http(s)` URL is reduced to its host; anything else
/// is kept as typed. Blank is none.
fn parse_custom_domain(raw: Option<String>) -> Option<String> {
    let raw = raw.filter(|d| !d.trim().is_empty())?;
    match url::Url::parse(&raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            url.host_str().map(str::to_owned).or(Some(raw))
        }
        _ => Some(raw),
    }
}

fn color_is_valid(color: &str) -> bool {
    let hex = color.strip_prefix('#').unwrap_or("");
    color.starts_with('#')
        && matches!(hex.len(), 3 | 6)
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The portal's colour when it is a valid hex colour (what a page may put into CSS).
pub fn page_color(portal: &Portal) -> Option<&str> {
    portal.color.as_deref().filter(|c| color_is_valid(c))
}

fn blank_to_none(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

/// Applies `config`: its locales (blank codes dropped, duplicates once) and default locale.
fn apply_config(portal: &mut Portal, config: &Map<String, Value>, errors: &mut ValidationErrors) {
    let unsupported: Vec<&str> = config
        .keys()
        .map(String::as_str)
        .filter(|key| !CONFIG_KEYS.contains(key))
        .collect();
    if !unsupported.is_empty() {
        errors.add(
            "config",
            &format!("in portal on {} is not supported.", unsupported.join(",")),
        );
        return;
    }
    if let Some(default) = config.get("default_locale") {
        match default {
            Value::String(code) if !code.trim().is_empty() => {
                portal.default_locale = code.trim().to_owned()
            }
            _ => portal.default_locale = DEFAULT_LOCALE.to_owned(),
        }
    }
    if let Some(locales) = config.get("allowed_locales") {
        let mut codes: Vec<String> = Vec::new();
        let listed = match locales {
            Value::Array(values) => values.clone(),
            Value::String(one) => vec![Value::String(one.clone())],
            _ => Vec::new(),
        };
        for value in listed {
            let code = match value {
                Value::String(code) => code.trim().to_owned(),
                _ => continue,
            };
            if !code.is_empty() && !codes.contains(&code) {
                codes.push(code);
            }
        }
        portal.allowed_locales = codes;
    }
    if portal.allowed_locales.is_empty() {
        portal.allowed_locales = vec![portal.default_locale.clone()];
    }
    let bad = std::iter::once(&portal.default_locale)
        .chain(&portal.allowed_locales)
        .find(|code| !locale_code_is_valid(code));
    if let Some(code) = bad {
        errors.add("config", &format!("locale {code} is not supported."));
    }
}

fn apply(portal: &mut Portal, changes: &PortalChanges) -> AppResult<()> {
    let set = |field: &mut Option<String>, change: &Option<Option<String>>| {
        if let Some(value) = change {
            *field = value.clone();
        }
    };
    if let Some(name) = &changes.name {
        portal.name = name.clone().unwrap_or_default();
    }
    if let Some(slug) = &changes.slug {
        portal.slug = slug.clone().unwrap_or_default().trim().to_owned();
    }
    set(&mut portal.color, &changes.color);
    set(&mut portal.header_text, &changes.header_text);
    set(&mut portal.page_title, &changes.page_title);
    if let Some(link) = &changes.homepage_link {
        portal.homepage_link = blank_to_none(link);
    }
    if let Some(domain) = &changes.custom_domain {
        portal.custom_domain = parse_custom_domain(domain.clone());
    }
    if let Some(archived) = changes.archived {
        portal.archived = archived;
    }
    let mut errors = ValidationErrors::new();
    validate::presence(&mut errors, "name", Some(&portal.name));
    validate::presence(&mut errors, "slug", Some(&portal.slug));
    validate::visible(&mut errors, "slug", &portal.slug);
    if portal
        .color
        .as_deref()
        .is_some_and(|c| !c.is_empty() && !color_is_valid(c))
    {
        errors.add("color", "is invalid");
    }
    if let Some(config) = &changes.config {
        apply_config(portal, config, &mut errors);
    }
    for (attribute, value) in [
        ("name", Some(&portal.name)),
        ("slug", Some(&portal.slug)),
        ("color", portal.color.as_ref()),
        ("custom_domain", portal.custom_domain.as_ref()),
        ("homepage_link", portal.homepage_link.as_ref()),
        ("page_title", portal.page_title.as_ref()),
    ] {
        validate::max_length(
            &mut errors,
            attribute,
            value.map(String::as_str),
            STRING_COLUMN,
        );
    }
    validate::max_length(
        &mut errors,
        "header_text",
        portal.header_text.as_deref(),
        TEXT_COLUMN,
    );
    errors.into_result()
}

fn slug_taken() -> AppError {
    ValidationErrors::single("slug", "has already been taken")
}

fn domain_taken() -> AppError {
    ValidationErrors::single("custom_domain", "has already been taken")
}

fn slug_claim(portal: &Portal) -> WriteOp {
    WriteOp::create(
        PortalSlugClaim {
            slug: portal.slug.clone(),
            account_id: portal.account_id,
            portal_id: portal.id,
        }
        .to_item(),
    )
}

fn domain_claim(portal: &Portal, domain: &str) -> WriteOp {
    WriteOp::create(
        PortalDomainClaim {
            custom_domain: domain.to_owned(),
            account_id: portal.account_id,
            portal_id: portal.id,
        }
        .to_item(),
    )
}

/// The inbox link a change asks for: an inbox of the account (404 otherwise); one that is not
/// a web widget is ignored, as in Chatwoot.
async fn resolve_inbox(
    state: &AppState,
    account_id: i64,
    change: Option<Option<i64>>,
) -> AppResult<Option<Option<i64>>> {
    match change {
        Some(Some(inbox_id)) => {
            let inbox = inboxes::load(state, account_id, inbox_id).await?;
            Ok(matches!(inbox.channel, Channel::WebWidget(_)).then_some(Some(inbox.id)))
        }
        other => Ok(other),
    }
}

async fn store_logo(
    state: &AppState,
    account_id: i64,
    upload: Option<&AvatarUpload>,
) -> AppResult<Option<PortalLogo>> {
    let Some(upload) = upload else {
        return Ok(None);
    };
    let blob_key =
        avatars::store_image(state, "logo", &format!("portals/{account_id}"), upload).await?;
    Ok(Some(PortalLogo {
        id: crate::ids::new_id(state.clock.now_ms()),
        blob_key,
        content_type: upload.content_type.clone(),
        filename: upload.filename.clone(),
    }))
}

/// Every portal of the account, in creation order (Chatwoot's database order).
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Portal>> {
    query_records(
        state,
        Query::prefix(account_partition(account_id), keys::portals_prefix()),
    )
    .await
}

/// The portal a slug names, wherever it is (`None` when no portal has it).
pub async fn find_by_slug(state: &AppState, slug: &str) -> AppResult<Option<Portal>> {
    let Some(claim) = state.store.get(&keys::portal_slug(slug)).await? else {
        return Ok(None);
    };
    let claim = PortalSlugClaim::from_item(claim)?;
    let item = state
        .store
        .get(&keys::portal(claim.account_id, claim.portal_id))
        .await?;
    Ok(item.map(Portal::from_item).transpose()?)
}

/// The account's portal with this slug; another account's is not found.
pub async fn load(state: &AppState, account_id: i64, slug: &str) -> AppResult<Portal> {
    find_by_slug(state, slug)
        .await?
        .filter(|portal| portal.account_id == account_id)
        .ok_or(AppError::NotFound)
}

/// Portals with their counters (one batch read for all of them), linked inboxes (one more)
/// and logo URLs.
pub async fn describe(state: &AppState, portals: Vec<Portal>) -> AppResult<Vec<DescribedPortal>> {
    let wanted: Vec<Key> = portals
        .iter()
        .flat_map(|p| counter_keys(p.id, &p.allowed_locales))
        .collect();
    let mut counters = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(MAX_BATCH_GET) {
        counters.extend(state.store.get_many(chunk).await?);
    }
    let mut counters = counters.into_iter().map(Counts::from_item);
    // The portals described together are one account's.
    let inbox_ids: Vec<i64> = portals.iter().filter_map(|p| p.inbox_id).collect();
    let linked = match portals.first() {
        Some(first) if !inbox_ids.is_empty() => {
            inboxes::load_many(state, first.account_id, &inbox_ids).await?
        }
        _ => Vec::new(),
    };
    let mut described = Vec::with_capacity(portals.len());
    for portal in portals {
        let totals = counters.next().unwrap_or_default();
        let locales = portal
            .allowed_locales
            .iter()
            .map(|code| (code.clone(), counters.next().unwrap_or_default()))
            .collect();
        let inbox = portal
            .inbox_id
            .and_then(|id| linked.iter().find(|inbox| inbox.id == id).cloned());
        let inbox_avatar_url = match &inbox {
            Some(inbox) => avatars::url(state, inbox.avatar_key.as_deref()).await?,
            None => String::new(),
        };
        let logo_url = match &portal.logo {
            Some(logo) => Some(avatars::url(state, Some(&logo.blob_key)).await?),
            None => None,
        };
        described.push(DescribedPortal {
            portal,
            totals,
            locales,
            inbox,
            inbox_avatar_url,
            logo_url,
        });
    }
    Ok(described)
}

/// One portal, described.
pub async fn describe_one(state: &AppState, portal: Portal) -> AppResult<DescribedPortal> {
    describe(state, vec![portal])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The article counts of a portal, over one locale or all of them.
pub async fn counts(state: &AppState, portal_id: i64, locale: Option<&str>) -> AppResult<Counts> {
    let key = match locale {
        Some(locale) => keys::locale_counter(portal_id, locale),
        None => keys::portal_counter(portal_id),
    };
    Ok(Counts::from_item(state.store.get(&key).await?))
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &PortalChanges,
) -> AppResult<Portal> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Portal {
        id: 0,
        account_id,
        name: String::new(),
        slug: String::new(),
        color: None,
        custom_domain: None,
        header_text: None,
        homepage_link: None,
        page_title: None,
        archived: false,
        allowed_locales: vec![DEFAULT_LOCALE.to_owned()],
        default_locale: DEFAULT_LOCALE.to_owned(),
        inbox_id: None,
        logo: None,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    if let Some(inbox_id) = resolve_inbox(state, account_id, changes.inbox_id).await? {
        draft.inbox_id = inbox_id;
    }
    draft.logo = store_logo(state, account_id, changes.logo.as_ref()).await?;
    let created = retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let portal = Portal {
                id,
                ..draft.clone()
            };
            let mut ops = vec![WriteOp::create(portal.to_item()), slug_claim(&portal)];
            if let Some(domain) = &portal.custom_domain {
                ops.push(domain_claim(&portal, domain));
            }
            (portal, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => slug_taken(),
        StoreError::ConditionFailed { op: 2 } => domain_taken(),
        other => other.into(),
    });
    if created.is_err() {
        discard_logo(state, draft.logo.as_ref()).await;
    }
    created
}

async fn discard_logo(state: &AppState, logo: Option<&PortalLogo>) {
    avatars::discard(state, logo.map(|l| l.blob_key.as_str())).await;
}

/// Saves a changed portal, moving its slug and domain claims when they change.
async fn save(
    state: &AppState,
    portal: Portal,
    mut change: impl FnMut(&mut Portal) -> AppResult<()>,
) -> AppResult<Portal> {
    let now = epoch_ms(state.clock.now());
    // Which extra write claims the new domain (it follows the slug claim's two when the slug
    // moves too): the one whose failure means "taken".
    let domain_claim_at = AtomicUsize::new(usize::MAX);
    save_claiming(
        state,
        portal,
        |portal| {
            let before = portal.clone();
            change(portal)?;
            portal.updated_at_ms = now;
            let mut extra = Vec::new();
            if portal.slug != before.slug {
                extra.push(slug_claim(portal));
                extra.push(WriteOp::delete(keys::portal_slug(&before.slug)));
            }
            domain_claim_at.store(usize::MAX, Ordering::Relaxed);
            if portal.custom_domain != before.custom_domain {
                if let Some(domain) = &portal.custom_domain {
                    domain_claim_at.store(extra.len(), Ordering::Relaxed);
                    extra.push(domain_claim(portal, domain));
                }
                if let Some(old) = &before.custom_domain {
                    extra.push(WriteOp::delete(keys::portal_domain(old)));
                }
            }
            Ok(extra)
        },
        |failed| {
            if failed == domain_claim_at.load(Ordering::Relaxed) {
                domain_taken()
            } else if failed == 0 {
                slug_taken()
            } else {
                AppError::Unavailable
            }
        },
    )
    .await
}

pub async fn update(
    state: &AppState,
    portal: Portal,
    changes: &PortalChanges,
) -> AppResult<Portal> {
    apply(&mut portal.clone(), changes)?;
    let inbox = resolve_inbox(state, portal.account_id, changes.inbox_id).await?;
    let new_logo = store_logo(state, portal.account_id, changes.logo.as_ref()).await?;
    let old_logo = portal.logo.clone();
    let saved = save(state, portal, |portal| {
        apply(portal, changes)?;
        if let Some(inbox_id) = inbox {
            portal.inbox_id = inbox_id;
        }
        if new_logo.is_some() {
            portal.logo = new_logo.clone();
        }
        Ok(())
    })
    .await;
    match &saved {
        Ok(_) if new_logo.is_some() => discard_logo(state, old_logo.as_ref()).await,
        Ok(_) => {}
        Err(_) => discard_logo(state, new_logo.as_ref()).await,
    }
    saved
}

/// `PATCH /portals/{slug}/archive`: takes the portal offline (its public pages answer 404).
pub async fn archive(state: &AppState, portal: Portal) -> AppResult<Portal> {
    save(state, portal, |portal| {
        portal.archived = true;
        Ok(())
    })
    .await
}

pub async fn remove_logo(state: &AppState, portal: Portal) -> AppResult<Portal> {
    let old = portal.logo.clone();
    if old.is_none() {
        return Ok(portal);
    }
    let saved = save(state, portal, |portal| {
        portal.logo = None;
        Ok(())
    })
    .await?;
    discard_logo(state, old.as_ref()).await;
    Ok(saved)
}

/// Deletes the portal with its claims in one transaction (its URLs stop working at once),
/// then everything inside it: categories, articles, their claims and the counters.
pub async fn delete(state: &AppState, portal: &Portal) -> AppResult<()> {
    let mut ops = vec![
        WriteOp::Delete {
            key: portal.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::portal_slug(&portal.slug)),
    ];
    if let Some(domain) = &portal.custom_domain {
        ops.push(WriteOp::delete(keys::portal_domain(domain)));
    }
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed { op: 0 }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    }
    discard_logo(state, portal.logo.as_ref()).await;
    purge_contents(state, portal.id).await
}

/// Deletes a deleted portal's partition and, through its article pointers, the articles and
/// their slug claims. Pointers go last, so an interrupted purge can be found again.
async fn purge_contents(state: &AppState, portal_id: i64) -> AppResult<()> {
    let items = query_all(state, Query::partition(keys::portal_partition(portal_id))).await?;
    let mut articles = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        let key = Key::of(&item).ok_or_else(|| AppError::Internal("item without key".into()))?;
        if item.get(ENTITY).and_then(Value::as_str) == Some(ArticlePointer::ENTITY) {
            let pointer = ArticlePointer::from_item(item)?;
            articles.push(WriteOp::delete(keys::article(
                portal_id,
                &pointer.locale,
                pointer.article_id,
            )));
            articles.push(WriteOp::delete(keys::article_slug(&pointer.slug)));
        }
        rest.push(WriteOp::delete(key));
    }
    articles.extend(rest);
    write_in_chunks(state, articles).await
}

/// Chatwoot's message when a category or article names a locale the portal does not allow.
pub fn locale_not_allowed(portal: &Portal, what: &str, locale: &str) -> String {
    format!(
        "{locale} of {what} is not part of portal's {}.",
        inspect_list(&portal.allowed_locales)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_domains_reduce_urls_to_hosts() {
        let parse = |raw: &str| parse_custom_domain(Some(raw.to_owned()));
        assert_eq!(
            parse("https://help.example.com/x").as_deref(),
            Some("help.example.com")
        );
        assert_eq!(
            parse("help.example.com").as_deref(),
            Some("help.example.com")
        );
        assert_eq!(parse("  "), None);
    }

    #[test]
    fn colors() {
        for ok in ["#fff", "#1F93FF"] {
            assert!(color_is_valid(ok), "{ok}");
        }
        for bad in ["fff", "#ffff", "#12345g", "red;}", "#fff;x"] {
            assert!(!color_is_valid(bad), "{bad}");
        }
    }
}
