//! Account users: a user's membership of an account, with a role. Creating, changing (role,
//! availability) and removing one writes its audit log entry in the same transaction.

use super::audit::{self, AuditActor, AuditChange};
use super::write_in_chunks;
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::Mirrored;
use crate::model::{epoch_ms, Account, Membership, Record, Role, AVAILABILITIES};
use crate::state::AppState;
use crate::store::{Query, WriteOp};
use serde_json::{json, Map, Value};

/// The membership columns Chatwoot audits, its enums as their database integers (as the
/// `audited` gem stores them).
pub fn audited(membership: &Membership) -> Map<String, Value> {
    let availability = AVAILABILITIES
        .iter()
        .position(|a| *a == membership.availability);
    let role = match membership.role {
        Role::Agent => 0,
        Role::Administrator => 1,
    };
    Map::from_iter([
        ("account_id".to_owned(), json!(membership.account_id)),
        ("user_id".to_owned(), json!(membership.user_id)),
        ("role".to_owned(), json!(role)),
        ("availability".to_owned(), json!(availability)),
        ("inviter_id".to_owned(), json!(membership.inviter_id)),
    ])
}

/// The audit log writes of a membership created or changed from `before` (nothing when no
/// audited column changed). Memberships carry no lock version: a change is recorded as the
/// record's second revision.
pub fn audit_writes(
    before: Option<&Membership>,
    after: &Membership,
    actor: &AuditActor,
    now_ms: i64,
) -> Vec<WriteOp> {
    let change = match before {
        None => Some(AuditChange::created(
            "AccountUser",
            Some(after.id),
            audited(after),
        )),
        Some(before) => AuditChange::updated(
            "AccountUser",
            after.id,
            &audited(before),
            &audited(after),
            2,
        ),
    };
    change
        .map(|change| audit::entry(after.account_id, actor, now_ms, change))
        .unwrap_or_default()
}

/// One membership, if the user is a member of the account.
pub async fn load(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<Option<Membership>> {
    Ok(state
        .store
        .get(&keys::account_member(account_id, user_id))
        .await?
        .map(Membership::from_item)
        .transpose()?)
}

/// Every member of an account, ordered by user id.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Membership>> {
    let query = Query::prefix(
        keys::account_partition(account_id),
        keys::account_members_prefix(),
    );
    super::query_records(state, query).await
}

/// Adds the user to the account, or changes the role of an existing membership (Chatwoot's
/// platform `account_users` create is an upsert). One batch read, one transaction.
pub async fn upsert(
    state: &AppState,
    account: &Account,
    user_id: i64,
    role: Role,
    actor: &AuditActor,
) -> AppResult<Membership> {
    let now = epoch_ms(state.clock.now());
    let mut found = state
        .store
        .get_many(&[
            keys::account_member(account.id, user_id),
            keys::user(user_id),
        ])
        .await?
        .into_iter();
    let existing = found
        .next()
        .flatten()
        .map(Membership::from_item)
        .transpose()?;
    if found.next().flatten().is_none() {
        let mut errors = ValidationErrors::new();
        errors.add_full("user", "User must exist");
        return Err(AppError::Validation(errors));
    }
    let membership = match existing.clone() {
        Some(existing) => Membership {
            role,
            updated_at_ms: now,
            account_name: account.name.clone(),
            account_status: account.status,
            ..existing
        },
        None => Membership {
            id: crate::ids::new_id(state.clock.now_ms()),
            account_id: account.id,
            user_id,
            role,
            inviter_id: None,
            active_at_ms: None,
            availability: "online".into(),
            auto_offline: true,
            account_name: account.name.clone(),
            account_status: account.status,
            created_at_ms: now,
            updated_at_ms: now,
        },
    };
    let [item, mirror] = membership.items();
    let mut ops = vec![WriteOp::put(item), WriteOp::put(mirror)];
    ops.extend(audit_writes(existing.as_ref(), &membership, actor, now));
    state.store.write(ops).await?;
    Ok(membership)
}

/// Deletes the membership (both copies, with its audit log entry), nothing else: removing a
/// member also takes them out of the account's inboxes and teams, which
/// [`crate::domain::cascades::member_removal`] does after this.
pub async fn delete(
    state: &AppState,
    membership: &Membership,
    actor: &AuditActor,
) -> AppResult<()> {
    let mut ops = vec![
        WriteOp::delete(membership.key()),
        WriteOp::delete(membership.mirror_key()),
    ];
    ops.extend(audit::entry(
        membership.account_id,
        actor,
        epoch_ms(state.clock.now()),
        AuditChange::destroyed("AccountUser", Some(membership.id), audited(membership), 2),
    ));
    state.store.write(ops).await?;
    Ok(())
}

/// Memberships carry the account's name and status (profile JSON reads them with the user
/// in one query); after the account changes, its copies are refreshed.
pub async fn refresh_account_copies(state: &AppState, account: &Account) -> AppResult<()> {
    let mut ops = Vec::new();
    for member in list(state, account.id).await? {
        let member = Membership {
            account_name: account.name.clone(),
            account_status: account.status,
            ..member
        };
        let [item, mirror] = member.items();
        ops.push(WriteOp::put(item));
        ops.push(WriteOp::put(mirror));
    }
    write_in_chunks(state, ops).await
}

/// Records that the user just used this account (`active_at`), on both copies.
pub async fn mark_active(state: &AppState, mut membership: Membership) -> AppResult<Membership> {
    let now = epoch_ms(state.clock.now());
    membership.active_at_ms = Some(now);
    membership.updated_at_ms = now;
    let [item, mirror] = membership.items();
    state
        .store
        .write(vec![WriteOp::put(item), WriteOp::put(mirror)])
        .await?;
    Ok(membership)
}
