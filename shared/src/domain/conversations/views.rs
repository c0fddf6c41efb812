//! Conversation views: the partitions conversation lists are read from.
//!
//! Every conversation is copied, in the same transaction as each change, into one view
//! partition per scope it belongs to (the account, its inbox, its team, each label, its
//! assignee or "unassigned", its contact) and status, ordered by last activity. Counted
//! scopes also keep a counter item per status with `all`, `unassigned` and `u<user>`
//! (assigned to that user), plus `unattended` and `unattended_u<user>` for open ones, so list
//! meta counts and live reports are a batch read, never a count of items.

use crate::keys::{claim_text, conversations as keys};
use crate::model::conversation::{Conversation, Status};
use crate::model::{Record, ENTITY};
use crate::store::{Item, Key, WriteOp, PK, SK};
use std::collections::{BTreeMap, BTreeSet};

/// Entity name of view copies, so stream consumers can skip them.
pub const VIEW_ENTITY: &str = "conversation_view";

/// The most labels a conversation carries: each label is a view the conversation is copied
/// into, and every change must fit one transaction.
pub const MAX_LABELS: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    All,
    Inbox(i64),
    Team(i64),
    Label(String),
    Assignee(i64),
    Unassigned,
    Contact(i64),
}

impl Scope {
    pub fn name(&self) -> String {
        match self {
            Scope::All => "ALL".into(),
            Scope::Inbox(id) => format!("INBOX#{id}"),
            Scope::Team(id) => format!("TEAM#{id}"),
            Scope::Label(title) => format!("LABEL#{}", claim_text(title)),
            Scope::Assignee(id) => format!("USER#{id}"),
            Scope::Unassigned => "UNASSIGNED".into(),
            Scope::Contact(id) => format!("CONTACT#{id}"),
        }
    }

    /// Scopes with counters (the ones a list can be narrowed to and counted over).
    pub fn counted(&self) -> bool {
        matches!(
            self,
            Scope::All | Scope::Inbox(_) | Scope::Team(_) | Scope::Label(_)
        )
    }

    pub fn partition(&self, account_id: i64, status: Status) -> String {
        keys::view_partition(account_id, &self.name(), status.as_str())
    }

    pub fn counter(&self, account_id: i64, status: Status) -> Key {
        keys::view_counter(account_id, &self.name(), status.as_str())
    }
}

/// The scopes a conversation is listed under.
pub fn scopes_of(conversation: &Conversation) -> Vec<Scope> {
    let mut scopes = vec![
        Scope::All,
        Scope::Inbox(conversation.inbox_id),
        Scope::Contact(conversation.contact_id),
        match conversation.assignee_id {
            Some(user) => Scope::Assignee(user),
            None => Scope::Unassigned,
        },
    ];
    scopes.extend(conversation.team_id.map(Scope::Team));
    let labels: BTreeSet<&String> = conversation.labels.iter().collect();
    scopes.extend(labels.into_iter().map(|l| Scope::Label(l.clone())));
    scopes
}

fn entry_key(conversation: &Conversation, scope: &Scope) -> Key {
    keys::view_entry(
        conversation.account_id,
        &scope.name(),
        conversation.status.as_str(),
        conversation.last_activity_at_ms,
        conversation.display_id,
    )
}

fn entry_item(conversation: &Conversation, key: &Key) -> Item {
    let mut item = conversation.to_item();
    item.insert(PK.into(), key.pk.clone().into());
    item.insert(SK.into(), key.sk.clone().into());
    item.insert(ENTITY.into(), VIEW_ENTITY.into());
    item
}

/// Counter of open conversations waiting for an agent (Chatwoot's "unattended": no first
/// reply yet, or a customer message not answered), overall and per assignee.
pub const UNATTENDED: &str = "unattended";

fn unattended(conversation: &Conversation) -> bool {
    conversation.status == Status::Open
        && (conversation.first_reply_created_at_ms.is_none()
            || conversation.waiting_since_ms.is_some())
}

/// Counter attributes one conversation contributes to in each counted scope.
fn contributions(conversation: &Conversation) -> BTreeMap<Key, BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for scope in scopes_of(conversation).iter().filter(|s| s.counted()) {
        let mut attrs = BTreeMap::from([("all".to_owned(), 1)]);
        let assigned = match conversation.assignee_id {
            Some(user) => format!("u{user}"),
            None => "unassigned".into(),
        };
        attrs.insert(assigned, 1);
        if unattended(conversation) {
            attrs.insert(UNATTENDED.to_owned(), 1);
            if let Some(user) = conversation.assignee_id {
                attrs.insert(format!("{UNATTENDED}_u{user}"), 1);
            }
        }
        counts.insert(
            scope.counter(conversation.account_id, conversation.status),
            attrs,
        );
    }
    counts
}

/// The writes that move a conversation's view copies and counters from `before` (absent
/// when created) to `after` (absent when deleted). Copies are rewritten on every change, as
/// they hold the whole conversation.
pub fn view_writes(before: Option<&Conversation>, after: Option<&Conversation>) -> Vec<WriteOp> {
    let entries = |c: Option<&Conversation>| -> Vec<Key> {
        c.map(|c| scopes_of(c).iter().map(|s| entry_key(c, s)).collect())
            .unwrap_or_default()
    };
    let new_keys = entries(after);
    let mut ops: Vec<WriteOp> = entries(before)
        .into_iter()
        .filter(|k| !new_keys.contains(k))
        .map(WriteOp::delete)
        .collect();
    if let Some(after) = after {
        ops.extend(
            new_keys
                .iter()
                .map(|key| WriteOp::put(entry_item(after, key))),
        );
    }
    let mut deltas: BTreeMap<Key, BTreeMap<String, i64>> = BTreeMap::new();
    for (conversation, sign) in [(before, -1), (after, 1)] {
        for (key, attrs) in conversation.map(contributions).unwrap_or_default() {
            let slot = deltas.entry(key).or_default();
            for (attr, by) in attrs {
                *slot.entry(attr).or_default() += sign * by;
            }
        }
    }
    for (key, attrs) in deltas {
        let moved: Vec<(String, i64)> = attrs.into_iter().filter(|(_, by)| *by != 0).collect();
        if !moved.is_empty() {
            ops.push(WriteOp::Add { key, deltas: moved });
        }
    }
    ops
}
