//! Account users: a user's membership of an account, with a role.

use super::write_in_chunks;
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::Mirrored;
use crate::model::{epoch_ms, Account, Membership, Record, Role};
use crate::state::AppState;
use crate::store::{Query, WriteOp};

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
    let existing = found.next().flatten();
    if found.next().flatten().is_none() {
        let mut errors = ValidationErrors::new();
        errors.add_full("user", "User must exist");
        return Err(AppError::Validation(errors));
    }
    let membership = match existing {
        Some(item) => Membership {
            role,
            updated_at_ms: now,
            account_name: account.name.clone(),
            account_status: account.status,
            ..Membership::from_item(item)?
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
    state
        .store
        .write(vec![WriteOp::put(item), WriteOp::put(mirror)])
        .await?;
    Ok(membership)
}

/// Removes the membership (both copies) and the user's inbox and team memberships in the
/// account; a missing one is not an error.
pub async fn remove(state: &AppState, account_id: i64, user_id: i64) -> AppResult<()> {
    state
        .store
        .write(vec![
            WriteOp::delete(keys::account_member(account_id, user_id)),
            WriteOp::delete(keys::user_membership(user_id, account_id)),
        ])
        .await?;
    super::inboxes::remove_agent_from_all(state, account_id, user_id).await?;
    super::teams::remove_agent_from_all(state, account_id, user_id).await
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
