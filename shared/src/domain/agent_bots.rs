//! Agent bots created by platform apps (system bots when they name no account).

use super::avatars::{self, AvatarUpload};
use super::validate::{self, STRING_COLUMN};
use super::{create_with_fresh_id, platform, save_versioned};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys;
use crate::model::{epoch_ms, AccessToken, AgentBot, OwnerType, PermissibleKind, Record};
use crate::state::AppState;
use crate::store::{Condition, StoreError, WriteOp};
use serde_json::Map;

#[derive(Debug, Default, Clone)]
pub struct BotChanges {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub outgoing_url: Option<Option<String>>,
    pub account_id: Option<Option<i64>>,
    pub avatar: Option<AvatarUpload>,
    pub avatar_url: Option<Option<String>>,
}

fn apply(bot: &mut AgentBot, changes: &BotChanges) -> AppResult<()> {
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
    validate::max_length(&mut errors, "name", bot.name.as_deref(), STRING_COLUMN);
    validate::max_length(
        &mut errors,
        "outgoing_url",
        bot.outgoing_url.as_deref(),
        2048,
    );
    validate::max_length(&mut errors, "avatar_url", bot.avatar_url.as_deref(), 2048);
    errors.into_result()
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
    let now = epoch_ms(state.clock.now());
    let mut draft = AgentBot {
        id: 0,
        name: None,
        description: None,
        outgoing_url: None,
        account_id: None,
        bot_type: "webhook".into(),
        bot_config: Map::new(),
        access_token: crate::ids::access_token(),
        avatar_key: None,
        avatar_url: None,
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    if let Some(upload) = &changes.avatar {
        draft.avatar_key = Some(avatars::store(state, "agent_bots", upload).await?);
    }
    let check = account_check(app_id, draft.account_id);
    let check_index = 3;
    create_with_fresh_id(state, |id| {
        let bot = AgentBot {
            id,
            ..draft.clone()
        };
        let mut ops = vec![
            WriteOp::create(bot.to_item()),
            WriteOp::create(
                AccessToken {
                    token: bot.access_token.clone(),
                    owner_type: OwnerType::AgentBot,
                    owner_id: id,
                }
                .to_item(),
            ),
            platform::permit(app_id, PermissibleKind::AgentBot, id),
        ];
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
    let now = epoch_ms(state.clock.now());
    let new_avatar = match &changes.avatar {
        Some(upload) => Some(avatars::store(state, "agent_bots", upload).await?),
        None => None,
    };
    let old_avatar = bot.avatar_key.clone();
    // Re-pointing a bot at another account is rare: check the app's right to it first.
    if let Some(Some(account_id)) = changes.account_id.filter(|a| *a != bot.account_id) {
        let right = keys::permissible(app_id, PermissibleKind::Account.partition(), account_id);
        if state.store.get(&right).await?.is_none() {
            return Err(AppError::NonPermissibleAccount);
        }
    }
    let updated = save_versioned(state, bot, |bot| {
        apply(bot, changes)?;
        if new_avatar.is_some() {
            bot.avatar_key = new_avatar.clone();
        }
        bot.updated_at_ms = now;
        Ok(vec![])
    })
    .await?;
    if new_avatar.is_some() {
        avatars::discard(state, old_avatar.as_deref()).await;
    }
    Ok(updated)
}

pub async fn delete(state: &AppState, app_id: i64, bot: &AgentBot) -> AppResult<()> {
    state
        .store
        .write(vec![
            WriteOp::delete(bot.key()),
            WriteOp::delete(keys::access_token(&bot.access_token)),
            WriteOp::delete(keys::permissible(
                app_id,
                PermissibleKind::AgentBot.partition(),
                bot.id,
            )),
        ])
        .await?;
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
