//! Chatwoot's agent-bot JSON as the Application API renders it.

use crate::model::AgentBot;
use serde_json::{Map, Value};

/// A bot as an account's member sees it. System bots show no `outgoing_url`. The access token
/// shows only to `administrator_of`'s administrators, for that account's own bots: it acts in
/// every inbox of the account, so an agent shown it could act where they are no member
/// (Chatwoot shows it to agents too).
pub fn agent_bot(bot: &AgentBot, thumbnail: &str, administrator_of: Option<i64>) -> Value {
    let system = bot.account_id.is_none();
    let own = bot.account_id.is_some() && bot.account_id == administrator_of;
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
