//! Running one-off campaigns when their time comes (the scheduler function's job, and the
//! local server's timer): Chatwoot's `TriggerScheduledItemsJob` with its one-off campaign
//! services.
//!
//! Each run reads the due entries up to now (one query of their shared partition) and, for
//! each, claims the campaign: it is marked completed and its entry deleted in one
//! transaction that holds only at the version read, so of two runs at the same time one
//! sends and the other finds nothing. Then every contact carrying one of the audience labels
//! gets a new conversation in the campaign's API inbox, opened by the campaign's message,
//! through the usual conversation service (so its events reach the inbox's webhook). As in
//! Chatwoot, the campaign is completed before it is sent: a run that stops half-way leaves
//! the remaining contacts unsent rather than sending anything twice.

use crate::domain::conversations::builder::{self, NewConversation};
use crate::domain::conversations::change::NewMessage;
use crate::domain::{contact_index, contacts, inboxes, query_records, retrying, store_conflict};
use crate::error::{AppError, AppResult};
use crate::keys::{self, campaigns as campaign_keys};
use crate::model::campaign::{Campaign, CampaignStatus, DueCampaign};
use crate::model::contact::Contact;
use crate::model::conversation::Sender;
use crate::model::inbox::{Channel, Inbox};
use crate::model::{Label, Record};
use crate::state::AppState;
use crate::store::{Condition, Query, SortKey, StoreError, WriteOp, MAX_BATCH_GET};
use futures::StreamExt;
use serde_json::{json, Map};

/// Chatwoot triggers campaigns scheduled within the last three days; an older entry (the job
/// did not run for that long) is dropped unsent.
pub const TRIGGER_WINDOW_MS: i64 = 3 * 24 * 60 * 60 * 1000;

/// Conversations opened at the same time while a campaign is sent.
const PARALLEL_SENDS: usize = 4;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// Campaigns this run claimed and sent.
    pub campaigns: usize,
    /// Conversations those campaigns opened.
    pub conversations: usize,
}

/// Runs every one-off campaign that is due.
pub async fn run_due(state: &AppState) -> AppResult<RunReport> {
    let now = state.clock.now_ms();
    let (from, until) = campaign_keys::due_between(0, now);
    let due: Vec<DueCampaign> = query_records(
        state,
        Query {
            sk: SortKey::Between(from, until),
            ..Query::partition(campaign_keys::due_partition())
        },
    )
    .await?;
    let mut report = RunReport::default();
    for entry in due {
        if entry.scheduled_at_ms < now - TRIGGER_WINDOW_MS {
            state
                .store
                .write(vec![WriteOp::delete(entry.key())])
                .await?;
            continue;
        }
        let Some(campaign) = claim(state, &entry, now).await? else {
            continue;
        };
        report.campaigns += 1;
        report.conversations += send(state, &campaign).await?;
    }
    Ok(report)
}

/// Marks the entry's campaign completed and deletes the entry, in one transaction that holds
/// only if neither changed since they were read. `None`: there is nothing (more) to send —
/// the campaign is gone or was changed (its current entry, if any, is found by a later run),
/// or another run claimed it first.
async fn claim(state: &AppState, entry: &DueCampaign, now_ms: i64) -> AppResult<Option<Campaign>> {
    let key = campaign_keys::campaign(entry.account_id, entry.display_id);
    let current = match state.store.get(&key).await? {
        Some(item) => Campaign::from_item(item)?,
        None => {
            state
                .store
                .write(vec![WriteOp::delete(entry.key())])
                .await?;
            return Ok(None);
        }
    };
    if current.due_entry().as_ref() != Some(entry) {
        return Ok(None);
    }
    let mut completed = current.clone();
    completed.campaign_status = CampaignStatus::Completed;
    completed.updated_at_ms = now_ms;
    completed.version += 1;
    let ops = vec![
        WriteOp::replace_version(completed.to_item(), current.version),
        WriteOp::Delete {
            key: entry.key(),
            condition: Some(Condition::Exists),
        },
    ];
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(Some(completed)),
        Err(StoreError::ConditionFailed { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Opens one conversation per audience contact in the campaign's inbox; answers how many.
/// Only API inboxes send one-off campaigns here; a contact whose conversation cannot be
/// opened is logged and skipped.
async fn send(state: &AppState, campaign: &Campaign) -> AppResult<usize> {
    let inbox = match inboxes::load(state, campaign.account_id, campaign.inbox_id).await {
        Ok(inbox) if matches!(inbox.channel, Channel::Api(_)) => inbox,
        Ok(_) | Err(AppError::NotFound) => return Ok(0),
        Err(e) => return Err(e),
    };
    let sender = sender(state, campaign).await?;
    let audience = audience(state, campaign).await?;
    let opened = futures::stream::iter(audience)
        .map(|contact| open_conversation(state, campaign, &inbox, contact, sender))
        .buffer_unordered(PARALLEL_SENDS)
        .filter(|opened| futures::future::ready(*opened))
        .count()
        .await;
    Ok(opened)
}

async fn open_conversation(
    state: &AppState,
    campaign: &Campaign,
    inbox: &Inbox,
    contact: Contact,
    sender: Option<Sender>,
) -> bool {
    let mut additional_attributes = Map::new();
    additional_attributes.insert("campaign_id".into(), json!(campaign.display_id));
    let message = NewMessage {
        content: Some(campaign.message.clone()),
        additional_attributes,
        ..NewMessage::default()
    };
    let new = NewConversation {
        campaign_id: Some(campaign.display_id),
        message: Some((message, sender)),
        ..NewConversation::default()
    };
    match builder::create(state, inbox, &contact, new).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(
                error = %e,
                account_id = campaign.account_id,
                campaign = campaign.display_id,
                contact = contact.id,
                "campaign message not sent"
            );
            false
        }
    }
}

/// The campaign's sender, if that user still exists (Chatwoot's optional `sender`).
async fn sender(state: &AppState, campaign: &Campaign) -> AppResult<Option<Sender>> {
    let Some(user_id) = campaign.sender_id else {
        return Ok(None);
    };
    let exists = state.store.get(&keys::user(user_id)).await?.is_some();
    Ok(exists.then_some(Sender::User(user_id)))
}

/// The contacts tagged with any of the audience's labels (Chatwoot's `tagged_with(any)`): the
/// labels by id (one batch read per 100), one query of each label's contact entries, then
/// the contacts (one batch read per 100).
pub async fn audience(state: &AppState, campaign: &Campaign) -> AppResult<Vec<Contact>> {
    let account_id = campaign.account_id;
    let mut titles = Vec::new();
    for chunk in campaign.audience_label_ids().chunks(MAX_BATCH_GET) {
        let wanted: Vec<_> = chunk
            .iter()
            .map(|id| keys::label(account_id, *id))
            .collect();
        for item in state.store.get_many(&wanted).await?.into_iter().flatten() {
            titles.push(Label::from_item(item)?.title);
        }
    }
    if titles.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = contact_index::labelled(state, account_id, &titles)
        .await?
        .into_iter()
        .collect();
    contacts::load_many(state, account_id, &ids).await
}
