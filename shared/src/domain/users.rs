//! Users: created (or adopted by e-mail) through the Platform API, changed through it and the
//! profile, deleted with everything that points at them.

use super::audit::{self, AuditActor, AuditChange};
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, platform, save_versioned, write_groups, write_in_chunks};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::Mirrored;
use crate::model::{
    epoch_ms, AccessToken, EmailClaim, Membership, OwnerType, PermissibleKind, Record, SsoToken,
    User,
};
use crate::state::AppState;
use crate::store::{Query, StoreError, WriteOp};
use serde_json::{Map, Value};

/// How long a single-use sign-in link lives.
pub const SSO_TTL_SECONDS: i64 = 5 * 60;

/// A user with everything its partition holds: memberships and the apps allowed to see it.
/// One query.
#[derive(Debug, Clone)]
pub struct UserAggregate {
    pub user: User,
    pub memberships: Vec<Membership>,
    pub permitted_apps: Vec<i64>,
}

impl UserAggregate {
    /// Chatwoot's `active_account_user`: the membership used most recently (never-used last).
    pub fn active_membership(&self) -> Option<&Membership> {
        self.memberships.iter().max_by_key(|m| {
            (
                m.active_at_ms.is_some(),
                m.active_at_ms,
                std::cmp::Reverse(m.account_id),
            )
        })
    }
}

/// What may change on a user. The Platform API and the profile each fill their part.
#[derive(Debug, Default, Clone)]
pub struct UserChanges {
    pub name: Option<String>,
    pub display_name: Option<Option<String>>,
    pub email: Option<String>,
    pub password: Option<String>,
    /// Shallow-merged into the existing hash.
    pub custom_attributes: Option<Map<String, Value>>,
    pub message_signature: Option<Option<String>>,
    /// Replaces the whole hash.
    pub ui_settings: Option<Map<String, Value>>,
    /// Profile only: kept in `custom_attributes.phone_number`.
    pub phone_number: Option<String>,
    /// A newly stored avatar (`Some(None)` removes it).
    pub avatar_key: Option<Option<String>>,
}

pub async fn load(state: &AppState, user_id: i64) -> AppResult<Option<UserAggregate>> {
    let items = super::query_all(state, Query::partition(keys::user_partition(user_id))).await?;
    let mut user = None;
    let mut memberships = Vec::new();
    let mut permitted_apps = Vec::new();
    for item in items {
        let sk = item
            .get(crate::store::SK)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if sk == keys::USER {
            user = Some(User::from_item(item)?);
        } else if sk.starts_with(keys::user_memberships_prefix()) {
            memberships.push(Membership::from_item(item)?);
        } else if let Some(app) = sk.strip_prefix(keys::permissibles_prefix()) {
            permitted_apps.extend(app.parse::<i64>().ok());
        }
    }
    Ok(user.map(|user| UserAggregate {
        user,
        memberships,
        permitted_apps,
    }))
}

/// A user the platform app may see: unknown → 404, another app's → 401.
pub async fn load_for_app(state: &AppState, app_id: i64, user_id: i64) -> AppResult<UserAggregate> {
    let aggregate = load(state, user_id).await?.ok_or(AppError::NotFound)?;
    if !aggregate.permitted_apps.contains(&app_id) {
        return Err(AppError::NonPermissible);
    }
    Ok(aggregate)
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Applies the changes and validates the result; answers the extra writes an e-mail change
/// needs (claim the new address, release the old).
fn apply(
    user: &mut User,
    changes: &UserChanges,
    errors: &mut ValidationErrors,
) -> AppResult<Vec<WriteOp>> {
    let mut ops = Vec::new();
    if let Some(name) = &changes.name {
        user.name = name.trim().to_owned();
    }
    if let Some(display_name) = &changes.display_name {
        user.display_name = display_name.clone();
    }
    if let Some(signature) = &changes.message_signature {
        user.message_signature = signature.clone();
    }
    if let Some(settings) = &changes.ui_settings {
        user.ui_settings = settings.clone();
    }
    if let Some(custom) = &changes.custom_attributes {
        user.custom_attributes.extend(custom.clone());
    }
    if let Some(avatar) = &changes.avatar_key {
        user.avatar_key = avatar.clone();
    }
    if let Some(phone) = &changes.phone_number {
        user.custom_attributes
            .insert("phone_number".into(), Value::String(phone.clone()));
    }
    if let Some(email) = &changes.email {
        let email = normalise_email(email);
        validate::email_format(errors, "email", &email);
        if email != user.email && errors.is_empty() {
            ops.push(WriteOp::create(
                EmailClaim {
                    email: email.clone(),
                    user_id: user.id,
                }
                .to_item(),
            ));
            ops.push(WriteOp::delete(keys::user_email(&user.email)));
            user.email = email;
        }
    }
    if let Some(password) = &changes.password {
        validate::password(errors, password);
        if errors.is_empty() {
            user.password_digest = Some(validate::hash_password(password)?);
            // Chatwoot rotates the realtime token with the password.
            user.pubsub_token = crate::ids::alphanumeric(24);
        }
    }
    validate::presence(errors, "name", Some(&user.name));
    validate::max_length(errors, "name", Some(&user.name), STRING_COLUMN);
    validate::max_length(
        errors,
        "display_name",
        user.display_name.as_deref(),
        STRING_COLUMN,
    );
    Ok(ops)
}

/// Creates a user, or adopts the existing user with that e-mail (unchanged), and grants the
/// platform app access to it.
pub async fn create_or_adopt(
    state: &AppState,
    app_id: i64,
    changes: &UserChanges,
) -> AppResult<UserAggregate> {
    let email = normalise_email(changes.email.as_deref().unwrap_or(""));
    let mut errors = ValidationErrors::new();
    validate::presence(&mut errors, "email", Some(&email));
    if !email.is_empty() {
        validate::email_format(&mut errors, "email", &email);
    }
    errors.into_result()?;
    if let Some(existing) = find_by_email(state, &email).await? {
        return adopt(state, app_id, existing).await;
    }
    let mut draft = blank_user(&email, epoch_ms(state.clock.now()), true);
    let mut errors = ValidationErrors::new();
    let creation = UserChanges {
        email: None,
        ..changes.clone()
    };
    if creation.password.is_none() {
        errors.add("password", "can't be blank");
    }
    apply(&mut draft, &creation, &mut errors)?;
    errors.into_result()?;
    let created = create_with_fresh_id(state, |id| {
        let user = User {
            id,
            ..draft.clone()
        };
        let ops = vec![
            WriteOp::create(user.to_item()),
            WriteOp::create(
                EmailClaim {
                    email: email.clone(),
                    user_id: id,
                }
                .to_item(),
            ),
            WriteOp::create(
                AccessToken {
                    token: user.access_token.clone(),
                    owner_type: OwnerType::User,
                    owner_id: id,
                }
                .to_item(),
            ),
            platform::permit(app_id, PermissibleKind::User, id),
        ];
        (user, ops)
    })
    .await;
    match created {
        Ok(user) => Ok(UserAggregate {
            user,
            memberships: vec![],
            permitted_apps: vec![app_id],
        }),
        // Someone claimed the address meanwhile: adopt that user, as Chatwoot would have.
        Err(StoreError::ConditionFailed { op: 1 }) => {
            let claim = state
                .store
                .get(&keys::user_email(&email))
                .await?
                .ok_or(AppError::Unavailable)?;
            adopt(state, app_id, EmailClaim::from_item(claim)?.user_id).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The writes that create a user, in this order: the user (the id-keyed create), the claim on
/// its e-mail (index 1: a failure means the address is taken) and its access token.
pub fn new_user_writes(user: &User) -> Vec<WriteOp> {
    vec![
        WriteOp::create(user.to_item()),
        WriteOp::create(
            EmailClaim {
                email: user.email.clone(),
                user_id: user.id,
            }
            .to_item(),
        ),
        WriteOp::create(
            AccessToken {
                token: user.access_token.clone(),
                owner_type: OwnerType::User,
                owner_id: user.id,
            }
            .to_item(),
        ),
    ]
}

/// A user as Chatwoot builds one before filling in fields: no id yet, fresh tokens.
pub fn blank_user(email: &str, now_ms: i64, confirmed: bool) -> User {
    User {
        id: 0,
        name: String::new(),
        display_name: None,
        email: normalise_email(email),
        password_digest: None,
        access_token: crate::ids::access_token(),
        pubsub_token: crate::ids::alphanumeric(24),
        custom_attributes: Map::new(),
        ui_settings: Map::new(),
        message_signature: None,
        avatar_key: None,
        confirmed,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        version: 0,
    }
}

/// The id of the user holding this e-mail address, if any.
pub async fn find_by_email(state: &AppState, email: &str) -> AppResult<Option<i64>> {
    match state
        .store
        .get(&keys::user_email(&normalise_email(email)))
        .await?
    {
        Some(item) => Ok(Some(EmailClaim::from_item(item)?.user_id)),
        None => Ok(None),
    }
}

async fn adopt(state: &AppState, app_id: i64, user_id: i64) -> AppResult<UserAggregate> {
    state
        .store
        .write(vec![platform::permit(
            app_id,
            PermissibleKind::User,
            user_id,
        )])
        .await?;
    load(state, user_id).await?.ok_or(AppError::Unavailable)
}

pub async fn update(
    state: &AppState,
    aggregate: UserAggregate,
    changes: &UserChanges,
) -> AppResult<UserAggregate> {
    if let Some(email) = &changes.email {
        let email = normalise_email(email);
        if email != aggregate.user.email {
            if let Some(claim) = state.store.get(&keys::user_email(&email)).await? {
                if EmailClaim::from_item(claim)?.user_id != aggregate.user.id {
                    return Err(ValidationErrors::single("email", "has already been taken"));
                }
            }
        }
    }
    let now = epoch_ms(state.clock.now());
    let old_avatar = aggregate.user.avatar_key.clone();
    let user = save_versioned(state, aggregate.user, |user| {
        let mut errors = ValidationErrors::new();
        let ops = apply(user, changes, &mut errors)?;
        errors.into_result()?;
        user.updated_at_ms = now;
        Ok(ops)
    })
    .await?;
    if user.avatar_key != old_avatar {
        super::avatars::discard(state, old_avatar.as_deref()).await;
    }
    Ok(UserAggregate { user, ..aggregate })
}

/// Deletes the user, its token, e-mail claim, memberships and every app's right to it.
pub async fn delete(state: &AppState, aggregate: &UserAggregate) -> AppResult<()> {
    let user = &aggregate.user;
    let mut ops = vec![
        WriteOp::delete(user.key()),
        WriteOp::delete(keys::user_email(&user.email)),
        WriteOp::delete(keys::access_token(&user.access_token)),
    ];
    for membership in &aggregate.memberships {
        ops.push(WriteOp::delete(membership.key()));
        ops.push(WriteOp::delete(membership.mirror_key()));
    }
    for app in &aggregate.permitted_apps {
        ops.push(WriteOp::delete(keys::permissible(
            *app,
            keys::USER,
            user.id,
        )));
    }
    write_in_chunks(state, ops).await?;
    if let Some(key) = &user.avatar_key {
        state.blobs.delete(key).await?;
    }
    Ok(())
}

/// A single-use sign-in link valid for five minutes:
/// `<FRONTEND_URL>/app/login?email=<email>&sso_auth_token=<64 hex>`.
///
/// Issuing the link is this stack's only sign-in (it has no session endpoints; the link is
/// what the platform hands the user to sign in with), so it is where a `sign_in` is recorded
/// in the audit log of each of the user's accounts, as Chatwoot does for every account of a
/// user signing in: with the token, in one transaction while they fit.
pub async fn sso_link(
    state: &AppState,
    aggregate: &UserAggregate,
    actor: &AuditActor,
) -> AppResult<String> {
    let user = &aggregate.user;
    let token = crate::ids::hex_secret(32);
    let record = SsoToken {
        token: token.clone(),
        user_id: user.id,
        expires_at: state.clock.now().unix_timestamp() + SSO_TTL_SECONDS,
    };
    let now = epoch_ms(state.clock.now());
    let mut groups = vec![vec![WriteOp::create(record.to_item())]];
    groups.extend(aggregate.memberships.iter().map(|membership| {
        audit::entry(
            membership.account_id,
            actor,
            now,
            AuditChange::signed_in(user.id),
        )
    }));
    write_groups(state, groups).await?;
    Ok(format!(
        "{}/app/login?email={}&sso_auth_token={token}",
        state.config.frontend_url,
        url_encode(&user.email)
    ))
}

/// Ruby's `ERB::Util.url_encode`: everything but letters, digits and `-._~` is escaped.
fn url_encode(text: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    const SET: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(text, SET).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_encode_like_ruby() {
        assert_eq!(
            super::url_encode("dev+testing@chatwoot.com"),
            "dev%2Btesting%40chatwoot.com"
        );
    }
}
