//! Contacts and their contact-inboxes (source ids).
//!
//! | item | PK | SK |
//! | --- | --- | --- |
//! | contact | `CONTACT#<account>#<contact>` | `CONTACT` |
//! | contact-inbox, contact side (a contact's inboxes: one query with the contact) | `CONTACT#<account>#<contact>` | `CONTACT_INBOX#<inbox>#<source id>` |
//! | contact-inbox, source side (who is this source id in this inbox: one get) | `SOURCE#<account>#<inbox>#<source id>` | `SOURCE` |
//!
//! Source ids longer than the verbatim claim limit are keyed by their hash ([`claim_text`]).

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
}
