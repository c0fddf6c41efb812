//! The account's label catalogue. Titles are lower-cased and unique per account: each title
//! is claimed by an item created conditionally in the same transaction as the label, so two
//! concurrent creates of one title cannot both succeed.

use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, save_versioned, touch_cache_key, CacheKey};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::{epoch_ms, Label, LabelTitleClaim, Record};
use crate::state::AppState;
use crate::store::{Query, StoreError, WriteOp};

pub const DEFAULT_COLOR: &str = "#1f93ff";

#[derive(Debug, Default, Clone)]
pub struct LabelChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub color: Option<String>,
    pub show_on_sidebar: Option<bool>,
}

/// Chatwoot's title rule: a letter or digit, then at least one letter, digit, `_` or `-`.
fn title_is_valid(title: &str) -> bool {
    let mut chars = title.chars();
    let first_ok = chars.next().is_some_and(char::is_alphanumeric);
    let rest: Vec<char> = chars.collect();
    first_ok
        && !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
}

fn apply(label: &mut Label, changes: &LabelChanges) -> AppResult<()> {
    if let Some(title) = &changes.title {
        label.title = title.trim().to_lowercase();
    }
    if let Some(description) = &changes.description {
        label.description = description.clone();
    }
    if let Some(color) = changes.color.as_ref().filter(|c| !c.is_empty()) {
        label.color = color.clone();
    }
    if let Some(show) = changes.show_on_sidebar {
        label.show_on_sidebar = Some(show);
    }
    let mut errors = ValidationErrors::new();
    if label.title.is_empty() {
        errors.add("title", "must not be blank");
    } else if !title_is_valid(&label.title) {
        errors.add("title", "is invalid");
    }
    validate::max_length(&mut errors, "title", Some(&label.title), STRING_COLUMN);
    validate::max_length(
        &mut errors,
        "description",
        label.description.as_deref(),
        20_000,
    );
    validate::max_length(&mut errors, "color", Some(&label.color), STRING_COLUMN);
    errors.into_result()
}

fn title_taken() -> AppError {
    ValidationErrors::single("title", "has already been taken")
}

fn claim(label: &Label) -> WriteOp {
    WriteOp::create(
        LabelTitleClaim {
            account_id: label.account_id,
            title: label.title.clone(),
            label_id: label.id,
        }
        .to_item(),
    )
}

/// Every label of the account, by title.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Label>> {
    let query = Query::prefix(keys::account_partition(account_id), keys::labels_prefix());
    let mut labels: Vec<Label> = super::query_records(state, query).await?;
    labels.sort_by(|a, b| a.title.cmp(&b.title));
    Ok(labels)
}

pub async fn load(state: &AppState, account_id: i64, id: i64) -> AppResult<Label> {
    let item = state
        .store
        .get(&keys::label(account_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Label::from_item(item)?)
}

pub async fn create(state: &AppState, account_id: i64, changes: &LabelChanges) -> AppResult<Label> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Label {
        id: 0,
        account_id,
        title: String::new(),
        description: None,
        color: DEFAULT_COLOR.into(),
        show_on_sidebar: None,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    create_with_fresh_id(state, |id| {
        let label = Label {
            id,
            ..draft.clone()
        };
        let ops = vec![
            WriteOp::create(label.to_item()),
            claim(&label),
            touch_cache_key(account_id, CacheKey::Label, now),
        ];
        (label, ops)
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => title_taken(),
        other => other.into(),
    })
}

pub async fn update(state: &AppState, label: Label, changes: &LabelChanges) -> AppResult<Label> {
    let now = epoch_ms(state.clock.now());
    let old_title = label.title.clone();
    let renamed = changes
        .title
        .as_ref()
        .is_some_and(|t| t.trim().to_lowercase() != old_title);
    if renamed {
        let wanted = changes
            .title
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        if state
            .store
            .get(&keys::label_title(label.account_id, &wanted))
            .await?
            .is_some()
        {
            return Err(title_taken());
        }
    }
    save_versioned(state, label, |label| {
        apply(label, changes)?;
        label.updated_at_ms = now;
        let mut ops = vec![touch_cache_key(label.account_id, CacheKey::Label, now)];
        if label.title != old_title {
            ops.push(claim(label));
            ops.push(WriteOp::delete(keys::label_title(
                label.account_id,
                &old_title,
            )));
        }
        Ok(ops)
    })
    .await
}

pub async fn delete(state: &AppState, label: &Label) -> AppResult<()> {
    let now = epoch_ms(state.clock.now());
    state
        .store
        .write(vec![
            WriteOp::delete(label.key()),
            WriteOp::delete(keys::label_title(label.account_id, &label.title)),
            touch_cache_key(label.account_id, CacheKey::Label, now),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn title_rule() {
        for (title, ok) in [
            ("vip", true),
            ("a1", true),
            ("é-x_2", true),
            ("a", false),
            ("-ab", false),
            ("a b", false),
            ("ab!", false),
        ] {
            assert_eq!(super::title_is_valid(title), ok, "{title}");
        }
    }
}
