//! Folding an outbox event into the reports: its facts and counter updates written in one
//! transaction with a marker that makes folding the same event again a no-op. Run by the
//! event consumer (the dispatcher), never on a request path: a busy account's counters are
//! then updated by one consumer in event order instead of contended by every request.

use super::aggregates;
use super::facts::{self, Derived};
use crate::domain::{retrying, store_conflict};
use crate::error::AppResult;
use crate::keys::{inboxes as inbox_keys, reports as keys};
use crate::model::inbox::Inbox;
use crate::model::{Record, ENTITY};
use crate::outbox::EventRecord;
use crate::state::AppState;
use crate::store::{StoreError, WriteOp, EXPIRES_AT, MAX_TRANSACTION_OPS};

/// Adds the event's facts and counters to the reports, once. Costs nothing for events that
/// report nothing; one read of the inbox for events that record a fact.
pub async fn fold(state: &AppState, event: &EventRecord) -> AppResult<()> {
    if !facts::is_reported(event) {
        return Ok(());
    }
    let inbox = match (
        facts::needs_inbox(event),
        crate::domain::conversations::events::conversation_of(event),
    ) {
        (true, Some(conversation)) => {
            let key = inbox_keys::inbox(conversation.account_id, conversation.inbox_id);
            state
                .store
                .get(&key)
                .await?
                .map(Inbox::from_item)
                .transpose()?
        }
        _ => None,
    };
    let derived = facts::derive(event, inbox.as_ref());
    write(state, event, &derived).await
}

/// The writes of `derived`, in transactions of at most [`MAX_TRANSACTION_OPS`], each with
/// its own marker: a part already written fails its marker's condition and is skipped.
pub async fn write(state: &AppState, event: &EventRecord, derived: &Derived) -> AppResult<()> {
    let mut ops: Vec<WriteOp> = derived
        .facts
        .iter()
        .flat_map(|fact| fact.items())
        .map(WriteOp::create)
        .collect();
    ops.extend(aggregates::writes(event.account_id, &derived.tallies));
    for (part, chunk) in ops.chunks(MAX_TRANSACTION_OPS - 1).enumerate() {
        let mut marker = keys::folded(event.account_id, &event.event_id, part).to_item();
        marker.insert(ENTITY.into(), "reported".into());
        marker.insert(EXPIRES_AT.into(), event.expires_at.into());
        let mut transaction = vec![WriteOp::create(marker)];
        transaction.extend(chunk.iter().cloned());
        match retrying(store_conflict, || state.store.write(transaction.clone())).await {
            Ok(()) | Err(StoreError::ConditionFailed { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
