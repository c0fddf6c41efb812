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
use sha2::{Digest, Sha256};
use std::borrow::Cow;

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
        format!("TEAM_NAME#{}", claim_text(name)),
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

/// Longest claimed text kept verbatim in a sort key; longer text is claimed by its SHA-256
/// (DynamoDB sort keys hold at most 1024 bytes, and a 255-character name can take 1020).
const VERBATIM_CLAIM_BYTES: usize = 512;

/// The form of a claimed value (a name, a short code) inside a sort key.
pub fn claim_text(text: &str) -> Cow<'_, str> {
    if text.len() <= VERBATIM_CLAIM_BYTES {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("~sha256:{}", hex::encode(Sha256::digest(text))))
    }
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

    #[test]
    fn long_claims_are_hashed() {
        assert_eq!(claim_text("sales"), "sales");
        let two_byte = "é".repeat(255);
        assert_eq!(claim_text(&two_byte), two_byte.as_str());
        let three_byte = "€".repeat(255);
        let claimed = claim_text(&three_byte);
        assert!(claimed.starts_with("~sha256:"));
        assert_ne!(claim_text(&"€".repeat(254)), claimed);
        for name in [two_byte, three_byte, "𝄞".repeat(255)] {
            assert!(team_name(1, &name).sk.len() < 1024);
        }
    }
}
