use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AgentBot {
    pub id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub outgoing_url: Option<String>,
    /// The owning account; `None` for a system bot usable by any account it is attached in.
    pub account_id: Option<i64>,
    /// Chatwoot's `bot_type` (`webhook`).
    pub bot_type: String,
    pub bot_config: Map<String, Value>,
    pub access_token: String,
    pub avatar_key: Option<String>,
    /// An avatar given by URL rather than uploaded.
    pub avatar_url: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for AgentBot {
    const ENTITY: &'static str = "agent_bot";

    fn key(&self) -> Key {
        keys::agent_bot(self.id)
    }

    /// Every bot is listed by owner: its account's bots, or the system bots. Part of the
    /// record, so bots made through either API (and bots moved between accounts) are indexed.
    fn index_key(&self) -> Option<(String, String)> {
        Some(keys::agent_bots::agent_bot_index(self.account_id, self.id))
    }
}

super::versioned!(AgentBot);
