//! Teams of agents within an account, and their members.

use super::Record;
use crate::keys::teams as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// Chatwoot's `Team`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Team {
    pub id: i64,
    pub account_id: i64,
    /// Lower-cased, unique per account through a `TEAM_NAME#` claim item.
    pub name: String,
    pub description: Option<String>,
    pub allow_auto_assign: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Team {
    const ENTITY: &'static str = "team";

    fn key(&self) -> Key {
        keys::team(self.account_id, self.id)
    }
}

super::versioned!(Team);

/// Claims a team name in an account; creating it conditionally is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TeamNameClaim {
    pub account_id: i64,
    pub name: String,
    pub team_id: i64,
}

impl Record for TeamNameClaim {
    const ENTITY: &'static str = "team_name";

    fn key(&self) -> Key {
        keys::team_name(self.account_id, &self.name)
    }
}

/// Chatwoot's `TeamMember`: an agent in a team. Stored twice in one transaction, under the
/// team (members of a team) and under the agent (teams of an agent), both in the account
/// partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TeamMember {
    pub account_id: i64,
    pub team_id: i64,
    pub user_id: i64,
    pub created_at_ms: i64,
}

impl Record for TeamMember {
    const ENTITY: &'static str = "team_member";

    fn key(&self) -> Key {
        keys::team_member(self.account_id, self.team_id, self.user_id)
    }
}

impl super::Mirrored for TeamMember {
    fn mirror_key(&self) -> Key {
        keys::user_team(self.account_id, self.user_id, self.team_id)
    }
}

impl TeamMember {
    /// The keys of both copies of a membership.
    pub fn keys(account_id: i64, team_id: i64, user_id: i64) -> [Key; 2] {
        [
            keys::team_member(account_id, team_id, user_id),
            keys::user_team(account_id, user_id, team_id),
        ]
    }
}
