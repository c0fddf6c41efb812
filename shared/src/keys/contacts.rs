//! Contacts and their contact-inboxes (source ids).
//!
//! | item | PK | SK |
//! | --- | --- | --- |
//! | contact | `CONTACT#<account>#<contact>` | `CONTACT` |
//! | contact-inbox, contact side (a contact's inboxes: one query with the contact) | `CONTACT#<account>#<contact>` | `CONTACT_INBOX#<inbox>#<source id>` |
//! | contact-inbox, source side (who is this source id in this inbox: one get) | `SOURCE#<account>#<inbox>#<source id>` | `SOURCE` |
//! | uniqueness claim of an email, phone number or identifier | `CONTACT_CLAIM#<account>#<field>#<value>` | `CLAIM` |
//! | sort-view entry of a resolved contact (one per sort order) | `CONTACT_SORT#<account>#<sort>` | `V#<sort value>\u{1}<contact, 19 digits>` or `N#<contact, 19 digits>` (no value) |
//! | count of resolved contacts (`meta.count`) | `CONTACTS#<account>` | `COUNT` |
//! | label entry (contacts tagged with a label) | `CONTACT_LABEL#<account>#<label>` | `<contact, 19 digits>` |
//! | search gram (contacts whose searchable text has this 1–3 character gram) | `CONTACT_GRAMS#<account>` | `<gram>\u{1}<contact, 19 digits>` |
//!
//! Index entries (sort views, labels, grams) carry only their key: the contact id is the end
//! of the sort key. Source ids, claimed values and labels longer than the verbatim claim limit
//! are keyed by their hash ([`claim_text`]).

use super::claim_text;
use crate::store::Key;

pub fn contact_partition(account_id: i64, contact_id: i64) -> String {
    format!("CONTACT#{account_id}#{contact_id}")
}

pub fn contact(account_id: i64, contact_id: i64) -> Key {
    Key::new(contact_partition(account_id, contact_id), "CONTACT")
}

/// The contact item and its contact-inboxes share this sort-key prefix (one query reads both).
pub fn contact_with_inboxes_prefix() -> &'static str {
    "CONTACT"
}

pub fn contact_inboxes_prefix() -> &'static str {
    "CONTACT_INBOX#"
}

pub fn contact_inbox(account_id: i64, contact_id: i64, inbox_id: i64, source_id: &str) -> Key {
    Key::new(
        contact_partition(account_id, contact_id),
        format!(
            "{}{inbox_id}#{}",
            contact_inboxes_prefix(),
            claim_text(source_id)
        ),
    )
}

/// The unique (inbox, source id) pair, owned by one contact.
pub fn source(account_id: i64, inbox_id: i64, source_id: &str) -> Key {
    Key::new(
        format!("SOURCE#{account_id}#{inbox_id}#{}", claim_text(source_id)),
        "SOURCE",
    )
}

/// Separates a variable-length value from the contact id in index sort keys: it sorts below
/// every character a value may hold (values have their control characters replaced), so a
/// value sorts before its own extensions ("ab" before "ab!").
pub const VALUE_END: char = '\u{1}';

/// A unique contact attribute's claim (`field` is `email`, `phone_number` or `identifier`).
pub fn claim(account_id: i64, field: &str, value: &str) -> Key {
    Key::new(
        format!("CONTACT_CLAIM#{account_id}#{field}#{}", claim_text(value)),
        "CLAIM",
    )
}

pub fn sort_partition(account_id: i64, sort: &str) -> String {
    format!("CONTACT_SORT#{account_id}#{sort}")
}

/// Entries of contacts that have a value for the sort, in value order.
pub fn sort_values_prefix() -> &'static str {
    "V#"
}

/// Entries of contacts without a value for the sort.
pub fn sort_nulls_prefix() -> &'static str {
    "N#"
}

/// A resolved contact's place in one sort order; `value` already normalised and bounded.
pub fn sort_entry(account_id: i64, sort: &str, value: Option<&str>, contact_id: i64) -> Key {
    let sk = match value {
        Some(value) => format!("{}{value}{VALUE_END}{contact_id:019}", sort_values_prefix()),
        None => format!("{}{contact_id:019}", sort_nulls_prefix()),
    };
    Key::new(sort_partition(account_id, sort), sk)
}

/// The number of resolved contacts (attribute [`RESOLVED`]).
pub fn resolved_count(account_id: i64) -> Key {
    Key::new(format!("CONTACTS#{account_id}"), "COUNT")
}

pub const RESOLVED: &str = "resolved";

pub fn label_partition(account_id: i64, label: &str) -> String {
    format!("CONTACT_LABEL#{account_id}#{}", claim_text(label))
}

pub fn label_entry(account_id: i64, label: &str, contact_id: i64) -> Key {
    Key::new(
        label_partition(account_id, label),
        format!("{contact_id:019}"),
    )
}

pub fn grams_partition(account_id: i64) -> String {
    format!("CONTACT_GRAMS#{account_id}")
}

pub fn gram_entry(account_id: i64, gram: &str, contact_id: i64) -> Key {
    Key::new(
        grams_partition(account_id),
        format!("{gram}{VALUE_END}{contact_id:019}"),
    )
}

/// Every entry of exactly this gram.
pub fn gram_prefix(gram: &str) -> String {
    format!("{gram}{VALUE_END}")
}

/// The contact id an index entry's sort key ends with.
pub fn entry_contact_id(sk: &str) -> Option<i64> {
    sk.get(sk.len().checked_sub(19)?..)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_and_its_inboxes_share_a_partition_and_prefix() {
        let contact = contact(1, 2);
        let link = contact_inbox(1, 2, 3, "abc");
        assert_eq!(contact.pk, link.pk);
        assert!(contact.sk.starts_with(contact_with_inboxes_prefix()));
        assert!(link.sk.starts_with(contact_with_inboxes_prefix()));
        assert!(!contact.sk.starts_with(contact_inboxes_prefix()));
        assert_ne!(source(1, 3, "abc"), source(1, 4, "abc"));
    }

    #[test]
    fn index_entries_order_by_value_then_id_and_end_with_the_id() {
        let short = sort_entry(1, "name", Some("ab"), 9);
        let longer = sort_entry(1, "name", Some("ab!"), 2);
        let null = sort_entry(1, "name", None, 1);
        assert!(short.sk < longer.sk);
        assert!(short.sk.starts_with(sort_values_prefix()));
        assert!(null.sk.starts_with(sort_nulls_prefix()));
        for key in [
            short,
            null,
            label_entry(1, "vip", 9),
            gram_entry(1, "abc", 9),
        ] {
            assert!(matches!(entry_contact_id(&key.sk), Some(9 | 1)), "{key:?}");
        }
        assert!(gram_entry(1, "ab", 3).sk.starts_with(&gram_prefix("ab")));
        assert!(!gram_entry(1, "abc", 3).sk.starts_with(&gram_prefix("ab")));
    }
}
