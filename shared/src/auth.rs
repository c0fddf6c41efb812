//! Authentication: the access token resolves, with one key lookup, to its owner.

use crate::domain::actor::Actor;
use crate::domain::agent_bot_inboxes;
use crate::error::{AppError, AppResult};
use crate::http::ApiRequest;
use crate::keys;
use crate::model::{AccessToken, Account, AccountStatus, Membership, OwnerType, Record, Role};
use crate::state::AppState;
use subtle::ConstantTimeEq;

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
    if !bool::from(record.token.as_bytes().ct_eq(token.as_bytes())) {
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

/// A user acting inside an account: the account and the user's membership of it.
#[derive(Debug, Clone)]
pub struct AccountUser {
    pub account: Account,
    pub membership: Membership,
}

impl AccountUser {
    pub fn user_id(&self) -> i64 {
        self.membership.user_id
    }

    pub fn account_id(&self) -> i64 {
        self.account.id
    }

    pub fn is_administrator(&self) -> bool {
        self.membership.role == Role::Administrator
    }

    /// Chatwoot's Pundit denial for agents: 401 "You are not authorized to do this action".
    pub fn require_administrator(&self) -> AppResult<()> {
        if self.is_administrator() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// How an account is resolved: the account-scoped controllers check suspension and answer
/// 401 to non-members; the account's own show/update answers 404 to them instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    AccountScoped,
    AccountItself,
}

/// The guard of every `/api/v1/accounts/{account_id}/...` route for users: token → bots
/// refused → account (404) → suspended (401) → membership (401). Two round trips: the token,
/// then one batch read of the account and the membership.
pub async fn account_user(state: &AppState, request: &ApiRequest) -> AppResult<AccountUser> {
    resolve_account_user(state, request, Scope::AccountScoped).await
}

/// The guard of `GET`/`PATCH /api/v1/accounts/{id}`: non-members get 404, suspension is not
/// checked (Chatwoot looks the account up among the user's own accounts).
pub async fn account_member(state: &AppState, request: &ApiRequest) -> AppResult<AccountUser> {
    resolve_account_user(state, request, Scope::AccountItself).await
}

async fn resolve_account_user(
    state: &AppState,
    request: &ApiRequest,
    scope: Scope,
) -> AppResult<AccountUser> {
    let user_id = user(state, request).await?;
    let account_id = request.path_id("account_id")?;
    let mut found = state
        .store
        .get_many(&[
            keys::account(account_id),
            keys::account_member(account_id, user_id),
        ])
        .await?
        .into_iter();
    let account = found.next().flatten().map(Account::from_item).transpose()?;
    let membership = found
        .next()
        .flatten()
        .map(Membership::from_item)
        .transpose()?;
    match (scope, account, membership) {
        (_, None, _) => Err(AppError::NotFound),
        (Scope::AccountItself, Some(_), None) => Err(AppError::NotFound),
        (Scope::AccountScoped, Some(account), _) if account.status == AccountStatus::Suspended => {
            Err(AppError::AccountSuspended)
        }
        (Scope::AccountScoped, Some(_), None) => Err(AppError::NotAccountMember),
        (_, Some(account), Some(membership)) => Ok(AccountUser {
            account,
            membership,
        }),
    }
}

/// The guard of the endpoints agent bots may use too (conversation create/update/status/
/// priority/custom attributes/assignments, message create): token → account (404) →
/// suspended (401) → a member user, or a bot of the account or attached to one of its
/// inboxes (401 otherwise). Users come with their name, which activity messages show, and
/// their inbox set (what an agent may list), all in one batch read after the token.
pub async fn account_actor(state: &AppState, request: &ApiRequest) -> AppResult<(Account, Actor)> {
    resolve_actor(state, request, true).await
}

async fn resolve_actor(
    state: &AppState,
    request: &ApiRequest,
    bots_allowed: bool,
) -> AppResult<(Account, Actor)> {
    let principal = principal(state, request).await?;
    if !bots_allowed && !matches!(principal, Principal::User(_)) {
        return Err(AppError::BotNotAllowed);
    }
    let account_id = request.path_id("account_id")?;
    let owner_key = match principal {
        Principal::User(id) => keys::user(id),
        Principal::AgentBot(id) => keys::agent_bot(id),
        Principal::PlatformApp(_) => return Err(AppError::BotNotAllowed),
    };
    let mut wanted = vec![keys::account(account_id), owner_key];
    if let Principal::User(id) = principal {
        wanted.push(keys::account_member(account_id, id));
        wanted.push(crate::keys::inboxes::agent_inbox_set(account_id, id));
    }
    let mut found = state.store.get_many(&wanted).await?.into_iter();
    let account = found
        .next()
        .flatten()
        .map(Account::from_item)
        .transpose()?
        .ok_or(AppError::NotFound)?;
    if account.status == AccountStatus::Suspended {
        return Err(AppError::AccountSuspended);
    }
    let owner = found.next().flatten();
    let actor = match principal {
        Principal::User(_) => {
            let (Some(user), Some(membership)) = (owner, found.next().flatten()) else {
                return Err(AppError::NotAccountMember);
            };
            let user = crate::model::User::from_item(user)?;
            let membership = Membership::from_item(membership)?;
            let inbox_ids = found
                .next()
                .flatten()
                .map(|set| crate::keys::inboxes::inbox_set_members(&set))
                .unwrap_or_default();
            Actor::User {
                id: user.id,
                name: user.name,
                administrator: membership.role == Role::Administrator,
                inbox_ids,
            }
        }
        _ => {
            let bot = owner
                .map(crate::model::AgentBot::from_item)
                .transpose()?
                .ok_or(AppError::BotNotInAccount)?;
            let in_account = bot.account_id == Some(account_id)
                || agent_bot_inboxes::bot_attached_to_account(state, account_id, bot.id).await?;
            if !in_account {
                return Err(AppError::BotNotInAccount);
            }
            Actor::Bot {
                id: bot.id,
                name: bot.name.unwrap_or_default(),
            }
        }
    };
    Ok((account, actor))
}

/// [`account_actor`] for the endpoints closed to bots ("not authorized for bots" first).
pub async fn account_user_actor(
    state: &AppState,
    request: &ApiRequest,
) -> AppResult<(Account, Actor)> {
    resolve_actor(state, request, false).await
}
