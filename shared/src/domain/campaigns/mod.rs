//! Campaigns (administrators only): ongoing campaigns of website inboxes, shown to visitors
//! by their trigger rules, and one-off campaigns of API inboxes, sent once at their scheduled
//! time to the contacts of their audience labels by [`oneoff::run_due`].
//!
//! Chatwoot runs one-off campaigns in SMS and WhatsApp inboxes, which this stack does not
//! serve; API inboxes take that role here (their messages reach the inbox's webhook).

pub mod oneoff;

use super::agents::{self, Agent};
use super::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use super::{query_records, retrying, save_versioned, store_conflict};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{self, campaigns as campaign_keys, inboxes as inbox_keys};
use crate::model::campaign::{Campaign, CampaignStatus, CampaignType, DueCampaign};
use crate::model::inbox::{Channel, Inbox};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, Index, Key, Query, SortKey, StoreError, WriteOp};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// What an administrator may set; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct CampaignChanges {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub message: Option<Option<String>>,
    pub inbox_id: Option<Option<i64>>,
    pub sender_id: Option<Option<i64>>,
    pub enabled: Option<bool>,
    pub trigger_only_during_business_hours: Option<bool>,
    pub trigger_rules: Option<Map<String, Value>>,
    pub template_params: Option<Map<String, Value>>,
    pub audience: Option<Vec<Value>>,
    /// `Some(None)`: cleared, or text that is not a time (Rails reads it as nil).
    pub scheduled_at_ms: Option<Option<i64>>,
}

/// What a campaign's references turned out to be, read in one batch before validating.
struct References {
    /// The inbox id the campaign will have (none: not given).
    inbox_id: Option<i64>,
    /// That inbox, if the account has it.
    inbox: Option<Inbox>,
    /// The sender is a user, but not a member of the account (Chatwoot checks members only:
    /// an unknown user id is let through and shows no sender).
    sender_outside_account: bool,
}

async fn resolve(
    state: &AppState,
    account_id: i64,
    inbox_id: Option<i64>,
    sender_id: Option<i64>,
) -> AppResult<References> {
    let mut wanted: Vec<Key> = inbox_id
        .map(|id| inbox_keys::inbox(account_id, id))
        .into_iter()
        .collect();
    if let Some(user_id) = sender_id {
        wanted.push(keys::account_member(account_id, user_id));
        wanted.push(keys::user(user_id));
    }
    if wanted.is_empty() {
        return Ok(References {
            inbox_id,
            inbox: None,
            sender_outside_account: false,
        });
    }
    let mut found = state.store.get_many(&wanted).await?.into_iter();
    let inbox = match inbox_id {
        Some(_) => found.next().flatten().map(Inbox::from_item).transpose()?,
        None => None,
    };
    let sender_outside_account = match (found.next(), found.next()) {
        (Some(membership), Some(user)) => membership.is_none() && user.is_some(),
        _ => false,
    };
    Ok(References {
        inbox_id,
        inbox,
        sender_outside_account,
    })
}

/// Chatwoot's `ensure_correct_campaign_attributes`: the inbox decides the type. Website
/// inboxes run ongoing campaigns (no schedule); API inboxes one-off campaigns, at once unless
/// scheduled.
fn conform_to_inbox(campaign: &mut Campaign, inbox: &Inbox, now_ms: i64) {
    match inbox.channel {
        Channel::Api(_) => {
            campaign.campaign_type = CampaignType::OneOff;
            campaign.scheduled_at_ms = campaign.scheduled_at_ms.or(Some(now_ms));
        }
        Channel::WebWidget(_) => {
            campaign.campaign_type = CampaignType::Ongoing;
            campaign.scheduled_at_ms = None;
        }
    }
}

/// Applies `changes` and validates the result in Chatwoot's order (its validations as
/// declared, the `belongs_to` inbox check, then the column-length guard).
fn apply(
    campaign: &mut Campaign,
    changes: &CampaignChanges,
    references: &References,
    now_ms: i64,
) -> AppResult<()> {
    let completed_before = campaign.campaign_status == CampaignStatus::Completed;
    let text = |change: &Option<Option<String>>, current: &mut String| {
        if let Some(value) = change {
            *current = value.clone().unwrap_or_default();
        }
    };
    text(&changes.title, &mut campaign.title);
    text(&changes.message, &mut campaign.message);
    if let Some(description) = &changes.description {
        campaign.description = description.clone();
    }
    if let Some(sender_id) = changes.sender_id {
        campaign.sender_id = sender_id;
    }
    if let Some(enabled) = changes.enabled {
        campaign.enabled = enabled;
    }
    if let Some(business_hours) = changes.trigger_only_during_business_hours {
        campaign.trigger_only_during_business_hours = business_hours;
    }
    if let Some(rules) = &changes.trigger_rules {
        campaign.trigger_rules = rules.clone();
    }
    if let Some(params) = &changes.template_params {
        campaign.template_params = params.clone();
    }
    if let Some(audience) = &changes.audience {
        campaign.audience = Some(audience.clone());
    }
    if let Some(scheduled_at_ms) = changes.scheduled_at_ms {
        campaign.scheduled_at_ms = scheduled_at_ms;
    }
    if let Some(inbox) = &references.inbox {
        campaign.inbox_id = inbox.id;
        conform_to_inbox(campaign, inbox, now_ms);
    }

    let mut errors = ValidationErrors::new();
    if references.inbox_id.is_none() {
        errors.add("inbox_id", "can't be blank");
    }
    validate::presence(&mut errors, "title", Some(&campaign.title));
    validate::presence(&mut errors, "message", Some(&campaign.message));
    if let (Some(url), Some(Channel::WebWidget(_))) = (
        campaign
            .trigger_rules
            .get("url")
            .filter(|url| !url.is_null()),
        references.inbox.as_ref().map(|inbox| &inbox.channel),
    ) {
        let web_address = url
            .as_str()
            .is_some_and(|url| url.starts_with("http://") || url.starts_with("https://"));
        if !web_address {
            errors.add("url", "invalid");
        }
    }
    if completed_before {
        errors.add("status", "The campaign is already completed");
    }
    if references.sender_outside_account {
        errors.add(
            "sender_id",
            "must belong to the same account as the campaign",
        );
    }
    if references.inbox.is_none() {
        errors.add("inbox", "must exist");
    }
    validate::max_length(&mut errors, "title", Some(&campaign.title), STRING_COLUMN);
    validate::max_length(
        &mut errors,
        "description",
        campaign.description.as_deref(),
        TEXT_COLUMN,
    );
    validate::max_length(&mut errors, "message", Some(&campaign.message), TEXT_COLUMN);
    errors.into_result()
}

/// The writes that move the campaign's due entry from `before` to `after`.
fn due_writes(before: Option<DueCampaign>, after: Option<DueCampaign>) -> Vec<WriteOp> {
    if before == after {
        return Vec::new();
    }
    let removed = before.map(|due| WriteOp::delete(due.key()));
    let added = after.map(|due| WriteOp::put(due.to_item()));
    removed.into_iter().chain(added).collect()
}

/// Every campaign of the account, by display id (Chatwoot's database order): one query.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Campaign>> {
    query_records(
        state,
        Query::prefix(
            keys::account_partition(account_id),
            campaign_keys::campaigns_prefix(),
        ),
    )
    .await
}

/// The inbox's campaigns, by display id: one GSI1 query.
pub async fn list_of_inbox(state: &AppState, inbox: &Inbox) -> AppResult<Vec<Campaign>> {
    query_records(
        state,
        Query {
            index: Index::Gsi1,
            pk: campaign_keys::inbox_index_partition(inbox.account_id, inbox.id),
            sk: SortKey::All,
            forward: true,
            limit: None,
            cursor: None,
        },
    )
    .await
}

/// One campaign of the account by display id; unknown → 404.
pub async fn load(state: &AppState, account_id: i64, display_id: i64) -> AppResult<Campaign> {
    let item = state
        .store
        .get(&campaign_keys::campaign(account_id, display_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Campaign::from_item(item)?)
}

/// A campaign with what its JSON shows: its inbox and its sender (as an agent of the account).
#[derive(Debug, Clone)]
pub struct Shown {
    pub campaign: Campaign,
    pub inbox: Inbox,
    pub sender: Option<Agent>,
}

/// The campaigns with their inboxes and senders, read in batches (one per 100 inboxes, one
/// per 50 senders). A campaign whose inbox is gone is left out: it goes with its inbox.
pub async fn shown(
    state: &AppState,
    account_id: i64,
    campaigns: Vec<Campaign>,
) -> AppResult<Vec<Shown>> {
    let inbox_ids: Vec<i64> = campaigns
        .iter()
        .map(|c| c.inbox_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let sender_ids: Vec<i64> = campaigns
        .iter()
        .filter_map(|c| c.sender_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (inboxes, senders) = futures::try_join!(
        super::inboxes::load_many(state, account_id, &inbox_ids),
        agents::load_many(state, account_id, &sender_ids),
    )?;
    let inboxes: HashMap<i64, Inbox> = inboxes.into_iter().map(|i| (i.id, i)).collect();
    let senders: HashMap<i64, Agent> = senders.into_iter().map(|a| (a.user.id, a)).collect();
    Ok(campaigns
        .into_iter()
        .filter_map(|campaign| {
            let inbox = inboxes.get(&campaign.inbox_id)?.clone();
            let sender = campaign.sender_id.and_then(|id| senders.get(&id).cloned());
            Some(Shown {
                campaign,
                inbox,
                sender,
            })
        })
        .collect())
}

/// [`shown`] for one campaign; one whose inbox is gone is not found.
pub async fn shown_one(state: &AppState, campaign: Campaign) -> AppResult<Shown> {
    shown(state, campaign.account_id, vec![campaign])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Creates a campaign: its references read in one batch, a display id from the account's
/// counter once it is valid, then one transaction (the campaign and, for a one-off campaign,
/// its due entry).
pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &CampaignChanges,
) -> AppResult<Campaign> {
    let references = resolve(
        state,
        account_id,
        changes.inbox_id.flatten(),
        changes.sender_id.flatten(),
    )
    .await?;
    let now = epoch_ms(state.clock.now());
    let mut campaign = blank(account_id, now);
    apply(&mut campaign, changes, &references, now)?;
    campaign.display_id = state
        .store
        .increment(&campaign_keys::display_id_counter(account_id), "value", 1)
        .await?;
    let mut ops = vec![WriteOp::create(campaign.to_item())];
    ops.extend(due_writes(None, campaign.due_entry()));
    retrying(store_conflict, || state.store.write(ops.clone())).await?;
    Ok(campaign)
}

/// A campaign with nothing set yet: what [`apply`] fills in from a create request.
fn blank(account_id: i64, now_ms: i64) -> Campaign {
    Campaign {
        display_id: 0,
        account_id,
        inbox_id: 0,
        sender_id: None,
        title: String::new(),
        description: None,
        message: String::new(),
        enabled: true,
        trigger_only_during_business_hours: false,
        trigger_rules: Map::new(),
        template_params: Map::new(),
        audience: None,
        campaign_type: CampaignType::Ongoing,
        campaign_status: CampaignStatus::Active,
        scheduled_at_ms: None,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
        version: 0,
    }
}

/// Updates a campaign (versioned), moving its due entry in the same transaction. A completed
/// campaign takes no change (422, as Chatwoot).
pub async fn update(
    state: &AppState,
    campaign: Campaign,
    changes: &CampaignChanges,
) -> AppResult<Campaign> {
    let inbox_id = changes.inbox_id.unwrap_or(Some(campaign.inbox_id));
    let sender_id = changes.sender_id.unwrap_or(campaign.sender_id);
    let references = resolve(state, campaign.account_id, inbox_id, sender_id).await?;
    let now = epoch_ms(state.clock.now());
    save_versioned(state, campaign, |campaign| {
        let before = campaign.due_entry();
        apply(campaign, changes, &references, now)?;
        campaign.updated_at_ms = now;
        Ok(due_writes(before, campaign.due_entry()))
    })
    .await
}

/// Deletes a campaign and its due entry. The conversations it opened keep their
/// `campaign_id` (Chatwoot nulls it).
pub async fn delete(state: &AppState, campaign: &Campaign) -> AppResult<()> {
    let mut ops = vec![WriteOp::Delete {
        key: campaign.key(),
        condition: Some(Condition::Exists),
    }];
    ops.extend(due_writes(campaign.due_entry(), None));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed { op: 0 }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Deletes the campaigns of a deleted inbox (Chatwoot destroys them with it): one index
/// query, then transactions of up to 100 writes (a campaign and its due entry together).
pub async fn delete_of_inbox(state: &AppState, inbox: &Inbox) -> AppResult<()> {
    let ops: Vec<Vec<WriteOp>> = list_of_inbox(state, inbox)
        .await?
        .iter()
        .map(|campaign| {
            let mut ops = vec![WriteOp::delete(campaign.key())];
            ops.extend(due_writes(campaign.due_entry(), None));
            ops
        })
        .collect();
    super::write_groups(state, ops).await
}

/// Rails' cast of a `scheduled_at` parameter: an RFC 3339 time, or epoch seconds; anything
/// else is nil.
pub fn parse_scheduled_at(value: &Value) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    match value {
        Value::Number(n) => n.as_f64().map(|seconds| (seconds * 1000.0).round() as i64),
        Value::String(text) => time::OffsetDateTime::parse(text.trim(), &Rfc3339)
            .ok()
            .map(epoch_ms),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft() -> Campaign {
        Campaign {
            display_id: 1,
            ..blank(1, 0)
        }
    }

    #[test]
    fn validation_order_is_chatwoots() {
        let nothing = References {
            inbox_id: None,
            inbox: None,
            sender_outside_account: true,
        };
        let Err(AppError::Validation(errors)) =
            apply(&mut draft(), &CampaignChanges::default(), &nothing, 0)
        else {
            panic!("blank campaign accepted");
        };
        assert_eq!(
            errors.message(),
            "Inbox can't be blank, Title can't be blank, Message can't be blank, \
             Sender must belong to the same account as the campaign, Inbox must exist"
        );
        assert_eq!(
            errors.attributes(),
            ["inbox_id", "title", "message", "sender_id", "inbox"]
        );
    }

    #[test]
    fn scheduled_at_is_a_time_or_nothing() {
        assert_eq!(
            parse_scheduled_at(&json!("2027-01-15T10:00:00Z")),
            Some(1_800_007_200_000)
        );
        assert_eq!(
            parse_scheduled_at(&json!("2027-01-15T11:00:00.250+01:00")),
            Some(1_800_007_200_250)
        );
        assert_eq!(
            parse_scheduled_at(&json!(1_800_007_200)),
            Some(1_800_007_200_000)
        );
        assert_eq!(parse_scheduled_at(&json!("next tuesday")), None);
        assert_eq!(parse_scheduled_at(&json!(null)), None);
    }

    #[test]
    fn due_entry_moves_with_the_schedule() {
        let mut campaign = draft();
        assert_eq!(campaign.due_entry(), None);
        campaign.campaign_type = CampaignType::OneOff;
        campaign.scheduled_at_ms = Some(5_000);
        let first = campaign.due_entry();
        assert!(first.is_some());
        assert!(due_writes(first.clone(), first.clone()).is_empty());
        campaign.scheduled_at_ms = Some(6_000);
        let moved = due_writes(first.clone(), campaign.due_entry());
        assert_eq!(moved.len(), 2);
        campaign.campaign_status = CampaignStatus::Completed;
        assert_eq!(campaign.due_entry(), None);
        assert_eq!(due_writes(first, None).len(), 1);
    }
}
