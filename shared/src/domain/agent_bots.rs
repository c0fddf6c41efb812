//! Agent bots: the rules both APIs share, and the Platform API's service (bots created by
//! platform apps; system bots when they name no account). The Application API's account bots
//! are in [`super::account_agent_bots`].

use super::avatars::{self, AvatarUpload};
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, platform, save_versioned};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::{epoch_ms, AccessToken, AgentBot, OwnerType, PermissibleKind, Record};
use crate::state::AppState;
use crate::store::{Condition, StoreError, WriteOp};
use serde_json::{Map, Value};

/// The blob folder of bot avatars.
const AVATAR_FOLDER: &str = "agent_bots";

#[derive(Debug, Default, Clone)]
pub struct BotChanges {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub outgoing_url: Option<Option<String>>,
    pub account_id: Option<Option<i64>>,
    pub avatar: Option<AvatarUpload>,
    pub avatar_url: Option<Option<String>>,
}

/// What only the Application API sets: the bot's type and its configuration.
#[derive(Debug, Default, Clone)]
pub struct BotSettings {
    /// `webhook` (Chatwoot's only type; its enum integer `0` is accepted too).
    pub bot_type: Option<String>,
    /// An object; `null` resets it to `{}`.
    pub bot_config: Option<Value>,
}

/// Chatwoot's `bot_type` enum, in its integer order.
pub const BOT_TYPES: &[&str] = &["webhook"];

fn bot_type(text: &str) -> Option<&'static str> {
    BOT_TYPES
        .iter()
        .enumerate()
        .find(|(index, name)| **name == text || index.to_string() == text)
        .map(|(_, name)| *name)
}

fn apply(bot: &mut AgentBot, changes: &BotChanges, settings: &BotSettings) -> AppResult<()> {
    if let Some(name) = &changes.name {
        bot.name = name.clone();
    }
    if let Some(description) = &changes.description {
        bot.description = description.clone();
    }
    if let Some(url) = &changes.outgoing_url {
        bot.outgoing_url = url.clone();
    }
    if let Some(account_id) = changes.account_id {
        bot.account_id = account_id;
    }
    if let Some(avatar_url) = &changes.avatar_url {
        bot.avatar_url = avatar_url.clone();
    }
    let mut errors = ValidationErrors::new();
    // A blank type keeps the current one (Rails' enum would store nil over the default).
    if let Some(wanted) = settings
        .bot_type
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        match bot_type(wanted.trim()) {
            Some(known) => bot.bot_type = known.to_owned(),
            None => errors.add("bot_type", "is not included in the list"),
        }
    }
    match &settings.bot_config {
        None => {}
        Some(Value::Null) => bot.bot_config = Map::new(),
        Some(Value::Object(config)) => bot.bot_config = config.clone(),
        // Form clients send an empty string for an empty hash.
        Some(Value::String(s)) if s.is_empty() => bot.bot_config = Map::new(),
        Some(_) => errors.add("bot_config", "must be an object"),
    }
    validate::max_length(&mut errors, "name", bot.name.as_deref(), STRING_COLUMN);
    validate::max_length(
        &mut errors,
        "description",
        bot.description.as_deref(),
        STRING_COLUMN,
    );
    validate::max_length(
        &mut errors,
        "outgoing_url",
        bot.outgoing_url.as_deref(),
        2048,
    );
    validate::max_length(&mut errors, "avatar_url", bot.avatar_url.as_deref(), 2048);
    errors.into_result()
}

/// A new, validated bot (id 0, not yet written), its uploaded avatar already stored.
pub(crate) async fn prepare(
    state: &AppState,
    changes: &BotChanges,
    settings: &BotSettings,
) -> AppResult<AgentBot> {
    let now = epoch_ms(state.clock.now());
    let mut draft = AgentBot {
        id: 0,
        name: None,
        description: None,
        outgoing_url: None,
        account_id: None,
        bot_type: BOT_TYPES[0].into(),
        bot_config: Map::new(),
        access_token: crate::ids::access_token(),
        avatar_key: None,
        avatar_url: None,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes, settings)?;
    if let Some(upload) = &changes.avatar {
        draft.avatar_key = Some(avatars::store(state, AVATAR_FOLDER, upload).await?);
    }
    Ok(draft)
}

/// The writes that create a bot: the bot (op 0, must not exist: [`create_with_fresh_id`]'s
/// rule) and its access token (op 1).
pub(crate) fn create_ops(bot: &AgentBot) -> Vec<WriteOp> {
    vec![
        WriteOp::create(bot.to_item()),
        WriteOp::create(
            AccessToken {
                token: bot.access_token.clone(),
                owner_type: OwnerType::AgentBot,
                owner_id: bot.id,
            }
            .to_item(),
        ),
    ]
}

/// Applies changes with optimistic locking, replacing the avatar when one was uploaded.
/// The changes are validated before any file is stored.
pub(crate) async fn change(
    state: &AppState,
    bot: AgentBot,
    changes: &BotChanges,
    settings: &BotSettings,
) -> AppResult<AgentBot> {
    apply(&mut bot.clone(), changes, settings)?;
    let now = epoch_ms(state.clock.now());
    let new_avatar = match &changes.avatar {
        Some(upload) => Some(avatars::store(state, AVATAR_FOLDER, upload).await?),
        None => None,
    };
    let old_avatar = bot.avatar_key.clone();
    let updated = save_versioned(state, bot, |bot| {
        apply(bot, changes, settings)?;
        if new_avatar.is_some() {
            bot.avatar_key = new_avatar.clone();
        }
        bot.updated_at_ms = now;
        Ok(vec![])
    })
    .await;
    match updated {
        Ok(updated) => {
            if new_avatar.is_some() {
                avatars::discard(state, old_avatar.as_deref()).await;
            }
            Ok(updated)
        }
        Err(e) => {
            avatars::discard(state, new_avatar.as_deref()).await;
            Err(e)
        }
    }
}

/// The writes that delete a bot and its access token.
pub(crate) fn delete_ops(bot: &AgentBot) -> Vec<WriteOp> {
    vec![
        WriteOp::delete(bot.key()),
        WriteOp::delete(keys::access_token(&bot.access_token)),
    ]
}

/// The bot's avatar URL (signed), else the URL it was given, else `""`.
pub async fn thumbnail(state: &AppState, bot: &AgentBot) -> AppResult<String> {
    match &bot.avatar_key {
        Some(key) => avatars::url(state, Some(key)).await,
        None => Ok(bot.avatar_url.clone().unwrap_or_default()),
    }
}

/// The app may attach a bot only to an account it created (Chatwoot closed this cross-tenant
/// hole in later versions): a condition in the same transaction as the write.
fn account_check(app_id: i64, account_id: Option<i64>) -> Option<WriteOp> {
    account_id.map(|account_id| WriteOp::Check {
        key: keys::permissible(app_id, PermissibleKind::Account.partition(), account_id),
        condition: Condition::Exists,
    })
}

fn map_account_check(e: StoreError, check_index: usize) -> AppError {
    match e {
        StoreError::ConditionFailed { op } if op == check_index => AppError::NonPermissibleAccount,
        other => other.into(),
    }
}

pub async fn create(state: &AppState, app_id: i64, changes: &BotChanges) -> AppResult<AgentBot> {
    let draft = prepare(state, changes, &BotSettings::default()).await?;
    let check = account_check(app_id, draft.account_id);
    let check_index = 3;
    create_with_fresh_id(state, |id| {
        let bot = AgentBot {
            id,
            ..draft.clone()
        };
        let mut ops = create_ops(&bot);
        ops.push(platform::permit(app_id, PermissibleKind::AgentBot, id));
        ops.extend(check.clone());
        (bot, ops)
    })
    .await
    .map_err(|e| map_account_check(e, check_index))
}

pub async fn update(
    state: &AppState,
    app_id: i64,
    bot: AgentBot,
    changes: &BotChanges,
) -> AppResult<AgentBot> {
    // Re-pointing a bot at another account is rare: check the app's right to it first.
    if let Some(Some(account_id)) = changes.account_id.filter(|a| *a != bot.account_id) {
        let right = keys::permissible(app_id, PermissibleKind::Account.partition(), account_id);
        if state.store.get(&right).await?.is_none() {
            return Err(AppError::NonPermissibleAccount);
        }
    }
    change(state, bot, changes, &BotSettings::default()).await
}

pub async fn delete(state: &AppState, app_id: i64, bot: &AgentBot) -> AppResult<()> {
    let mut ops = delete_ops(bot);
    ops.push(WriteOp::delete(keys::permissible(
        app_id,
        PermissibleKind::AgentBot.partition(),
        bot.id,
    )));
    state.store.write(ops).await?;
    avatars::discard(state, bot.avatar_key.as_deref()).await;
    Ok(())
}

pub async fn remove_avatar(state: &AppState, bot: AgentBot) -> AppResult<AgentBot> {
    let old = bot.avatar_key.clone();
    let now = epoch_ms(state.clock.now());
    let updated = save_versioned(state, bot, |bot| {
        bot.avatar_key = None;
        bot.avatar_url = None;
        bot.updated_at_ms = now;
        Ok(vec![])
    })
    .await?;
    avatars::discard(state, old.as_deref()).await;
    Ok(updated)
}

/// Gives the bot a new access token: the old token item is deleted and the new one created in
/// the same transaction as the bot, so the old token stops working at once.
pub async fn reset_access_token(state: &AppState, bot: AgentBot) -> AppResult<AgentBot> {
    let now = epoch_ms(state.clock.now());
    let token = crate::ids::access_token();
    save_versioned(state, bot, |bot| {
        let old = std::mem::replace(&mut bot.access_token, token.clone());
        bot.updated_at_ms = now;
        Ok(vec![
            WriteOp::delete(keys::access_token(&old)),
            WriteOp::create(
                AccessToken {
                    token: token.clone(),
                    owner_type: OwnerType::AgentBot,
                    owner_id: bot.id,
                }
                .to_item(),
            ),
        ])
    })
    .await
}
