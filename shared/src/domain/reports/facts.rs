//! Reporting facts (Chatwoot's `reporting_events` rows) and the counters each outbox event
//! adds to, derived from the event record alone: the conversation and message it carries
//! as they were saved, plus the inbox's working hours and bot.
//!
//! | event | fact | value |
//! | --- | --- | --- |
//! | `first_reply_created` | `first_response` | reply − first bot hand-off (or creation) |
//! | `reply_created` (while waiting) | `reply_time` | reply − `waiting_since` |
//! | `conversation_resolved` | `conversation_resolved` (+ `conversation_bot_resolved` when the inbox has a bot and no human replied) | resolution − creation |
//! | `conversation_bot_handoff` (the first) | `conversation_bot_handoff` | hand-off − creation |
//! | `conversation_opened` | `conversation_opened` | opening − last resolution (0 if none) |
//!
//! Counters: `conversation_created` counts the conversation where it belongs now;
//! `conversation_updated` moves that count when its assignee, team, labels or status change
//! (so "conversations currently assigned to the agent" stays exact); `message_created` counts
//! incoming and outgoing messages.

use super::aggregates::{Scope, Tally};
use super::business_hours::WorkingWeek;
use crate::domain::conversations::events::{conversation_of, message_of};
use crate::keys::reports as keys;
use crate::model::conversation::{Conversation, Message, MessageType, Sender, Status};
use crate::model::inbox::Inbox;
use crate::model::{Record, ENTITY};
use crate::outbox::EventRecord;
use crate::store::{Item, Key, GSI1PK, GSI1SK, PK, SK};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The facts Chatwoot records, with the short code their counters are kept under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactName {
    FirstResponse,
    ReplyTime,
    Resolved,
    BotResolved,
    BotHandoff,
    Opened,
}

impl FactName {
    pub const ALL: [FactName; 6] = [
        FactName::FirstResponse,
        FactName::ReplyTime,
        FactName::Resolved,
        FactName::BotResolved,
        FactName::BotHandoff,
        FactName::Opened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactName::FirstResponse => "first_response",
            FactName::ReplyTime => "reply_time",
            FactName::Resolved => "conversation_resolved",
            FactName::BotResolved => "conversation_bot_resolved",
            FactName::BotHandoff => "conversation_bot_handoff",
            FactName::Opened => "conversation_opened",
        }
    }

    pub fn parse(name: &str) -> Option<FactName> {
        FactName::ALL.into_iter().find(|f| f.as_str() == name)
    }

    fn code(self) -> &'static str {
        match self {
            FactName::FirstResponse => "fr",
            FactName::ReplyTime => "rt",
            FactName::Resolved => "rs",
            FactName::BotResolved => "br",
            FactName::BotHandoff => "bh",
            FactName::Opened => "op",
        }
    }

    /// Counter of how many facts were recorded.
    pub fn count_metric(self) -> String {
        format!("{}.n", self.code())
    }

    /// Counter of the facts' values, in milliseconds (business hours only, or not).
    pub fn value_metric(self, business_hours: bool) -> String {
        format!("{}.{}", self.code(), if business_hours { "b" } else { "v" })
    }
}

/// Counter names of the other metrics.
pub mod metric {
    pub const CONVERSATIONS: &str = "cc";
    pub const INCOMING: &str = "im";
    /// Outgoing messages, by their sender in agent scopes.
    pub const OUTGOING: &str = "om";
    /// Outgoing messages not sent by a bot, credited to the conversation's assignee.
    pub const OUTGOING_BY_ASSIGNEE: &str = "oma";

    /// Conversations by status (channel scopes: the channel summary).
    pub fn conversations_in(status: &str) -> String {
        format!("cc.{status}")
    }

    /// Conversations carrying a label (inbox scopes: the inbox × label matrix).
    pub fn conversations_labelled(title: &str) -> String {
        format!("cl.{}", crate::keys::claim_text(&title.to_lowercase()))
    }

    /// First responses by time bucket (channel scopes: the distribution).
    pub fn first_response_bucket(bucket: usize) -> String {
        format!("frd.{bucket}")
    }
}

/// Upper bounds (seconds, exclusive) of the first-response distribution's buckets; the last
/// bucket is open.
pub const FIRST_RESPONSE_BUCKETS: [(&str, i64); 5] = [
    ("0-1h", 3600),
    ("1-4h", 14_400),
    ("4-8h", 28_800),
    ("8-24h", 86_400),
    ("24h+", i64::MAX),
];

/// One reporting fact. Values are kept in milliseconds and shown as seconds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportingEvent {
    pub id: i64,
    pub name: String,
    pub value_ms: i64,
    pub business_value_ms: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub user_id: Option<i64>,
    /// The conversation's internal id (what Chatwoot shows), and its display id.
    pub conversation_id: i64,
    pub display_id: i64,
    /// The conversation's team, labels and channel when the fact was recorded.
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub channel_type: String,
    pub event_start_ms: i64,
    pub event_end_ms: i64,
    pub created_at_ms: i64,
    /// The outbox event the fact was derived from.
    pub source_event: String,
}

impl Record for ReportingEvent {
    const ENTITY: &'static str = "reporting_event";

    fn key(&self) -> Key {
        Key::new(
            keys::facts_partition(self.account_id),
            keys::fact_sort(self.created_at_ms, self.id),
        )
    }

    fn index_key(&self) -> Option<(String, String)> {
        Some((
            keys::conversation_facts(self.account_id, self.display_id),
            keys::fact_sort(self.created_at_ms, self.id),
        ))
    }
}

impl ReportingEvent {
    /// The stored items: the fact, and its copies in the inbox's and the user's partitions
    /// (the list's filters), which are not indexed again.
    pub fn items(&self) -> Vec<Item> {
        let main = self.to_item();
        let sort = keys::fact_sort(self.created_at_ms, self.id);
        let mut partitions = vec![keys::inbox_facts_partition(self.account_id, self.inbox_id)];
        partitions.extend(
            self.user_id
                .map(|user| keys::user_facts_partition(self.account_id, user)),
        );
        let copies = partitions.into_iter().map(|partition| {
            let mut copy = main.clone();
            copy.insert(PK.into(), partition.into());
            copy.insert(SK.into(), sort.clone().into());
            copy.remove(GSI1PK);
            copy.remove(GSI1SK);
            copy.insert(ENTITY.into(), "reporting_event_copy".into());
            copy
        });
        std::iter::once(main.clone()).chain(copies).collect()
    }

    pub fn fact_name(&self) -> Option<FactName> {
        FactName::parse(&self.name)
    }

    /// The scopes the fact counts in: the account, its inbox, the credited user, and the
    /// conversation's team and labels when it was recorded.
    fn scopes(&self) -> Vec<Scope> {
        let mut scopes = vec![Scope::Account, Scope::Inbox(self.inbox_id)];
        scopes.extend(self.user_id.map(Scope::Agent));
        scopes.extend(self.team_id.map(Scope::Team));
        scopes.extend(label_scopes(&self.labels));
        scopes
    }

    /// The counters the fact adds to.
    pub fn tallies(&self) -> Vec<Tally> {
        let Some(name) = self.fact_name() else {
            return Vec::new();
        };
        let at = self.created_at_ms;
        let mut tallies = Vec::new();
        for scope in self.scopes() {
            tallies.push(Tally::new(scope.clone(), name.count_metric(), at, 1));
            tallies.push(Tally::new(
                scope.clone(),
                name.value_metric(false),
                at,
                self.value_ms,
            ));
            tallies.push(Tally::new(
                scope,
                name.value_metric(true),
                at,
                self.business_value_ms,
            ));
        }
        if name == FactName::FirstResponse {
            let seconds = self.value_ms / 1000;
            let bucket = FIRST_RESPONSE_BUCKETS
                .iter()
                .position(|(_, below)| seconds < *below)
                .unwrap_or(FIRST_RESPONSE_BUCKETS.len() - 1);
            tallies.push(Tally::new(
                Scope::Channel(self.channel_type.clone()),
                metric::first_response_bucket(bucket),
                at,
                1,
            ));
        }
        tallies
    }
}

fn label_scopes(labels: &[String]) -> impl Iterator<Item = Scope> + '_ {
    let mut seen = std::collections::BTreeSet::new();
    labels
        .iter()
        .filter(move |title| seen.insert(title.to_lowercase()))
        .map(|title| Scope::Label(title.clone()))
}

/// What one event adds to the reports.
#[derive(Debug, Default)]
pub struct Derived {
    pub facts: Vec<ReportingEvent>,
    pub tallies: Vec<Tally>,
}

/// Events that carry a fact (and need the inbox: working hours, bot).
const FACT_EVENTS: [&str; 5] = [
    "first_reply_created",
    "reply_created",
    "conversation_resolved",
    "conversation_bot_handoff",
    "conversation_opened",
];

/// Whether the event adds anything to the reports.
pub fn is_reported(event: &EventRecord) -> bool {
    FACT_EVENTS.contains(&event.name.as_str())
        || matches!(
            event.name.as_str(),
            "conversation_created" | "message_created" | "conversation_updated"
        )
}

pub fn needs_inbox(event: &EventRecord) -> bool {
    FACT_EVENTS.contains(&event.name.as_str())
}

/// The facts and counters of one event; `inbox` is the conversation's inbox (when the event
/// [`needs_inbox`] and it still exists).
pub fn derive(event: &EventRecord, inbox: Option<&Inbox>) -> Derived {
    let Some(conversation) = conversation_of(event) else {
        return Derived::default();
    };
    let at = event.created_at_ms;
    let fact = |name: FactName, start: i64, end: i64, user_id: Option<i64>, value: i64| {
        let business = inbox
            .and_then(WorkingWeek::of)
            .map(|week| week.within(start, end))
            .unwrap_or(0);
        ReportingEvent {
            id: fact_id(&event.event_id, name, at),
            name: name.as_str().into(),
            value_ms: value,
            business_value_ms: business,
            account_id: conversation.account_id,
            inbox_id: conversation.inbox_id,
            user_id,
            conversation_id: conversation.id,
            display_id: conversation.display_id,
            team_id: conversation.team_id,
            labels: conversation.labels.clone(),
            channel_type: conversation.channel_type.clone(),
            event_start_ms: start,
            event_end_ms: end,
            created_at_ms: at,
            source_event: event.event_id.clone(),
        }
    };
    let span = |name: FactName, start: i64, end: i64, user_id: Option<i64>| {
        fact(name, start, end, user_id, end - start)
    };
    let mut derived = Derived::default();
    match event.name.as_str() {
        "conversation_created" => derived.tallies = conversation_counts(&conversation, 1),
        "conversation_updated" => {
            if let Some(before) = state_before(&conversation, &event.payload) {
                derived.tallies = conversation_counts(&before, -1);
                derived
                    .tallies
                    .extend(conversation_counts(&conversation, 1));
            }
        }
        "message_created" => {
            if let Some(message) = message_of(event) {
                derived.tallies = message_counts(&conversation, &message);
            }
        }
        "first_reply_created" => {
            if let Some(message) = message_of(event) {
                let start = conversation
                    .bot_handoff_at_ms
                    .unwrap_or(conversation.created_at_ms);
                let user = match message.sender {
                    Some(Sender::User(id)) => Some(id),
                    _ => None,
                };
                derived.facts.push(span(
                    FactName::FirstResponse,
                    start,
                    message.created_at_ms,
                    user,
                ));
            }
        }
        "reply_created" => {
            let waiting = event
                .payload
                .get("waiting_since_ms")
                .and_then(Value::as_i64);
            if let (Some(waiting), Some(message)) = (waiting, message_of(event)) {
                derived.facts.push(span(
                    FactName::ReplyTime,
                    waiting,
                    message.created_at_ms,
                    conversation.assignee_id,
                ));
            }
        }
        "conversation_resolved" => {
            let start = conversation.created_at_ms;
            let user = conversation.assignee_id;
            derived
                .facts
                .push(span(FactName::Resolved, start, at, user));
            let bot_inbox = inbox.is_some_and(|inbox| inbox.agent_bot_id.is_some());
            if bot_inbox && conversation.human_replies == 0 {
                derived
                    .facts
                    .push(span(FactName::BotResolved, start, at, user));
            }
        }
        "conversation_bot_handoff" if conversation.bot_handoff_at_ms == Some(at) => {
            derived.facts.push(span(
                FactName::BotHandoff,
                conversation.created_at_ms,
                at,
                conversation.assignee_id,
            ));
        }
        "conversation_opened" => {
            let (start, value) = match conversation.resolved_at_ms {
                Some(resolved) => (resolved, at - resolved),
                None => (conversation.created_at_ms, 0),
            };
            derived.facts.push(fact(
                FactName::Opened,
                start,
                at,
                conversation.assignee_id,
                value,
            ));
        }
        _ => {}
    }
    let fact_tallies: Vec<Tally> = derived.facts.iter().flat_map(|f| f.tallies()).collect();
    derived.tallies.extend(fact_tallies);
    derived
}

/// A fact's id: Chatwoot shows integers. Time-ordered like every id here, its low bits
/// taken from the event and the fact's name, so deriving the same fact again gives the same
/// id (and the same key).
fn fact_id(event_id: &str, name: FactName, at_ms: i64) -> i64 {
    let digest = Sha256::digest(format!("{event_id}#{}", name.as_str()));
    let low = i64::from(u16::from_be_bytes([digest[0], digest[1]]) & 0x0fff);
    crate::ids::first_id_at(at_ms) | low
}

/// Where a conversation counts: the account, its inbox, assignee, team and labels (by
/// creation time), its channel by status, and its inbox by label.
fn conversation_counts(conversation: &Conversation, sign: i64) -> Vec<Tally> {
    let at = conversation.created_at_ms;
    let count = |scope: Scope, metric: String| Tally::new(scope, metric, at, sign);
    let conversations = || metric::CONVERSATIONS.to_owned();
    let mut tallies = vec![
        count(Scope::Account, conversations()),
        count(Scope::Inbox(conversation.inbox_id), conversations()),
        count(
            Scope::Channel(conversation.channel_type.clone()),
            metric::conversations_in(conversation.status.as_str()),
        ),
    ];
    tallies.extend(
        conversation
            .assignee_id
            .map(|user| count(Scope::Agent(user), conversations())),
    );
    tallies.extend(
        conversation
            .team_id
            .map(|team| count(Scope::Team(team), conversations())),
    );
    for label in label_scopes(&conversation.labels) {
        if let Scope::Label(title) = &label {
            tallies.push(count(
                Scope::Inbox(conversation.inbox_id),
                metric::conversations_labelled(title),
            ));
        }
        tallies.push(count(label, conversations()));
    }
    tallies
}

/// Incoming and outgoing messages (private notes included, as Chatwoot counts them) in the
/// conversation's scopes; outgoing ones also for their sending user and, unless a bot sent
/// them, for the conversation's assignee.
fn message_counts(conversation: &Conversation, message: &Message) -> Vec<Tally> {
    let metric = match message.kind() {
        Some(MessageType::Incoming) => metric::INCOMING,
        Some(MessageType::Outgoing) => metric::OUTGOING,
        _ => return Vec::new(),
    };
    let at = message.created_at_ms;
    let mut scopes = vec![Scope::Account, Scope::Inbox(conversation.inbox_id)];
    scopes.extend(conversation.team_id.map(Scope::Team));
    scopes.extend(label_scopes(&conversation.labels));
    let mut tallies: Vec<Tally> = scopes
        .into_iter()
        .map(|scope| Tally::new(scope, metric, at, 1))
        .collect();
    if metric == metric::OUTGOING {
        if let Some(Sender::User(user)) = message.sender {
            tallies.push(Tally::new(Scope::Agent(user), metric::OUTGOING, at, 1));
        }
        if !matches!(message.sender, Some(Sender::AgentBot(_))) {
            if let Some(assignee) = conversation.assignee_id {
                tallies.push(Tally::new(
                    Scope::Agent(assignee),
                    metric::OUTGOING_BY_ASSIGNEE,
                    at,
                    1,
                ));
            }
        }
    }
    tallies
}

/// The conversation as it was before a `conversation_updated`, as far as its counts go:
/// the changed assignee, team, labels and status put back. `None` when none of them changed.
fn state_before(after: &Conversation, payload: &Value) -> Option<Conversation> {
    let changes = payload.get("changed_attributes")?.as_array()?;
    let mut before = after.clone();
    let mut moved = false;
    for change in changes.iter().filter_map(Value::as_object) {
        for (name, values) in change {
            let previous = values.get("previous_value").cloned().unwrap_or(Value::Null);
            match name.as_str() {
                "assignee_id" => before.assignee_id = previous.as_i64(),
                "team_id" => before.team_id = previous.as_i64(),
                "label_list" => {
                    before.labels = serde_json::from_value(previous).unwrap_or_default()
                }
                "status" => match previous.as_str().and_then(Status::parse) {
                    Some(status) => before.status = status,
                    None => continue,
                },
                _ => continue,
            }
            moved = true;
        }
    }
    moved.then_some(before)
}
