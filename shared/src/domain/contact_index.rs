//! The indexes contacts are listed and searched by, derived from the contact record and
//! written in the contact's own transactions (see `keys::contacts` for the items):
//!
//! * one sort-view entry per sort order for every *resolved* contact (sparse: unresolved
//!   contacts have none), so page N of any order is one query of small entries;
//! * the count of resolved contacts (`meta.count`), moved by the same transactions;
//! * one entry per label of the contact (the `labels[]` filter);
//! * one entry per distinct 1–3 character gram of the contact's searchable text (search).
//!
//! [`changes`] diffs the entries of a contact before and after a write, so every write path
//! (create, update, labels, merge, delete) maintains the indexes the same way.

use crate::error::AppResult;
use crate::keys::contacts as keys;
use crate::model::contact::Contact;
use crate::state::AppState;
use crate::store::{Key, Query, SortKey, WriteOp, MAX_TRANSACTION_OPS};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Longest sort value kept in a sort key (bytes); longer values tie on their first bytes
/// and then order by contact id.
const SORT_VALUE_BYTES: usize = 256;
/// Gram length: a query of at least this many characters reads the entries of one gram.
const GRAM_CHARS: usize = 3;

/// The orders `GET /contacts?sort=` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Email,
    Name,
    PhoneNumber,
    LastActivityAt,
    CreatedAt,
    Company,
    City,
    Country,
}

impl Sort {
    pub const ALL: [Sort; 8] = [
        Sort::Email,
        Sort::Name,
        Sort::PhoneNumber,
        Sort::LastActivityAt,
        Sort::CreatedAt,
        Sort::Company,
        Sort::City,
        Sort::Country,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Sort::Email => "email",
            Sort::Name => "name",
            Sort::PhoneNumber => "phone_number",
            Sort::LastActivityAt => "last_activity_at",
            Sort::CreatedAt => "created_at",
            Sort::Company => "company",
            Sort::City => "city",
            Sort::Country => "country",
        }
    }

    /// Chatwoot sorts dates and company/city/country `NULLS LAST` in both directions; the
    /// plain column sorts leave PostgreSQL's default, where a missing value is the greatest.
    fn nulls_last(self) -> bool {
        !matches!(self, Sort::Email | Sort::Name | Sort::PhoneNumber)
    }

    /// The contact's value in this order, as stored in the sort key.
    fn value(self, contact: &Contact) -> Option<String> {
        let text = |value: Option<&str>| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| bounded(&normalise(v)))
        };
        let attribute = |name: &str| {
            text(
                contact
                    .additional_attributes
                    .get(name)
                    .and_then(Value::as_str),
            )
        };
        let time = |ms: i64| format!("{ms:016}");
        match self {
            Sort::Email => text(contact.email.as_deref()),
            Sort::PhoneNumber => text(contact.phone_number.as_deref()),
            // Never null: Chatwoot's name column defaults to "".
            Sort::Name => Some(bounded(&normalise(&contact.name))),
            Sort::LastActivityAt => contact.last_activity_at_ms.map(time),
            Sort::CreatedAt => Some(time(contact.created_at_ms)),
            Sort::Company => attribute("company_name"),
            Sort::City => attribute("city"),
            Sort::Country => attribute("country"),
        }
    }
}

/// A sort order and direction (`sort=-name` is descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub sort: Sort,
    pub descending: bool,
}

impl Order {
    /// Without (or with an unknown) `sort`, Chatwoot leaves the order to the database; here
    /// it is creation order.
    pub const DEFAULT: Order = Order {
        sort: Sort::CreatedAt,
        descending: false,
    };

    pub fn parse(param: Option<&str>) -> Order {
        let param = param.unwrap_or_default();
        let (descending, name) = match param.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, param),
        };
        Sort::ALL
            .into_iter()
            .find(|sort| sort.name() == name)
            .map_or(Order::DEFAULT, |sort| Order { sort, descending })
    }

    /// Whether contacts without a value come first (descending, PostgreSQL's default).
    fn nulls_first(self) -> bool {
        self.descending && !self.sort.nulls_last()
    }

    /// The order of the index, for contacts sorted in memory (search, label filter).
    pub fn compare(self, a: &Contact, b: &Contact) -> Ordering {
        let key = |c: &Contact| (self.sort.value(c), c.id);
        let ((a_value, a_id), (b_value, b_id)) = (key(a), key(b));
        match (a_value, b_value) {
            (Some(a_value), Some(b_value)) => {
                let ordering = a_value.cmp(&b_value).then(a_id.cmp(&b_id));
                if self.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            }
            (None, None) => {
                let ordering = a_id.cmp(&b_id);
                if self.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            }
            (None, Some(_)) if self.nulls_first() => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) if self.nulls_first() => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        }
    }
}

/// Lower-cased, with control characters (which would break the sort-key layout) as spaces.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

fn bounded(value: &str) -> String {
    let mut end = value.len().min(SORT_VALUE_BYTES);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value[..end].to_owned()
}

/// Every gram a search can start from: at each position the next three characters (fewer at
/// the end), so any substring of up to three characters is the start of one of them.
pub fn grams(text: &str) -> impl Iterator<Item = String> {
    let chars: Vec<char> = normalise(text).chars().collect();
    (0..chars.len()).map(move |i| chars[i..(i + GRAM_CHARS).min(chars.len())].iter().collect())
}

/// The text search matches against: name, email, phone number, identifier and company.
fn searchable(contact: &Contact) -> Vec<&str> {
    let company = contact
        .additional_attributes
        .get("company_name")
        .and_then(Value::as_str);
    [
        Some(contact.name.as_str()),
        contact.email.as_deref(),
        contact.phone_number.as_deref(),
        contact.identifier.as_deref(),
        company,
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn sort_keys(contact: &Contact) -> BTreeSet<Key> {
    if !contact.is_resolved() {
        return BTreeSet::new();
    }
    Sort::ALL
        .iter()
        .map(|sort| {
            keys::sort_entry(
                contact.account_id,
                sort.name(),
                sort.value(contact).as_deref(),
                contact.id,
            )
        })
        .collect()
}

fn label_keys(contact: &Contact) -> BTreeSet<Key> {
    contact
        .labels
        .iter()
        .map(|label| keys::label_entry(contact.account_id, label, contact.id))
        .collect()
}

fn gram_keys(contact: &Contact) -> BTreeSet<Key> {
    searchable(contact)
        .into_iter()
        .flat_map(grams)
        .map(|gram| keys::gram_entry(contact.account_id, &gram, contact.id))
        .collect()
}

/// The index writes of one contact write.
#[derive(Debug, Default)]
pub struct IndexChange {
    /// Sort-view entries: few (at most two per order), always in the contact's transaction.
    pub views: Vec<WriteOp>,
    /// Label and gram entries: as many as the contact's labels and text have; in the
    /// contact's transaction as far as it has room (see [`split`]).
    pub entries: Vec<WriteOp>,
    /// How the resolved-contact count moves.
    pub resolved_delta: i64,
}

impl IndexChange {
    /// Two contacts' changes in one transaction (a merge): one counter operation.
    pub fn and(mut self, other: IndexChange) -> IndexChange {
        self.views.extend(other.views);
        self.entries.extend(other.entries);
        self.resolved_delta += other.resolved_delta;
        self
    }

    /// The sort-view entries plus the counter, for the contact's transaction.
    pub fn core_ops(&mut self, account_id: i64) -> Vec<WriteOp> {
        let mut ops = std::mem::take(&mut self.views);
        if self.resolved_delta != 0 {
            ops.push(WriteOp::add(
                keys::resolved_count(account_id),
                keys::RESOLVED,
                self.resolved_delta,
            ));
        }
        ops
    }
}

fn diff(before: &BTreeSet<Key>, after: &BTreeSet<Key>) -> Vec<WriteOp> {
    let removed = before.difference(after).cloned().map(WriteOp::delete);
    let added = after.difference(before).map(|key| WriteOp::put(key.to_item()));
    removed.chain(added).collect()
}

/// The index writes that take a contact from `before` to `after` (`None`: not stored).
pub fn changes(before: Option<&Contact>, after: Option<&Contact>) -> IndexChange {
    let of = |contact: Option<&Contact>, keys: fn(&Contact) -> BTreeSet<Key>| {
        contact.map(keys).unwrap_or_default()
    };
    let resolved = |contact: Option<&Contact>| i64::from(contact.is_some_and(Contact::is_resolved));
    let mut entries = diff(&of(before, label_keys), &of(after, label_keys));
    entries.extend(diff(&of(before, gram_keys), &of(after, gram_keys)));
    IndexChange {
        views: diff(&of(before, sort_keys), &of(after, sort_keys)),
        entries,
        resolved_delta: resolved(after) - resolved(before),
    }
}

/// Moves as many of `entries` into `transaction` as the store's transaction limit allows
/// (`reserved`: operations the transaction will hold besides these) and answers the rest, which the caller writes right after the transaction succeeds. Index
/// entries only ever point at contacts (readers check the contact), so the rest being late
/// or lost costs search or label-filter recall, never a wrong answer.
pub fn split(
    transaction: &mut Vec<WriteOp>,
    mut entries: Vec<WriteOp>,
    reserved: usize,
) -> Vec<WriteOp> {
    let room = MAX_TRANSACTION_OPS.saturating_sub(transaction.len() + reserved);
    let rest = entries.split_off(room.min(entries.len()));
    transaction.extend(entries);
    rest
}

/// Ids of the contacts at positions `offset..offset + count` of an order: one query per
/// value group read (values, then contacts without one, or the reverse), each reading
/// `offset + count` small entries at most.
pub async fn page_ids(
    state: &AppState,
    account_id: i64,
    order: Order,
    offset: usize,
    count: usize,
) -> AppResult<Vec<i64>> {
    let mut groups = [keys::sort_values_prefix(), keys::sort_nulls_prefix()];
    if order.nulls_first() {
        groups.reverse();
    }
    let mut skip = offset;
    let mut ids = Vec::with_capacity(count);
    for prefix in groups {
        let mut query = Query {
            sk: SortKey::Prefix(prefix.into()),
            forward: !order.descending,
            limit: Some(skip + count - ids.len()),
            ..Query::partition(keys::sort_partition(account_id, order.sort.name()))
        };
        loop {
            let page = state.store.query(&query).await?;
            for item in &page.items {
                if skip > 0 {
                    skip -= 1;
                } else if let Some(id) = Key::of(item).and_then(|k| keys::entry_contact_id(&k.sk)) {
                    ids.push(id);
                }
            }
            match page.cursor {
                Some(cursor) if ids.len() < count => {
                    query.cursor = Some(cursor);
                    query.limit = Some(skip + count - ids.len());
                }
                _ => break,
            }
        }
        if ids.len() == count {
            break;
        }
    }
    Ok(ids)
}

/// Ids of the contacts whose searchable text may contain `q` (already normalised): the
/// entries of its first gram, or of every gram starting with `q` when it is shorter than a
/// gram. Candidates still have to be checked against the contact.
pub async fn search_candidates(
    state: &AppState,
    account_id: i64,
    q: &str,
) -> AppResult<BTreeSet<i64>> {
    let prefix = match grams(q).next() {
        Some(gram) if gram.chars().count() == GRAM_CHARS => keys::gram_prefix(&gram),
        _ => q.to_owned(),
    };
    ids_under(
        state,
        Query::prefix(keys::grams_partition(account_id), prefix),
    )
    .await
}

/// Ids of the contacts tagged with any of `labels`: one query per label.
pub async fn labelled(
    state: &AppState,
    account_id: i64,
    labels: &[String],
) -> AppResult<BTreeSet<i64>> {
    let mut ids = BTreeSet::new();
    for label in labels {
        let query = Query::partition(keys::label_partition(account_id, label));
        ids.extend(ids_under(state, query).await?);
    }
    Ok(ids)
}

async fn ids_under(state: &AppState, query: Query) -> AppResult<BTreeSet<i64>> {
    Ok(super::query_all(state, query)
        .await?
        .iter()
        .filter_map(|item| keys::entry_contact_id(&Key::of(item)?.sk))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn contact(id: i64, name: &str, email: Option<&str>, city: Option<&str>) -> Contact {
        let mut additional = Map::new();
        if let Some(city) = city {
            additional.insert("city".into(), json!(city));
        }
        Contact {
            id,
            account_id: 1,
            name: name.into(),
            email: email.map(Into::into),
            phone_number: None,
            identifier: None,
            additional_attributes: additional,
            custom_attributes: Map::new(),
            blocked: false,
            contact_type: "lead".into(),
            last_activity_at_ms: None,
            avatar_key: None,
            labels: vec![],
            inboxes: vec![],
            created_at_ms: id,
            updated_at_ms: id,
            version: 0,
        }
    }

    #[test]
    fn every_short_substring_starts_a_gram() {
        let all: BTreeSet<String> = grams("Abcd").collect();
        assert_eq!(all, ["abc", "bcd", "cd", "d"].map(String::from).into());
        for q in ["a", "bc", "cd", "d", "bcd"] {
            assert!(all.iter().any(|g| g.starts_with(q)), "{q}");
        }
    }

    #[test]
    fn orders_put_missing_values_where_chatwoot_does() {
        let a = contact(1, "a", Some("a@x"), Some("Berlin"));
        let none = contact(2, "b", None, None);
        let asc = |sort| Order {
            sort,
            descending: false,
        };
        let desc = |sort| Order {
            sort,
            descending: true,
        };
        // Email: PostgreSQL's default (missing is greatest).
        assert_eq!(asc(Sort::Email).compare(&a, &none), Ordering::Less);
        assert_eq!(desc(Sort::Email).compare(&a, &none), Ordering::Greater);
        // City: NULLS LAST both ways.
        assert_eq!(asc(Sort::City).compare(&a, &none), Ordering::Less);
        assert_eq!(desc(Sort::City).compare(&a, &none), Ordering::Less);
        assert_eq!(Order::parse(Some("-city")), desc(Sort::City));
        assert_eq!(Order::parse(Some("bogus")), Order::DEFAULT);
    }

    #[test]
    fn changes_touch_only_what_moved() {
        let before = contact(1, "Ann", Some("ann@x.io"), None);
        let mut after = before.clone();
        after
            .additional_attributes
            .insert("city".into(), json!("Oslo"));
        let change = changes(Some(&before), Some(&after));
        // The city entry moves from the null group to the value group.
        assert_eq!(change.views.len(), 2);
        assert!(change.entries.is_empty());
        assert_eq!(change.resolved_delta, 0);
        let unresolved = contact(2, "Bob", None, None);
        let created = changes(None, Some(&unresolved));
        assert!(created.views.is_empty());
        assert_eq!(created.resolved_delta, 0);
        assert_eq!(changes(Some(&before), None).resolved_delta, -1);
    }
}
