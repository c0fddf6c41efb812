//! Everything conversation and message JSON shows besides the conversation itself (contacts,
//! assignees, teams, bots, message senders, their avatars), read in one batch for a page.

use crate::domain::agents::Agent;
use crate::domain::{agent_bots, avatars};
use crate::error::AppResult;
use crate::keys::{self, contacts as contact_keys, teams as team_keys};
use crate::model::contact::Contact;
use crate::model::conversation::{Conversation, Message, Sender};
use crate::model::team::Team;
use crate::model::{AgentBot, Membership, Record, User};
use crate::state::AppState;
use crate::store::{Item, Key, MAX_BATCH_GET};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default)]
pub struct Related {
    pub contacts: HashMap<i64, (Contact, String)>,
    pub agents: HashMap<i64, (Agent, String)>,
    pub teams: HashMap<i64, Team>,
    pub bots: HashMap<i64, (AgentBot, String)>,
    /// Whether any of the extra keys asked for exists (the access check of one conversation).
    pub any_extra: bool,
}

#[derive(Default)]
struct Wanted {
    contacts: BTreeSet<i64>,
    users: BTreeSet<i64>,
    teams: BTreeSet<i64>,
    bots: BTreeSet<i64>,
}

impl Wanted {
    fn sender(&mut self, sender: Option<Sender>) {
        match sender {
            Some(Sender::User(id)) => self.users.insert(id),
            Some(Sender::Contact(id)) => self.contacts.insert(id),
            Some(Sender::AgentBot(id)) => self.bots.insert(id),
            None => false,
        };
    }
}

/// Reads what `conversations` and `messages` show, plus `extra` keys (e.g. the caller's
/// inbox and team membership), in as few batch reads as the key count allows (one for a
/// page of 25 conversations).
pub async fn load(
    state: &AppState,
    account_id: i64,
    conversations: &[&Conversation],
    messages: &[&Message],
    extra: &[Key],
) -> AppResult<Related> {
    let (related, _) = load_with(state, account_id, conversations, messages, &[], extra).await?;
    Ok(related)
}

/// [`load`], also reading the people `senders` name (e.g. who is typing), and answering the
/// `extra` items read in the same batch, in their order.
pub async fn load_with(
    state: &AppState,
    account_id: i64,
    conversations: &[&Conversation],
    messages: &[&Message],
    senders: &[Sender],
    extra: &[Key],
) -> AppResult<(Related, Vec<Option<Item>>)> {
    let mut wanted = Wanted::default();
    for c in conversations {
        wanted.contacts.insert(c.contact_id);
        wanted.users.extend(c.assignee_id);
        wanted.teams.extend(c.team_id);
        wanted.bots.extend(c.assignee_agent_bot_id);
        for kept in [&c.last_message, &c.last_non_activity_message]
            .into_iter()
            .flatten()
        {
            wanted.sender(kept.sender);
        }
    }
    for m in messages {
        wanted.sender(m.sender);
    }
    for sender in senders {
        wanted.sender(Some(*sender));
    }
    fetch(state, account_id, wanted, extra).await
}

/// The contacts and agents (member + user) with these ids, in as few batch reads as the key
/// count allows. Agents no longer members of the account are left out.
pub async fn load_people(
    state: &AppState,
    account_id: i64,
    contact_ids: impl IntoIterator<Item = i64>,
    user_ids: impl IntoIterator<Item = i64>,
) -> AppResult<Related> {
    let wanted = Wanted {
        contacts: contact_ids.into_iter().collect(),
        users: user_ids.into_iter().collect(),
        ..Wanted::default()
    };
    let (related, _) = fetch(state, account_id, wanted, &[]).await?;
    Ok(related)
}

async fn fetch(
    state: &AppState,
    account_id: i64,
    wanted: Wanted,
    extra: &[Key],
) -> AppResult<(Related, Vec<Option<Item>>)> {
    let mut keys: Vec<Key> = extra.to_vec();
    keys.extend(
        wanted
            .contacts
            .iter()
            .map(|id| contact_keys::contact(account_id, *id)),
    );
    keys.extend(
        wanted
            .users
            .iter()
            .flat_map(|id| [keys::account_member(account_id, *id), keys::user(*id)]),
    );
    keys.extend(
        wanted
            .teams
            .iter()
            .map(|id| team_keys::team(account_id, *id)),
    );
    keys.extend(wanted.bots.iter().map(|id| keys::agent_bot(*id)));
    let mut found: Vec<Option<Item>> = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_GET) {
        found.extend(state.store.get_many(chunk).await?);
    }
    let mut found = found.into_iter();
    let extra_items: Vec<Option<Item>> = found.by_ref().take(extra.len()).collect();
    let mut related = Related {
        any_extra: extra_items.iter().any(Option::is_some),
        ..Related::default()
    };
    for item in found.by_ref().take(wanted.contacts.len()).flatten() {
        let contact = Contact::from_item(item)?;
        let thumbnail = avatars::url(state, contact.avatar_key.as_deref()).await?;
        related.contacts.insert(contact.id, (contact, thumbnail));
    }
    for _ in 0..wanted.users.len() {
        if let (Some(Some(membership)), Some(Some(user))) = (found.next(), found.next()) {
            let agent = Agent {
                membership: Membership::from_item(membership)?,
                user: User::from_item(user)?,
            };
            let thumbnail = avatars::url(state, agent.user.avatar_key.as_deref()).await?;
            related.agents.insert(agent.user.id, (agent, thumbnail));
        }
    }
    for item in found.by_ref().take(wanted.teams.len()).flatten() {
        let team = Team::from_item(item)?;
        related.teams.insert(team.id, team);
    }
    for item in found.flatten() {
        let bot = AgentBot::from_item(item)?;
        if bot.account_id.is_none_or(|owner| owner == account_id) {
            let thumbnail = agent_bots::thumbnail(state, &bot).await?;
            related.bots.insert(bot.id, (bot, thumbnail));
        }
    }
    Ok((related, extra_items))
}

/// What rendering `messages` alone needs: their senders and signed attachment URLs.
pub async fn of_messages(
    state: &AppState,
    account_id: i64,
    messages: &[&Message],
) -> AppResult<(Related, HashMap<i64, String>)> {
    let related = load(state, account_id, &[], messages, &[]).await?;
    let urls = attachment_urls(state, &[], messages).await?;
    Ok((related, urls))
}

/// Signed URLs of every attachment the conversations' kept messages and `messages` show,
/// by attachment id (signing is local: no round trip).
pub async fn attachment_urls(
    state: &AppState,
    conversations: &[&Conversation],
    messages: &[&Message],
) -> AppResult<HashMap<i64, String>> {
    let kept = conversations.iter().flat_map(|c| {
        [&c.last_message, &c.last_non_activity_message]
            .into_iter()
            .flatten()
    });
    let mut urls = HashMap::new();
    for message in kept.chain(messages.iter().copied()) {
        for attachment in &message.attachments {
            if let std::collections::hash_map::Entry::Vacant(slot) = urls.entry(attachment.id) {
                let url = state
                    .blobs
                    .presign_get(&attachment.blob_key, crate::domain::messages::URL_TTL)
                    .await?;
                slot.insert(url);
            }
        }
    }
    Ok(urls)
}
