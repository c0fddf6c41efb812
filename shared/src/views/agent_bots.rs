//! Chatwoot's agent-bot JSON as the Application API renders it.

use crate::model::AgentBot;
use serde_json::{Map, Value};

/// A bot as seen from `viewing_account` (`None` outside any account). System bots show no
/// `outgoing_url`; the access token shows only for the viewing account's own bots (to agents
/// too, as in Chatwoot).
pub fn agent_bot(bot: &AgentBot, thumbnail: &str, viewing_account: Option<i64>) -> Value {
    let system = bot.account_id.is_none();
    let own = bot.account_id.is_some() && bot.account_id == viewing_account;
    let mut map = Map::new();
    map.insert("id".into(), bot.id.into());
    map.insert("name".into(), bot.name.clone().into());
    map.insert("description".into(), bot.description.clone().into());
    map.insert("thumbnail".into(), thumbnail.into());
    if !system {
        map.insert("outgoing_url".into(), bot.outgoing_url.clone().into());
    }
    map.insert("bot_type".into(), bot.bot_type.clone().into());
    map.insert("bot_config".into(), Value::Object(bot.bot_config.clone()));
    map.insert("account_id".into(), bot.account_id.into());
    if own {
        map.insert("access_token".into(), bot.access_token.clone().into());
    }
    map.insert("system_bot".into(), system.into());
    Value::Object(map)
}
