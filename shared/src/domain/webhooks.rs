//! Account webhooks: administrators register URLs that receive the account's events. A URL is
//! unique per account (exactly as typed, as Chatwoot's unique index): it is claimed by an item
//! created conditionally in the same transaction as the webhook, and a changed URL moves its
//! claim in the same transaction as the new version.
//!
//! URLs are only checked for form here (an absolute `http`/`https` URL with a host); whether
//! the address may be called (no private networks) is decided when a delivery is sent.

use super::audit::{self, AuditActor, AuditChange};
use super::validate;
use super::{create_with_fresh_id, query_records, retrying, save_claiming, store_conflict};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{account_partition, inboxes as inbox_keys, webhooks as keys};
use crate::model::inbox::Inbox;
use crate::model::webhook::{Webhook, WebhookType, WebhookUrlClaim};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, Query, StoreError, WriteOp};

/// The events a webhook may subscribe to (Chatwoot's `ALLOWED_WEBHOOK_EVENTS`).
pub const ALLOWED_EVENTS: [&str; 12] = [
    "conversation_status_changed",
    "conversation_updated",
    "conversation_created",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
    "conversation_typing_on",
    "conversation_typing_off",
];

/// What a webhook created without `subscriptions` receives (the column's default in Chatwoot):
/// the allowed events up to `webwidget_triggered`.
pub const DEFAULT_SUBSCRIPTIONS: &[&str] = ALLOWED_EVENTS.split_at(8).0;

/// Chatwoot's generic length guard for `text` (the URL) and `string` (the name) columns.
const URL_MAX_LENGTH: usize = 20_000;
const NAME_MAX_LENGTH: usize = validate::STRING_COLUMN;

/// What an administrator may set; `None` leaves a field as it is, `Some(None)` clears it
/// (a cleared URL fails the format check).
#[derive(Debug, Default, Clone)]
pub struct WebhookChanges {
    pub url: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub inbox_id: Option<Option<i64>>,
    /// `None` when not sent (or not a list): the default list on create, unchanged on update.
    pub subscriptions: Option<Vec<String>>,
}

/// A webhook with the inbox it names, as the webhook JSON shows it (`None` when it names no
/// inbox, or one since deleted).
#[derive(Debug, Clone)]
pub struct ShownWebhook {
    pub webhook: Webhook,
    pub inbox: Option<Inbox>,
}

/// An absolute `http`/`https` URL with a host, written out (`http://` or `https://`) and free
/// of spaces and control characters.
pub fn url_is_valid(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return false;
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    url::Url::parse(text).is_ok_and(|url| url.host_str().is_some_and(|host| !host.is_empty()))
}

/// Chatwoot's check: a non-empty list of allowed event names.
fn subscriptions_are_valid(subscriptions: &[String]) -> bool {
    !subscriptions.is_empty()
        && subscriptions
            .iter()
            .all(|event| ALLOWED_EVENTS.contains(&event.as_str()))
}

/// Applies the changes and validates the result in Chatwoot's order: the length guards, the
/// inbox, the URL's form, the subscriptions. `inbox` is the inbox the result names, if found.
fn apply(webhook: &mut Webhook, changes: &WebhookChanges, inbox: Option<&Inbox>) -> AppResult<()> {
    if let Some(url) = &changes.url {
        webhook.url = url.clone().unwrap_or_default();
    }
    if let Some(name) = &changes.name {
        webhook.name = name.clone();
    }
    if let Some(inbox_id) = changes.inbox_id {
        webhook.inbox_id = inbox_id;
    }
    if let Some(subscriptions) = &changes.subscriptions {
        webhook.subscriptions = subscriptions.clone();
    }
    let mut errors = ValidationErrors::new();
    validate::max_length(&mut errors, "url", Some(&webhook.url), URL_MAX_LENGTH);
    validate::max_length(
        &mut errors,
        "name",
        webhook.name.as_deref(),
        NAME_MAX_LENGTH,
    );
    // Only an inbox being set is checked: one deleted since does not block other changes.
    if matches!(changes.inbox_id, Some(Some(_))) && inbox.is_none() {
        errors.add("inbox", "must exist");
    }
    if !url_is_valid(&webhook.url) {
        errors.add("url", "is invalid");
    }
    if !subscriptions_are_valid(&webhook.subscriptions) {
        errors.add("subscriptions", "Invalid events");
    }
    errors.into_result()
}

fn url_taken() -> AppError {
    ValidationErrors::single("url", "has already been taken")
}

fn claim(webhook: &Webhook) -> WriteOp {
    WriteOp::create(
        WebhookUrlClaim {
            account_id: webhook.account_id,
            url: webhook.url.clone(),
            webhook_id: webhook.id,
        }
        .to_item(),
    )
}

fn webhooks_query(account_id: i64) -> Query {
    Query::prefix(account_partition(account_id), keys::webhooks_prefix())
}

/// Every webhook of the account, oldest first (Chatwoot's database order): one query of the
/// account's `WEBHOOK#` items.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<Webhook>> {
    let mut webhooks: Vec<Webhook> = query_records(state, webhooks_query(account_id)).await?;
    webhooks.sort_by_key(|w| w.id);
    Ok(webhooks)
}

/// The account's webhooks subscribed to `event_name`, oldest first: what the event dispatcher
/// delivers an event to. One query of the account's webhooks; the inbox a webhook names does
/// not filter (Chatwoot sends an account webhook the events of every inbox).
pub async fn subscribed(
    state: &AppState,
    account_id: i64,
    event_name: &str,
) -> AppResult<Vec<Webhook>> {
    let mut webhooks = list(state, account_id).await?;
    webhooks.retain(|w| w.subscriptions.iter().any(|event| event == event_name));
    Ok(webhooks)
}

/// Whether the account has any webhook (the `webhook` integration's `enabled`): one query
/// reading at most one item.
pub async fn has_any(state: &AppState, account_id: i64) -> AppResult<bool> {
    let mut query = webhooks_query(account_id);
    query.limit = Some(1);
    Ok(!state.store.query(&query).await?.items.is_empty())
}

/// The account's webhooks with the inboxes they name: the list query, then one batch read of
/// those inboxes (none when no webhook names one).
pub async fn list_shown(state: &AppState, account_id: i64) -> AppResult<Vec<ShownWebhook>> {
    let webhooks = list(state, account_id).await?;
    let mut inbox_ids: Vec<i64> = webhooks.iter().filter_map(|w| w.inbox_id).collect();
    inbox_ids.sort_unstable();
    inbox_ids.dedup();
    let inboxes = super::inboxes::load_many(state, account_id, &inbox_ids).await?;
    Ok(webhooks
        .into_iter()
        .map(|webhook| {
            let inbox = inboxes
                .iter()
                .find(|inbox| Some(inbox.id) == webhook.inbox_id)
                .cloned();
            ShownWebhook { webhook, inbox }
        })
        .collect())
}

pub async fn load(state: &AppState, account_id: i64, id: i64) -> AppResult<Webhook> {
    let item = state
        .store
        .get(&keys::webhook(account_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Webhook::from_item(item)?)
}

/// The inbox a webhook will name once `changes` are applied, if it exists in the account.
async fn resulting_inbox(
    state: &AppState,
    webhook: &Webhook,
    changes: &WebhookChanges,
) -> AppResult<Option<Inbox>> {
    let Some(inbox_id) = changes.inbox_id.unwrap_or(webhook.inbox_id) else {
        return Ok(None);
    };
    state
        .store
        .get(&inbox_keys::inbox(webhook.account_id, inbox_id))
        .await?
        .map(Inbox::from_item)
        .transpose()
        .map_err(AppError::from)
}

/// The webhook columns audited (never the signing secret).
fn audited(webhook: &Webhook) -> serde_json::Map<String, serde_json::Value> {
    audit::attributes(webhook, &["secret"])
}

/// Creates a webhook with a fresh secret; without `subscriptions` it gets the default list.
pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &WebhookChanges,
    actor: &AuditActor,
) -> AppResult<ShownWebhook> {
    let now = epoch_ms(state.clock.now());
    let mut draft = Webhook {
        id: 0,
        account_id,
        name: None,
        url: String::new(),
        inbox_id: None,
        subscriptions: DEFAULT_SUBSCRIPTIONS
            .iter()
            .map(|e| e.to_string())
            .collect(),
        secret: crate::ids::access_token(),
        webhook_type: WebhookType::AccountType,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    let inbox = resulting_inbox(state, &draft, changes).await?;
    apply(&mut draft, changes, inbox.as_ref())?;
    let webhook = retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let webhook = Webhook {
                id,
                ..draft.clone()
            };
            let mut ops = vec![WriteOp::create(webhook.to_item()), claim(&webhook)];
            ops.extend(audit::entry(
                account_id,
                actor,
                now,
                AuditChange::created("Webhook", Some(id), audited(&webhook)),
            ));
            (webhook, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => url_taken(),
        other => other.into(),
    })?;
    Ok(ShownWebhook { webhook, inbox })
}

pub async fn update(
    state: &AppState,
    webhook: Webhook,
    changes: &WebhookChanges,
    actor: &AuditActor,
) -> AppResult<ShownWebhook> {
    let now = epoch_ms(state.clock.now());
    let inbox = resulting_inbox(state, &webhook, changes).await?;
    let webhook = save_claiming(
        state,
        webhook,
        |webhook| {
            let old_url = webhook.url.clone();
            let before = audited(webhook);
            apply(webhook, changes, inbox.as_ref())?;
            webhook.updated_at_ms = now;
            let mut ops = Vec::new();
            if webhook.url != old_url {
                // The first extra write: the one condition that can fail on a new URL.
                ops.push(claim(webhook));
                ops.push(WriteOp::delete(keys::webhook_url(
                    webhook.account_id,
                    &old_url,
                )));
            }
            let after = audited(webhook);
            if let Some(change) =
                AuditChange::updated("Webhook", webhook.id, &before, &after, webhook.version + 2)
            {
                ops.extend(audit::entry(webhook.account_id, actor, now, change));
            }
            Ok(ops)
        },
        |extra| {
            if extra == 0 {
                url_taken()
            } else {
                AppError::Unavailable
            }
        },
    )
    .await?;
    Ok(ShownWebhook { webhook, inbox })
}

/// Deletes the webhook and frees its URL, in one transaction.
pub async fn delete(state: &AppState, webhook: &Webhook, actor: &AuditActor) -> AppResult<()> {
    let mut ops = vec![
        WriteOp::Delete {
            key: webhook.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::webhook_url(webhook.account_id, &webhook.url)),
    ];
    ops.extend(audit::entry(
        webhook.account_id,
        actor,
        epoch_ms(state.clock.now()),
        AuditChange::destroyed(
            "Webhook",
            Some(webhook.id),
            audited(webhook),
            webhook.version + 2,
        ),
    ));
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed { op: 0 }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook() -> Webhook {
        Webhook {
            id: 1,
            account_id: 1,
            name: None,
            url: "https://example.com/hook".into(),
            inbox_id: None,
            subscriptions: DEFAULT_SUBSCRIPTIONS
                .iter()
                .map(|e| e.to_string())
                .collect(),
            secret: "s".into(),
            webhook_type: WebhookType::AccountType,
            created_at_ms: 0,
            updated_at_ms: 0,
            version: 0,
        }
    }

    #[test]
    fn urls_must_be_absolute_http_with_a_host() {
        for valid in [
            "https://example.com/hook",
            "http://example.com",
            "HTTPS://Example.com:8443/a?b=c#d",
            "http://127.0.0.1:3000/x",
            "http://[::1]/x",
        ] {
            assert!(url_is_valid(valid), "{valid}");
        }
        for invalid in [
            "",
            "example.com/hook",
            "/relative",
            "ftp://example.com",
            "javascript:alert(1)",
            "mailto:a@example.com",
            "http:example.com",
            "http:/example.com",
            "http://",
            "http:// example.com",
            " https://example.com",
            "https://example.com/\n",
            "https://exa mple.com",
        ] {
            assert!(!url_is_valid(invalid), "{invalid:?}");
        }
    }

    #[test]
    fn validation_messages_in_chatwoots_order() {
        let mut hook = webhook();
        let changes = WebhookChanges {
            url: Some(Some("nope".into())),
            name: Some(Some("n".repeat(256))),
            inbox_id: Some(Some(5)),
            subscriptions: Some(vec![]),
        };
        let Err(AppError::Validation(errors)) = apply(&mut hook, &changes, None) else {
            panic!("accepted");
        };
        assert_eq!(
            errors.message(),
            "Name is too long (maximum is 255 characters), Inbox must exist, Url is invalid, \
             Subscriptions Invalid events"
        );
        assert_eq!(
            errors.attributes(),
            ["name", "inbox", "url", "subscriptions"]
        );
    }

    #[test]
    fn subscriptions_must_all_be_allowed() {
        let events = |list: &[&str]| list.iter().map(|e| e.to_string()).collect::<Vec<_>>();
        assert!(subscriptions_are_valid(&events(&ALLOWED_EVENTS)));
        assert!(subscriptions_are_valid(&events(&[
            "message_created",
            "message_created"
        ])));
        assert!(!subscriptions_are_valid(&[]));
        assert!(!subscriptions_are_valid(&events(&[
            "message_created",
            "agent_added"
        ])));
        assert!(!subscriptions_are_valid(&events(&["Message_Created"])));
    }
}
