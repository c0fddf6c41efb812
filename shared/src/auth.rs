//! Authentication: the access token resolves, with one key lookup, to its owner.

use crate::error::{AppError, AppResult};
use crate::http::ApiRequest;
use crate::keys;
use crate::model::{AccessToken, OwnerType, Record};
use crate::state::AppState;

/// Who a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    User(i64),
    AgentBot(i64),
    PlatformApp(i64),
}

/// Resolves the request's token. Missing → [`AppError::MissingToken`], unknown →
/// [`AppError::InvalidToken`].
pub async fn principal(state: &AppState, request: &ApiRequest) -> AppResult<Principal> {
    let token = request.access_token().ok_or(AppError::MissingToken)?;
    let item = state
        .store
        .get(&keys::access_token(token))
        .await?
        .ok_or(AppError::InvalidToken)?;
    let record = AccessToken::from_item(item)?;
    // The lookup is by key; this comparison guards against a store that matched loosely.
    if !constant_time_eq(record.token.as_bytes(), token.as_bytes()) {
        return Err(AppError::InvalidToken);
    }
    Ok(match record.owner_type {
        OwnerType::User => Principal::User(record.owner_id),
        OwnerType::AgentBot => Principal::AgentBot(record.owner_id),
        OwnerType::PlatformApp => Principal::PlatformApp(record.owner_id),
    })
}

/// The Platform API's guard: only platform-app tokens pass.
pub async fn platform_app(state: &AppState, request: &ApiRequest) -> AppResult<i64> {
    match principal(state, request).await? {
        Principal::PlatformApp(id) => Ok(id),
        _ => Err(AppError::InvalidToken),
    }
}

/// Endpoints for users only (profile, most of the account API): bots and platform apps get
/// Chatwoot's "not authorized for bots".
pub async fn user(state: &AppState, request: &ApiRequest) -> AppResult<i64> {
    match principal(state, request).await? {
        Principal::User(id) => Ok(id),
        Principal::AgentBot(_) | Principal::PlatformApp(_) => Err(AppError::BotNotAllowed),
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
