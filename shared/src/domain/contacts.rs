//! Contacts: the customers of an account.
//!
//! Every write of a contact is one transaction holding the versioned contact item, the
//! uniqueness claims of its email, phone number and identifier (created conditionally;
//! released when the value changes), its sort-view entries and the resolved-contact count,
//! plus as many of its label and search-gram entries as fit (see
//! [`contact_index::split`]); docs/access-patterns-contacts.md lists the reads.

use super::avatars::{self, AvatarUpload};
use super::contact_inboxes;
use super::contact_index::{self, Order};
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, retrying, save_claiming, store_conflict, write_in_chunks};
use crate::clock::iso_millis;
use crate::domain::conversations::events::change;
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::contacts as keys;
use crate::model::contact::{Contact, ContactClaim, ContactInbox};
use crate::model::inbox::Inbox;
use crate::model::{epoch_ms, Mirrored, Record};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::{Condition, Key, StoreError, WriteOp, MAX_BATCH_GET, MAX_TRANSACTION_OPS};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Chatwoot's `RESULTS_PER_PAGE` for list, search and filter.
pub const PER_PAGE: usize = 15;
/// The attributes unique per account, in the order Chatwoot validates them.
const UNIQUE: [&str; 3] = ["email", "identifier", "phone_number"];

/// What a create or update sets; `None` leaves a field as it is. Attribute maps replace on
/// create and are merged into the stored ones on update.
#[derive(Debug, Default, Clone)]
pub struct ContactChanges {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub identifier: Option<Option<String>>,
    pub blocked: Option<bool>,
    pub additional_attributes: Option<Map<String, Value>>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub avatar: Option<AvatarUpload>,
}

/// One page of a contact list, with the number of contacts the list has in all.
#[derive(Debug, Clone)]
pub struct ContactPage {
    pub contacts: Vec<Contact>,
    pub count: i64,
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

fn unique_value<'c>(contact: &'c Contact, field: &str) -> Option<&'c str> {
    match field {
        "email" => contact.email.as_deref(),
        "identifier" => contact.identifier.as_deref(),
        _ => contact.phone_number.as_deref(),
    }
}

/// Blank text is stored as null (so it claims nothing and does not resolve a contact).
fn present(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

fn apply(contact: &mut Contact, changes: &ContactChanges, merge_attributes: bool) {
    if let Some(name) = &changes.name {
        contact.name = name.clone().unwrap_or_default();
    }
    if let Some(email) = &changes.email {
        contact.email = present(email).map(|e| e.to_lowercase());
    }
    if let Some(phone) = &changes.phone_number {
        contact.phone_number = present(phone);
    }
    if let Some(identifier) = &changes.identifier {
        contact.identifier = present(identifier);
    }
    if let Some(blocked) = changes.blocked {
        contact.blocked = blocked;
    }
    let set = |stored: &mut Map<String, Value>, given: &Option<Map<String, Value>>| {
        if let Some(given) = given {
            if !merge_attributes {
                stored.clear();
            }
            stored.extend(given.clone());
        }
    };
    set(
        &mut contact.additional_attributes,
        &changes.additional_attributes,
    );
    set(&mut contact.custom_attributes, &changes.custom_attributes);
    promote_visitor(contact);
}

/// Chatwoot's `contact_type` rule: a visitor with an email, a phone number or a social
/// profile becomes a lead.
fn promote_visitor(contact: &mut Contact) {
    let social = contact.additional_attributes.iter().any(|(key, value)| {
        key.starts_with("social_")
            && !matches!(value, Value::Null)
            && value.as_str().is_none_or(|v| !v.is_empty())
    });
    if contact.contact_type == "visitor"
        && (contact.email.is_some() || contact.phone_number.is_some() || social)
    {
        contact.contact_type = "lead".into();
    }
}

/// E.164: `+`, a non-zero digit, then 1 to 14 digits.
fn is_e164(phone: &str) -> bool {
    let digits = phone.strip_prefix('+').unwrap_or_default();
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Chatwoot's validations, in its order; `taken` names the unique attributes another
/// contact holds.
fn validate(contact: &Contact, taken: &BTreeSet<&str>) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    for field in UNIQUE {
        if taken.contains(field) {
            errors.add(field, "has already been taken");
        }
        let value = unique_value(contact, field);
        match (field, value) {
            ("email", Some(email)) if !email_is_valid(email) => {
                errors.add("email", "Invalid email")
            }
            ("phone_number", Some(phone)) if !is_e164(phone) => {
                errors.add("phone_number", "should be in e164 format")
            }
            _ => {}
        }
        validate::max_length(&mut errors, field, value, STRING_COLUMN);
    }
    validate::max_length(&mut errors, "name", Some(&contact.name), STRING_COLUMN);
    errors.into_result()
}

fn email_is_valid(email: &str) -> bool {
    let mut errors = ValidationErrors::new();
    validate::email_format(&mut errors, "email", email);
    errors.is_empty()
}

fn taken_error(field: &str) -> AppError {
    ValidationErrors::single(field, "has already been taken")
}

/// The unique values `after` holds that `before` did not.
fn new_claims(before: Option<&Contact>, after: &Contact) -> Vec<ContactClaim> {
    UNIQUE
        .iter()
        .filter_map(|field| {
            let value = unique_value(after, field)?;
            let held = before.and_then(|b| unique_value(b, field)) == Some(value);
            (!held).then(|| ContactClaim {
                account_id: after.account_id,
                field: (*field).to_owned(),
                value: value.to_owned(),
                contact_id: after.id,
            })
        })
        .collect()
}

/// Releases of the unique values `before` held that `after` (if any) does not.
fn released_claims(before: &Contact, after: Option<&Contact>) -> Vec<WriteOp> {
    UNIQUE
        .iter()
        .filter_map(|field| {
            let value = unique_value(before, field)?;
            let kept = after.and_then(|a| unique_value(a, field)) == Some(value);
            (!kept).then(|| WriteOp::delete(keys::claim(before.account_id, field, value)))
        })
        .collect()
}

/// Which of `after`'s new unique values another contact holds (one batch read): checked
/// before writing so every taken attribute is reported, as Rails does. The conditional
/// claim writes still decide races.
async fn taken_fields(
    state: &AppState,
    before: Option<&Contact>,
    after: &Contact,
    may_take_from: Option<i64>,
) -> AppResult<BTreeSet<&'static str>> {
    let claims = new_claims(before, after);
    if claims.is_empty() {
        return Ok(BTreeSet::new());
    }
    let keys: Vec<Key> = claims.iter().map(Record::key).collect();
    let found = state.store.get_many(&keys).await?;
    let mut taken = BTreeSet::new();
    for (claim, item) in claims.iter().zip(found) {
        let holder = item.map(ContactClaim::from_item).transpose()?;
        if holder.is_some_and(|h| h.contact_id != after.id && Some(h.contact_id) != may_take_from) {
            taken.insert(
                UNIQUE
                    .into_iter()
                    .find(|f| *f == claim.field)
                    .unwrap_or("email"),
            );
        }
    }
    Ok(taken)
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// A contact of the account by id (any contact, resolved or not); unknown → 404.
pub async fn load(state: &AppState, account_id: i64, contact_id: i64) -> AppResult<Contact> {
    let item = state
        .store
        .get(&keys::contact(account_id, contact_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Contact::from_item(item)?)
}

/// Contacts of the account among `ids` (missing ones skipped), in the order given: one
/// batch read per 100.
pub async fn load_many(state: &AppState, account_id: i64, ids: &[i64]) -> AppResult<Vec<Contact>> {
    let mut contacts = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_BATCH_GET) {
        let keys: Vec<Key> = chunk
            .iter()
            .map(|id| keys::contact(account_id, *id))
            .collect();
        for item in state.store.get_many(&keys).await?.into_iter().flatten() {
            contacts.push(Contact::from_item(item)?);
        }
    }
    Ok(contacts)
}

/// The inboxes the contacts' `contact_inboxes` name, by id (one batch read per 100).
pub async fn inboxes_of(
    state: &AppState,
    account_id: i64,
    contacts: &[Contact],
) -> AppResult<HashMap<i64, Inbox>> {
    let ids: BTreeSet<i64> = contacts
        .iter()
        .flat_map(|c| c.inboxes.iter().map(|link| link.inbox_id))
        .collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    Ok(super::inboxes::load_many(state, account_id, &ids)
        .await?
        .into_iter()
        .map(|inbox| (inbox.id, inbox))
        .collect())
}

/// Page `page` (from 1) of the account's resolved contacts in `order`, optionally only
/// those tagged with any of `labels`.
///
/// Unfiltered: one query of the order's view (reading `page × 15` small entries) and one
/// batch read of the page's contacts together with the count. With labels: one query per
/// label, then the tagged contacts are read (one batch read per 100), sorted and counted.
pub async fn list(
    state: &AppState,
    account_id: i64,
    order: Order,
    page: usize,
    labels: &[String],
) -> AppResult<ContactPage> {
    if !labels.is_empty() {
        let ids = contact_index::labelled(state, account_id, labels).await?;
        return sorted_page(state, account_id, ids, order, page, |_| true).await;
    }
    let offset = (page.max(1) - 1) * PER_PAGE;
    let ids = contact_index::page_ids(state, account_id, order, offset, PER_PAGE).await?;
    let mut keys: Vec<Key> = ids
        .iter()
        .map(|id| keys::contact(account_id, *id))
        .collect();
    keys.push(keys::resolved_count(account_id));
    let mut found = state.store.get_many(&keys).await?;
    let count = found
        .pop()
        .flatten()
        .and_then(|item| item.get(keys::RESOLVED).and_then(Value::as_i64))
        .unwrap_or(0);
    let contacts = found
        .into_iter()
        .flatten()
        .map(Contact::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ContactPage { contacts, count })
}

/// Resolved contacts whose name, email, phone number or company contains `q` ignoring case,
/// or whose identifier contains it exactly. Costs one query of the search index and one
/// batch read per 100 candidates (contacts sharing `q`'s first gram).
pub async fn search(
    state: &AppState,
    account_id: i64,
    q: &str,
    order: Order,
    page: usize,
) -> AppResult<ContactPage> {
    let folded = contact_index::normalise(q);
    let ids = contact_index::search_candidates(state, account_id, &folded).await?;
    sorted_page(state, account_id, ids, order, page, |contact| {
        let company = contact
            .additional_attributes
            .get("company_name")
            .and_then(Value::as_str);
        [
            Some(contact.name.as_str()),
            contact.email.as_deref(),
            contact.phone_number.as_deref(),
            company,
        ]
        .into_iter()
        .flatten()
        .any(|text| contact_index::normalise(text).contains(&folded))
            || contact.identifier.as_deref().is_some_and(|i| i.contains(q))
    })
    .await
}

/// Reads the candidates, keeps the resolved ones that match, sorts and pages them.
/// `POST /contacts/filter`: the resolved contacts `matches` accepts, in `order`. The filter
/// language cannot be indexed, so this reads every resolved contact: one query of the
/// creation-order view and one batch read per 100 contacts (O(resolved contacts), as
/// docs/data-model.md states).
pub async fn filter(
    state: &AppState,
    account_id: i64,
    order: Order,
    page: usize,
    matches: impl Fn(&Contact) -> bool,
) -> AppResult<ContactPage> {
    let count = state
        .store
        .get(&keys::resolved_count(account_id))
        .await?
        .and_then(|item| item.get(keys::RESOLVED).and_then(Value::as_i64))
        .unwrap_or(0)
        .max(0) as usize;
    let ids = contact_index::page_ids(state, account_id, Order::DEFAULT, 0, count).await?;
    sorted_page(
        state,
        account_id,
        ids.into_iter().collect(),
        order,
        page,
        matches,
    )
    .await
}

/// The attributes `POST /contacts/filter` conditions name, for one contact.
pub fn filter_attributes(contact: &Contact) -> Map<String, Value> {
    let additional = |key: &str| {
        contact
            .additional_attributes
            .get(key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut map = Map::new();
    map.insert("name".into(), json!(contact.name));
    map.insert("email".into(), json!(contact.email));
    map.insert("phone_number".into(), json!(contact.phone_number));
    map.insert("identifier".into(), json!(contact.identifier));
    map.insert("country_code".into(), additional("country_code"));
    map.insert("city".into(), additional("city"));
    map.insert("company".into(), additional("company_name"));
    map.insert("labels".into(), json!(contact.labels));
    map.insert("created_at".into(), json!(contact.created_at_ms / 1000));
    map.insert(
        "last_activity_at".into(),
        json!(contact.last_activity_at_ms.map(|ms| ms / 1000)),
    );
    map.insert("blocked".into(), json!(contact.blocked));
    map.insert("custom_attributes".into(), json!(contact.custom_attributes));
    map
}

async fn sorted_page(
    state: &AppState,
    account_id: i64,
    ids: BTreeSet<i64>,
    order: Order,
    page: usize,
    matches: impl Fn(&Contact) -> bool,
) -> AppResult<ContactPage> {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut contacts: Vec<Contact> = load_many(state, account_id, &ids)
        .await?
        .into_iter()
        .filter(|c| c.is_resolved() && matches(c))
        .collect();
    contacts.sort_by(|a, b| order.compare(a, b));
    let count = contacts.len() as i64;
    let contacts = contacts
        .into_iter()
        .skip((page.max(1) - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    Ok(ContactPage { contacts, count })
}

/// Chatwoot's `ContactableInboxesService` for the inbox types this stack has, over the
/// inboxes the caller may see: an API inbox offers the contact's latest source id there or
/// a fresh one; a website inbox only a source id the contact already has.
pub fn contactable_inboxes(contact: &Contact, visible: Vec<Inbox>) -> Vec<(Inbox, String)> {
    visible
        .into_iter()
        .filter_map(|inbox| {
            let latest = contact
                .inboxes
                .iter()
                .rev()
                .find(|link| link.inbox_id == inbox.id)
                .map(|link| link.source_id.clone());
            let source_id = match inbox.channel {
                crate::model::inbox::Channel::Api(_) => latest.unwrap_or_else(crate::ids::uuid_v4),
                crate::model::inbox::Channel::WebWidget(_) => latest?,
            };
            Some((inbox, source_id))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------

/// Writes `transaction` (retrying conflicts) with as many index `entries` as fit, then the
/// remaining entries; a transaction too large on its own is written in order, in chunks.
async fn write_with_entries(
    state: &AppState,
    mut transaction: Vec<WriteOp>,
    entries: Vec<WriteOp>,
) -> AppResult<()> {
    if transaction.len() > MAX_TRANSACTION_OPS {
        transaction.extend(entries);
        return write_in_chunks(state, transaction).await;
    }
    let rest = contact_index::split(&mut transaction, entries, 0);
    retrying(store_conflict, || state.store.write(transaction.clone())).await?;
    write_in_chunks(state, rest).await
}

/// Creates a contact, and with `inbox` its contact-inbox, in one transaction.
pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &ContactChanges,
    inbox: Option<(&Inbox, Option<&str>)>,
) -> AppResult<(Contact, Option<ContactInbox>)> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Contact {
        id: 0,
        account_id,
        name: String::new(),
        email: None,
        phone_number: None,
        identifier: None,
        additional_attributes: Map::new(),
        custom_attributes: Map::new(),
        blocked: false,
        contact_type: "visitor".into(),
        last_activity_at_ms: None,
        avatar_key: None,
        labels: Vec::new(),
        inboxes: Vec::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes, false);
    validate(&draft, &taken_fields(state, None, &draft, None).await?)?;
    if let Some(upload) = &changes.avatar {
        draft.avatar_key = Some(avatars::store(state, "contacts", upload).await?);
    }
    let claims = new_claims(None, &draft).len();
    let created = create_with_fresh_id(state, |id| {
        let mut contact = Contact {
            id,
            ..draft.clone()
        };
        let link = inbox.map(|(inbox, source_id)| {
            contact_inboxes::new_link(state, &contact, inbox, source_id, false)
        });
        contact
            .inboxes
            .extend(link.iter().map(contact_inboxes::link_ref));
        let mut ops = vec![WriteOp::create(contact.to_item())];
        ops.extend(
            new_claims(None, &contact)
                .iter()
                .map(|c| WriteOp::create(c.to_item())),
        );
        ops.extend(link.iter().flat_map(contact_inboxes::link_ops));
        ops.push(event(&contact, "contact_created", None, now));
        let mut index = contact_index::changes(None, Some(&contact));
        ops.extend(index.core_ops(account_id));
        let rest = contact_index::split(&mut ops, index.entries, 0);
        ((contact, link, rest), ops)
    })
    .await;
    match created {
        Ok((contact, link, rest)) => {
            write_in_chunks(state, rest).await?;
            Ok((contact, link))
        }
        Err(e) => {
            avatars::discard(state, draft.avatar_key.as_deref()).await;
            Err(match e {
                StoreError::ConditionFailed { op } if (1..=claims).contains(&op) => {
                    taken_error(new_claims(None, &draft)[op - 1].field.as_str())
                }
                StoreError::ConditionFailed { op } if op == claims + 1 && inbox.is_some() => {
                    contact_inboxes::source_id_taken()
                }
                other => other.into(),
            })
        }
    }
}

/// Saves a changed contact with optimistic locking, moving its claims and index entries in
/// the same transaction. `change` edits the contact (re-applied to a fresh read after a
/// version conflict) and answers writes of its own. Values claimed by the contact
/// `inherit_from` pass to this one (a merge) instead of being claimed anew.
async fn save(
    state: &AppState,
    contact: Contact,
    inherit_from: Option<&Contact>,
    mut change: impl FnMut(&mut Contact) -> AppResult<Vec<WriteOp>>,
) -> AppResult<Contact> {
    // Which claim each leading write is (None: an inherited one), for the lost-race error.
    let claimed: std::sync::Mutex<Vec<Option<String>>> = Default::default();
    let mut rest = Vec::new();
    let now = epoch_ms(state.clock.now());
    let saved = save_claiming(
        state,
        contact,
        |contact| {
            let before = contact.clone();
            let own = change(contact)?;
            contact.updated_at_ms = now;
            let changed = changed_attributes(&before, contact);
            let mut ops = Vec::new();
            let mut fields = Vec::new();
            for claim in new_claims(Some(&before), contact) {
                match inherit_from {
                    Some(mergee) => {
                        fields.push(None);
                        ops.push(WriteOp::Put {
                            item: claim.to_item(),
                            condition: Some(Condition::Equals {
                                attr: "contact_id".into(),
                                value: mergee.id.into(),
                            }),
                        });
                    }
                    None => {
                        fields.push(Some(claim.field.clone()));
                        ops.push(WriteOp::create(claim.to_item()));
                    }
                }
            }
            *claimed.lock().unwrap_or_else(|e| e.into_inner()) = fields;
            ops.extend(own);
            if !changed.is_empty() {
                // The contact as saved: this write is the next version.
                let saved = Contact {
                    version: contact.version + 1,
                    ..contact.clone()
                };
                ops.push(event(&saved, "contact_updated", Some(changed), now));
            }
            ops.extend(released_claims(&before, Some(contact)));
            let mut index = contact_index::changes(Some(&before), Some(contact));
            if let Some(mergee) = inherit_from {
                index = index.and(contact_index::changes(Some(mergee), None));
            }
            ops.extend(index.core_ops(contact.account_id));
            rest = contact_index::split(&mut ops, index.entries, 1);
            Ok(ops)
        },
        |n| match claimed.lock().unwrap_or_else(|e| e.into_inner()).get(n) {
            Some(Some(field)) => taken_error(field),
            _ => AppError::Unavailable,
        },
    )
    .await?;
    write_in_chunks(state, rest).await?;
    Ok(saved)
}

pub async fn update(
    state: &AppState,
    contact: Contact,
    changes: &ContactChanges,
) -> AppResult<Contact> {
    let mut draft = contact.clone();
    apply(&mut draft, changes, true);
    validate(
        &draft,
        &taken_fields(state, Some(&contact), &draft, None).await?,
    )?;
    let old_avatar = contact.avatar_key.clone();
    let new_avatar = match &changes.avatar {
        Some(upload) => Some(avatars::store(state, "contacts", upload).await?),
        None => None,
    };
    let saved = save(state, contact, None, |contact| {
        apply(contact, changes, true);
        validate(contact, &BTreeSet::new())?;
        if new_avatar.is_some() {
            contact.avatar_key = new_avatar.clone();
        }
        Ok(Vec::new())
    })
    .await;
    match saved {
        Ok(contact) => {
            if new_avatar.is_some() {
                avatars::discard(state, old_avatar.as_deref()).await;
            }
            Ok(contact)
        }
        Err(e) => {
            avatars::discard(state, new_avatar.as_deref()).await;
            Err(e)
        }
    }
}

/// The outbox record of a contact change (webhooks' `contact_created` / `contact_updated`):
/// the contact as saved and, for an update, Chatwoot's `changed_attributes`.
fn event(contact: &Contact, name: &str, changed: Option<Vec<Value>>, now_ms: i64) -> WriteOp {
    let mut payload = json!({ "contact": contact });
    if let Some(changed) = changed {
        payload["changed_attributes"] = Value::Array(changed);
    }
    EventRecord::new(contact.account_id, name, payload, now_ms).write()
}

/// What a save changed of Chatwoot's contact columns, in its `changed_attributes` format
/// (`updated_at` last, as Rails' `previous_changes`); empty when none changed. Labels and the
/// avatar are not columns: changing them alone is no `contact_updated`.
fn changed_attributes(before: &Contact, after: &Contact) -> Vec<Value> {
    let columns = |c: &Contact| {
        [
            ("name", json!(c.name)),
            ("email", json!(c.email)),
            ("phone_number", json!(c.phone_number)),
            ("identifier", json!(c.identifier)),
            ("blocked", json!(c.blocked)),
            ("contact_type", json!(c.contact_type)),
            ("additional_attributes", json!(c.additional_attributes)),
            ("custom_attributes", json!(c.custom_attributes)),
        ]
    };
    let mut changed: Vec<Value> = columns(before)
        .into_iter()
        .zip(columns(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((name, old), (_, new))| change(name, old, new))
        .collect();
    if !changed.is_empty() {
        changed.push(change(
            "updated_at",
            json!(iso_millis(before.updated_at_ms)),
            json!(iso_millis(after.updated_at_ms)),
        ));
    }
    changed
}

/// Replaces the contact's labels (blank ones dropped, duplicates once, order kept).
pub async fn set_labels(
    state: &AppState,
    contact: Contact,
    labels: &[String],
) -> AppResult<Contact> {
    let mut wanted: Vec<String> = Vec::new();
    for label in labels.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !wanted.iter().any(|w| w == label) {
            wanted.push(label.to_owned());
        }
    }
    save(state, contact, None, |contact| {
        contact.labels = wanted.clone();
        Ok(Vec::new())
    })
    .await
}

pub async fn remove_custom_attributes(
    state: &AppState,
    contact: Contact,
    names: &[String],
) -> AppResult<Contact> {
    save(state, contact, None, |contact| {
        contact
            .custom_attributes
            .retain(|key, _| !names.contains(key));
        Ok(Vec::new())
    })
    .await
}

pub async fn remove_avatar(state: &AppState, contact: Contact) -> AppResult<Contact> {
    let old = contact.avatar_key.clone();
    let saved = save(state, contact, None, |contact| {
        contact.avatar_key = None;
        Ok(Vec::new())
    })
    .await?;
    avatars::discard(state, old.as_deref()).await;
    Ok(saved)
}

/// The contact-inboxes of a contact, read from their source-side items (one batch read per
/// 100).
async fn links_of(state: &AppState, contact: &Contact) -> AppResult<Vec<ContactInbox>> {
    let keys: Vec<Key> = contact
        .inboxes
        .iter()
        .map(|link| keys::source(contact.account_id, link.inbox_id, &link.source_id))
        .collect();
    let mut links = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_GET) {
        for item in state.store.get_many(chunk).await?.into_iter().flatten() {
            links.push(ContactInbox::from_item(item)?);
        }
    }
    Ok(links)
}

/// Deletes the contact with its claims, view entries, count, contact-inboxes (both
/// copies), label and gram entries. The contact item is deleted only at the version read,
/// so a concurrent change is not left with stale claims. Its conversations are deleted
/// first (a failure leaves the contact in place, to be deleted again).
pub async fn delete(state: &AppState, contact: &Contact) -> AppResult<()> {
    crate::domain::conversations::actions::delete_of_contact(state, contact.account_id, contact.id)
        .await?;
    let mut contact = contact.clone();
    loop {
        let mut ops = vec![WriteOp::Delete {
            key: contact.key(),
            condition: Some(Condition::Equals {
                attr: crate::store::VERSION.into(),
                value: contact.version.into(),
            }),
        }];
        ops.extend(released_claims(&contact, None));
        let mut index = contact_index::changes(Some(&contact), None);
        ops.extend(index.core_ops(contact.account_id));
        let mut entries = index.entries;
        for link in &contact.inboxes {
            let source = keys::source(contact.account_id, link.inbox_id, &link.source_id);
            ops.push(WriteOp::delete(source));
            entries.push(WriteOp::delete(keys::contact_inbox(
                contact.account_id,
                contact.id,
                link.inbox_id,
                &link.source_id,
            )));
        }
        match write_with_entries(state, ops, entries).await {
            Err(AppError::Unavailable) => {
                let current = load(state, contact.account_id, contact.id).await?;
                if current.version == contact.version {
                    return Err(AppError::Unavailable);
                }
                contact = current;
            }
            other => return other,
        }
    }
}

/// Chatwoot's `ContactMergeAction`: `base` keeps its values and takes the mergee's where it
/// has none (attribute maps deep-merged, base winning), takes over the mergee's
/// contact-inboxes and unique values, and the mergee is deleted, in one transaction (index
/// entries as far as they fit). The mergee's conversations move to `base` first, each in its
/// own transaction; the messages it sent keep naming it as their sender.
pub async fn merge(state: &AppState, base: Contact, mergee: Contact) -> AppResult<Contact> {
    if base.id == mergee.id {
        return Ok(base);
    }
    crate::domain::conversations::actions::move_to_contact(
        state,
        base.account_id,
        mergee.id,
        base.id,
    )
    .await?;
    let links = links_of(state, &mergee).await?;
    let merged = save(state, base, Some(&mergee), |base| {
        merge_values(base, &mergee);
        let mut ops = vec![WriteOp::Delete {
            key: mergee.key(),
            condition: Some(Condition::Equals {
                attr: crate::store::VERSION.into(),
                value: mergee.version.into(),
            }),
        }];
        ops.extend(
            released_claims(&mergee, None)
                .into_iter()
                .filter(|release| !is_claimed_by(release, base)),
        );
        for link in &links {
            let moved = ContactInbox {
                contact_id: base.id,
                ..link.clone()
            };
            let [item, mirror] = moved.items();
            ops.push(WriteOp::put(item));
            ops.push(WriteOp::delete(link.mirror_key()));
            ops.push(WriteOp::put(mirror));
            base.inboxes.push(contact_inboxes::link_ref(&moved));
        }
        Ok(ops)
    })
    .await;
    match merged {
        // A parallel merge of the same mergee finished first: the mergee is gone, as
        // Chatwoot's loader would then find it (404), rather than a retryable 503.
        Err(AppError::Unavailable) if state.store.get(&mergee.key()).await?.is_none() => {
            Err(AppError::NotFound)
        }
        other => other,
    }
}

/// Whether a claim release is of a value `contact` now holds (taken over in a merge).
fn is_claimed_by(release: &WriteOp, contact: &Contact) -> bool {
    let WriteOp::Delete { key, .. } = release else {
        return false;
    };
    UNIQUE.iter().any(|field| {
        unique_value(contact, field)
            .is_some_and(|value| keys::claim(contact.account_id, field, value) == *key)
    })
}

/// Base values win; blank ones are filled from the mergee; maps merge deeply.
fn merge_values(base: &mut Contact, mergee: &Contact) {
    if base.name.trim().is_empty() {
        base.name = mergee.name.clone();
    }
    for (mine, theirs) in [
        (&mut base.email, &mergee.email),
        (&mut base.phone_number, &mergee.phone_number),
        (&mut base.identifier, &mergee.identifier),
    ] {
        if mine.is_none() {
            *mine = theirs.clone();
        }
    }
    deep_merge(
        &mut base.additional_attributes,
        &mergee.additional_attributes,
    );
    deep_merge(&mut base.custom_attributes, &mergee.custom_attributes);
    promote_visitor(base);
}

/// Adds what `theirs` has and `mine` lacks, recursing into objects both have.
fn deep_merge(mine: &mut Map<String, Value>, theirs: &Map<String, Value>) {
    for (key, value) in theirs {
        match (mine.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(other)) => deep_merge(inner, other),
            (Some(_), _) => {}
            (None, _) => {
                mine.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        for (phone, ok) in [
            ("+14155550123", true),
            ("+12", true),
            ("+1", false),
            ("14155550123", false),
            ("+04155550123", false),
            ("+1415555012345678", false),
            ("+1 415", false),
        ] {
            assert_eq!(is_e164(phone), ok, "{phone}");
        }
    }

    #[test]
    fn deep_merge_keeps_base_values() {
        let mut mine = serde_json::json!({"a": 1, "n": {"x": 1}})
            .as_object()
            .unwrap()
            .clone();
        let theirs = serde_json::json!({"a": 2, "b": 3, "n": {"x": 2, "y": 2}});
        deep_merge(&mut mine, theirs.as_object().unwrap());
        assert_eq!(
            Value::Object(mine),
            serde_json::json!({"a": 1, "b": 3, "n": {"x": 1, "y": 2}})
        );
    }
}
