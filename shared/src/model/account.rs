use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Chatwoot's account feature flags and whether each is on for a new account
/// (`config/features.yml`, `ACCOUNT_LEVEL_FEATURE_DEFAULTS`).
pub const FEATURES: &[(&str, bool)] = &[
    ("inbound_emails", true),
    ("channel_email", true),
    ("channel_facebook", true),
    ("channel_twitter", true),
    ("ip_lookup", false),
    ("disable_branding", false),
    ("email_continuity_on_api_channel", false),
    ("help_center", true),
    ("agent_bots", true),
    ("macros", true),
    ("agent_management", true),
    ("team_management", true),
    ("inbox_management", true),
    ("labels", true),
    ("custom_attributes", true),
    ("automations", true),
    ("canned_responses", true),
    ("integrations", true),
    ("voice_recorder", true),
    ("mobile_v2", false),
    ("channel_website", true),
    ("campaigns", false),
    ("reports", true),
    ("crm", true),
    ("auto_resolve_conversations", true),
    ("custom_reply_email", false),
    ("custom_reply_domain", false),
    ("audit_logs", false),
    ("response_bot", false),
    ("message_reply_to", true),
    ("insert_article_in_reply", false),
    ("inbox_view", false),
    ("sla", false),
    ("help_center_embedding_search", false),
    ("linear_integration", false),
    ("captain_integration", false),
    ("custom_roles", false),
    ("chatwoot_v4", true),
    ("report_v4", true),
    ("contact_chatwoot_support_team", true),
    ("shopify_integration", false),
    ("search_with_gin", false),
    ("channel_instagram", true),
    ("crm_integration", false),
    ("channel_voice", false),
    ("notion_integration", false),
    ("captain_integration_v2", false),
    ("whatsapp_embedded_signup", false),
    ("whatsapp_campaign", false),
    ("crm_v2", false),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Suspended,
}

impl AccountStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(AccountStatus::Active),
            "suspended" => Some(AccountStatus::Suspended),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub locale: String,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub status: AccountStatus,
    /// Enabled feature names, in catalogue order.
    pub features: Vec<String>,
    pub custom_attributes: Map<String, Value>,
    pub limits: Map<String, Value>,
    pub settings: Map<String, Value>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Account {
    const ENTITY: &'static str = "account";

    fn key(&self) -> Key {
        keys::account(self.id)
    }
}

super::versioned!(Account);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Administrator,
}

impl Role {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "agent" => Some(Role::Agent),
            "administrator" => Some(Role::Administrator),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Administrator => "administrator",
        }
    }
}

/// A membership's `availability` values, in the order of Chatwoot's enum (its database
/// integers).
pub const AVAILABILITIES: &[&str] = &["online", "offline", "busy"];

/// Chatwoot's `AccountUser` row: a user's membership of an account. Stored twice in one
/// transaction: in the account partition (members of an account) and mirrored in the user
/// partition (a user's accounts, read with the user in one query).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Membership {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub inviter_id: Option<i64>,
    pub active_at_ms: Option<i64>,
    /// `online`, `offline` or `busy`.
    pub availability: String,
    pub auto_offline: bool,
    /// Copies of the account's name and status, refreshed when the account changes.
    pub account_name: String,
    pub account_status: AccountStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for Membership {
    const ENTITY: &'static str = "account_user";

    fn key(&self) -> Key {
        keys::account_member(self.account_id, self.user_id)
    }
}

impl super::Mirrored for Membership {
    fn mirror_key(&self) -> Key {
        keys::user_membership(self.user_id, self.account_id)
    }
}
