//! Accounts: creation (with default features), changes (audited), deletion.

use super::audit::{self, AuditActor, AuditChange};
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, memberships, platform, save_versioned, write_in_chunks};
use crate::error::{AppResult, ValidationErrors};
use crate::model::Mirrored;
use crate::model::{epoch_ms, Account, AccountStatus, PermissibleKind, Record, FEATURES};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::WriteOp;
use serde_json::{Map, Value};

/// The locale codes Chatwoot ships translations for.
pub const LOCALES: &[&str] = &[
    "en", "ar", "az", "bg", "bn", "ca", "cs", "da", "de", "el", "es", "et", "fa", "fi", "fr", "he",
    "hi", "hr", "hu", "hy", "id", "is", "it", "ja", "ka", "ko", "lt", "lv", "ml", "ms", "ne", "nl",
    "no", "pl", "pt", "pt_BR", "ro", "ru", "sh", "sk", "sl", "sq", "sr", "sv", "ta", "th", "tl",
    "tr", "uk", "ur", "vi", "zh", "zh_CN", "zh_TW",
];

/// What a client may set on an account; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub locale: Option<String>,
    pub domain: Option<Option<String>>,
    pub support_email: Option<Option<String>>,
    pub status: Option<String>,
    /// Feature name → wanted state; names not mentioned keep their state.
    pub features: Option<Map<String, Value>>,
    /// Replaces the whole hash.
    pub limits: Option<Map<String, Value>>,
    /// Replaces the whole hash.
    pub custom_attributes: Option<Map<String, Value>>,
    /// Merged into `custom_attributes` (the Application API's `industry`, `timezone`, ...).
    pub custom_attributes_merge: Map<String, Value>,
    /// Merged into `settings` (`auto_resolve_after`, ...).
    pub settings_merge: Map<String, Value>,
}

/// Chatwoot's bounds of `settings.auto_resolve_after`, in minutes.
const AUTO_RESOLVE_MINUTES: (i64, i64) = (10, 1_439_856);

/// Rails' `present?` for a feature flag value: `false`, `nil` and blank text are off.
fn feature_wanted(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.trim().is_empty(),
        _ => true,
    }
}

fn apply(account: &mut Account, changes: &AccountChanges) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    if let Some(name) = &changes.name {
        account.name = name.trim().to_owned();
    }
    if let Some(locale) = &changes.locale {
        validate::inclusion(&mut errors, "locale", locale, LOCALES);
        account.locale = locale.clone();
    }
    if let Some(domain) = &changes.domain {
        account.domain = domain.clone();
    }
    if let Some(email) = &changes.support_email {
        account.support_email = email.clone();
    }
    if let Some(status) = &changes.status {
        match AccountStatus::parse(status) {
            Some(status) => account.status = status,
            None => errors.add("status", "is not included in the list"),
        }
    }
    if let Some(features) = &changes.features {
        for (name, value) in features {
            if !FEATURES.iter().any(|(known, _)| known == name) {
                errors.add("features", &format!("has an unknown feature: {name}"));
                continue;
            }
            account.features.retain(|f| f != name);
            if feature_wanted(value) {
                account.features.push(name.clone());
            }
        }
        // Keep catalogue order, as Chatwoot's flag bits do.
        account
            .features
            .sort_by_key(|f| FEATURES.iter().position(|(n, _)| n == f));
    }
    if let Some(limits) = &changes.limits {
        account.limits = limits.clone();
    }
    if let Some(custom) = &changes.custom_attributes {
        account.custom_attributes = custom.clone();
    }
    account
        .custom_attributes
        .extend(changes.custom_attributes_merge.clone());
    let mut settings = changes.settings_merge.clone();
    if let Some(minutes) = settings.get("auto_resolve_after").filter(|v| !v.is_null()) {
        let (low, high) = AUTO_RESOLVE_MINUTES;
        match minutes
            .as_i64()
            .or_else(|| minutes.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(m) if m < low => errors.add_full(
                "auto_resolve_after",
                &format!("Auto resolve after must be greater than or equal to {low}"),
            ),
            Some(m) if m > high => errors.add_full(
                "auto_resolve_after",
                &format!("Auto resolve after must be less than or equal to {high}"),
            ),
            // Stored as the integer it is, also when a form sent it as text.
            Some(m) => {
                settings.insert("auto_resolve_after".into(), m.into());
            }
            None => errors.add("auto_resolve_after", "is not a number"),
        }
    }
    account.settings.extend(settings);
    validate::presence(&mut errors, "name", Some(&account.name));
    validate::max_length(&mut errors, "name", Some(&account.name), STRING_COLUMN);
    validate::max_length(&mut errors, "domain", account.domain.as_deref(), 100);
    validate::max_length(
        &mut errors,
        "support_email",
        account.support_email.as_deref(),
        100,
    );
    errors.into_result()
}

/// Creates an account owned by the platform app, with Chatwoot's default features, and
/// records `account_created` in the same transaction, its payload the account as `payload`
/// renders it (the caller's JSON view: the domain returns records, not views).
pub async fn create(
    state: &AppState,
    app_id: i64,
    changes: &AccountChanges,
    payload: fn(&Account) -> Value,
) -> AppResult<Account> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Account {
        id: 0,
        name: String::new(),
        locale: "en".into(),
        domain: None,
        support_email: None,
        status: AccountStatus::Active,
        features: FEATURES
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        custom_attributes: Map::new(),
        limits: Map::new(),
        settings: Map::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    Ok(create_with_fresh_id(state, |id| {
        let account = Account {
            id,
            ..draft.clone()
        };
        let event = EventRecord::new(id, "account_created", payload(&account), now);
        let ops = vec![
            WriteOp::create(account.to_item()),
            platform::permit(app_id, PermissibleKind::Account, id),
            event.write(),
        ];
        (account, ops)
    })
    .await?)
}

/// Changes the account, recording the change in its audit log in the same transaction.
pub async fn update(
    state: &AppState,
    account: Account,
    changes: &AccountChanges,
    actor: &AuditActor,
) -> AppResult<Account> {
    let before = (account.name.clone(), account.status);
    let now = epoch_ms(state.clock.now());
    let updated = save_versioned(state, account, |account| {
        let audited_before = audit::attributes(account, &[]);
        apply(account, changes)?;
        account.updated_at_ms = now;
        let audited_after = audit::attributes(account, &[]);
        Ok(AuditChange::updated(
            "Account",
            account.id,
            &audited_before,
            &audited_after,
            account.version + 2,
        )
        .map(|change| audit::entry(account.id, actor, now, change))
        .unwrap_or_default())
    })
    .await?;
    if (updated.name.clone(), updated.status) != before {
        memberships::refresh_account_copies(state, &updated).await?;
    }
    Ok(updated)
}

/// Deletes the account with its memberships and records `account_deleted` (its payload the
/// account as `payload` renders it), which later stages use to purge the account's remaining
/// data asynchronously, as Chatwoot does.
pub async fn delete(
    state: &AppState,
    account: &Account,
    app_id: i64,
    payload: fn(&Account) -> Value,
) -> AppResult<()> {
    let now = epoch_ms(state.clock.now());
    let members = memberships::list(state, account.id).await?;
    let event = EventRecord::new(account.id, "account_deleted", payload(account), now);
    let mut ops = vec![
        WriteOp::delete(account.key()),
        WriteOp::delete(crate::keys::permissible(
            app_id,
            PermissibleKind::Account.partition(),
            account.id,
        )),
        event.write(),
    ];
    for member in &members {
        ops.push(WriteOp::delete(member.key()));
        ops.push(WriteOp::delete(member.mirror_key()));
    }
    write_in_chunks(state, ops).await
}
