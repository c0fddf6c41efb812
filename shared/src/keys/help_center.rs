//! The help center. Portals are items of their account's partition; everything inside a portal
//! lives in the portal's own partitions:
//!
//! - `HC#<portal>`: categories, category slug claims, article pointers (id → locale, slug),
//!   translation links and the counters;
//! - `HC#<portal>#<locale>`: the articles of one locale (what lists and public pages read).
//!
//! Portal and article slugs (and custom domains) are unique installation-wide: their claims
//! are partitions of their own, which public pages read to find what a URL names.
//! Locale codes are letters, digits, `-` and `_` only (checked when a portal's locales are
//! set), so they never contain the `#` separator.

use super::{account_partition, claim_text};
use crate::store::Key;

pub fn portal(account_id: i64, portal_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{portal_id:016}", portals_prefix()),
    )
}

/// An account's portals, in id (creation) order.
pub fn portals_prefix() -> &'static str {
    "PORTAL#"
}

pub fn portal_slug(slug: &str) -> Key {
    Key::new(format!("PORTAL_SLUG#{}", claim_text(slug)), "PORTAL_SLUG")
}

pub fn portal_domain(domain: &str) -> Key {
    Key::new(
        format!("PORTAL_DOMAIN#{}", claim_text(domain)),
        "PORTAL_DOMAIN",
    )
}

/// The partition of a portal's categories, article pointers, links and counters.
pub fn portal_partition(portal_id: i64) -> String {
    format!("HC#{portal_id}")
}

/// The partition of a portal's articles in one locale.
pub fn articles_partition(portal_id: i64, locale: &str) -> String {
    format!("HC#{portal_id}#{locale}")
}

pub fn category(portal_id: i64, category_id: i64) -> Key {
    Key::new(
        portal_partition(portal_id),
        format!("{}{category_id:016}", categories_prefix()),
    )
}

pub fn categories_prefix() -> &'static str {
    "CATEGORY#"
}

pub fn category_slug(portal_id: i64, locale: &str, slug: &str) -> Key {
    Key::new(
        portal_partition(portal_id),
        format!("CATEGORY_SLUG#{locale}#{}", claim_text(slug)),
    )
}

pub fn article(portal_id: i64, locale: &str, article_id: i64) -> Key {
    Key::new(
        articles_partition(portal_id, locale),
        format!("{}{article_id:016}", articles_prefix()),
    )
}

/// Articles in their locale's partition, and pointers in the portal's.
pub fn articles_prefix() -> &'static str {
    "ARTICLE#"
}

pub fn article_pointer(portal_id: i64, article_id: i64) -> Key {
    Key::new(
        portal_partition(portal_id),
        format!("{}{article_id:016}", articles_prefix()),
    )
}

pub fn article_slug(slug: &str) -> Key {
    Key::new(format!("ARTICLE_SLUG#{}", claim_text(slug)), "ARTICLE_SLUG")
}

pub fn article_link(portal_id: i64, root_id: i64, article_id: i64) -> Key {
    Key::new(
        portal_partition(portal_id),
        format!("{}{article_id:016}", article_links_prefix(root_id)),
    )
}

/// The translations linked to one root article.
pub fn article_links_prefix(root_id: i64) -> String {
    format!("ARTICLE_LINK#{root_id:016}#")
}

/// Counts over the whole portal: `all`, `draft`, `published`, `archived`, `categories`,
/// `author_<user>` (articles by that author) and `category_<id>` (articles in that category).
pub fn portal_counter(portal_id: i64) -> Key {
    Key::new(portal_partition(portal_id), "COUNT")
}

/// The same counts (but `category_<id>`) for one locale.
pub fn locale_counter(portal_id: i64, locale: &str) -> Key {
    Key::new(portal_partition(portal_id), format!("COUNT#{locale}"))
}
