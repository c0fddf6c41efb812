use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    /// Lower-cased; unique through the `EMAIL#` claim item.
    pub email: String,
    /// Argon2id PHC string; `None` for users created without a password.
    pub password_digest: Option<String>,
    pub access_token: String,
    pub pubsub_token: String,
    pub custom_attributes: Map<String, Value>,
    pub ui_settings: Map<String, Value>,
    pub message_signature: Option<String>,
    /// Blob key of the avatar image.
    pub avatar_key: Option<String>,
    pub confirmed: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl User {
    /// Chatwoot's `available_name`: the display name if present, else the name.
    pub fn available_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|d| !d.is_empty())
            .unwrap_or(&self.name)
    }
}

impl Record for User {
    const ENTITY: &'static str = "user";

    fn key(&self) -> Key {
        keys::user(self.id)
    }
}

super::versioned!(User);
