//! The records this service stores, each with its key. Records carry Chatwoot's columns;
//! JSON views ([`crate::views`]) decide what clients see.

/// Implements [`Versioned`] for a record with a `version` field.
macro_rules! versioned {
    ($record:ty) => {
        impl $crate::model::Versioned for $record {
            fn version(&self) -> i64 {
                self.version
            }
            fn set_version(&mut self, version: i64) {
                self.version = version;
            }
        }
    };
}
pub(crate) use versioned;

mod account;
mod agent_bot;
pub mod audit_log;
pub mod automation_rule;
pub mod campaign;
pub mod canned_response;
pub mod contact;
pub mod conversation;
pub mod csat;
pub mod custom_attribute;
pub mod custom_filter;
pub mod help_center;
pub mod inbox;
mod label;
mod platform;
pub mod team;
mod user;
pub mod webhook;

pub use account::{Account, AccountStatus, Membership, Role, AVAILABILITIES, FEATURES};
pub use agent_bot::AgentBot;
pub use label::{Label, LabelTitleClaim};
pub use platform::{
    AccessToken, EmailClaim, OwnerType, Permissible, PermissibleKind, PlatformApp, SsoToken,
};
pub use user::User;

use crate::store::{self, Item, Key, StoreError, GSI1PK, GSI1SK, PK, SK};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Attribute naming the kind of record an item holds (stream consumers read it).
pub const ENTITY: &str = "_et";

pub trait Record: Serialize + DeserializeOwned {
    const ENTITY: &'static str;

    fn key(&self) -> Key;

    /// The record's GSI1 key pair, if it is indexed.
    fn index_key(&self) -> Option<(String, String)> {
        None
    }

    /// The item to store: the record's fields plus key, index and entity attributes.
    fn to_item(&self) -> Item {
        let mut item = store::to_item(self);
        let key = self.key();
        item.insert(PK.into(), key.pk.into());
        item.insert(SK.into(), key.sk.into());
        item.insert(ENTITY.into(), Self::ENTITY.into());
        if let Some((gpk, gsk)) = self.index_key() {
            item.insert(GSI1PK.into(), gpk.into());
            item.insert(GSI1SK.into(), gsk.into());
        }
        item
    }

    fn from_item(item: Item) -> Result<Self, StoreError> {
        store::from_item(item)
    }
}

/// A record stored under two keys in one transaction, so it is found from both sides (a
/// membership from the account and from the user).
pub trait Mirrored: Record {
    fn mirror_key(&self) -> Key;

    /// Both copies, to be written in one transaction.
    fn items(&self) -> [Item; 2] {
        let item = self.to_item();
        let mut mirror = item.clone();
        let key = self.mirror_key();
        mirror.insert(PK.into(), key.pk.into());
        mirror.insert(SK.into(), key.sk.into());
        [item, mirror]
    }
}

/// Records read, changed and written back carry a version for optimistic locking.
pub trait Versioned: Record {
    fn version(&self) -> i64;
    fn set_version(&mut self, version: i64);
}

/// Current time in milliseconds, for records' timestamps.
pub fn epoch_ms(now: time::OffsetDateTime) -> i64 {
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}
