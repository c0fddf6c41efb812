//! Inboxes (Chatwoot's `inboxes` row with its channel embedded), inbox members, the agent-bot
//! link and the public lookup item.

use super::Record;
use crate::keys::inboxes as inbox_keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Chatwoot's `working_hours` row for one day of the week (0 = Sunday).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkingHour {
    pub day_of_week: i64,
    pub closed_all_day: bool,
    pub open_hour: Option<i64>,
    pub open_minutes: Option<i64>,
    pub close_hour: Option<i64>,
    pub close_minutes: Option<i64>,
    pub open_all_day: bool,
}

impl WorkingHour {
    /// Chatwoot's seven default rows: Sunday and Saturday closed, weekdays 09:00–17:00.
    pub fn default_week() -> Vec<WorkingHour> {
        (0..7)
            .map(|day| {
                let closed = day == 0 || day == 6;
                WorkingHour {
                    day_of_week: day,
                    closed_all_day: closed,
                    open_hour: (!closed).then_some(9),
                    open_minutes: (!closed).then_some(0),
                    close_hour: (!closed).then_some(17),
                    close_minutes: (!closed).then_some(0),
                    open_all_day: false,
                }
            })
            .collect()
    }
}

/// `Channel::Api`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiChannel {
    /// The public `inbox_identifier` the Client API is addressed by.
    pub identifier: String,
    pub hmac_token: String,
    pub webhook_url: Option<String>,
    pub hmac_mandatory: bool,
    pub additional_attributes: Map<String, Value>,
}

/// `Channel::WebWidget`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebWidgetChannel {
    pub website_token: String,
    pub hmac_token: String,
    pub website_url: String,
    pub widget_color: String,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    /// `in_a_few_minutes`, `in_a_few_hours` or `in_a_day`.
    pub reply_time: String,
    pub pre_chat_form_enabled: bool,
    pub pre_chat_form_options: Map<String, Value>,
    pub continuity_via_email: bool,
    pub hmac_mandatory: bool,
    pub allowed_domains: String,
    /// Enabled widget feature flags, in Chatwoot's flag order.
    pub feature_flags: Vec<String>,
}

/// The channel an inbox is an instance of; its type never changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Channel {
    Api(ApiChannel),
    WebWidget(WebWidgetChannel),
}

impl Channel {
    /// Chatwoot's `channel_type` (the channel's class name).
    pub fn channel_type(&self) -> &'static str {
        match self {
            Channel::Api(_) => "Channel::Api",
            Channel::WebWidget(_) => "Channel::WebWidget",
        }
    }

    /// The `channel[type]` parameter naming this kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::Api(_) => "api",
            Channel::WebWidget(_) => "web_widget",
        }
    }

    /// The identifier the public APIs address the inbox by.
    pub fn public_identifier(&self) -> &str {
        match self {
            Channel::Api(api) => &api.identifier,
            Channel::WebWidget(widget) => &widget.website_token,
        }
    }

    pub fn hmac_token(&self) -> &str {
        match self {
            Channel::Api(api) => &api.hmac_token,
            Channel::WebWidget(widget) => &widget.hmac_token,
        }
    }

    pub fn hmac_mandatory(&self) -> bool {
        match self {
            Channel::Api(api) => api.hmac_mandatory,
            Channel::WebWidget(widget) => widget.hmac_mandatory,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Inbox {
    pub id: i64,
    pub account_id: i64,
    /// The id of the channel row in Chatwoot; here a number of its own, fixed at creation.
    pub channel_id: i64,
    pub name: String,
    pub channel: Channel,
    pub avatar_key: Option<String>,
    pub greeting_enabled: bool,
    pub greeting_message: Option<String>,
    pub working_hours_enabled: bool,
    pub enable_email_collect: bool,
    pub csat_survey_enabled: bool,
    pub csat_config: Map<String, Value>,
    pub enable_auto_assignment: bool,
    pub auto_assignment_config: Map<String, Value>,
    pub out_of_office_message: Option<String>,
    /// Seven rows, by day of week.
    pub working_hours: Vec<WorkingHour>,
    pub timezone: String,
    pub allow_messages_after_resolved: bool,
    pub lock_to_single_conversation: bool,
    /// `friendly` or `professional`.
    pub sender_name_type: String,
    pub business_name: Option<String>,
    pub portal_id: Option<i64>,
    /// The connected agent bot (mirrored by a `BOT_INBOX#` item).
    pub agent_bot_id: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Inbox {
    const ENTITY: &'static str = "inbox";

    fn key(&self) -> Key {
        inbox_keys::inbox(self.account_id, self.id)
    }
}

super::versioned!(Inbox);

/// The public lookup: identifier → account and inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublicInbox {
    pub identifier: String,
    pub account_id: i64,
    pub inbox_id: i64,
    /// `api` or `web_widget`.
    pub channel: String,
}

impl Record for PublicInbox {
    const ENTITY: &'static str = "public_inbox";

    fn key(&self) -> Key {
        inbox_keys::public_inbox(&self.identifier)
    }
}

/// Chatwoot's `inbox_members` row. Stored twice in one transaction: under the inbox (members
/// of an inbox) and under the user (inboxes of an agent), both in the account partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InboxMember {
    pub account_id: i64,
    pub inbox_id: i64,
    pub user_id: i64,
    pub created_at_ms: i64,
}

impl Record for InboxMember {
    const ENTITY: &'static str = "inbox_member";

    fn key(&self) -> Key {
        inbox_keys::inbox_member(self.account_id, self.inbox_id, self.user_id)
    }
}

impl super::Mirrored for InboxMember {
    fn mirror_key(&self) -> Key {
        inbox_keys::user_inbox(self.account_id, self.user_id, self.inbox_id)
    }
}

/// Chatwoot's `agent_bot_inboxes` row: a bot connected to an inbox of the account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AgentBotInbox {
    pub account_id: i64,
    pub inbox_id: i64,
    pub agent_bot_id: i64,
    /// `active` (Chatwoot's default; nothing here sets it otherwise yet).
    pub status: String,
    pub created_at_ms: i64,
}

impl Record for AgentBotInbox {
    const ENTITY: &'static str = "agent_bot_inbox";

    fn key(&self) -> Key {
        inbox_keys::bot_inbox(self.account_id, self.agent_bot_id, self.inbox_id)
    }
}
