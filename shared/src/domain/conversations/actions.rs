//! Every per-conversation action of the Application API, each one [`save`] with Chatwoot's
//! side effects (activity messages, events, self-assignment).

use super::change::Effects;
use super::views::MAX_LABELS;
use super::{activity, save};
use crate::domain::actor::Actor;
use crate::domain::agents::Agent;
use crate::domain::audit::{self, AuditActor, AuditChange};
use crate::domain::{query_all, write_in_chunks};
use crate::error::{AppError, AppResult};
use crate::keys::conversations as keys;
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Sender, Status};
use crate::model::team::Team;
use crate::model::{AgentBot, Record};
use crate::state::AppState;
use crate::store::{Query, WriteOp};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Moves the conversation to `status` with Chatwoot's bookkeeping: `snoozed_until` only
/// while snoozed, `waiting_since` cleared on resolve, the status activity (when someone
/// acted) and the status events.
pub fn set_status(
    conversation: &mut Conversation,
    status: Status,
    actor: Option<&Actor>,
    effects: &mut Effects,
) {
    let before = conversation.status;
    conversation.status = status;
    if status != Status::Snoozed {
        conversation.snoozed_until_ms = None;
    }
    if before == status {
        return;
    }
    if status == Status::Resolved {
        conversation.waiting_since_ms = None;
    }
    match actor {
        Some(Actor::Contact { name, .. }) if status == Status::Resolved => {
            effects.activities.push(activity::resolved_by_contact(name))
        }
        Some(actor) => effects
            .activities
            .push(activity::status_changed(status, actor.name())),
        None => {}
    }
}

/// `POST /toggle_status`: a bot handing a pending conversation over, an explicit status, or
/// the open ↔ resolved toggle; an agent ending with an open conversation becomes its assignee.
pub async fn toggle_status(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    status: Option<Status>,
    snoozed_until_ms: Option<i64>,
) -> AppResult<Conversation> {
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        let handoff = matches!(actor, Actor::Bot { .. })
            && c.status == Status::Pending
            && status == Some(Status::Open);
        let target = match status {
            Some(status) => status,
            None if c.status == Status::Open => Status::Resolved,
            None => Status::Open,
        };
        set_status(c, target, Some(actor), &mut effects);
        if target == Status::Snoozed {
            c.snoozed_until_ms = snoozed_until_ms;
        }
        if handoff {
            effects.event("conversation_bot_handoff", json!({}));
        } else if let (Some(user_id), true) = (actor.user_id(), actor.is_agent()) {
            if c.status == Status::Open && c.assignee_id != Some(user_id) {
                let previous = c.assignee_id;
                c.assignee_id = Some(user_id);
                c.assignee_agent_bot_id = None;
                effects.activities.push(activity::assignee_changed(
                    Some(actor.name()),
                    true,
                    actor.name(),
                ));
                effects.event(
                    "assignee_changed",
                    json!({"previous_assignee_id": previous, "assignee_id": user_id}),
                );
            }
        }
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// `POST /toggle_priority` and `PATCH /conversations/{id}`: set or clear the priority.
pub async fn set_priority(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    priority: Option<String>,
) -> AppResult<Conversation> {
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        if let Some(text) =
            activity::priority_changed(c.priority.as_deref(), priority.as_deref(), actor.name())
        {
            effects.activities.push(text);
        }
        c.priority = priority.clone();
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// Sets (or, with `None`, removes) the user assignee; the bot assignee is cleared.
pub async fn assign_agent(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    assignee: Option<&Agent>,
) -> AppResult<Conversation> {
    let assignee_id = assignee.map(|a| a.user.id);
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        if c.assignee_id != assignee_id {
            let self_assigned = assignee_id.is_some() && assignee_id == actor.user_id();
            effects.activities.push(activity::assignee_changed(
                assignee.map(|a| a.user.name.as_str()),
                self_assigned,
                actor.name(),
            ));
            effects.event(
                "assignee_changed",
                json!({"previous_assignee_id": c.assignee_id, "assignee_id": assignee_id}),
            );
        }
        c.assignee_id = assignee_id;
        c.assignee_agent_bot_id = None;
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// Hands the conversation to an agent bot: the user assignee is cleared.
pub async fn assign_bot(
    state: &AppState,
    conversation: Conversation,
    bot: &AgentBot,
) -> AppResult<Conversation> {
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        if c.assignee_agent_bot_id != Some(bot.id) || c.assignee_id.is_some() {
            effects.event(
                "assignee_changed",
                json!({"previous_assignee_id": c.assignee_id, "assignee_agent_bot_id": bot.id}),
            );
        }
        c.assignee_id = None;
        c.assignee_agent_bot_id = Some(bot.id);
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// Sets (or clears) the team. An assignee who is not in the new team is dropped, as
/// Chatwoot does (the team's members are one query).
pub async fn assign_team(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    team: Option<&Team>,
    previous_team: Option<&Team>,
) -> AppResult<Conversation> {
    let members: Option<BTreeSet<i64>> = match team {
        Some(team) => Some(
            crate::domain::teams::member_ids(state, team.account_id, team.id)
                .await?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let team_id = team.map(|t| t.id);
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        if c.team_id == team_id {
            return Ok(effects);
        }
        if let (Some(members), Some(assignee)) = (&members, c.assignee_id) {
            if !members.contains(&assignee) {
                c.assignee_id = None;
                effects.event(
                    "assignee_changed",
                    json!({"previous_assignee_id": assignee, "assignee_id": null}),
                );
            }
        }
        effects.activities.extend(activity::team_changed(
            team.map(|t| t.name.as_str()),
            previous_team.map(|t| t.name.as_str()),
            None,
            actor.name(),
        ));
        effects.event(
            "team_changed",
            json!({"previous_team_id": c.team_id, "team_id": team_id}),
        );
        c.team_id = team_id;
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// Replaces the label list (order kept, duplicates dropped), with added/removed activities.
pub async fn set_labels(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    labels: Vec<String>,
) -> AppResult<Conversation> {
    let mut wanted: Vec<String> = Vec::new();
    for label in labels {
        let label = label.trim().to_owned();
        if !label.is_empty() && !wanted.contains(&label) {
            wanted.push(label);
        }
    }
    if wanted.len() > MAX_LABELS {
        return Err(AppError::Unprocessable(json!(format!(
            "A conversation can carry at most {MAX_LABELS} labels"
        ))));
    }
    let (conversation, _) = save(state, conversation, |c| {
        let mut effects = Effects::default();
        let added: Vec<String> = wanted
            .iter()
            .filter(|l| !c.labels.contains(l))
            .cloned()
            .collect();
        let removed: Vec<String> = c
            .labels
            .iter()
            .filter(|l| !wanted.contains(l))
            .cloned()
            .collect();
        if !added.is_empty() {
            effects
                .activities
                .push(activity::labels_added(&added, actor.name()));
        }
        if !removed.is_empty() {
            effects
                .activities
                .push(activity::labels_removed(&removed, actor.name()));
        }
        c.labels = wanted.clone();
        Ok(effects)
    })
    .await?;
    Ok(conversation)
}

/// Replaces the custom attributes (`custom_attributes`) or removes some keys of them
/// (`destroy_custom_attributes`).
pub async fn change_custom_attributes(
    state: &AppState,
    conversation: Conversation,
    change: impl Fn(&mut Map<String, Value>),
) -> AppResult<Conversation> {
    let (conversation, _) = save(state, conversation, |c| {
        change(&mut c.custom_attributes);
        Ok(Effects::default())
    })
    .await?;
    Ok(conversation)
}

/// `update_last_seen`: the agents have read everything (and the assignee, if it is them).
pub async fn mark_seen(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
) -> AppResult<Conversation> {
    let now = state.clock.now_ms();
    let (conversation, _) = save(state, conversation, |c| {
        c.agent_last_seen_at_ms = Some(now);
        if actor.user_id().is_some() && c.assignee_id == actor.user_id() {
            c.assignee_last_seen_at_ms = Some(now);
        }
        c.unread_count = 0;
        Ok(Effects::default())
    })
    .await?;
    Ok(conversation)
}

/// `unread`: seen just before the last incoming message, so it counts as unread again.
pub async fn mark_unread(state: &AppState, conversation: Conversation) -> AppResult<Conversation> {
    let (conversation, _) = save(state, conversation, |c| {
        let seen = c.last_incoming_at_ms.map(|at| at - 1000);
        c.agent_last_seen_at_ms = seen;
        c.assignee_last_seen_at_ms = seen;
        c.unread_count = i64::from(seen.is_some());
        Ok(Effects::default())
    })
    .await?;
    Ok(conversation)
}

/// `mute` resolves the conversation and blocks its contact; `unmute` unblocks the contact.
pub async fn set_muted(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    contact: Contact,
    muted: bool,
) -> AppResult<()> {
    if contact.blocked != muted {
        crate::domain::save_versioned(state, contact, |c| {
            c.blocked = muted;
            c.updated_at_ms = state.clock.now_ms();
            Ok(Vec::new())
        })
        .await?;
    }
    save(state, conversation, |c| {
        let mut effects = Effects::default();
        if muted {
            set_status(c, Status::Resolved, Some(actor), &mut effects);
            effects.activities.push(activity::muted(actor.name()));
        } else {
            effects.activities.push(activity::unmuted(actor.name()));
        }
        Ok(effects)
    })
    .await?;
    Ok(())
}

/// `toggle_typing_status`: nothing is stored but the event.
pub async fn typing(
    state: &AppState,
    actor: &Actor,
    conversation: &Conversation,
    on: bool,
    private: bool,
) -> AppResult<()> {
    let name = if on {
        "conversation_typing_on"
    } else {
        "conversation_typing_off"
    };
    let sender = actor.sender();
    let payload = Map::from_iter([
        (
            "user".to_owned(),
            json!({"type": sender.map(Sender::type_name), "id": sender.map(Sender::id)}),
        ),
        ("is_private".to_owned(), json!(private)),
    ]);
    let event = super::events::record(conversation, name, payload, state.clock.now_ms());
    state.store.write(vec![event.write()]).await?;
    Ok(())
}

/// The conversation columns Chatwoot records when it audits a deletion: the stored fields but
/// this store's own bookkeeping (cached messages, counters, the flood guard) and the contact
/// inbox's columns.
const NOT_AUDITED: &[&str] = &[
    "channel_type",
    "source_id",
    "hmac_verified",
    "unread_count",
    "last_incoming_at_ms",
    "human_replies",
    "last_message",
    "last_non_activity_message",
    "csat_message_id",
    "flood_window_start_ms",
    "flood_window_messages",
];

/// Deletes the conversation and its view copies in one transaction (with its audit log entry:
/// Chatwoot audits only a conversation's deletion, so it is the record's first revision),
/// then its messages.
pub async fn delete(
    state: &AppState,
    conversation: &Conversation,
    actor: &AuditActor,
) -> AppResult<()> {
    let mut ops = vec![
        WriteOp::delete(conversation.key()),
        WriteOp::delete(keys::by_uuid(&conversation.uuid)),
    ];
    ops.extend(super::survey::survey_deletes(state, conversation).await?);
    ops.extend(super::views::view_writes(Some(conversation), None));
    ops.push(
        super::events::record(
            conversation,
            "conversation_deleted",
            Map::new(),
            state.clock.now_ms(),
        )
        .write(),
    );
    ops.extend(audit::entry(
        conversation.account_id,
        actor,
        state.clock.now_ms(),
        AuditChange::destroyed(
            "Conversation",
            Some(conversation.id),
            audit::attributes(conversation, NOT_AUDITED),
            1,
        ),
    ));
    state.store.write(ops).await?;
    let messages = query_all(
        state,
        Query::prefix(conversation.key().pk, keys::messages_prefix()),
    )
    .await?;
    let deletes = messages
        .iter()
        .filter_map(crate::store::Key::of)
        .map(WriteOp::delete)
        .collect();
    write_in_chunks(state, deletes).await
}

/// Every conversation of a contact (its view's four status partitions).
pub async fn of_contact(
    state: &AppState,
    account_id: i64,
    contact_id: i64,
) -> AppResult<Vec<Conversation>> {
    let scope = super::views::Scope::Contact(contact_id);
    let mut found = Vec::new();
    for status in Status::ALL {
        let query = Query::prefix(
            scope.partition(account_id, status),
            keys::view_entries_prefix(),
        );
        for item in query_all(state, query).await? {
            found.push(Conversation::from_item(item)?);
        }
    }
    Ok(found)
}

/// A deleted contact's conversations go with it (Chatwoot deletes them in a job).
pub async fn delete_of_contact(
    state: &AppState,
    account_id: i64,
    contact_id: i64,
) -> AppResult<()> {
    // Chatwoot deletes them in a job, whose audit entries have no user.
    let actor = AuditActor::without_user(None);
    for conversation in of_contact(state, account_id, contact_id).await? {
        delete(state, &conversation, &actor).await?;
    }
    Ok(())
}

/// A merged contact's conversations move to the contact it was merged into.
pub async fn move_to_contact(
    state: &AppState,
    account_id: i64,
    from: i64,
    to: i64,
) -> AppResult<()> {
    for conversation in of_contact(state, account_id, from).await? {
        save(state, conversation, |c| {
            c.contact_id = to;
            Ok(Effects::default())
        })
        .await?;
    }
    Ok(())
}

/// A bot's webhook failed for good: a conversation still waiting on the bot (`pending`)
/// is opened for the agents, with Chatwoot's note.
pub async fn open_after_bot_error(state: &AppState, conversation: Conversation) -> AppResult<()> {
    if conversation.status != Status::Pending {
        return Ok(());
    }
    save(state, conversation, |c| {
        let mut effects = Effects::default();
        if c.status == Status::Pending {
            set_status(c, Status::Open, None, &mut effects);
            effects
                .activities
                .push(activity::OPENED_AFTER_BOT_ERROR.to_owned());
        }
        Ok(effects)
    })
    .await?;
    Ok(())
}
