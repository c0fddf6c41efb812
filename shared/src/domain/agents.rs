//! Agents: the users of an account with their role there (Chatwoot's `AccountUser` seen from
//! the account).

use super::audit::AuditActor;
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, memberships, users};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::Mirrored;
use crate::model::{epoch_ms, Account, Membership, Record, Role, User, AVAILABILITIES};
use crate::state::AppState;
use crate::store::{Key, StoreError, WriteOp, MAX_BATCH_GET};

#[derive(Debug, Clone)]
pub struct Agent {
    pub user: User,
    pub membership: Membership,
}

/// What an administrator may set on an agent; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct AgentChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub availability: Option<String>,
    pub auto_offline: Option<bool>,
}

/// Agents of the account among `user_ids` (others are skipped), in the order given:
/// membership and user read together, in batches.
pub async fn load_many(
    state: &AppState,
    account_id: i64,
    user_ids: &[i64],
) -> AppResult<Vec<Agent>> {
    let mut agents = Vec::with_capacity(user_ids.len());
    for chunk in user_ids.chunks(MAX_BATCH_GET / 2) {
        let keys: Vec<Key> = chunk
            .iter()
            .flat_map(|id| [keys::account_member(account_id, *id), keys::user(*id)])
            .collect();
        let mut found = state.store.get_many(&keys).await?.into_iter();
        while let (Some(membership), Some(user)) = (found.next(), found.next()) {
            if let (Some(membership), Some(user)) = (membership, user) {
                agents.push(Agent {
                    user: User::from_item(user)?,
                    membership: Membership::from_item(membership)?,
                });
            }
        }
    }
    Ok(agents)
}

/// Every agent of the account, by lower-cased name (Chatwoot's order).
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Agent>> {
    let ids: Vec<i64> = memberships::list(state, account_id)
        .await?
        .iter()
        .map(|m| m.user_id)
        .collect();
    let mut agents = load_many(state, account_id, &ids).await?;
    sort_by_name(&mut agents);
    Ok(agents)
}

pub fn sort_by_name(agents: &mut [Agent]) {
    agents.sort_by_cached_key(|a| (a.user.name.to_lowercase(), a.user.id));
}

/// One agent of the account; a user who is not a member is not found.
pub async fn load(state: &AppState, account_id: i64, user_id: i64) -> AppResult<Agent> {
    load_many(state, account_id, &[user_id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

fn parse_role(text: Option<&str>, errors: &mut ValidationErrors) -> Option<Role> {
    let role = Role::parse(text?);
    if role.is_none() {
        errors.add("role", "is not included in the list");
    }
    role
}

fn check_availability(text: Option<&str>, errors: &mut ValidationErrors) {
    if let Some(text) = text {
        validate::inclusion(errors, "availability", text, AVAILABILITIES);
    }
}

/// Adds an agent: an existing user with the e-mail joins the account, else a new, unconfirmed
/// user is created with the membership in the same transaction. `actor` (the inviter) is
/// recorded in the audit log.
pub async fn create(
    state: &AppState,
    account: &Account,
    inviter_id: i64,
    changes: &AgentChanges,
    actor: &AuditActor,
) -> AppResult<Agent> {
    let email = changes
        .email
        .clone()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let mut errors = ValidationErrors::new();
    validate::presence(&mut errors, "email", Some(&email));
    if !email.is_empty() {
        validate::email_format(&mut errors, "email", &email);
    }
    let role = parse_role(changes.role.as_deref(), &mut errors).unwrap_or(Role::Agent);
    check_availability(changes.availability.as_deref(), &mut errors);
    validate::max_length(&mut errors, "name", changes.name.as_deref(), STRING_COLUMN);
    errors.into_result()?;
    let now = epoch_ms(state.clock.now());
    let membership_for = |user_id: i64| Membership {
        id: crate::ids::new_id(now),
        account_id: account.id,
        user_id,
        role,
        inviter_id: Some(inviter_id),
        active_at_ms: None,
        availability: changes
            .availability
            .clone()
            .unwrap_or_else(|| "offline".into()),
        auto_offline: changes.auto_offline.unwrap_or(false),
        account_name: account.name.clone(),
        account_status: account.status,
        created_at_ms: now,
        updated_at_ms: now,
    };
    let taken = || ValidationErrors::single("user", "has already been taken");
    if let Some(user_id) = users::find_by_email(state, &email).await? {
        let membership = membership_for(user_id);
        let [item, mirror] = membership.items();
        let mut ops = vec![WriteOp::create(item), WriteOp::put(mirror)];
        ops.extend(memberships::audit_writes(None, &membership, actor, now));
        return match state.store.write(ops).await {
            Ok(()) => load(state, account.id, user_id).await,
            Err(StoreError::ConditionFailed { op: 0 }) => Err(taken()),
            Err(e) => Err(e.into()),
        };
    }
    let mut draft = users::blank_user(&email, now, false);
    draft.name = changes
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    let created = create_with_fresh_id(state, |id| {
        let user = User {
            id,
            ..draft.clone()
        };
        let membership = membership_for(id);
        let mut ops = users::new_user_writes(&user);
        let [item, mirror] = membership.items();
        ops.push(WriteOp::create(item));
        ops.push(WriteOp::put(mirror));
        ops.extend(memberships::audit_writes(None, &membership, actor, now));
        (Agent { user, membership }, ops)
    })
    .await;
    match created {
        Ok(agent) => Ok(agent),
        // The address was claimed meanwhile: add that user instead.
        Err(StoreError::ConditionFailed { op: 1 }) => {
            Box::pin(create(state, account, inviter_id, changes, actor)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn update(
    state: &AppState,
    account: &Account,
    agent: Agent,
    changes: &AgentChanges,
    actor: &AuditActor,
) -> AppResult<Agent> {
    let mut errors = ValidationErrors::new();
    let role = parse_role(changes.role.as_deref(), &mut errors);
    check_availability(changes.availability.as_deref(), &mut errors);
    errors.into_result()?;
    let mut user = agent.user;
    if let Some(name) = changes.name.clone().filter(|n| !n.trim().is_empty()) {
        let aggregate = users::load(state, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let name_change = users::UserChanges {
            name: Some(name),
            ..users::UserChanges::default()
        };
        user = users::update(state, aggregate, &name_change).await?.user;
    }
    let before = agent.membership;
    let mut membership = before.clone();
    membership.role = role.unwrap_or(membership.role);
    if let Some(availability) = &changes.availability {
        membership.availability = availability.clone();
    }
    if let Some(auto_offline) = changes.auto_offline {
        membership.auto_offline = auto_offline;
    }
    membership.account_name = account.name.clone();
    let now = epoch_ms(state.clock.now());
    membership.updated_at_ms = now;
    let [item, mirror] = membership.items();
    let mut ops = vec![WriteOp::put(item), WriteOp::put(mirror)];
    ops.extend(memberships::audit_writes(
        Some(&before),
        &membership,
        actor,
        now,
    ));
    state.store.write(ops).await?;
    Ok(Agent { user, membership })
}
