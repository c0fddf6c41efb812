//! Contacts (the customers conversations are with) and contact-inboxes, the link between a
//! contact and an inbox under a channel-specific source id.

use super::Record;
use crate::keys::contacts as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Chatwoot's `Contact`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Contact {
    pub id: i64,
    pub account_id: i64,
    /// `""` when not given, as Chatwoot's column default.
    pub name: String,
    /// Lower-cased; unique per account.
    pub email: Option<String>,
    /// E.164; unique per account.
    pub phone_number: Option<String>,
    /// Unique per account, case-sensitive.
    pub identifier: Option<String>,
    pub additional_attributes: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
    pub blocked: bool,
    /// `visitor`, `lead` or `customer`.
    pub contact_type: String,
    pub last_activity_at_ms: Option<i64>,
    pub avatar_key: Option<String>,
    /// The contact's label list (free-form tags, as Chatwoot's `acts_as_taggable`).
    #[serde(default)]
    pub labels: Vec<String>,
    /// The contact's contact-inboxes in creation order, kept on the contact item by
    /// [`crate::domain::contact_inboxes::find_or_create`] in the same transaction as the
    /// link, so a page of contacts renders its `contact_inboxes` from one batch read.
    #[serde(default)]
    pub inboxes: Vec<ContactInboxRef>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Contact {
    /// Chatwoot's "resolved" contacts, the only ones list, search and filter return: those
    /// with an email, a phone number or an identifier.
    pub fn is_resolved(&self) -> bool {
        [&self.email, &self.phone_number, &self.identifier]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
    }
}

impl Record for Contact {
    const ENTITY: &'static str = "contact";

    fn key(&self) -> Key {
        keys::contact(self.account_id, self.id)
    }
}

super::versioned!(Contact);

/// The part of a contact-inbox the contact JSON shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactInboxRef {
    pub inbox_id: i64,
    pub source_id: String,
}

/// Claims a unique contact attribute (`email`, `phone_number`, `identifier`) in an account;
/// creating it conditionally in the contact's transaction is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactClaim {
    pub account_id: i64,
    pub field: String,
    pub value: String,
    pub contact_id: i64,
}

impl Record for ContactClaim {
    const ENTITY: &'static str = "contact_claim";

    fn key(&self) -> Key {
        keys::claim(self.account_id, &self.field, &self.value)
    }
}

/// Chatwoot's `ContactInbox`: the contact as known to one inbox, under a source id unique in
/// that inbox. Stored twice in one transaction: under the contact (its inboxes) and under the
/// (inbox, source id) pair (the uniqueness claim and the Client API's lookup).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContactInbox {
    pub id: i64,
    pub account_id: i64,
    pub contact_id: i64,
    pub inbox_id: i64,
    pub source_id: String,
    pub hmac_verified: bool,
    pub pubsub_token: String,
    pub created_at_ms: i64,
}

impl Record for ContactInbox {
    const ENTITY: &'static str = "contact_inbox";

    fn key(&self) -> Key {
        keys::source(self.account_id, self.inbox_id, &self.source_id)
    }
}

impl super::Mirrored for ContactInbox {
    fn mirror_key(&self) -> Key {
        keys::contact_inbox(
            self.account_id,
            self.contact_id,
            self.inbox_id,
            &self.source_id,
        )
    }
}
