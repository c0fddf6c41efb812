//! An account's agent bots (Application API): the bots the account owns, plus the system bots
//! (no account) every account may use. Bots are global records (`BOT#<id>`); the account's
//! bots and the system bots are each one GSI1 partition (see [`crate::keys::agent_bots::agent_bot_index`]).

use super::agent_bots::{self, BotChanges, BotSettings};
use super::avatars;
use super::create_with_fresh_id;
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::{AgentBot, Permissible, Record, ENTITY};
use crate::state::AppState;
use crate::store::{Index, Key, Query, SortKey, WriteOp};

/// Every bot of one GSI1 partition, in id order.
async fn list_index(state: &AppState, partition: String) -> AppResult<Vec<AgentBot>> {
    let query = Query {
        index: Index::Gsi1,
        pk: partition,
        sk: SortKey::All,
        forward: true,
        limit: None,
        cursor: None,
    };
    super::query_records(state, query).await
}

/// The system bots (no account), which any user may attach to an inbox.
pub async fn system_bots(state: &AppState) -> AppResult<Vec<AgentBot>> {
    list_index(state, keys::agent_bots::SYSTEM_BOTS.to_owned()).await
}

/// The account's own bots, then the system bots: two index queries, run concurrently.
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<AgentBot>> {
    let (mut own, system) = futures::try_join!(
        list_index(
            state,
            keys::agent_bots::account_bots_index_partition(account_id)
        ),
        system_bots(state),
    )?;
    own.extend(system);
    own.sort_by_key(|bot| bot.id);
    Ok(own)
}

async fn load(state: &AppState, id: i64) -> AppResult<AgentBot> {
    let item = state
        .store
        .get(&keys::agent_bot(id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(AgentBot::from_item(item)?)
}

/// A bot the account may see: its own or a system bot. Another account's bot → 404.
pub async fn load_visible(state: &AppState, account_id: i64, id: i64) -> AppResult<AgentBot> {
    let bot = load(state, id).await?;
    match bot.account_id {
        None => Ok(bot),
        Some(owner) if owner == account_id => Ok(bot),
        Some(_) => Err(AppError::NotFound),
    }
}

/// A bot the account owns (what it may change). System and other accounts' bots → 404.
pub async fn load_own(state: &AppState, account_id: i64, id: i64) -> AppResult<AgentBot> {
    let bot = load(state, id).await?;
    if bot.account_id == Some(account_id) {
        Ok(bot)
    } else {
        Err(AppError::NotFound)
    }
}

/// Creates a bot owned by the account, with its access token, in one transaction.
pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &BotChanges,
    settings: &BotSettings,
) -> AppResult<AgentBot> {
    let changes = BotChanges {
        account_id: Some(Some(account_id)),
        ..changes.clone()
    };
    let draft = agent_bots::prepare(state, &changes, settings).await?;
    let created = create_with_fresh_id(state, |id| {
        let bot = AgentBot {
            id,
            ..draft.clone()
        };
        let ops = agent_bots::create_ops(&bot);
        (bot, ops)
    })
    .await;
    match created {
        Ok(bot) => Ok(bot),
        Err(e) => {
            avatars::discard(state, draft.avatar_key.as_deref()).await;
            Err(e.into())
        }
    }
}

/// Changes one of the account's bots; the owner cannot be changed here.
pub async fn update(
    state: &AppState,
    bot: AgentBot,
    changes: &BotChanges,
    settings: &BotSettings,
) -> AppResult<AgentBot> {
    let changes = BotChanges {
        account_id: None,
        ..changes.clone()
    };
    agent_bots::change(state, bot, &changes, settings).await
}

/// Deletes one of the account's bots with its access token and any platform app's right to
/// it (a bot created through the Platform API for this account): one query of the bot's
/// partition finds them all, one transaction removes them.
pub async fn delete(state: &AppState, account_id: i64, id: i64) -> AppResult<()> {
    let page = state
        .store
        .query(&Query::partition(keys::agent_bots::agent_bot_partition(id)))
        .await?;
    let bot_key = keys::agent_bot(id);
    let mut bot = None;
    let mut rights = Vec::new();
    for item in page.items {
        match Key::of(&item) {
            Some(key) if key == bot_key => bot = Some(AgentBot::from_item(item)?),
            Some(key) if item.get(ENTITY).and_then(|e| e.as_str()) == Some(Permissible::ENTITY) => {
                rights.push(key)
            }
            _ => {}
        }
    }
    let bot = bot
        .filter(|bot| bot.account_id == Some(account_id))
        .ok_or(AppError::NotFound)?;
    let mut ops = agent_bots::delete_ops(&bot);
    ops.extend(rights.into_iter().map(WriteOp::delete));
    state.store.write(ops).await?;
    super::inboxes::detach_bot(state, account_id, bot.id).await?;
    avatars::discard(state, bot.avatar_key.as_deref()).await;
    Ok(())
}

pub async fn remove_avatar(state: &AppState, bot: AgentBot) -> AppResult<AgentBot> {
    agent_bots::remove_avatar(state, bot).await
}

pub async fn reset_access_token(state: &AppState, bot: AgentBot) -> AppResult<AgentBot> {
    agent_bots::reset_access_token(state, bot).await
}
