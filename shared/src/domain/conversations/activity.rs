//! The texts of Chatwoot's activity messages (`conversations.activity.*`, English).

use crate::model::conversation::Status;

/// A status change made by `actor`.
pub fn status_changed(status: Status, actor: &str) -> String {
    match status {
        Status::Resolved => format!("Conversation was marked resolved by {actor}"),
        Status::Open => format!("Conversation was reopened by {actor}"),
        Status::Pending => format!("Conversation was marked as pending by {actor}"),
        Status::Snoozed => format!("Conversation was snoozed by {actor}"),
    }
}

/// The contact resolved the conversation (Client API, widget): Chatwoot capitalises the name
/// as Ruby's `capitalize` does (first letter up, the rest down).
pub fn resolved_by_contact(name: &str) -> String {
    let mut chars = name.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    };
    format!("Conversation was resolved by {capitalized}")
}

/// An incoming message reopened the conversation (API inboxes).
pub const SYSTEM_REOPENED: &str = "System reopened the conversation due to a new incoming message.";

pub fn priority_changed(before: Option<&str>, after: Option<&str>, actor: &str) -> Option<String> {
    match (before, after) {
        (None, Some(new)) => Some(format!("{actor} set the priority to {new}")),
        (Some(old), Some(new)) if old != new => {
            Some(format!("{actor} changed the priority from {old} to {new}"))
        }
        (Some(_), None) => Some(format!("{actor} removed the priority")),
        _ => None,
    }
}

/// An assignee change: `assignee` is the new assignee's name (None: unassigned), `self_assigned`
/// when the actor assigned themself.
pub fn assignee_changed(assignee: Option<&str>, self_assigned: bool, actor: &str) -> String {
    match assignee {
        Some(_) if self_assigned => format!("{actor} self-assigned this conversation"),
        Some(name) => format!("Assigned to {name} by {actor}"),
        None => format!("Conversation unassigned by {actor}"),
    }
}

/// A team change; `via_assignee` names the assignee picked in the same change.
pub fn team_changed(
    team: Option<&str>,
    previous_team: Option<&str>,
    via_assignee: Option<&str>,
    actor: &str,
) -> Option<String> {
    match (team, previous_team, via_assignee) {
        (Some(team), _, Some(assignee)) => {
            Some(format!("Assigned to {assignee} via {team} by {actor}"))
        }
        (Some(team), _, None) => Some(format!("Assigned to {team} by {actor}")),
        (None, Some(previous), _) => Some(format!("Unassigned from {previous} by {actor}")),
        (None, None, _) => None,
    }
}

pub fn labels_added(labels: &[String], actor: &str) -> String {
    format!("{actor} added {}", labels.join(", "))
}

pub fn labels_removed(labels: &[String], actor: &str) -> String {
    format!("{actor} removed {}", labels.join(", "))
}

pub fn muted(actor: &str) -> String {
    format!("{actor} has muted the conversation")
}

pub fn unmuted(actor: &str) -> String {
    format!("{actor} has unmuted the conversation")
}

/// Chatwoot's note when a pending conversation is opened because its bot could not be
/// reached.
pub const OPENED_AFTER_BOT_ERROR: &str =
    "Conversation was marked open by system due to an error with the agent bot.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_chatwoot() {
        assert_eq!(
            status_changed(Status::Resolved, "Ann"),
            "Conversation was marked resolved by Ann"
        );
        assert_eq!(
            priority_changed(Some("low"), Some("high"), "Ann").unwrap(),
            "Ann changed the priority from low to high"
        );
        assert_eq!(priority_changed(Some("low"), Some("low"), "Ann"), None);
        assert_eq!(
            assignee_changed(Some("Bo"), false, "Ann"),
            "Assigned to Bo by Ann"
        );
        assert_eq!(
            team_changed(Some("sales"), None, Some("Bo"), "Ann").unwrap(),
            "Assigned to Bo via sales by Ann"
        );
        assert_eq!(
            team_changed(None, Some("sales"), None, "Ann").unwrap(),
            "Unassigned from sales by Ann"
        );
    }
}
