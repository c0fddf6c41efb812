//! Chatwoot's JSON shapes, rendered from records. Pure functions: URLs that need signing
//! are passed in.

pub mod agent_bots;
pub mod audit_logs;
pub mod automation_rules;
pub mod campaigns;
pub mod canned_responses;
pub mod contacts;
pub mod conversations;
pub mod csat;
pub mod custom_attributes;
pub mod custom_filters;
pub mod help_center;
pub mod inboxes;
pub mod integrations;
pub mod public;
pub mod reports;
pub mod teams;
pub mod webhook_data;
pub mod webhooks;

use crate::clock::iso_millis;
use crate::domain::users::UserAggregate;
use crate::model::{Account, AgentBot, Membership};
use serde_json::{json, Map, Value};

/// The Platform API's account object.
pub fn platform_account(account: &Account) -> Value {
    json!({
        "id": account.id,
        "name": account.name,
        "locale": account.locale,
        "domain": account.domain,
        "support_email": account.support_email,
        "features": enabled_features(account),
        "custom_attributes": account.custom_attributes,
        "limits": account.limits,
        "status": account.status.as_str(),
    })
}

/// `{"<feature>": true, ...}` for enabled features only.
fn enabled_features(account: &Account) -> Value {
    Value::Object(
        account
            .features
            .iter()
            .map(|name| (name.clone(), Value::Bool(true)))
            .collect(),
    )
}

/// An `AccountUser` row as Rails serialises a model: every column.
pub fn account_user_row(membership: &Membership) -> Value {
    json!({
        "id": membership.id,
        "account_id": membership.account_id,
        "user_id": membership.user_id,
        "role": membership.role.as_str(),
        "inviter_id": membership.inviter_id,
        "created_at": iso_millis(membership.created_at_ms),
        "updated_at": iso_millis(membership.updated_at_ms),
        "active_at": membership.active_at_ms.map(iso_millis),
        "availability": membership.availability,
        "auto_offline": membership.auto_offline,
        "custom_role_id": Value::Null,
    })
}

/// The Platform API's agent-bot object (with the bot's API token).
pub fn platform_agent_bot(bot: &AgentBot, thumbnail: &str) -> Value {
    json!({
        "id": bot.id,
        "name": bot.name,
        "description": bot.description,
        "thumbnail": thumbnail,
        "outgoing_url": bot.outgoing_url,
        "bot_type": bot.bot_type,
        "bot_config": bot.bot_config,
        "account_id": bot.account_id,
        "access_token": bot.access_token,
        "system_bot": bot.account_id.is_none(),
    })
}

/// Fields the Platform user object and the profile share.
fn user_common(aggregate: &UserAggregate, avatar_url: &str) -> Map<String, Value> {
    let user = &aggregate.user;
    let active = aggregate.active_membership();
    let mut map = Map::new();
    map.insert("access_token".into(), json!(user.access_token));
    map.insert("account_id".into(), json!(active.map(|m| m.account_id)));
    map.insert("available_name".into(), json!(user.available_name()));
    map.insert("avatar_url".into(), json!(avatar_url));
    map.insert("confirmed".into(), json!(user.confirmed));
    map.insert("display_name".into(), json!(user.display_name));
    map.insert("message_signature".into(), json!(user.message_signature));
    map.insert("email".into(), json!(user.email));
    map.insert("id".into(), json!(user.id));
    map.insert("name".into(), json!(user.name));
    map.insert("provider".into(), json!("email"));
    map.insert("pubsub_token".into(), json!(user.pubsub_token));
    if !user.custom_attributes.is_empty() {
        map.insert("custom_attributes".into(), json!(user.custom_attributes));
    }
    map.insert("role".into(), json!(active.map(|m| m.role.as_str())));
    map.insert("ui_settings".into(), json!(user.ui_settings));
    map.insert("uid".into(), json!(user.email));
    map
}

fn sorted_memberships(aggregate: &UserAggregate) -> Vec<&Membership> {
    let mut memberships: Vec<&Membership> = aggregate.memberships.iter().collect();
    memberships.sort_by_key(|m| m.created_at_ms);
    memberships
}

/// The Platform API's user object.
pub fn platform_user(aggregate: &UserAggregate, avatar_url: &str) -> Value {
    let mut map = user_common(aggregate, avatar_url);
    let accounts: Vec<Value> = sorted_memberships(aggregate)
        .into_iter()
        .map(|m| {
            json!({
                "id": m.account_id,
                "name": m.account_name,
                "active_at": m.active_at_ms.map(iso_millis),
                "role": m.role.as_str(),
            })
        })
        .collect();
    map.insert("accounts".into(), Value::Array(accounts));
    Value::Object(map)
}

/// Chatwoot's `availability_status`: with `auto_offline` a user without a live presence
/// shows offline (this stack keeps no websocket presence).
pub(crate) fn availability_status(membership: &Membership) -> &str {
    if membership.auto_offline {
        "offline"
    } else {
        &membership.availability
    }
}

/// The profile JSON (`GET /api/v1/profile` and friends).
pub fn profile(aggregate: &UserAggregate, avatar_url: &str) -> Value {
    let mut map = user_common(aggregate, avatar_url);
    let active = aggregate.active_membership();
    map.insert(
        "inviter_id".into(),
        json!(active.and_then(|m| m.inviter_id)),
    );
    map.insert("type".into(), Value::Null);
    let accounts: Vec<Value> = sorted_memberships(aggregate)
        .into_iter()
        .map(|m| {
            json!({
                "id": m.account_id,
                "name": m.account_name,
                "status": m.account_status.as_str(),
                "active_at": m.active_at_ms.map(iso_millis),
                "role": m.role.as_str(),
                "permissions": [m.role.as_str()],
                "availability": m.availability,
                "availability_status": availability_status(m),
                "auto_offline": m.auto_offline,
                "custom_role_id": Value::Null,
                "custom_role": Value::Null,
            })
        })
        .collect();
    map.insert("accounts".into(), Value::Array(accounts));
    Value::Object(map)
}

/// `POST /platform/api/v1/users/{id}/token`.
pub fn user_token(aggregate: &UserAggregate) -> Value {
    let user = &aggregate.user;
    json!({
        "access_token": user.access_token,
        "expiry": Value::Null,
        "user": {
            "id": user.id,
            "name": user.name,
            "display_name": user.display_name,
            "email": user.email,
            "pubsub_token": user.pubsub_token,
        }
    })
}

/// Chatwoot's agent JSON (a user as a member of one account).
pub fn agent(agent: &crate::domain::agents::Agent, thumbnail: &str) -> Value {
    let (user, membership) = (&agent.user, &agent.membership);
    let mut map = Map::new();
    map.insert("id".into(), json!(user.id));
    map.insert("account_id".into(), json!(membership.account_id));
    map.insert(
        "availability_status".into(),
        json!(availability_status(membership)),
    );
    map.insert("auto_offline".into(), json!(membership.auto_offline));
    map.insert("confirmed".into(), json!(user.confirmed));
    map.insert("email".into(), json!(user.email));
    map.insert("provider".into(), json!("email"));
    map.insert("available_name".into(), json!(user.available_name()));
    if !user.custom_attributes.is_empty() {
        map.insert("custom_attributes".into(), json!(user.custom_attributes));
    }
    map.insert("name".into(), json!(user.name));
    map.insert("role".into(), json!(membership.role.as_str()));
    map.insert("thumbnail".into(), json!(thumbnail));
    Value::Object(map)
}

/// A user's push data (Chatwoot's `User#push_event_data`): message senders, audited users.
pub fn user_push(agent: &crate::domain::agents::Agent, thumbnail: &str) -> Value {
    let mut user = self::agent(agent, thumbnail);
    if let Value::Object(map) = &mut user {
        let keep = [
            "id",
            "name",
            "available_name",
            "availability_status",
            "thumbnail",
        ];
        map.retain(|k, _| keep.contains(&k.as_str()));
        map.insert("avatar_url".into(), json!(thumbnail));
        map.insert("type".into(), json!("user"));
    }
    user
}

/// The Application API's account JSON (`GET /api/v1/accounts/{id}`).
pub fn account(account: &Account, cache_keys: &Map<String, Value>) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(account.id));
    map.insert("name".into(), json!(account.name));
    map.insert("locale".into(), json!(account.locale));
    map.insert("domain".into(), json!(account.domain));
    map.insert("support_email".into(), json!(account.support_email));
    map.insert("status".into(), json!(account.status.as_str()));
    map.insert(
        "created_at".into(),
        json!(iso_millis(account.created_at_ms)),
    );
    map.insert("settings".into(), json!(account.settings));
    map.insert("features".into(), enabled_features(account));
    map.insert("cache_keys".into(), json!(cache_keys));
    if !account.custom_attributes.is_empty() {
        map.insert("custom_attributes".into(), json!(account.custom_attributes));
    }
    map.insert("latest_chatwoot_version".into(), Value::Null);
    Value::Object(map)
}

pub fn label(label: &crate::model::Label) -> Value {
    json!({
        "id": label.id,
        "title": label.title,
        "description": label.description,
        "color": label.color,
        "show_on_sidebar": label.show_on_sidebar,
    })
}
