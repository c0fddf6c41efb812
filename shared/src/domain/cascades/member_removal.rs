//! Removing a member from an account (Chatwoot's `AccountUser` destroy): the membership goes,
//! and with it the user's memberships of the account's inboxes and teams.

use crate::domain::agents::Agent;
use crate::domain::audit::AuditActor;
use crate::domain::{inboxes, memberships, teams, users};
use crate::error::AppResult;
use crate::model::Membership;
use crate::state::AppState;

/// Deletes the membership (both copies, with its audit log entry), then takes the user out of
/// every inbox and every team of the account.
pub async fn remove_member(
    state: &AppState,
    membership: &Membership,
    actor: &AuditActor,
) -> AppResult<()> {
    let (account_id, user_id) = (membership.account_id, membership.user_id);
    memberships::delete(state, membership, actor).await?;
    inboxes::remove_agent_from_all(state, account_id, user_id).await?;
    teams::remove_agent_from_all(state, account_id, user_id).await
}

/// Removes the agent from the account ([`remove_member`]); a user left without accounts is
/// deleted, as Chatwoot does.
pub async fn remove_agent(state: &AppState, agent: &Agent, actor: &AuditActor) -> AppResult<()> {
    remove_member(state, &agent.membership, actor).await?;
    if let Some(aggregate) = users::load(state, agent.user.id).await? {
        if aggregate.memberships.is_empty() {
            users::delete(state, &aggregate).await?;
        }
    }
    Ok(())
}
