//! Teams and team membership, all in the account partition:
//!
//! | item | SK |
//! | --- | --- |
//! | team | `TEAM#<team>` |
//! | name claim (unique, lower-cased names) | `TEAM_NAME#<name>` |
//! | membership, team side ("members of a team": one query) | `TEAM_MEMBER#<team>#<user>` |
//! | membership, agent side ("teams of an agent": one query) | `USER_TEAM#<user>#<team>` |
//!
//! The two membership items are written and deleted together, in one transaction.

use super::account_partition;
use crate::store::Key;

pub fn team(account_id: i64, team_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{team_id}", teams_prefix()),
    )
}

pub fn teams_prefix() -> &'static str {
    "TEAM#"
}

/// Uniqueness claim of a (lower-cased) team name within an account.
pub fn team_name(account_id: i64, name: &str) -> Key {
    Key::new(
        account_partition(account_id),
        format!("TEAM_NAME#{}", super::claim_text(name)),
    )
}

/// A team's membership of one agent, on the team's side.
pub fn team_member(account_id: i64, team_id: i64, user_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{user_id}", team_members_prefix(team_id)),
    )
}

/// Every member of one team.
pub fn team_members_prefix(team_id: i64) -> String {
    format!("TEAM_MEMBER#{team_id}#")
}

/// The same membership on the agent's side.
pub fn user_team(account_id: i64, user_id: i64, team_id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{team_id}", user_teams_prefix(user_id)),
    )
}

/// Every team of one agent.
pub fn user_teams_prefix(user_id: i64) -> String {
    format!("USER_TEAM#{user_id}#")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_prefixes_do_not_overlap() {
        let member = team_member(1, 12, 34);
        assert!(member.sk.starts_with(&team_members_prefix(12)));
        assert!(!member.sk.starts_with(&team_members_prefix(1)));
        assert!(!member.sk.starts_with(teams_prefix()));
        assert!(!team_name(1, "x").sk.starts_with(teams_prefix()));
        let mirror = user_team(1, 34, 12);
        assert!(mirror.sk.starts_with(&user_teams_prefix(34)));
        assert!(!mirror.sk.starts_with(&user_teams_prefix(3)));
    }
}
