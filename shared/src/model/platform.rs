use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlatformApp {
    pub id: i64,
    pub name: String,
    pub access_token: String,
    pub created_at_ms: i64,
}

impl Record for PlatformApp {
    const ENTITY: &'static str = "platform_app";

    fn key(&self) -> Key {
        keys::platform_app(self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerType {
    User,
    AgentBot,
    PlatformApp,
}

/// Token → owner: the one key lookup that authenticates a request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessToken {
    pub token: String,
    pub owner_type: OwnerType,
    pub owner_id: i64,
}

impl Record for AccessToken {
    const ENTITY: &'static str = "access_token";

    fn key(&self) -> Key {
        keys::access_token(&self.token)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PermissibleKind {
    Account,
    User,
    AgentBot,
}

impl PermissibleKind {
    /// The partition prefix of the objects of this kind.
    pub fn partition(self) -> &'static str {
        match self {
            PermissibleKind::Account => keys::ACCOUNT,
            PermissibleKind::User => keys::USER,
            PermissibleKind::AgentBot => keys::BOT,
        }
    }
}

/// A platform app's right to an object it created (or adopted, for users).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Permissible {
    pub app_id: i64,
    pub kind: PermissibleKind,
    pub object_id: i64,
}

impl Record for Permissible {
    const ENTITY: &'static str = "permissible";

    fn key(&self) -> Key {
        keys::permissible(self.app_id, self.kind.partition(), self.object_id)
    }

    fn index_key(&self) -> Option<(String, String)> {
        Some(keys::permissible_index(
            self.app_id,
            self.kind.partition(),
            self.object_id,
        ))
    }
}

/// Claims an e-mail address for one user; creating it conditionally is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmailClaim {
    pub email: String,
    pub user_id: i64,
}

impl Record for EmailClaim {
    const ENTITY: &'static str = "email_claim";

    fn key(&self) -> Key {
        keys::user_email(&self.email)
    }
}

/// A single-use sign-in link token, valid for five minutes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SsoToken {
    pub token: String,
    pub user_id: i64,
    /// TTL (epoch seconds).
    pub expires_at: i64,
}

impl Record for SsoToken {
    const ENTITY: &'static str = "sso_token";

    fn key(&self) -> Key {
        keys::sso_token(self.user_id, &self.token)
    }
}
