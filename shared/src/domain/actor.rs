//! Who acts on a conversation ([`Actor`]): a user, a bot, the contact or an automation rule.
//! A leaf: authentication builds actors and every conversation service takes one, so it
//! imports no feature module.

use crate::model::conversation::Sender;
use std::collections::BTreeSet;

/// Who acts on a conversation: names activity messages, decides self-assignment and which
/// conversations are visible.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    User {
        id: i64,
        name: String,
        administrator: bool,
        /// The inboxes the user is a member of (an agent lists their conversations only).
        inbox_ids: BTreeSet<i64>,
    },
    Bot {
        id: i64,
        name: String,
    },
    /// The conversation's contact (Client API).
    Contact {
        id: i64,
        name: String,
    },
    /// An automation rule's action (Chatwoot's `Current.executed_by = rule`): activity
    /// messages credit "Automation System", and its messages have no sender.
    Automation {
        rule_id: i64,
    },
}

/// The name activity messages credit for changes made by automation rules.
pub const AUTOMATION_SYSTEM: &str = "Automation System";

impl Actor {
    /// The name activity messages credit.
    pub fn name(&self) -> &str {
        match self {
            Actor::User { name, .. } | Actor::Bot { name, .. } | Actor::Contact { name, .. } => {
                name
            }
            Actor::Automation { .. } => AUTOMATION_SYSTEM,
        }
    }

    /// Who the actor's messages are from; automation rules send as no one.
    pub fn sender(&self) -> Option<Sender> {
        match self {
            Actor::User { id, .. } => Some(Sender::User(*id)),
            Actor::Bot { id, .. } => Some(Sender::AgentBot(*id)),
            Actor::Contact { id, .. } => Some(Sender::Contact(*id)),
            Actor::Automation { .. } => None,
        }
    }

    /// What the actor may list: `None` for administrators and bots (the whole account), the
    /// member inboxes for agents.
    pub fn visible_inboxes(&self) -> Option<&BTreeSet<i64>> {
        match self {
            Actor::User {
                administrator: false,
                inbox_ids,
                ..
            } => Some(inbox_ids),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Agents see conversations of their inboxes (and, one at a time, of their teams);
    /// administrators and bots see the whole account.
    pub fn is_agent(&self) -> bool {
        matches!(
            self,
            Actor::User {
                administrator: false,
                ..
            }
        )
    }
}
