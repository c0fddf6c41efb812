//! Campaigns: a message an account sends to contacts, either to website visitors while a
//! rule holds (ongoing) or once, at a scheduled time, to the contacts of some labels (one-off).

use super::Record;
use crate::keys::campaigns as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CampaignType {
    Ongoing,
    OneOff,
}

impl CampaignType {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignType::Ongoing => "ongoing",
            CampaignType::OneOff => "one_off",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Active,
    Completed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Active => "active",
            CampaignStatus::Completed => "completed",
        }
    }
}

/// Chatwoot's `Campaign`, addressed by its per-account `display_id` (the `id` of the API).
/// The conversations a campaign opens carry this display id as their `campaign_id`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Campaign {
    pub display_id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The user the campaign's messages are sent as (none: sent by no one).
    pub sender_id: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    pub message: String,
    pub enabled: bool,
    pub trigger_only_during_business_hours: bool,
    /// Website campaigns: `url`, `time_on_page`, as sent.
    pub trigger_rules: Map<String, Value>,
    /// WhatsApp template parameters, kept as sent.
    pub template_params: Map<String, Value>,
    /// One-off campaigns: `[{"type": "Label", "id": <label id>}, …]`, as sent.
    pub audience: Option<Vec<Value>>,
    pub campaign_type: CampaignType,
    pub campaign_status: CampaignStatus,
    /// One-off campaigns only.
    pub scheduled_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Campaign {
    /// The entry the scheduler finds the campaign by while it waits to be run: one-off
    /// campaigns that are still active.
    pub fn due_entry(&self) -> Option<DueCampaign> {
        let waiting = self.campaign_type == CampaignType::OneOff
            && self.campaign_status == CampaignStatus::Active;
        self.scheduled_at_ms
            .filter(|_| waiting)
            .map(|scheduled_at_ms| DueCampaign {
                account_id: self.account_id,
                display_id: self.display_id,
                scheduled_at_ms,
            })
    }

    /// The ids of the labels the audience names (Chatwoot reads the `Label` entries only).
    pub fn audience_label_ids(&self) -> Vec<i64> {
        self.audience
            .iter()
            .flatten()
            .filter(|entry| entry.get("type").and_then(Value::as_str) == Some("Label"))
            .filter_map(|entry| match entry.get("id")? {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .collect()
    }
}

impl Record for Campaign {
    const ENTITY: &'static str = "campaign";

    fn key(&self) -> Key {
        keys::campaign(self.account_id, self.display_id)
    }

    fn index_key(&self) -> Option<(String, String)> {
        Some(keys::inbox_index(
            self.account_id,
            self.inbox_id,
            self.display_id,
        ))
    }
}

super::versioned!(Campaign);

/// A one-off campaign waiting for its time, in the partition the scheduler reads. Written and
/// deleted in the transactions that change the campaign, and deleted by the run that claims it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DueCampaign {
    pub account_id: i64,
    pub display_id: i64,
    pub scheduled_at_ms: i64,
}

impl Record for DueCampaign {
    const ENTITY: &'static str = "campaign_due";

    fn key(&self) -> Key {
        keys::due(self.scheduled_at_ms, self.account_id, self.display_id)
    }
}
