//! Teams of agents. Names are lower-cased and unique per account: each name is claimed by an
//! item created conditionally in the same transaction as the team (a rename moves the claim
//! in the same transaction as the new version), so concurrent creates of one name cannot
//! both succeed.
//!
//! Membership is stored both ways in the account partition (`TEAM_MEMBER#<team>#<user>` and
//! `USER_TEAM#<user>#<team>`, one transaction per pair), so the members of a team and the
//! teams of an agent are one query each. Every membership transaction also checks that the
//! team still exists, so nothing can join a team once its deletion has committed.
//!
//! Creates, updates, deletes and membership changes write their audit log entries in the
//! transaction of the change.

use super::agents::{self, Agent};
use super::audit::{self, AuditActor, AuditChange};
use super::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use super::{
    app_unavailable, create_with_fresh_id, query_all, retrying, save_claiming, store_conflict,
    touch_cache_key, write_in_chunks, CacheKey,
};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{account_partition, teams as keys};
use crate::model::team::{Team, TeamMember, TeamNameClaim};
use crate::model::Mirrored;
use crate::model::{epoch_ms, Record};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::{Condition, Query, StoreError, WriteOp, MAX_TRANSACTION_OPS};
use std::collections::HashSet;

/// What an administrator may set on a team; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct TeamChanges {
    /// `Some(None)`: sent as null (fails the presence check, as in Chatwoot).
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub allow_auto_assign: Option<bool>,
}

fn apply(team: &mut Team, changes: &TeamChanges) -> AppResult<()> {
    if let Some(name) = &changes.name {
        team.name = name.as_deref().unwrap_or_default().to_lowercase();
    }
    if let Some(description) = &changes.description {
        team.description = description.clone();
    }
    if let Some(allow) = changes.allow_auto_assign {
        team.allow_auto_assign = allow;
    }
    let mut errors = ValidationErrors::new();
    if team.name.trim().is_empty() {
        errors.add("name", "must not be blank");
    }
    validate::max_length(&mut errors, "name", Some(&team.name), STRING_COLUMN);
    validate::max_length(
        &mut errors,
        "description",
        team.description.as_deref(),
        TEXT_COLUMN,
    );
    errors.into_result()
}

fn name_taken() -> AppError {
    ValidationErrors::single("name", "has already been taken")
}

fn claim(team: &Team) -> WriteOp {
    WriteOp::create(
        TeamNameClaim {
            account_id: team.account_id,
            name: team.name.clone(),
            team_id: team.id,
        }
        .to_item(),
    )
}

/// Every team of the account, oldest first (Chatwoot's database order).
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Team>> {
    let mut teams = query_all(
        state,
        Query::prefix(account_partition(account_id), keys::teams_prefix()),
    )
    .await?
    .into_iter()
    .map(Team::from_item)
    .collect::<Result<Vec<_>, _>>()?;
    teams.sort_by_key(|t| t.id);
    Ok(teams)
}

/// Every team of the account, each with whether `user_id` is a member: two queries run
/// side by side (the teams, and the user's teams), however many teams there are.
pub async fn list_for(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<Vec<(Team, bool)>> {
    let (teams, mine) = futures::try_join!(
        list(state, account_id),
        team_ids_of_agent(state, account_id, user_id)
    )?;
    let mine: HashSet<i64> = mine.into_iter().collect();
    Ok(teams
        .into_iter()
        .map(|team| {
            let member = mine.contains(&team.id);
            (team, member)
        })
        .collect())
}

pub async fn load(state: &AppState, account_id: i64, team_id: i64) -> AppResult<Team> {
    let item = state
        .store
        .get(&keys::team(account_id, team_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Team::from_item(item)?)
}

/// One team and whether `user_id` is a member, in one batch read.
pub async fn load_for(
    state: &AppState,
    account_id: i64,
    team_id: i64,
    user_id: i64,
) -> AppResult<(Team, bool)> {
    let mut found = state
        .store
        .get_many(&[
            keys::team(account_id, team_id),
            keys::team_member(account_id, team_id, user_id),
        ])
        .await?
        .into_iter();
    let team = found.next().flatten().ok_or(AppError::NotFound)?;
    let is_member = found.next().flatten().is_some();
    Ok((Team::from_item(team)?, is_member))
}

/// The ids of the teams an agent belongs to in the account (one query).
pub async fn team_ids_of_agent(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<Vec<i64>> {
    query_all(
        state,
        Query::prefix(
            account_partition(account_id),
            keys::user_teams_prefix(user_id),
        ),
    )
    .await?
    .into_iter()
    .map(|item| Ok(TeamMember::from_item(item)?.team_id))
    .collect()
}

/// The user ids of a team's members (one query).
pub async fn member_ids(state: &AppState, account_id: i64, team_id: i64) -> AppResult<Vec<i64>> {
    query_all(
        state,
        Query::prefix(
            account_partition(account_id),
            keys::team_members_prefix(team_id),
        ),
    )
    .await?
    .into_iter()
    .map(|item| Ok(TeamMember::from_item(item)?.user_id))
    .collect()
}

/// A team's members as agents of the account, by name.
pub async fn members(state: &AppState, team: &Team) -> AppResult<Vec<Agent>> {
    let ids = member_ids(state, team.account_id, team.id).await?;
    let mut members = agents::load_many(state, team.account_id, &ids).await?;
    agents::sort_by_name(&mut members);
    Ok(members)
}

/// The team columns Chatwoot audits.
fn audited(team: &Team) -> serde_json::Map<String, serde_json::Value> {
    audit::attributes(team, &[])
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &TeamChanges,
    actor: &AuditActor,
) -> AppResult<Team> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Team {
        id: 0,
        account_id,
        name: String::new(),
        description: None,
        allow_auto_assign: true,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let team = Team {
                id,
                ..draft.clone()
            };
            let mut ops = vec![
                WriteOp::create(team.to_item()),
                claim(&team),
                touch_cache_key(account_id, CacheKey::Team, now),
            ];
            ops.extend(audit::entry(
                account_id,
                actor,
                now,
                AuditChange::created("Team", Some(id), audited(&team)),
            ));
            (team, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => name_taken(),
        other => other.into(),
    })
}

pub async fn update(
    state: &AppState,
    team: Team,
    changes: &TeamChanges,
    actor: &AuditActor,
) -> AppResult<Team> {
    let now = epoch_ms(state.clock.now());
    save_claiming(
        state,
        team,
        |team| {
            let old_name = team.name.clone();
            let before = audited(team);
            apply(team, changes)?;
            team.updated_at_ms = now;
            let mut ops = Vec::new();
            if team.name != old_name {
                // The first extra write: the one condition that can fail on a rename.
                ops.push(claim(team));
                ops.push(WriteOp::delete(keys::team_name(team.account_id, &old_name)));
            }
            ops.push(touch_cache_key(team.account_id, CacheKey::Team, now));
            let after = audited(team);
            if let Some(change) =
                AuditChange::updated("Team", team.id, &before, &after, team.version + 2)
            {
                ops.extend(audit::entry(team.account_id, actor, now, change));
            }
            Ok(ops)
        },
        |extra| {
            if extra == 0 {
                name_taken()
            } else {
                AppError::Unavailable
            }
        },
    )
    .await
}

/// Deletes the team: first the team, its name claim and a `team_deleted` outbox event (from
/// which conversations' `team_id` is cleared; its payload the team as `payload` renders it)
/// in one transaction; then its memberships, in chunks. Deleting the team first means no
/// membership can be added meanwhile (membership writes check that the team exists), so the
/// query that follows sees every member.
pub async fn delete(
    state: &AppState,
    team: &Team,
    actor: &AuditActor,
    payload: fn(&Team) -> serde_json::Value,
) -> AppResult<()> {
    let now = epoch_ms(state.clock.now());
    let event = EventRecord::new(team.account_id, "team_deleted", payload(team), now);
    let mut ops = vec![
        WriteOp::Delete {
            key: team.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::team_name(team.account_id, &team.name)),
        event.write(),
        touch_cache_key(team.account_id, CacheKey::Team, now),
    ];
    ops.extend(audit::entry(
        team.account_id,
        actor,
        now,
        AuditChange::destroyed("Team", Some(team.id), audited(team), team.version + 2),
    ));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed { op: 0 }) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let ops: Vec<WriteOp> = member_ids(state, team.account_id, team.id)
        .await?
        .into_iter()
        .flat_map(|user_id| TeamMember::keys(team.account_id, team.id, user_id))
        .map(WriteOp::delete)
        .collect();
    // Deletes are idempotent: a chunk that lost a race is simply written again.
    retrying(app_unavailable, || write_in_chunks(state, ops.clone())).await
}

/// How a membership request changes the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// `POST`: adds the ids that are not members yet.
    Add,
    /// `PATCH`: makes the members exactly the ids given.
    Set,
    /// `DELETE`: removes the ids given (non-members are ignored).
    Remove,
}

#[derive(Debug)]
pub enum MembersOutcome {
    /// `Add`: the newly added agents, in the order asked; `Set`: every member, by name;
    /// `Remove`: none.
    Agents(Vec<Agent>),
    /// Some id is not an agent of the account; nothing was changed (Chatwoot's 401
    /// `Invalid User IDs`).
    InvalidUserIds,
}

/// Adds, sets or removes members. `user_ids` must all be agents of the account.
pub async fn change_members(
    state: &AppState,
    team: &Team,
    user_ids: &[i64],
    change: MemberChange,
    actor: &AuditActor,
) -> AppResult<MembersOutcome> {
    let mut seen = HashSet::new();
    let ids: Vec<i64> = user_ids
        .iter()
        .copied()
        .filter(|id| seen.insert(*id))
        .collect();
    let (agents, current) = futures::try_join!(
        agents::load_many(state, team.account_id, &ids),
        member_ids(state, team.account_id, team.id)
    )?;
    if agents.len() != ids.len() {
        return Ok(MembersOutcome::InvalidUserIds);
    }
    let current: HashSet<i64> = current.into_iter().collect();
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let to_add: Vec<i64> = match change {
        MemberChange::Add | MemberChange::Set => ids
            .iter()
            .copied()
            .filter(|id| !current.contains(id))
            .collect(),
        MemberChange::Remove => Vec::new(),
    };
    let to_remove: Vec<i64> = match change {
        MemberChange::Add => Vec::new(),
        MemberChange::Set => {
            let mut gone: Vec<i64> = current.difference(&wanted).copied().collect();
            gone.sort_unstable();
            gone
        }
        MemberChange::Remove => ids
            .iter()
            .copied()
            .filter(|id| current.contains(id))
            .collect(),
    };
    let now = epoch_ms(state.clock.now());
    let mut pairs: Vec<MembershipPair> = Vec::with_capacity(to_add.len() + to_remove.len());
    let attributes = |user_id: i64| {
        serde_json::Map::from_iter([
            ("team_id".to_owned(), serde_json::json!(team.id)),
            ("user_id".to_owned(), serde_json::json!(user_id)),
        ])
    };
    for &user_id in &to_add {
        let member = TeamMember {
            account_id: team.account_id,
            team_id: team.id,
            user_id,
            created_at_ms: now,
        };
        pairs.push(MembershipPair {
            writes: member.items().map(WriteOp::put),
            audit: AuditChange::created("TeamMember", None, attributes(user_id)),
        });
    }
    for &user_id in &to_remove {
        pairs.push(MembershipPair {
            writes: TeamMember::keys(team.account_id, team.id, user_id).map(WriteOp::delete),
            audit: AuditChange::destroyed("TeamMember", None, attributes(user_id), 2),
        });
    }
    write_membership_pairs(state, team, pairs, actor, now).await?;
    Ok(MembersOutcome::Agents(match change {
        MemberChange::Add => {
            let added: HashSet<i64> = to_add.into_iter().collect();
            agents
                .into_iter()
                .filter(|a| added.contains(&a.user.id))
                .collect()
        }
        MemberChange::Set => {
            let mut all = agents;
            agents::sort_by_name(&mut all);
            all
        }
        MemberChange::Remove => Vec::new(),
    }))
}

/// Both copies of one membership joining or leaving a team, and its audit log entry.
struct MembershipPair {
    writes: [WriteOp; 2],
    audit: AuditChange,
}

/// Writes membership pairs, both copies of a pair and its audit log entry always in the same
/// transaction, each transaction checking that the team exists and touching the team cache
/// key (and the audit log's counter).
async fn write_membership_pairs(
    state: &AppState,
    team: &Team,
    pairs: Vec<MembershipPair>,
    actor: &AuditActor,
    now: i64,
) -> AppResult<()> {
    const FIXED: usize = 3;
    for chunk in pairs.chunks((MAX_TRANSACTION_OPS - FIXED) / 3) {
        let mut ops = vec![
            WriteOp::Check {
                key: team.key(),
                condition: Condition::Exists,
            },
            touch_cache_key(team.account_id, CacheKey::Team, now),
        ];
        ops.extend(chunk.iter().flat_map(|pair| pair.writes.iter().cloned()));
        ops.extend(audit::entries(
            team.account_id,
            actor,
            now,
            chunk.iter().map(|pair| pair.audit.clone()),
        ));
        match retrying(store_conflict, || state.store.write(ops.clone())).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { op: 0 }) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Takes an agent out of every team of the account (both copies of each membership): part of
/// removing an agent from the account ([`crate::domain::cascades::member_removal`]).
pub async fn remove_agent_from_all(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<()> {
    let team_ids = team_ids_of_agent(state, account_id, user_id).await?;
    if team_ids.is_empty() {
        return Ok(());
    }
    let now = epoch_ms(state.clock.now());
    let mut ops: Vec<WriteOp> = team_ids
        .into_iter()
        .flat_map(|team_id| TeamMember::keys(account_id, team_id, user_id))
        .map(WriteOp::delete)
        .collect();
    // Last, so that the chunks (of an even size) never split a pair.
    ops.push(touch_cache_key(account_id, CacheKey::Team, now));
    retrying(app_unavailable, || write_in_chunks(state, ops.clone())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> Team {
        Team {
            id: 1,
            account_id: 2,
            name: String::new(),
            description: None,
            allow_auto_assign: true,
            created_at_ms: 0,
            updated_at_ms: 0,
            version: 0,
        }
    }

    #[test]
    fn names_are_lower_cased_and_required() {
        let mut team = blank();
        let changes = TeamChanges {
            name: Some(Some("Sales EMEA".into())),
            ..TeamChanges::default()
        };
        apply(&mut team, &changes).unwrap();
        assert_eq!(team.name, "sales emea");
        for name in [None, Some(String::new()), Some("   ".into())] {
            let mut team = blank();
            let changes = TeamChanges {
                name: Some(name),
                ..TeamChanges::default()
            };
            let Err(AppError::Validation(errors)) = apply(&mut team, &changes) else {
                panic!("blank name accepted");
            };
            assert_eq!(errors.message(), "Name must not be blank");
        }
        let mut long = blank();
        let changes = TeamChanges {
            name: Some(Some("x".repeat(256))),
            ..TeamChanges::default()
        };
        let Err(AppError::Validation(errors)) = apply(&mut long, &changes) else {
            panic!("long name accepted");
        };
        assert_eq!(
            errors.message(),
            "Name is too long (maximum is 255 characters)"
        );
    }
}
