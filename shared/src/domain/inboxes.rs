//! Inboxes: API and website-widget channels, their members, their agent bot, and the public
//! lookup of an inbox by its identifier.
//!
//! Writes that go together (one transaction each unless chunked):
//! * create: the inbox (must not exist) + its public lookup item (must not exist) + the
//!   account's inbox cache key;
//! * update, avatar, agent bot: the versioned inbox + cache key (+ the `BOT_INBOX#` link moves);
//! * members: both copies of each membership + cache key, in chunks of 100 operations;
//!
//! Each create, update and delete of an inbox and each membership change also writes its
//! audit log entry (and the log's counter) in the transaction of the change.
//! * delete: `inbox_deleted` outbox event + cache key + every member pair + bot link + public
//!   lookup + the inbox (last, so a failed later chunk leaves a deletable inbox behind), in
//!   chunks of 100 operations.

use super::audit::{self, AuditActor, AuditChange};
use super::avatars::{self, AvatarUpload};
use super::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use super::{
    agents, create_with_fresh_id, query_all, save_versioned, touch_cache_key, write_groups,
    CacheKey,
};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{self, inboxes as inbox_keys};
use crate::model::inbox::{
    AgentBotInbox, ApiChannel, Channel, Inbox, InboxMember, PublicInbox, WebWidgetChannel,
    WorkingHour,
};
use crate::model::Mirrored;
use crate::model::{epoch_ms, AgentBot, Record};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::{Key, Query, StoreError, WriteOp, MAX_BATCH_GET, MAX_TRANSACTION_OPS, SK};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

pub const DEFAULT_WIDGET_COLOR: &str = "#1f93ff";
pub const REPLY_TIMES: &[&str] = &["in_a_few_minutes", "in_a_few_hours", "in_a_day"];
/// The website widget's feature flags, in Chatwoot's flag order.
pub const WIDGET_FEATURE_FLAGS: &[&str] = &[
    "attachments",
    "emoji_picker",
    "end_conversation",
    "use_inbox_avatar_for_bot",
];
/// Chatwoot's column default (7): the first three flags.
const DEFAULT_WIDGET_FLAGS: usize = 3;
pub const SENDER_NAME_TYPES: &[&str] = &["friendly", "professional"];
/// The channel types this stack can create (`channel[type]`).
pub const CHANNEL_TYPES: &[&str] = &["api", "web_widget"];
const MESSAGE_MAX: usize = 10_000;
const URL_MAX: usize = 2048;
pub const DELETION_MESSAGE: &str = "Your inbox deletion request will be processed in some time.";

/// Channel attributes from `channel: {...}`; `None` leaves a field as it is. Fields of the
/// other channel type are ignored.
#[derive(Debug, Default, Clone)]
pub struct ChannelChanges {
    /// `channel[type]`: only read on create.
    pub kind: Option<String>,
    pub webhook_url: Option<Option<String>>,
    pub hmac_mandatory: Option<bool>,
    pub additional_attributes: Option<Map<String, Value>>,
    pub website_url: Option<Option<String>>,
    pub widget_color: Option<Option<String>>,
    pub welcome_title: Option<Option<String>>,
    pub welcome_tagline: Option<Option<String>>,
    pub reply_time: Option<Option<String>>,
    pub pre_chat_form_enabled: Option<bool>,
    pub pre_chat_form_options: Option<Map<String, Value>>,
    pub continuity_via_email: Option<bool>,
    pub allowed_domains: Option<Option<String>>,
    pub selected_feature_flags: Option<Vec<String>>,
}

/// One `working_hours: [...]` row: the day it changes and the values sent.
#[derive(Debug, Default, Clone)]
pub struct WorkingHourChange {
    pub day_of_week: i64,
    pub closed_all_day: Option<bool>,
    pub open_all_day: Option<bool>,
    pub open_hour: Option<Option<i64>>,
    pub open_minutes: Option<Option<i64>>,
    pub close_hour: Option<Option<i64>>,
    pub close_minutes: Option<Option<i64>>,
}

/// What an administrator may set on an inbox; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct InboxChanges {
    pub name: Option<Option<String>>,
    pub greeting_enabled: Option<bool>,
    pub greeting_message: Option<Option<String>>,
    pub enable_email_collect: Option<bool>,
    pub csat_survey_enabled: Option<bool>,
    pub csat_config: Option<Map<String, Value>>,
    pub enable_auto_assignment: Option<bool>,
    pub auto_assignment_config: Option<Map<String, Value>>,
    pub working_hours_enabled: Option<bool>,
    pub out_of_office_message: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
    pub allow_messages_after_resolved: Option<bool>,
    pub lock_to_single_conversation: Option<bool>,
    pub portal_id: Option<Option<i64>>,
    pub sender_name_type: Option<Option<String>>,
    pub business_name: Option<Option<String>>,
    pub channel: Option<ChannelChanges>,
    pub working_hours: Option<Vec<WorkingHourChange>>,
    pub avatar: Option<AvatarUpload>,
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// Time-zone names the inbox accepts: the tz database's identifiers, spelled exactly (as
/// Chatwoot's inclusion in TZInfo's list). The database is jiff's bundled copy, the same one
/// reports compute business hours with, so every accepted name resolves there.
pub fn timezone_is_valid(name: &str) -> bool {
    static NAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
        jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .collect()
    });
    NAMES.contains(name)
}

/// Ruby's `to_i` on a JSON value, for "must be greater than 0" checks; `None` when blank.
fn ruby_to_i(value: &Value) -> Option<i64> {
    match value {
        Value::Null => None,
        Value::Bool(false) => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Object(o) if o.is_empty() => None,
        Value::Number(n) => Some(n.as_f64().map(|f| f.trunc() as i64).unwrap_or(0)),
        Value::String(s) => {
            let s = s.trim_start();
            let (sign, body) = match s.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, s.strip_prefix('+').unwrap_or(s)),
            };
            let digits: String = body.chars().take_while(char::is_ascii_digit).collect();
            Some(sign * digits.parse::<i64>().unwrap_or(0))
        }
        _ => Some(0),
    }
}

/// Chatwoot's `format_csat_config`: defaults filled in, only known keys kept.
fn format_csat_config(config: &Map<String, Value>) -> Map<String, Value> {
    let text = |key: &str, default: &str| match config.get(key) {
        Some(Value::Null) | None => json!(default),
        Some(value) => value.clone(),
    };
    let rules = config.get("survey_rules").and_then(Value::as_object);
    let rule = |key: &str, default: Value| match rules.and_then(|r| r.get(key)) {
        Some(Value::Null) | None => default,
        Some(value) => value.clone(),
    };
    let mut formatted = Map::new();
    formatted.insert("display_type".into(), text("display_type", "emoji"));
    formatted.insert("message".into(), text("message", ""));
    formatted.insert(
        "survey_rules".into(),
        json!({
            "operator": rule("operator", json!("contains")),
            "values": rule("values", json!([])),
        }),
    );
    formatted.insert("button_text".into(), text("button_text", "Please rate us"));
    formatted.insert("language".into(), text("language", "en"));
    if let Some(template) = config.get("template").filter(|t| is_present(t)) {
        formatted.insert("template".into(), template.clone());
    }
    formatted
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// The widget's pre-chat form when none with fields is given (Chatwoot's model default).
pub fn default_pre_chat_form_options() -> Map<String, Value> {
    let options = json!({
        "pre_chat_message": "Share your queries or comments here.",
        "pre_chat_fields": [
            {"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email", "required": true, "enabled": false},
            {"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text", "required": false, "enabled": false},
            {"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text", "required": false, "enabled": false},
        ]
    });
    match options {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn new_channel(kind: &str) -> Option<Channel> {
    match kind {
        "api" => Some(Channel::Api(ApiChannel {
            identifier: String::new(),
            hmac_token: String::new(),
            webhook_url: None,
            hmac_mandatory: false,
            additional_attributes: Map::new(),
        })),
        "web_widget" => Some(Channel::WebWidget(WebWidgetChannel {
            website_token: String::new(),
            hmac_token: String::new(),
            website_url: String::new(),
            widget_color: DEFAULT_WIDGET_COLOR.into(),
            welcome_title: None,
            welcome_tagline: None,
            reply_time: REPLY_TIMES[0].into(),
            pre_chat_form_enabled: false,
            pre_chat_form_options: Map::new(),
            continuity_via_email: true,
            hmac_mandatory: false,
            allowed_domains: String::new(),
            feature_flags: WIDGET_FEATURE_FLAGS[..DEFAULT_WIDGET_FLAGS]
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
        })),
        _ => None,
    }
}

/// Applies channel attributes and validates the channel (Chatwoot's `Channel::*` models).
fn apply_channel(channel: &mut Channel, changes: &ChannelChanges) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    match channel {
        Channel::Api(api) => {
            if let Some(url) = &changes.webhook_url {
                api.webhook_url = url.clone();
            }
            if let Some(mandatory) = changes.hmac_mandatory {
                api.hmac_mandatory = mandatory;
            }
            if let Some(attributes) = &changes.additional_attributes {
                api.additional_attributes = attributes.clone();
            }
            validate::max_length(
                &mut errors,
                "webhook_url",
                api.webhook_url.as_deref(),
                URL_MAX,
            );
            if let Some(window) = api.additional_attributes.get("agent_reply_time_window") {
                if ruby_to_i(window).is_some_and(|hours| hours <= 0) {
                    errors.add(
                        "agent_reply_time_window",
                        "agent_reply_time_window must be greater than 0",
                    );
                }
            }
        }
        Channel::WebWidget(widget) => {
            if let Some(url) = &changes.website_url {
                widget.website_url = url.clone().unwrap_or_default();
            }
            if let Some(color) = &changes.widget_color {
                widget.widget_color = color.clone().unwrap_or_default();
            }
            if let Some(title) = &changes.welcome_title {
                widget.welcome_title = title.clone();
            }
            if let Some(tagline) = &changes.welcome_tagline {
                widget.welcome_tagline = tagline.clone();
            }
            if let Some(enabled) = changes.pre_chat_form_enabled {
                widget.pre_chat_form_enabled = enabled;
            }
            if let Some(options) = &changes.pre_chat_form_options {
                widget.pre_chat_form_options = options.clone();
            }
            if let Some(continuity) = changes.continuity_via_email {
                widget.continuity_via_email = continuity;
            }
            if let Some(mandatory) = changes.hmac_mandatory {
                widget.hmac_mandatory = mandatory;
            }
            if let Some(domains) = &changes.allowed_domains {
                widget.allowed_domains = domains.clone().unwrap_or_default();
            }
            // Chatwoot fills in its default form whenever the options carry no fields.
            let has_fields = widget
                .pre_chat_form_options
                .get("pre_chat_fields")
                .is_some_and(is_present);
            if !has_fields {
                widget.pre_chat_form_options = default_pre_chat_form_options();
            }
            validate::presence(&mut errors, "website_url", Some(&widget.website_url));
            validate::presence(&mut errors, "widget_color", Some(&widget.widget_color));
            validate::max_length(
                &mut errors,
                "website_url",
                Some(&widget.website_url),
                STRING_COLUMN,
            );
            validate::max_length(
                &mut errors,
                "widget_color",
                Some(&widget.widget_color),
                STRING_COLUMN,
            );
            validate::max_length(
                &mut errors,
                "welcome_title",
                widget.welcome_title.as_deref(),
                STRING_COLUMN,
            );
            validate::max_length(
                &mut errors,
                "welcome_tagline",
                widget.welcome_tagline.as_deref(),
                STRING_COLUMN,
            );
            validate::max_length(
                &mut errors,
                "allowed_domains",
                Some(&widget.allowed_domains),
                TEXT_COLUMN,
            );
            if let Some(reply_time) = &changes.reply_time {
                let reply_time = reply_time.clone().unwrap_or_default();
                if REPLY_TIMES.contains(&reply_time.as_str()) {
                    widget.reply_time = reply_time;
                } else {
                    errors.add("reply_time", "is not included in the list");
                }
            }
            if let Some(flags) = &changes.selected_feature_flags {
                let chosen: Vec<&str> = flags
                    .iter()
                    .map(|f| f.trim())
                    .filter(|f| !f.is_empty())
                    .collect();
                if chosen.iter().all(|f| WIDGET_FEATURE_FLAGS.contains(f)) {
                    widget.feature_flags = WIDGET_FEATURE_FLAGS
                        .iter()
                        .filter(|f| chosen.contains(f))
                        .map(|f| (*f).to_owned())
                        .collect();
                } else {
                    errors.add("selected_feature_flags", "is not included in the list");
                }
            }
        }
    }
    errors
}

/// Applies one working-hours row. Chatwoot saves each row with `update` (not `update!`), so
/// a row that fails its validations is left as it was, silently.
fn apply_working_hour(rows: &mut [WorkingHour], change: &WorkingHourChange) {
    let Some(row) = rows
        .iter_mut()
        .find(|r| r.day_of_week == change.day_of_week)
    else {
        return;
    };
    let mut next = row.clone();
    if let Some(closed) = change.closed_all_day {
        next.closed_all_day = closed;
    }
    if let Some(open) = change.open_all_day {
        next.open_all_day = open;
    }
    for (slot, value) in [
        (&mut next.open_hour, change.open_hour),
        (&mut next.open_minutes, change.open_minutes),
        (&mut next.close_hour, change.close_hour),
        (&mut next.close_minutes, change.close_minutes),
    ] {
        if let Some(value) = value {
            *slot = value;
        }
    }
    if next.open_all_day {
        next.open_hour = Some(0);
        next.open_minutes = Some(0);
        next.close_hour = Some(23);
        next.close_minutes = Some(59);
    }
    if working_hour_is_valid(&next) {
        *row = next;
    }
}

fn working_hour_is_valid(row: &WorkingHour) -> bool {
    if row.open_all_day && row.closed_all_day {
        return false;
    }
    if row.closed_all_day {
        return true;
    }
    let hour = |h: Option<i64>| h.filter(|h| (0..=23).contains(h));
    let minute = |m: Option<i64>| m.filter(|m| (0..=59).contains(m));
    match (
        hour(row.open_hour),
        minute(row.open_minutes),
        hour(row.close_hour),
        minute(row.close_minutes),
    ) {
        (Some(oh), Some(om), Some(ch), Some(cm)) => oh * 60 + om < ch * 60 + cm,
        _ => false,
    }
}

/// Applies inbox attributes and validates the inbox (Chatwoot's `Inbox` model).
fn apply_inbox(inbox: &mut Inbox, changes: &InboxChanges, errors: &mut ValidationErrors) {
    if let Some(name) = &changes.name {
        inbox.name = name.clone().unwrap_or_default();
    }
    let flags: [(Option<bool>, &mut bool); 7] = [
        (changes.greeting_enabled, &mut inbox.greeting_enabled),
        (
            changes.enable_email_collect,
            &mut inbox.enable_email_collect,
        ),
        (changes.csat_survey_enabled, &mut inbox.csat_survey_enabled),
        (
            changes.enable_auto_assignment,
            &mut inbox.enable_auto_assignment,
        ),
        (
            changes.working_hours_enabled,
            &mut inbox.working_hours_enabled,
        ),
        (
            changes.allow_messages_after_resolved,
            &mut inbox.allow_messages_after_resolved,
        ),
        (
            changes.lock_to_single_conversation,
            &mut inbox.lock_to_single_conversation,
        ),
    ];
    for (change, slot) in flags {
        if let Some(value) = change {
            *slot = value;
        }
    }
    if let Some(message) = &changes.greeting_message {
        inbox.greeting_message = message.clone();
    }
    if let Some(message) = &changes.out_of_office_message {
        inbox.out_of_office_message = message.clone();
    }
    if let Some(business_name) = &changes.business_name {
        inbox.business_name = business_name.clone();
    }
    if let Some(portal_id) = changes.portal_id {
        inbox.portal_id = portal_id;
    }
    if let Some(timezone) = &changes.timezone {
        inbox.timezone = timezone.clone().unwrap_or_default();
    }
    if let Some(config) = changes.csat_config.as_ref().filter(|c| !c.is_empty()) {
        inbox.csat_config = format_csat_config(config);
    }
    if let Some(config) = &changes.auto_assignment_config {
        inbox.auto_assignment_config = config
            .iter()
            .filter(|(k, _)| k.as_str() == "max_assignment_limit")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    if let Some(rows) = &changes.working_hours {
        for change in rows {
            apply_working_hour(&mut inbox.working_hours, change);
        }
    }
    validate::presence(errors, "name", Some(&inbox.name));
    validate::max_length(errors, "name", Some(&inbox.name), STRING_COLUMN);
    if !timezone_is_valid(&inbox.timezone) {
        errors.add("timezone", "is not included in the list");
    }
    validate::max_length(
        errors,
        "out_of_office_message",
        inbox.out_of_office_message.as_deref(),
        MESSAGE_MAX,
    );
    validate::max_length(
        errors,
        "greeting_message",
        inbox.greeting_message.as_deref(),
        MESSAGE_MAX,
    );
    validate::max_length(
        errors,
        "business_name",
        inbox.business_name.as_deref(),
        STRING_COLUMN,
    );
    if let Some(kind) = &changes.sender_name_type {
        let kind = kind.clone().unwrap_or_default();
        if SENDER_NAME_TYPES.contains(&kind.as_str()) {
            inbox.sender_name_type = kind;
        } else {
            errors.add("sender_name_type", "is not included in the list");
        }
    }
    if let Some(limit) = inbox.auto_assignment_config.get("max_assignment_limit") {
        if ruby_to_i(limit).is_some_and(|n| n <= 0) {
            errors.add(
                "auto_assignment_config",
                "max_assignment_limit must be greater than 0",
            );
        }
    }
}

/// An update: the inbox's attributes first, then (if they pass) its channel's, as Chatwoot
/// updates the inbox before the channel.
fn apply_update(inbox: &mut Inbox, changes: &InboxChanges) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    apply_inbox(inbox, changes, &mut errors);
    errors.into_result()?;
    if let Some(channel) = &changes.channel {
        apply_channel(&mut inbox.channel, channel).into_result()?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// The ids at the end of the sort keys of a prefix query in the account partition.
async fn trailing_ids(state: &AppState, account_id: i64, prefix: String) -> AppResult<Vec<i64>> {
    let items = query_all(
        state,
        Query::prefix(keys::account_partition(account_id), prefix),
    )
    .await?;
    Ok(items
        .iter()
        .filter_map(|item| item.get(SK)?.as_str().and_then(inbox_keys::trailing_id))
        .collect())
}

/// Chatwoot's `order_by_name`: lower-cased name, then id.
fn sort_by_name(inboxes: &mut [Inbox]) {
    inboxes.sort_by_cached_key(|i| (i.name.to_lowercase(), i.id));
}

/// Every inbox of the account, by name.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Inbox>> {
    let items = query_all(
        state,
        Query::prefix(
            keys::account_partition(account_id),
            inbox_keys::inboxes_prefix(),
        ),
    )
    .await?;
    let mut inboxes = items
        .into_iter()
        .map(Inbox::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    sort_by_name(&mut inboxes);
    Ok(inboxes)
}

/// The inboxes a user sees (Chatwoot's `assigned_inboxes`): all for administrators, the
/// ones they are a member of for agents; by name.
pub async fn list_visible(
    state: &AppState,
    account_id: i64,
    user_id: i64,
    administrator: bool,
) -> AppResult<Vec<Inbox>> {
    if administrator {
        return list(state, account_id).await;
    }
    let ids = inbox_ids_of_agent(state, account_id, user_id).await?;
    let mut inboxes = load_many(state, account_id, &ids).await?;
    sort_by_name(&mut inboxes);
    Ok(inboxes)
}

/// Inboxes of the account among `ids` (missing ones skipped), in the order given.
pub async fn load_many(state: &AppState, account_id: i64, ids: &[i64]) -> AppResult<Vec<Inbox>> {
    let mut inboxes = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_BATCH_GET) {
        let keys: Vec<Key> = chunk
            .iter()
            .map(|id| inbox_keys::inbox(account_id, *id))
            .collect();
        for item in state.store.get_many(&keys).await?.into_iter().flatten() {
            inboxes.push(Inbox::from_item(item)?);
        }
    }
    Ok(inboxes)
}

/// One inbox of the account; another account's inbox is not found.
pub async fn load(state: &AppState, account_id: i64, inbox_id: i64) -> AppResult<Inbox> {
    let item = state
        .store
        .get(&inbox_keys::inbox(account_id, inbox_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Inbox::from_item(item)?)
}

/// Chatwoot's `fetch_inbox` with `authorize @inbox, :show?`: the inbox (404), then access
/// for administrators and the inbox's members only (401). One batch read.
pub async fn load_visible(
    state: &AppState,
    account_id: i64,
    inbox_id: i64,
    user_id: i64,
    administrator: bool,
) -> AppResult<Inbox> {
    let mut found = state
        .store
        .get_many(&[
            inbox_keys::inbox(account_id, inbox_id),
            inbox_keys::inbox_member(account_id, inbox_id, user_id),
        ])
        .await?
        .into_iter();
    let inbox = found
        .next()
        .flatten()
        .map(Inbox::from_item)
        .transpose()?
        .ok_or(AppError::NotFound)?;
    let member = found.next().flatten().is_some();
    if administrator || member {
        Ok(inbox)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The inbox an identifier (API `inbox_identifier`, widget `website_token`) names: account
/// and inbox ids, one `GetItem`. For the Client API and the widget.
pub async fn find_public(state: &AppState, identifier: &str) -> AppResult<Option<PublicInbox>> {
    if identifier.is_empty() {
        return Ok(None);
    }
    state
        .store
        .get(&inbox_keys::public_inbox(identifier))
        .await?
        .map(PublicInbox::from_item)
        .transpose()
        .map_err(Into::into)
}

/// The inbox itself, by public identifier (two reads).
pub async fn load_public(state: &AppState, identifier: &str) -> AppResult<Option<Inbox>> {
    let Some(lookup) = find_public(state, identifier).await? else {
        return Ok(None);
    };
    match load(state, lookup.account_id, lookup.inbox_id).await {
        Ok(inbox) => Ok(Some(inbox)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Inbox writes
// ---------------------------------------------------------------------------------------

fn draft_inbox(account_id: i64, channel: Channel, now: i64) -> Inbox {
    Inbox {
        id: 0,
        account_id,
        channel_id: 0,
        name: String::new(),
        channel,
        avatar_key: None,
        greeting_enabled: false,
        greeting_message: None,
        working_hours_enabled: false,
        enable_email_collect: true,
        csat_survey_enabled: false,
        csat_config: Map::new(),
        enable_auto_assignment: true,
        auto_assignment_config: Map::new(),
        out_of_office_message: None,
        working_hours: WorkingHour::default_week(),
        timezone: "UTC".into(),
        allow_messages_after_resolved: true,
        lock_to_single_conversation: false,
        sender_name_type: SENDER_NAME_TYPES[0].into(),
        business_name: None,
        portal_id: None,
        agent_bot_id: None,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    }
}

/// The inbox columns Chatwoot audits: the channel, avatar, working hours and bot link live in
/// tables of their own there.
fn audited(inbox: &Inbox) -> Map<String, Value> {
    let mut attributes = audit::attributes(
        inbox,
        &["channel", "avatar_key", "working_hours", "agent_bot_id"],
    );
    attributes.insert("channel_type".into(), json!(inbox.channel.channel_type()));
    attributes
}

fn channel_must_exist(errors: &mut ValidationErrors) {
    errors.add_full("channel", "Channel must exist");
}

/// Creates an inbox with its channel. The channel is validated first (Chatwoot creates it
/// before the inbox); an unknown or missing `channel[type]` leaves the inbox without a
/// channel: "Channel must exist".
pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &InboxChanges,
    actor: &AuditActor,
) -> AppResult<Inbox> {
    let now = epoch_ms(state.clock.now());
    let channel_changes = changes.channel.clone().unwrap_or_default();
    let mut errors = ValidationErrors::new();
    let channel = match new_channel(channel_changes.kind.as_deref().unwrap_or_default()) {
        Some(mut channel) => {
            apply_channel(&mut channel, &channel_changes).into_result()?;
            channel
        }
        None => {
            channel_must_exist(&mut errors);
            // Stands in so the inbox's own rules can be reported with the missing channel.
            new_channel("api").expect("api is a channel type")
        }
    };
    let mut draft = draft_inbox(account_id, channel, now);
    apply_inbox(&mut draft, changes, &mut errors);
    errors.into_result()?;
    if let Some(upload) = &changes.avatar {
        draft.avatar_key = Some(avatars::store(state, "inboxes", upload).await?);
    }
    let created = create_with_fresh_id(state, |id| {
        let mut inbox = Inbox {
            id,
            channel_id: crate::ids::new_id(now),
            ..draft.clone()
        };
        match &mut inbox.channel {
            Channel::Api(api) => {
                api.identifier = crate::ids::access_token();
                api.hmac_token = crate::ids::access_token();
            }
            Channel::WebWidget(widget) => {
                widget.website_token = crate::ids::access_token();
                widget.hmac_token = crate::ids::access_token();
            }
        }
        let lookup = PublicInbox {
            identifier: inbox.channel.public_identifier().to_owned(),
            account_id,
            inbox_id: id,
            channel: inbox.channel.kind().to_owned(),
        };
        let mut ops = vec![
            WriteOp::create(inbox.to_item()),
            WriteOp::create(lookup.to_item()),
            touch_cache_key(account_id, CacheKey::Inbox, now),
        ];
        ops.extend(audit::entry(
            account_id,
            actor,
            now,
            AuditChange::created("Inbox", Some(id), audited(&inbox)),
        ));
        (inbox, ops)
    })
    .await;
    match created {
        Ok(inbox) => Ok(inbox),
        Err(e) => {
            avatars::discard(state, draft.avatar_key.as_deref()).await;
            Err(match e {
                // A 24-character random identifier drawn twice: retrying is safe.
                StoreError::ConditionFailed { op: 1 } => AppError::Unavailable,
                other => other.into(),
            })
        }
    }
}

/// Updates inbox attributes, the channel's attributes (`channel: {...}`, the type cannot
/// change), working-hours rows and the avatar.
pub async fn update(
    state: &AppState,
    inbox: Inbox,
    changes: &InboxChanges,
    actor: &AuditActor,
) -> AppResult<Inbox> {
    let now = epoch_ms(state.clock.now());
    // Validate before storing an avatar, so a refused change leaves no file behind.
    let mut probe = inbox.clone();
    apply_update(&mut probe, changes)?;
    let new_avatar = match &changes.avatar {
        Some(upload) => Some(avatars::store(state, "inboxes", upload).await?),
        None => None,
    };
    let old_avatar = inbox.avatar_key.clone();
    let account_id = inbox.account_id;
    let saved = save_versioned(state, inbox, |inbox| {
        let before = audited(inbox);
        apply_update(inbox, changes)?;
        if new_avatar.is_some() {
            inbox.avatar_key = new_avatar.clone();
        }
        inbox.updated_at_ms = now;
        let mut ops = vec![touch_cache_key(account_id, CacheKey::Inbox, now)];
        if let Some(change) = AuditChange::updated(
            "Inbox",
            inbox.id,
            &before,
            &audited(inbox),
            inbox.version + 2,
        ) {
            ops.extend(audit::entry(account_id, actor, now, change));
        }
        Ok(ops)
    })
    .await;
    match saved {
        Ok(inbox) => {
            if new_avatar.is_some() {
                avatars::discard(state, old_avatar.as_deref()).await;
            }
            Ok(inbox)
        }
        Err(e) => {
            avatars::discard(state, new_avatar.as_deref()).await;
            Err(e)
        }
    }
}

pub async fn remove_avatar(state: &AppState, inbox: Inbox) -> AppResult<Inbox> {
    let now = epoch_ms(state.clock.now());
    let old = inbox.avatar_key.clone();
    let account_id = inbox.account_id;
    let updated = save_versioned(state, inbox, |inbox| {
        inbox.avatar_key = None;
        inbox.updated_at_ms = now;
        Ok(vec![touch_cache_key(account_id, CacheKey::Inbox, now)])
    })
    .await?;
    avatars::discard(state, old.as_deref()).await;
    Ok(updated)
}

/// Deletes the inbox, its public lookup, its memberships (both copies) and its bot link, and
/// records `inbox_deleted` (in the first transaction), from which a later stage purges the
/// inbox's conversations and contact inboxes, as Chatwoot's deletion job does. Its campaigns
/// and avatar file go right after, in [`crate::domain::cascades::inbox_deletion`].
pub async fn delete(state: &AppState, inbox: &Inbox, actor: &AuditActor) -> AppResult<()> {
    let now = epoch_ms(state.clock.now());
    let account_id = inbox.account_id;
    let members = member_ids(state, account_id, inbox.id).await?;
    let event = EventRecord::new(
        account_id,
        "inbox_deleted",
        json!({
            "id": inbox.id,
            "account_id": account_id,
            "name": inbox.name,
            "channel_id": inbox.channel_id,
            "channel_type": inbox.channel.channel_type(),
        }),
        now,
    );
    let mut ops = vec![
        event.write(),
        touch_cache_key(account_id, CacheKey::Inbox, now),
    ];
    ops.extend(audit::entry(
        account_id,
        actor,
        now,
        AuditChange::destroyed("Inbox", Some(inbox.id), audited(inbox), inbox.version + 2),
    ));
    let leaving: Vec<Vec<WriteOp>> = members
        .into_iter()
        .map(|user_id| leave_group(account_id, inbox.id, user_id))
        .collect();
    if let Some(bot_id) = inbox.agent_bot_id {
        ops.push(WriteOp::delete(inbox_keys::bot_inbox(
            account_id, bot_id, inbox.id,
        )));
    }
    ops.push(WriteOp::delete(inbox_keys::public_inbox(
        inbox.channel.public_identifier(),
    )));
    ops.push(WriteOp::delete(inbox.key()));
    let mut groups = vec![ops];
    groups.extend(leaving);
    write_groups(state, groups).await
}

// ---------------------------------------------------------------------------------------
// Agent bot
// ---------------------------------------------------------------------------------------

/// Chatwoot's `AgentBot.accessible_to(account).find(id)`: a bot of this account or a system
/// bot (no account); any other is not found.
pub async fn find_accessible_bot(
    state: &AppState,
    account_id: i64,
    bot_id: i64,
) -> AppResult<AgentBot> {
    let item = state
        .store
        .get(&keys::agent_bot(bot_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let bot = AgentBot::from_item(item)?;
    match bot.account_id {
        Some(owner) if owner != account_id => Err(AppError::NotFound),
        _ => Ok(bot),
    }
}

/// The bot connected to the inbox, if it still exists.
pub async fn agent_bot_of(state: &AppState, inbox: &Inbox) -> AppResult<Option<AgentBot>> {
    let Some(bot_id) = inbox.agent_bot_id else {
        return Ok(None);
    };
    state
        .store
        .get(&keys::agent_bot(bot_id))
        .await?
        .map(AgentBot::from_item)
        .transpose()
        .map_err(Into::into)
}

/// Connects a bot to the inbox (replacing any other) or, with `None`, disconnects it. The
/// link is kept on the inbox and as a `BOT_INBOX#<bot>#<inbox>` item in the account
/// partition, in the same transaction.
pub async fn set_agent_bot(
    state: &AppState,
    inbox: Inbox,
    bot: Option<&AgentBot>,
) -> AppResult<Inbox> {
    let now = epoch_ms(state.clock.now());
    let account_id = inbox.account_id;
    let wanted = bot.map(|b| b.id);
    save_versioned(state, inbox, |inbox| {
        let previous = inbox.agent_bot_id;
        inbox.agent_bot_id = wanted;
        inbox.updated_at_ms = now;
        let mut ops = vec![touch_cache_key(account_id, CacheKey::Inbox, now)];
        if let Some(previous) = previous.filter(|p| Some(*p) != wanted) {
            ops.push(WriteOp::delete(inbox_keys::bot_inbox(
                account_id, previous, inbox.id,
            )));
        }
        if let Some(bot_id) = wanted {
            let link = AgentBotInbox {
                account_id,
                inbox_id: inbox.id,
                agent_bot_id: bot_id,
                status: "active".into(),
                created_at_ms: now,
            };
            ops.push(WriteOp::put(link.to_item()));
        }
        Ok(ops)
    })
    .await
}

/// Disconnects a bot from every inbox of the account it is attached to (when the bot goes).
pub async fn detach_bot(state: &AppState, account_id: i64, bot_id: i64) -> AppResult<()> {
    let links = trailing_ids(state, account_id, inbox_keys::bot_inboxes_prefix(bot_id)).await?;
    for inbox in load_many(state, account_id, &links).await? {
        set_agent_bot(state, inbox, None).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------

/// The 422 Chatwoot answers when an inbox member is no user (here: no agent of the account).
pub fn user_must_exist() -> AppError {
    let mut errors = ValidationErrors::new();
    errors.add_full("user", "User must exist");
    AppError::Validation(errors)
}

/// User ids of the inbox's members (one query).
pub async fn member_ids(state: &AppState, account_id: i64, inbox_id: i64) -> AppResult<Vec<i64>> {
    trailing_ids(
        state,
        account_id,
        inbox_keys::inbox_members_prefix(inbox_id),
    )
    .await
}

/// Ids of the inboxes the user is a member of in the account (one query). Used for agents'
/// inbox lists and conversation visibility.
pub async fn inbox_ids_of_agent(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<Vec<i64>> {
    trailing_ids(state, account_id, inbox_keys::user_inboxes_prefix(user_id)).await
}

/// Whether the user is a member of the inbox (one `GetItem`).
pub async fn is_member(
    state: &AppState,
    account_id: i64,
    inbox_id: i64,
    user_id: i64,
) -> AppResult<bool> {
    Ok(state
        .store
        .get(&inbox_keys::inbox_member(account_id, inbox_id, user_id))
        .await?
        .is_some())
}

/// Every id must be an agent of the account, or nothing is written.
async fn require_agents(state: &AppState, account_id: i64, user_ids: &[i64]) -> AppResult<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let found: BTreeSet<i64> = agents::load_many(state, account_id, user_ids)
        .await?
        .iter()
        .map(|a| a.user.id)
        .collect();
    if user_ids.iter().all(|id| found.contains(id)) {
        Ok(())
    } else {
        Err(user_must_exist())
    }
}

/// Moves inboxes in or out (+1 / −1) of an agent's inbox set: one write for the item.
fn inbox_set_move(account_id: i64, user_id: i64, moves: &[(i64, i64)]) -> WriteOp {
    WriteOp::Add {
        key: inbox_keys::agent_inbox_set(account_id, user_id),
        deltas: moves
            .iter()
            .map(|(inbox_id, by)| (inbox_keys::inbox_set_attribute(*inbox_id), *by))
            .collect(),
    }
}

/// The writes of one user joining an inbox: both membership copies (the inbox side must be
/// new, so the agent's inbox set counts it once) and the agent's inbox set.
fn join_writes(account_id: i64, inbox_id: i64, user_id: i64, now: i64) -> Vec<WriteOp> {
    let member = InboxMember {
        account_id,
        inbox_id,
        user_id,
        created_at_ms: now,
    };
    let [item, mirror] = member.items();
    vec![
        WriteOp::create(item),
        WriteOp::put(mirror),
        inbox_set_move(account_id, user_id, &[(inbox_id, 1)]),
    ]
}

/// Both membership copies of a user leaving an inbox (the inbox side must exist, so the
/// agent's inbox set, moved alongside, counts it once).
fn leave_writes(account_id: i64, inbox_id: i64, user_id: i64) -> [WriteOp; 2] {
    [
        WriteOp::Delete {
            key: inbox_keys::inbox_member(account_id, inbox_id, user_id),
            condition: Some(crate::store::Condition::Exists),
        },
        WriteOp::delete(inbox_keys::user_inbox(account_id, user_id, inbox_id)),
    ]
}

/// One user leaving one inbox, with the inbox set.
fn leave_group(account_id: i64, inbox_id: i64, user_id: i64) -> Vec<WriteOp> {
    let mut group = leave_writes(account_id, inbox_id, user_id).to_vec();
    group.push(inbox_set_move(account_id, user_id, &[(inbox_id, -1)]));
    group
}

/// What Chatwoot audits of a membership row joining or leaving an inbox.
fn membership_attributes(inbox_id: i64, user_id: i64) -> Map<String, Value> {
    Map::from_iter([
        ("inbox_id".to_owned(), json!(inbox_id)),
        ("user_id".to_owned(), json!(user_id)),
    ])
}

/// Membership changes of an inbox, one group per user with its audit log entry (a lost race
/// fails its transaction: 503, and a retry sees the new state).
async fn change_membership(
    state: &AppState,
    inbox: &Inbox,
    add: &[i64],
    remove: &[i64],
    actor: &AuditActor,
) -> AppResult<()> {
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let now = epoch_ms(state.clock.now());
    let mut groups = vec![vec![touch_cache_key(
        inbox.account_id,
        CacheKey::Inbox,
        now,
    )]];
    let audit = |change: AuditChange| audit::entry(inbox.account_id, actor, now, change);
    groups.extend(add.iter().map(|user| {
        let mut group = join_writes(inbox.account_id, inbox.id, *user, now);
        let attributes = membership_attributes(inbox.id, *user);
        group.extend(audit(AuditChange::created("InboxMember", None, attributes)));
        group
    }));
    groups.extend(remove.iter().map(|user| {
        let mut group = leave_group(inbox.account_id, inbox.id, *user);
        let attributes = membership_attributes(inbox.id, *user);
        group.extend(audit(AuditChange::destroyed(
            "InboxMember",
            None,
            attributes,
            2,
        )));
        group
    }));
    write_groups(state, groups).await
}

fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// Adds the users not yet members (each must be an agent of the account); answers every
/// member's id.
pub async fn add_members(
    state: &AppState,
    inbox: &Inbox,
    user_ids: &[i64],
    actor: &AuditActor,
) -> AppResult<Vec<i64>> {
    let current = member_ids(state, inbox.account_id, inbox.id).await?;
    let add: Vec<i64> = distinct(user_ids)
        .into_iter()
        .filter(|id| !current.contains(id))
        .collect();
    require_agents(state, inbox.account_id, &add).await?;
    change_membership(state, inbox, &add, &[], actor).await?;
    Ok(current.into_iter().chain(add).collect())
}

/// Makes the member set exactly `user_ids` (new ones must be agents of the account); answers
/// every member's id.
pub async fn set_members(
    state: &AppState,
    inbox: &Inbox,
    user_ids: &[i64],
    actor: &AuditActor,
) -> AppResult<Vec<i64>> {
    let wanted = distinct(user_ids);
    let current = member_ids(state, inbox.account_id, inbox.id).await?;
    let add: Vec<i64> = wanted
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();
    let remove: Vec<i64> = current
        .iter()
        .copied()
        .filter(|id| !wanted.contains(id))
        .collect();
    require_agents(state, inbox.account_id, &add).await?;
    change_membership(state, inbox, &add, &remove, actor).await?;
    Ok(wanted)
}

/// Removes those of `user_ids` who are members; others are ignored.
pub async fn remove_members(
    state: &AppState,
    inbox: &Inbox,
    user_ids: &[i64],
    actor: &AuditActor,
) -> AppResult<()> {
    let current = member_ids(state, inbox.account_id, inbox.id).await?;
    let remove: Vec<i64> = distinct(user_ids)
        .into_iter()
        .filter(|id| current.contains(id))
        .collect();
    change_membership(state, inbox, &[], &remove, actor).await
}

/// Removes a user from every inbox of the account (both copies of each membership): what
/// removing an agent from the account must do. One query, then chunked writes.
pub async fn remove_agent_from_all(
    state: &AppState,
    account_id: i64,
    user_id: i64,
) -> AppResult<()> {
    let inbox_ids = inbox_ids_of_agent(state, account_id, user_id).await?;
    if inbox_ids.is_empty() {
        return Ok(());
    }
    let now = epoch_ms(state.clock.now());
    // The agent's inbox set is one item: one `Add` per transaction moves all its attributes.
    for inbox_ids in inbox_ids.chunks(MAX_TRANSACTION_OPS / 2 - 1) {
        let mut ops = vec![touch_cache_key(account_id, CacheKey::Inbox, now)];
        for inbox_id in inbox_ids {
            ops.extend(leave_writes(account_id, *inbox_id, user_id));
        }
        let moves: Vec<(i64, i64)> = inbox_ids.iter().map(|id| (*id, -1)).collect();
        ops.push(inbox_set_move(account_id, user_id, &moves));
        state.store.write(ops).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones() {
        for (name, ok) in [
            ("UTC", true),
            ("America/New_York", true),
            ("America/Argentina/Buenos_Aires", true),
            ("Asia/Kolkata", true),
            ("Etc/GMT+5", true),
            ("Etc/GMT-14", true),
            ("Etc/GMT+13", false),
            ("Japan", true),
            ("", false),
            ("Nowhere", false),
            ("Mars/Olympus_Mons", false),
            ("America/", false),
            ("America/new york", false),
            ("America/Atlantis", false),
            ("utc", false),
        ] {
            assert_eq!(timezone_is_valid(name), ok, "{name}");
        }
    }

    #[test]
    fn working_hours_rows() {
        let mut week = WorkingHour::default_week();
        assert_eq!(week.len(), 7);
        assert!(week[0].closed_all_day && week[6].closed_all_day);
        assert_eq!((week[1].open_hour, week[1].close_hour), (Some(9), Some(17)));
        apply_working_hour(
            &mut week,
            &WorkingHourChange {
                day_of_week: 1,
                open_hour: Some(Some(8)),
                close_hour: Some(Some(20)),
                ..WorkingHourChange::default()
            },
        );
        assert_eq!((week[1].open_hour, week[1].close_hour), (Some(8), Some(20)));
        // Closing before opening is refused silently, as Chatwoot's `update` does.
        apply_working_hour(
            &mut week,
            &WorkingHourChange {
                day_of_week: 2,
                open_hour: Some(Some(18)),
                ..WorkingHourChange::default()
            },
        );
        assert_eq!(week[2].open_hour, Some(9));
        apply_working_hour(
            &mut week,
            &WorkingHourChange {
                day_of_week: 0,
                closed_all_day: Some(false),
                open_all_day: Some(true),
                ..WorkingHourChange::default()
            },
        );
        assert_eq!(
            (week[0].open_hour, week[0].close_hour, week[0].close_minutes),
            (Some(0), Some(23), Some(59))
        );
    }

    #[test]
    fn csat_config_is_normalised() {
        let config =
            json!({"display_type": "star", "survey_rules": {"values": ["a"]}, "template": ""});
        assert_eq!(
            Value::Object(format_csat_config(config.as_object().unwrap())),
            json!({
                "display_type": "star",
                "message": "",
                "survey_rules": {"operator": "contains", "values": ["a"]},
                "button_text": "Please rate us",
                "language": "en",
            })
        );
    }

    #[test]
    fn ruby_integers() {
        assert_eq!(ruby_to_i(&json!("12h")), Some(12));
        assert_eq!(ruby_to_i(&json!("abc")), Some(0));
        assert_eq!(ruby_to_i(&json!(3)), Some(3));
        assert_eq!(ruby_to_i(&json!("")), None);
        assert_eq!(ruby_to_i(&json!(null)), None);
    }
}
