//! Custom attribute definitions: items of the account partition, keyed by id, with one claim
//! item per (model, key) making keys unique within an account.

use super::account_partition;
use crate::store::Key;

/// A definition, in the account partition; ids are zero-padded so the partition reads in id
/// (creation) order, Chatwoot's "DB order".
pub fn custom_attribute(account_id: i64, id: i64) -> Key {
    Key::new(
        account_partition(account_id),
        format!("{}{id:016}", custom_attributes_prefix()),
    )
}

pub fn custom_attributes_prefix() -> &'static str {
    "ATTRIBUTE_DEFINITION#"
}

/// Uniqueness claim of an attribute key within an account and attribute model
/// (`conversation_attribute`, `contact_attribute`).
pub fn custom_attribute_key(account_id: i64, model: &str, attribute_key: &str) -> Key {
    Key::new(
        account_partition(account_id),
        format!("ATTRIBUTE_KEY#{model}#{attribute_key}"),
    )
}
