//! Chatwoot's help center: portals, their categories and articles, and the items that make
//! their slugs unique and findable (see `keys::help_center` for where each lives).

use super::Record;
use crate::keys::help_center as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Chatwoot's `Portal`, in its account's partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Portal {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// Unique installation-wide through a [`PortalSlugClaim`].
    pub slug: String,
    pub color: Option<String>,
    /// A host name, unique installation-wide through a [`PortalDomainClaim`].
    pub custom_domain: Option<String>,
    pub header_text: Option<String>,
    pub homepage_link: Option<String>,
    pub page_title: Option<String>,
    pub archived: bool,
    /// `config.allowed_locales`, in the order given.
    pub allowed_locales: Vec<String>,
    /// `config.default_locale`.
    pub default_locale: String,
    /// The web-widget inbox the portal embeds.
    pub inbox_id: Option<i64>,
    pub logo: Option<PortalLogo>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Portal {
    const ENTITY: &'static str = "portal";

    fn key(&self) -> Key {
        keys::portal(self.account_id, self.id)
    }
}

super::versioned!(Portal);

/// A portal's logo image in the blob store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PortalLogo {
    pub id: i64,
    pub blob_key: String,
    pub content_type: String,
    pub filename: String,
}

/// Claims a portal slug for the installation; also how a public page finds its portal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PortalSlugClaim {
    pub slug: String,
    pub account_id: i64,
    pub portal_id: i64,
}

impl Record for PortalSlugClaim {
    const ENTITY: &'static str = "portal_slug";

    fn key(&self) -> Key {
        keys::portal_slug(&self.slug)
    }
}

/// Claims a custom domain for the installation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PortalDomainClaim {
    pub custom_domain: String,
    pub account_id: i64,
    pub portal_id: i64,
}

impl Record for PortalDomainClaim {
    const ENTITY: &'static str = "portal_domain";

    fn key(&self) -> Key {
        keys::portal_domain(&self.custom_domain)
    }
}

/// Chatwoot's `Category`, in its portal's partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Category {
    pub id: i64,
    pub account_id: i64,
    pub portal_id: i64,
    pub name: String,
    /// Unique per portal and locale through a [`CategorySlugClaim`].
    pub slug: String,
    pub locale: String,
    pub description: Option<String>,
    pub position: Option<i64>,
    pub icon: Option<String>,
    pub parent_category_id: Option<i64>,
    /// The root of the category's translation group.
    pub associated_category_id: Option<i64>,
    pub related_category_ids: Vec<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Category {
    const ENTITY: &'static str = "category";

    fn key(&self) -> Key {
        keys::category(self.portal_id, self.id)
    }
}

super::versioned!(Category);

/// Claims a category slug within a portal and locale; also how a public category page finds
/// its category.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategorySlugClaim {
    pub portal_id: i64,
    pub locale: String,
    pub slug: String,
    pub category_id: i64,
}

impl Record for CategorySlugClaim {
    const ENTITY: &'static str = "category_slug";

    fn key(&self) -> Key {
        keys::category_slug(self.portal_id, &self.locale, &self.slug)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    Published,
    Archived,
}

impl ArticleStatus {
    pub const ALL: [ArticleStatus; 3] = [
        ArticleStatus::Draft,
        ArticleStatus::Published,
        ArticleStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }

    /// A status by name, or by the integer Rails' enum stores (0 draft, 1 published,
    /// 2 archived), as Chatwoot accepts both.
    pub fn parse(text: &str) -> Option<ArticleStatus> {
        ArticleStatus::ALL
            .into_iter()
            .enumerate()
            .find(|(index, status)| status.as_str() == text || index.to_string() == text)
            .map(|(_, status)| status)
    }
}

/// Chatwoot's `Article`, in the partition of its portal and locale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Article {
    pub id: i64,
    pub account_id: i64,
    pub portal_id: i64,
    pub locale: String,
    /// Unique installation-wide through an [`ArticleSlugClaim`].
    pub slug: String,
    pub title: String,
    pub content: String,
    pub description: Option<String>,
    pub status: ArticleStatus,
    pub position: i64,
    pub category_id: Option<i64>,
    pub author_id: i64,
    /// The root of the article's translation group.
    pub associated_article_id: Option<i64>,
    /// `{title, description, tags}` for search engines.
    pub meta: Map<String, Value>,
    pub views: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Article {
    const ENTITY: &'static str = "article";

    fn key(&self) -> Key {
        keys::article(self.portal_id, &self.locale, self.id)
    }
}

super::versioned!(Article);

/// Where an article lives (its locale) and its slug, found from its id in the portal's
/// partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticlePointer {
    pub portal_id: i64,
    pub article_id: i64,
    pub locale: String,
    pub slug: String,
}

impl Record for ArticlePointer {
    const ENTITY: &'static str = "article_pointer";

    fn key(&self) -> Key {
        keys::article_pointer(self.portal_id, self.article_id)
    }
}

/// Claims an article slug for the installation; also how a public article page finds its
/// article.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticleSlugClaim {
    pub slug: String,
    pub account_id: i64,
    pub portal_id: i64,
    pub locale: String,
    pub article_id: i64,
}

impl Record for ArticleSlugClaim {
    const ENTITY: &'static str = "article_slug";

    fn key(&self) -> Key {
        keys::article_slug(&self.slug)
    }
}

/// An article of a translation group, listed under the group's root article.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticleLink {
    pub portal_id: i64,
    pub root_id: i64,
    pub article_id: i64,
    pub locale: String,
}

impl Record for ArticleLink {
    const ENTITY: &'static str = "article_link";

    fn key(&self) -> Key {
        keys::article_link(self.portal_id, self.root_id, self.article_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_name_or_number() {
        assert_eq!(ArticleStatus::parse("draft"), Some(ArticleStatus::Draft));
        assert_eq!(ArticleStatus::parse("1"), Some(ArticleStatus::Published));
        assert_eq!(
            ArticleStatus::parse("archived"),
            Some(ArticleStatus::Archived)
        );
        assert_eq!(ArticleStatus::parse("3"), None);
        assert_eq!(ArticleStatus::parse("Published"), None);
    }
}
