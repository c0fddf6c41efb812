//! The help center: portals (addressed by slug), their categories and articles.
//!
//! Counts that lists, portal meta and locale summaries show are kept in counter items that
//! each write moves in its own transaction (see [`counter_moves`]), so nothing is counted by
//! reading articles. Listing articles reads the partition of one locale (a portal's articles
//! in that locale), filtered and ordered in memory.

pub mod articles;
pub mod categories;
pub mod portals;

use crate::keys::help_center as keys;
use crate::store::{Item, Key, WriteOp};
use serde_json::Value;

/// Longest locale code a portal may allow.
const LOCALE_MAX_LENGTH: usize = 16;

/// Whether a locale code is safe inside keys and URLs: letters, digits, `-`, `_`.
pub fn locale_code_is_valid(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= LOCALE_MAX_LENGTH
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Ruby's `Array#inspect` of locale codes, as Chatwoot's locale errors show them:
/// `["en", "es"]`.
pub fn inspect_list(codes: &[String]) -> String {
    let quoted: Vec<String> = codes.iter().map(|c| format!("{c:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Rails' `parameterize`: lower-case letters and digits, every other run of characters one
/// `-`, none at either end. Letters outside ASCII are kept (Rails transliterates them).
pub fn parameterize(text: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

/// One counted fact about a record: `attribute` of the counter item `key` holds one for it.
pub(crate) type Tally = (Key, String);

/// The counter `Add`s that turn the tallies of a record as it was (`before`, empty for a new
/// record) into those of the record as it will be (`after`, empty for a deleted one): one
/// write per counter item, none for a change that moves no count.
pub(crate) fn counter_moves(before: &[Tally], after: &[Tally]) -> Vec<WriteOp> {
    let mut moves: Vec<(Key, Vec<(String, i64)>)> = Vec::new();
    let changes = before
        .iter()
        .map(|tally| (tally, -1))
        .chain(after.iter().map(|tally| (tally, 1)));
    for ((key, attribute), by) in changes {
        let deltas = match moves.iter_mut().find(|(k, _)| k == key) {
            Some((_, deltas)) => deltas,
            None => {
                moves.push((key.clone(), Vec::new()));
                &mut moves.last_mut().expect("just pushed").1
            }
        };
        match deltas.iter_mut().find(|(name, _)| name == attribute) {
            Some((_, total)) => *total += by,
            None => deltas.push((attribute.clone(), by)),
        }
    }
    moves
        .into_iter()
        .filter_map(|(key, mut deltas)| {
            deltas.retain(|(_, by)| *by != 0);
            (!deltas.is_empty()).then_some(WriteOp::Add { key, deltas })
        })
        .collect()
}

/// The attribute counting one author's articles.
pub fn author_attribute(author_id: i64) -> String {
    format!("author_{author_id}")
}

/// The attribute counting one category's articles (on the portal counter).
pub fn category_attribute(category_id: i64) -> String {
    format!("category_{category_id}")
}

/// The counts of one counter item (all zero when it does not exist yet).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts(Item);

impl Counts {
    pub fn from_item(item: Option<Item>) -> Counts {
        Counts(item.unwrap_or_default())
    }

    pub fn get(&self, attribute: &str) -> i64 {
        self.0.get(attribute).and_then(Value::as_i64).unwrap_or(0)
    }

    pub fn all(&self) -> i64 {
        self.get("all")
    }

    pub fn status(&self, status: crate::model::help_center::ArticleStatus) -> i64 {
        self.get(status.as_str())
    }

    pub fn categories(&self) -> i64 {
        self.get("categories")
    }

    pub fn by_author(&self, author_id: i64) -> i64 {
        self.get(&author_attribute(author_id))
    }

    pub fn in_category(&self, category_id: i64) -> i64 {
        self.get(&category_attribute(category_id))
    }
}

/// The counters of a portal: its totals and, per locale asked for, that locale's.
pub(crate) fn counter_keys(portal_id: i64, locales: &[String]) -> Vec<Key> {
    std::iter::once(keys::portal_counter(portal_id))
        .chain(
            locales
                .iter()
                .map(|locale| keys::locale_counter(portal_id, locale)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameterizes_like_rails() {
        assert_eq!(parameterize("Hello, World!"), "hello-world");
        assert_eq!(parameterize("  Ünïcode -- test_ 42 "), "ünïcode-test-42");
        assert_eq!(parameterize("!!!"), "");
    }

    #[test]
    fn locale_codes() {
        for ok in ["en", "pt_BR", "zh-CN"] {
            assert!(locale_code_is_valid(ok), "{ok}");
        }
        for bad in ["", "e#n", "en/us", "a b", &"x".repeat(17)] {
            assert!(!locale_code_is_valid(bad), "{bad}");
        }
        assert_eq!(inspect_list(&["en".into(), "es".into()]), r#"["en", "es"]"#);
    }

    #[test]
    fn counter_moves_net_out() {
        let total = Key::new("HC#1", "COUNT");
        let en = Key::new("HC#1", "COUNT#en");
        let tally = |key: &Key, attribute: &str| (key.clone(), attribute.to_owned());
        let before = [
            tally(&total, "all"),
            tally(&total, "draft"),
            tally(&en, "all"),
        ];
        let after = [
            tally(&total, "all"),
            tally(&total, "published"),
            tally(&en, "all"),
        ];
        assert_eq!(
            counter_moves(&before, &after),
            vec![WriteOp::Add {
                key: total.clone(),
                deltas: vec![("draft".into(), -1), ("published".into(), 1)],
            }]
        );
        assert_eq!(counter_moves(&before, &before), Vec::<WriteOp>::new());
        assert_eq!(
            counter_moves(&[], &[tally(&en, "categories")]),
            vec![WriteOp::add(en, "categories", 1)]
        );
    }
}
