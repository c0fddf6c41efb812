//! Conversation lists and their counts (`GET /conversations`, `/conversations/meta`,
//! `POST /conversations/filter`, a contact's conversations), read from the views.
//!
//! A list reads one *source*: the union of some view partitions (one per scope and status),
//! each already ordered by last activity. The source is the narrowest the request allows:
//! the assignee's view for "mine", the inbox, team or label views when filtered by them,
//! the agent's inboxes for agents, else the whole account. Whatever the source does not
//! decide is checked per entry while reading, so a page reads its 25 entries plus the
//! entries those checks skip; counts come from the views' counter items whenever the
//! filters map onto counted scopes (see docs/data-model.md for the cases that count by
//! reading).

use super::views::Scope;
use crate::domain::actor::Actor;
use crate::error::AppResult;
use crate::model::conversation::{Conversation, Status};
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Key, Query};
use std::collections::{BTreeSet, HashMap};

pub const PAGE_SIZE: usize = 25;

/// Entries read per query call when some entries may be skipped.
const READ_CHUNK: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssigneeFilter {
    Me,
    Unassigned,
    Assigned,
    #[default]
    All,
}

impl AssigneeFilter {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("me") => AssigneeFilter::Me,
            Some("unassigned") => AssigneeFilter::Unassigned,
            Some("assigned") => AssigneeFilter::Assigned,
            _ => AssigneeFilter::All,
        }
    }
}

/// Chatwoot's `sort_by` values (legacy aliases included); unknown → last activity, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    LastActivityDesc,
    LastActivityAsc,
    CreatedAtAsc,
    CreatedAtDesc,
    PriorityDesc,
    PriorityAsc,
    WaitingSinceAsc,
    WaitingSinceDesc,
}

impl Sort {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("last_activity_at_asc") => Sort::LastActivityAsc,
            Some("created_at_asc") | Some("sort_on_created_at") => Sort::CreatedAtAsc,
            Some("created_at_desc") => Sort::CreatedAtDesc,
            Some("priority_desc") | Some("sort_on_priority") => Sort::PriorityDesc,
            Some("priority_asc") => Sort::PriorityAsc,
            Some("waiting_since_asc") | Some("sort_on_waiting_since") => Sort::WaitingSinceAsc,
            Some("waiting_since_desc") => Sort::WaitingSinceDesc,
            _ => Sort::LastActivityDesc,
        }
    }

    /// The views' own order (last activity); other orders sort the whole source in memory.
    fn view_order(self) -> Option<bool> {
        match self {
            Sort::LastActivityDesc => Some(false),
            Sort::LastActivityAsc => Some(true),
            _ => None,
        }
    }
}

/// A conversation list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `None` = every status.
    pub status: Option<Status>,
    pub assignee: AssigneeFilter,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub contact_id: Option<i64>,
    pub sort: Sort,
    /// 1-based.
    pub page: usize,
    pub page_size: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub mine: i64,
    pub unassigned: i64,
    pub all: i64,
}

impl Counts {
    /// The counts of conversations already read.
    pub(crate) fn of<'a>(
        conversations: impl IntoIterator<Item = &'a Conversation>,
        user_id: Option<i64>,
    ) -> Counts {
        let mut counts = Counts::default();
        for c in conversations {
            counts.all += 1;
            counts.unassigned += i64::from(c.assignee_id.is_none());
            counts.mine += i64::from(user_id.is_some() && c.assignee_id == user_id);
        }
        counts
    }

    pub fn assigned(&self) -> i64 {
        self.all - self.unassigned
    }
}

/// What the views decide and what is checked per entry.
struct Plan {
    /// Scopes whose union is read (each in every wanted status).
    source: Vec<Scope>,
    /// Scopes whose counters give the counts (`None`: count by reading).
    counted: Option<Vec<Scope>>,
    statuses: Vec<Status>,
}

fn plan(query: &ListQuery, visible: &Option<BTreeSet<i64>>, user_id: Option<i64>) -> Plan {
    let statuses = match query.status {
        Some(status) => vec![status],
        None => Status::ALL.to_vec(),
    };
    // The narrowing scopes the filters name, and whether counters can serve them.
    let narrowed: Option<(Vec<Scope>, bool)> = if let Some(contact) = query.contact_id {
        Some((vec![Scope::Contact(contact)], false))
    } else if let Some(inbox) = query.inbox_id {
        let allowed = visible.as_ref().is_none_or(|v| v.contains(&inbox));
        Some((
            if allowed {
                vec![Scope::Inbox(inbox)]
            } else {
                vec![]
            },
            query.team_id.is_none() && query.labels.is_empty(),
        ))
    } else if let Some(team) = query.team_id {
        Some((
            vec![Scope::Team(team)],
            visible.is_none() && query.labels.is_empty(),
        ))
    } else if !query.labels.is_empty() {
        Some((
            query.labels.iter().cloned().map(Scope::Label).collect(),
            visible.is_none() && query.labels.len() == 1,
        ))
    } else {
        None
    };
    let (scopes, countable) = narrowed.unwrap_or_else(|| match visible {
        Some(inboxes) => (inboxes.iter().copied().map(Scope::Inbox).collect(), true),
        None => (vec![Scope::All], true),
    });
    let counted = countable.then(|| scopes.clone());
    let source = match (query.assignee, user_id) {
        (AssigneeFilter::Me, Some(user)) => vec![Scope::Assignee(user)],
        (AssigneeFilter::Unassigned, _) if scopes == [Scope::All] => vec![Scope::Unassigned],
        _ => scopes,
    };
    Plan {
        source,
        counted,
        statuses,
    }
}

/// Whether an entry of the source passes every filter (the source decided some already;
/// checking them again is cheap and keeps one rule).
fn passes(
    c: &Conversation,
    query: &ListQuery,
    visible: &Option<BTreeSet<i64>>,
    user_id: Option<i64>,
    with_assignee: bool,
) -> bool {
    visible.as_ref().is_none_or(|v| v.contains(&c.inbox_id))
        && query.inbox_id.is_none_or(|i| c.inbox_id == i)
        && query.team_id.is_none_or(|t| c.team_id == Some(t))
        && query.contact_id.is_none_or(|id| c.contact_id == id)
        && (query.labels.is_empty() || query.labels.iter().any(|l| c.labels.contains(l)))
        && (!with_assignee
            || match query.assignee {
                AssigneeFilter::Me => user_id.is_some() && c.assignee_id == user_id,
                AssigneeFilter::Unassigned => c.assignee_id.is_none(),
                AssigneeFilter::Assigned => c.assignee_id.is_some(),
                AssigneeFilter::All => true,
            })
}

/// Reads up to `wanted` passing entries of one view partition (all of them if `None`), in
/// the partition's order.
async fn read_partition(
    state: &AppState,
    pk: String,
    forward: bool,
    wanted: Option<usize>,
    keep: &(dyn Fn(&Conversation) -> bool + Sync),
) -> AppResult<Vec<Conversation>> {
    let mut found = Vec::new();
    let mut query = Query {
        forward,
        ..Query::prefix(pk, crate::keys::conversations::view_entries_prefix())
    };
    // Reading exactly the wanted number is enough while nothing is skipped.
    query.limit = Some(wanted.map_or(READ_CHUNK, |w| w.clamp(1, READ_CHUNK)));
    loop {
        let page = state.store.query(&query).await?;
        for item in page.items {
            let conversation = Conversation::from_item(item)?;
            if keep(&conversation) {
                found.push(conversation);
            }
        }
        let satisfied = wanted.is_some_and(|w| found.len() >= w);
        match page.cursor {
            Some(cursor) if !satisfied => {
                query.cursor = Some(cursor);
                query.limit = Some(READ_CHUNK);
            }
            _ => return Ok(found),
        }
    }
}

/// Every passing entry of the source up to `wanted` per partition, merged, deduplicated.
async fn read_source(
    state: &AppState,
    account_id: i64,
    plan: &Plan,
    forward: bool,
    wanted: Option<usize>,
    keep: &(dyn Fn(&Conversation) -> bool + Sync),
) -> AppResult<Vec<Conversation>> {
    let reads = plan.source.iter().flat_map(|scope| {
        plan.statuses.iter().map(move |status| {
            read_partition(
                state,
                scope.partition(account_id, *status),
                forward,
                wanted,
                keep,
            )
        })
    });
    let mut merged: HashMap<i64, Conversation> = HashMap::new();
    for part in futures::future::try_join_all(reads).await? {
        for c in part {
            merged.insert(c.display_id, c);
        }
    }
    Ok(merged.into_values().collect())
}

fn sort(conversations: &mut [Conversation], sort: Sort) {
    let activity = |c: &Conversation| (c.last_activity_at_ms, c.display_id);
    let priority_rank = |c: &Conversation| {
        c.priority.as_deref().and_then(|p| {
            crate::model::conversation::PRIORITIES
                .iter()
                .position(|x| *x == p)
        })
    };
    match sort {
        Sort::LastActivityDesc => conversations.sort_by_key(|c| std::cmp::Reverse(activity(c))),
        Sort::LastActivityAsc => conversations.sort_by_key(activity),
        Sort::CreatedAtAsc => conversations.sort_by_key(|c| c.display_id),
        Sort::CreatedAtDesc => conversations.sort_by_key(|c| std::cmp::Reverse(c.display_id)),
        // NULLS LAST in both directions, then last activity, newest first.
        Sort::PriorityDesc | Sort::PriorityAsc => conversations.sort_by(|a, b| {
            let (ra, rb) = (priority_rank(a), priority_rank(b));
            let by_rank = match (ra, rb) {
                (Some(x), Some(y)) if sort == Sort::PriorityDesc => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_rank.then(activity(b).cmp(&activity(a)))
        }),
        Sort::WaitingSinceAsc | Sort::WaitingSinceDesc => conversations.sort_by(|a, b| {
            let by_wait = match (a.waiting_since_ms, b.waiting_since_ms) {
                (Some(x), Some(y)) if sort == Sort::WaitingSinceAsc => x.cmp(&y),
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_wait.then(a.created_at_ms.cmp(&b.created_at_ms))
        }),
    }
}

/// The counts of a list: from counter items when the plan allows, else by reading the
/// source with every filter but the assignee one.
async fn counts(
    state: &AppState,
    account_id: i64,
    query: &ListQuery,
    plan: &Plan,
    visible: &Option<BTreeSet<i64>>,
    user_id: Option<i64>,
) -> AppResult<Counts> {
    match &plan.counted {
        Some(scopes) => {
            let keys: Vec<Key> = scopes
                .iter()
                .flat_map(|scope| {
                    plan.statuses
                        .iter()
                        .map(move |status| scope.counter(account_id, *status))
                })
                .collect();
            let mut counts = Counts::default();
            for chunk in keys.chunks(crate::store::MAX_BATCH_GET) {
                for item in state.store.get_many(chunk).await?.into_iter().flatten() {
                    let read = |attr: &str| item.get(attr).and_then(|v| v.as_i64()).unwrap_or(0);
                    counts.all += read("all");
                    counts.unassigned += read("unassigned");
                    if let Some(user) = user_id {
                        counts.mine += read(&format!("u{user}"));
                    }
                }
            }
            Ok(counts)
        }
        None => {
            // The narrowing scopes, before any assignee view replaced them.
            let widened = ListQuery {
                assignee: AssigneeFilter::All,
                ..query.clone()
            };
            let unfiltered = self::plan(&widened, visible, user_id);
            let keep = |c: &Conversation| passes(c, query, visible, user_id, false);
            let all = read_source(state, account_id, &unfiltered, false, None, &keep).await?;
            Ok(Counts::of(&all, user_id))
        }
    }
}

/// One page of a conversation list and its counts.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    query: &ListQuery,
) -> AppResult<(Vec<Conversation>, Counts)> {
    let visible = actor.visible_inboxes().cloned();
    let user_id = actor.user_id();
    let plan = plan(query, &visible, user_id);
    let page = query.page.max(1);
    let size = if query.page_size == 0 {
        PAGE_SIZE
    } else {
        query.page_size
    };
    let keep = |c: &Conversation| passes(c, query, &visible, user_id, true);
    let (found, counts) = match query.sort.view_order() {
        Some(forward) => futures::try_join!(
            read_source(state, account_id, &plan, forward, Some(page * size), &keep),
            counts(state, account_id, query, &plan, &visible, user_id),
        )?,
        None => futures::try_join!(
            read_source(state, account_id, &plan, false, None, &keep),
            counts(state, account_id, query, &plan, &visible, user_id),
        )?,
    };
    let mut found = found;
    sort(&mut found, query.sort);
    let page_items = found
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    Ok((page_items, counts))
}

/// Only the counts (`GET /conversations/meta`).
pub async fn meta(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    query: &ListQuery,
) -> AppResult<Counts> {
    let visible = actor.visible_inboxes().cloned();
    let user_id = actor.user_id();
    let plan = plan(query, &visible, user_id);
    counts(state, account_id, query, &plan, &visible, user_id).await
}

/// The attributes `POST /conversations/filter` conditions name, for one conversation.
pub fn filter_attributes(c: &Conversation) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let additional = |key: &str| {
        c.additional_attributes
            .get(key)
            .cloned()
            .unwrap_or_default()
    };
    let mut map = serde_json::Map::new();
    map.insert("status".into(), json!(c.status.as_str()));
    map.insert("assignee_id".into(), json!(c.assignee_id));
    map.insert("inbox_id".into(), json!(c.inbox_id));
    map.insert("team_id".into(), json!(c.team_id));
    map.insert("priority".into(), json!(c.priority));
    map.insert("display_id".into(), json!(c.display_id));
    map.insert("campaign_id".into(), json!(c.campaign_id));
    map.insert("labels".into(), json!(c.labels));
    for key in [
        "browser_language",
        "conversation_language",
        "referer",
        "mail_subject",
    ] {
        map.insert(key.into(), additional(key));
    }
    map.insert("created_at".into(), json!(c.created_at_ms / 1000));
    map.insert(
        "last_activity_at".into(),
        json!(c.last_activity_at_ms / 1000),
    );
    map.insert("custom_attributes".into(), json!(c.custom_attributes));
    map
}

/// `POST /conversations/filter`: every conversation the caller may list (any status) that
/// `matches`, newest activity first, one page of it, and the counts of all matches. The views
/// cannot answer arbitrary conditions, so this reads the caller's whole visible set: its cost
/// grows with the account (or the agent's inboxes), as docs/data-model.md states.
pub async fn filter(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    matches: &(dyn Fn(&Conversation) -> bool + Sync),
    page: usize,
) -> AppResult<(Vec<Conversation>, Counts)> {
    let visible = actor.visible_inboxes().cloned();
    let user_id = actor.user_id();
    let query = ListQuery {
        status: None,
        ..ListQuery::default()
    };
    let plan = plan(&query, &visible, user_id);
    let keep = |c: &Conversation| passes(c, &query, &visible, user_id, false) && matches(c);
    let mut found = read_source(state, account_id, &plan, false, None, &keep).await?;
    sort(&mut found, Sort::LastActivityDesc);
    let counts = Counts::of(&found, user_id);
    let page_items = found
        .into_iter()
        .skip((page.max(1) - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Ok((page_items, counts))
}
