//! Account webhooks: URLs that receive the account's events.

use super::Record;
use crate::keys::webhooks as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// Chatwoot's `Webhook`, with everything delivery needs: where to send (`url`), what
/// (`subscriptions`) and the key that signs each delivery (`secret`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Webhook {
    pub id: i64,
    pub account_id: i64,
    pub name: Option<String>,
    /// Unique per account (exact) through a `WEBHOOK_URL#` claim item.
    pub url: String,
    /// Shown, not used for delivery: an account webhook receives the events of every inbox.
    pub inbox_id: Option<i64>,
    /// Event names, as the administrator listed them (duplicates kept, as in Chatwoot).
    pub subscriptions: Vec<String>,
    /// Chatwoot's per-webhook secret (`has_secure_token`), the HMAC key of the signature.
    pub secret: String,
    pub webhook_type: WebhookType,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

/// Chatwoot's `webhook_type`. Its `inbox_type` webhooks are made by Chatwoot itself, never
/// through the API, so every webhook here is an account webhook.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WebhookType {
    AccountType,
}

impl Record for Webhook {
    const ENTITY: &'static str = "webhook";

    fn key(&self) -> Key {
        keys::webhook(self.account_id, self.id)
    }
}

super::versioned!(Webhook);

/// Claims a URL in an account; creating it conditionally is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhookUrlClaim {
    pub account_id: i64,
    pub url: String,
    pub webhook_id: i64,
}

impl Record for WebhookUrlClaim {
    const ENTITY: &'static str = "webhook_url";

    fn key(&self) -> Key {
        keys::webhook_url(self.account_id, &self.url)
    }
}
