//! Categories of a portal, per locale. A slug is unique per portal and locale (a claim item
//! in the portal's partition, moved with the category). All of a portal's categories are one
//! query of its partition: lists filter them by locale, and relations (parent, translation
//! root, related categories) are looked up among them.
//!
//! Deleting a category leaves what named it (articles, other categories) with an id that no
//! longer resolves: they show no category, as Chatwoot's `nullify` leaves them.

use super::portals::locale_not_allowed;
use super::{counter_moves, Tally};
use crate::domain::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use crate::domain::{create_with_fresh_id, query_records, retrying, save_claiming, store_conflict};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::help_center as keys;
use crate::model::help_center::{Category, CategorySlugClaim, Portal};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, Query, StoreError, WriteOp};

/// Chatwoot's page size for categories.
pub const PAGE_SIZE: usize = 1000;

/// What an administrator may set; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct CategoryChanges {
    pub name: Option<Option<String>>,
    pub slug: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub position: Option<Option<i64>>,
    pub icon: Option<Option<String>>,
    pub parent_category_id: Option<Option<i64>>,
    pub associated_category_id: Option<Option<i64>>,
    pub related_category_ids: Option<Vec<i64>>,
}

fn tallies(category: &Category) -> Vec<Tally> {
    vec![
        (
            keys::portal_counter(category.portal_id),
            "categories".into(),
        ),
        (
            keys::locale_counter(category.portal_id, &category.locale),
            "categories".into(),
        ),
    ]
}

fn locale_taken() -> AppError {
    ValidationErrors::single("locale", "should be unique in the category and portal")
}

fn slug_claim(category: &Category) -> WriteOp {
    WriteOp::create(
        CategorySlugClaim {
            portal_id: category.portal_id,
            locale: category.locale.clone(),
            slug: category.slug.clone(),
            category_id: category.id,
        }
        .to_item(),
    )
}

/// Applies changes, checked against the portal and its other categories (`siblings`).
fn apply(
    category: &mut Category,
    changes: &CategoryChanges,
    portal: &Portal,
    siblings: &[Category],
) -> AppResult<()> {
    let text = |value: &Option<Option<String>>| value.clone().map(Option::unwrap_or_default);
    if let Some(name) = text(&changes.name) {
        category.name = name;
    }
    if let Some(slug) = text(&changes.slug) {
        category.slug = slug.trim().to_owned();
    }
    if let Some(locale) = text(&changes.locale) {
        category.locale = match locale.trim() {
            "" => portal.default_locale.clone(),
            code => code.to_owned(),
        };
    }
    if let Some(description) = &changes.description {
        category.description = description.clone();
    }
    if let Some(icon) = &changes.icon {
        category.icon = icon.clone();
    }
    if let Some(position) = changes.position {
        category.position = position;
    }
    let exists = |id: i64| id != category.id && siblings.iter().any(|c| c.id == id);
    let mut errors = ValidationErrors::new();
    validate::presence(&mut errors, "slug", Some(&category.slug));
    validate::visible(&mut errors, "slug", &category.slug);
    validate::presence(&mut errors, "name", Some(&category.name));
    if !portal.allowed_locales.contains(&category.locale) {
        errors.add(
            "locale",
            &locale_not_allowed(portal, "category", &category.locale),
        );
    }
    if let Some(parent) = changes.parent_category_id {
        match parent {
            Some(id) if !exists(id) => errors.add("parent_category", "must exist"),
            _ => category.parent_category_id = parent,
        }
    }
    if let Some(associated) = changes.associated_category_id {
        match associated {
            Some(id) if !exists(id) => errors.add("associated_category", "must exist"),
            // A translation group is flat: joining a member joins its root.
            Some(id) => {
                let root = siblings
                    .iter()
                    .find(|c| c.id == id)
                    .and_then(|c| c.associated_category_id)
                    .unwrap_or(id);
                category.associated_category_id = (root != category.id).then_some(root);
            }
            None => category.associated_category_id = None,
        }
    }
    if let Some(related) = &changes.related_category_ids {
        let mut ids: Vec<i64> = Vec::new();
        for id in related.iter().copied().filter(|id| exists(*id)) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        category.related_category_ids = ids;
    }
    for (attribute, value) in [
        ("name", Some(&category.name)),
        ("slug", Some(&category.slug)),
        ("icon", category.icon.as_ref()),
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
        "description",
        category.description.as_deref(),
        TEXT_COLUMN,
    );
    errors.into_result()
}

/// Every category of the portal (all locales), in id order.
pub async fn all(state: &AppState, portal_id: i64) -> AppResult<Vec<Category>> {
    query_records(
        state,
        Query::prefix(keys::portal_partition(portal_id), keys::categories_prefix()),
    )
    .await
}

/// Categories in Chatwoot's order: `position` ascending (unset last), then id.
pub fn sort_by_position(categories: &mut [Category]) {
    categories.sort_by_key(|c| (c.position.is_none(), c.position, c.id));
}

/// One page of the portal's categories, optionally of one locale, by position.
pub async fn list(
    state: &AppState,
    portal_id: i64,
    locale: Option<&str>,
    page: usize,
) -> AppResult<(Vec<Category>, Vec<Category>)> {
    let everything = all(state, portal_id).await?;
    let mut listed: Vec<Category> = everything
        .iter()
        .filter(|c| locale.is_none_or(|l| c.locale == l))
        .cloned()
        .collect();
    sort_by_position(&mut listed);
    let listed = listed
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Ok((listed, everything))
}

/// The portal's categories with `category` as it now is (created or changed).
pub fn with_saved(mut categories: Vec<Category>, category: &Category) -> Vec<Category> {
    categories.retain(|c| c.id != category.id);
    categories.push(category.clone());
    categories
}

/// The category with this id among the portal's (`all`).
pub fn find(categories: &[Category], id: i64) -> AppResult<Category> {
    categories
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// One category of the portal, by id.
pub async fn find_by_id(state: &AppState, portal_id: i64, id: i64) -> AppResult<Option<Category>> {
    let item = state.store.get(&keys::category(portal_id, id)).await?;
    Ok(item.map(Category::from_item).transpose()?)
}

/// The portal's category of a locale by slug (public pages): the claim, then the category.
pub async fn find_by_slug(
    state: &AppState,
    portal_id: i64,
    locale: &str,
    slug: &str,
) -> AppResult<Option<Category>> {
    let Some(claim) = state
        .store
        .get(&keys::category_slug(portal_id, locale, slug))
        .await?
    else {
        return Ok(None);
    };
    let claim = CategorySlugClaim::from_item(claim)?;
    let item = state
        .store
        .get(&keys::category(portal_id, claim.category_id))
        .await?;
    Ok(item.map(Category::from_item).transpose()?)
}

/// Creates a category; `siblings` are the portal's categories ([`all`]).
pub async fn create(
    state: &AppState,
    portal: &Portal,
    siblings: &[Category],
    changes: &CategoryChanges,
) -> AppResult<Category> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Category {
        id: 0,
        account_id: portal.account_id,
        portal_id: portal.id,
        name: String::new(),
        slug: String::new(),
        locale: portal.default_locale.clone(),
        description: None,
        position: None,
        icon: None,
        parent_category_id: None,
        associated_category_id: None,
        related_category_ids: Vec::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes, portal, siblings)?;
    retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let category = Category {
                id,
                ..draft.clone()
            };
            let mut ops = vec![WriteOp::create(category.to_item()), slug_claim(&category)];
            ops.extend(counter_moves(&[], &tallies(&category)));
            (category, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => locale_taken(),
        other => other.into(),
    })
}

/// Changes a category; `siblings` are the portal's categories ([`all`]).
pub async fn update(
    state: &AppState,
    portal: &Portal,
    category: Category,
    siblings: &[Category],
    changes: &CategoryChanges,
) -> AppResult<Category> {
    let now = epoch_ms(state.clock.now());
    save_claiming(
        state,
        category,
        |category| {
            let before = category.clone();
            apply(category, changes, portal, siblings)?;
            category.updated_at_ms = now;
            let mut extra = Vec::new();
            if (&category.slug, &category.locale) != (&before.slug, &before.locale) {
                extra.push(slug_claim(category));
                extra.push(WriteOp::delete(keys::category_slug(
                    before.portal_id,
                    &before.locale,
                    &before.slug,
                )));
            }
            extra.extend(counter_moves(&tallies(&before), &tallies(category)));
            Ok(extra)
        },
        |failed| {
            if failed == 0 {
                locale_taken()
            } else {
                AppError::Unavailable
            }
        },
    )
    .await
}

pub async fn delete(state: &AppState, category: &Category) -> AppResult<()> {
    let mut ops = vec![
        WriteOp::Delete {
            key: category.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::category_slug(
            category.portal_id,
            &category.locale,
            &category.slug,
        )),
    ];
    ops.extend(counter_moves(&tallies(category), &[]));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed { op: 0 }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
