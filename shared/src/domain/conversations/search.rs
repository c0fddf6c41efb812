//! Conversation search (`q`): which conversations have an incoming or outgoing message whose
//! content contains the text, case-insensitively.
//!
//! Scanning messages is not an option, so public messages are indexed by word: one small
//! entry per distinct word (first [`WORDS_PER_MESSAGE`]) under `MSG_WORDS#<account>`, sort
//! key `<word>\u{1}<display id>\u{1}<message id>`, written in the message's transaction. A
//! search reads the entries of words starting with the longest word of `q`, then checks the
//! candidate messages' real content.
//! Text inside a word (`voice` in `invoice`) is therefore not found unless it starts a word.

use super::list::Counts;
use crate::domain::actor::Actor;
use crate::error::AppResult;
use crate::keys::conversations as keys;
use crate::model::conversation::{Conversation, Message, MessageType};
use crate::model::Record;
use crate::state::AppState;
use crate::store::{Item, Key, Query, SortKey, WriteOp, MAX_BATCH_GET};
use std::collections::{BTreeMap, BTreeSet};

/// Words indexed per message: enough to find a message by what it is about, while the
/// entries stay a small, bounded write.
pub const WORDS_PER_MESSAGE: usize = 30;
/// Candidate messages checked per search at most; a word that common needs a longer `q`.
const MAX_CANDIDATES: usize = 2_000;

const SEPARATOR: char = '\u{1}';

fn partition(account_id: i64) -> String {
    format!("MSG_WORDS#{account_id}")
}

/// Lower-cased words of at least two characters, in order, without repeats.
fn words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .filter(|w| seen.insert(w.to_string()))
        .map(|w| crate::keys::claim_text(w).into_owned())
        .collect()
}

/// The entries of a new message (incoming and outgoing public messages only, as Chatwoot
/// searches those).
pub fn index_writes(message: &Message) -> Vec<WriteOp> {
    let searchable = matches!(
        message.kind(),
        Some(MessageType::Incoming) | Some(MessageType::Outgoing)
    ) && !message.private;
    let Some(content) = message.content.as_deref().filter(|_| searchable) else {
        return Vec::new();
    };
    words(content)
        .into_iter()
        .take(WORDS_PER_MESSAGE)
        .map(|word| {
            let mut item = Item::new();
            let sk = format!(
                "{word}{SEPARATOR}{:010}{SEPARATOR}{}",
                message.conversation_id, message.id
            );
            item.insert(
                crate::store::PK.into(),
                partition(message.account_id).into(),
            );
            item.insert(crate::store::SK.into(), sk.into());
            WriteOp::put(item)
        })
        .collect()
}

/// Conversations the actor may list with messages matching `q`, newest activity first,
/// each with its matching messages; and the counts over all of them.
pub async fn search(
    state: &AppState,
    actor: &Actor,
    account_id: i64,
    q: &str,
) -> AppResult<(Vec<(Conversation, Vec<Message>)>, Counts)> {
    let needle = q.trim().to_lowercase();
    let Some(probe) = words(&needle).into_iter().max_by_key(|w| w.len()) else {
        return Ok((Vec::new(), Counts::default()));
    };
    // Candidate (display id, message id) pairs from the entries of words starting with probe.
    let mut query = Query {
        sk: SortKey::Prefix(probe),
        ..Query::partition(partition(account_id))
    };
    let mut candidates: BTreeSet<(i64, i64)> = BTreeSet::new();
    loop {
        let page = state.store.query(&query).await?;
        for item in &page.items {
            let Some(key) = Key::of(item) else { continue };
            let mut parts = key.sk.rsplit(SEPARATOR);
            if let (Some(message), Some(display)) = (parts.next(), parts.next()) {
                if let (Ok(message), Ok(display)) = (message.parse(), display.parse()) {
                    candidates.insert((display, message));
                }
            }
        }
        match page.cursor {
            Some(cursor) if candidates.len() < MAX_CANDIDATES => query.cursor = Some(cursor),
            _ => break,
        }
    }
    let displays: BTreeSet<i64> = candidates.iter().map(|(d, _)| *d).collect();
    let mut keys: Vec<Key> = displays
        .iter()
        .map(|d| keys::conversation(account_id, *d))
        .collect();
    keys.extend(
        candidates
            .iter()
            .map(|(d, m)| keys::message(account_id, *d, *m)),
    );
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_GET) {
        found.extend(state.store.get_many(chunk).await?);
    }
    let mut found = found.into_iter();
    let visible = actor.visible_inboxes();
    let mut conversations: BTreeMap<i64, (Conversation, Vec<Message>)> = BTreeMap::new();
    for item in found.by_ref().take(displays.len()).flatten() {
        let conversation = Conversation::from_item(item)?;
        if visible
            .as_ref()
            .is_none_or(|v| v.contains(&conversation.inbox_id))
        {
            conversations.insert(conversation.display_id, (conversation, Vec::new()));
        }
    }
    for item in found.flatten() {
        let message = Message::from_item(item)?;
        let matches = message
            .content
            .as_deref()
            .is_some_and(|c| c.to_lowercase().contains(&needle));
        if let (true, Some((_, messages))) =
            (matches, conversations.get_mut(&message.conversation_id))
        {
            messages.push(message);
        }
    }
    let mut hits: Vec<(Conversation, Vec<Message>)> = conversations
        .into_values()
        .filter(|(_, messages)| !messages.is_empty())
        .collect();
    hits.sort_by_key(|(c, _)| std::cmp::Reverse((c.last_activity_at_ms, c.display_id)));
    let counts = Counts::of(hits.iter().map(|(c, _)| c), actor.user_id());
    Ok((hits, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_distinct_and_at_least_two_characters() {
        assert_eq!(
            words("Refund my INVOICE, refund it: a #42"),
            ["refund", "my", "invoice", "it", "42"]
        );
    }
}
