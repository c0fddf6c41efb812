//! Chatwoot's Platform API (`/platform/api/v1`): accounts, account users, agent bots and users,
//! for platform apps, each of which sees only the objects it created.

mod account_users;
mod accounts;
mod agent_bots;
mod users;

use shared::handler;
use shared::http::{Family, Router};

pub fn router() -> Router {
    const ACCOUNTS: &str = "/platform/api/v1/accounts";
    const ACCOUNT: &str = "/platform/api/v1/accounts/{account_id}";
    const ACCOUNT_USERS: &str = "/platform/api/v1/accounts/{account_id}/account_users";
    const BOTS: &str = "/platform/api/v1/agent_bots";
    const BOT: &str = "/platform/api/v1/agent_bots/{id}";
    const BOT_AVATAR: &str = "/platform/api/v1/agent_bots/{id}/avatar";
    const USERS: &str = "/platform/api/v1/users";
    const USER: &str = "/platform/api/v1/users/{id}";
    Router::new("platform", Family::Platform)
        .get(ACCOUNTS, handler!(accounts::index))
        .post(ACCOUNTS, handler!(accounts::create))
        .get(ACCOUNT, handler!(accounts::show))
        .update(ACCOUNT, handler!(accounts::update))
        .delete(ACCOUNT, handler!(accounts::destroy))
        .get(ACCOUNT_USERS, handler!(account_users::index))
        .post(ACCOUNT_USERS, handler!(account_users::create))
        .delete(ACCOUNT_USERS, handler!(account_users::destroy))
        .get(BOTS, handler!(agent_bots::index))
        .post(BOTS, handler!(agent_bots::create))
        .get(BOT, handler!(agent_bots::show))
        .update(BOT, handler!(agent_bots::update))
        .delete(BOT, handler!(agent_bots::destroy))
        .delete(BOT_AVATAR, handler!(agent_bots::destroy_avatar))
        .post(USERS, handler!(users::create))
        .get(USER, handler!(users::show))
        .update(USER, handler!(users::update))
        .delete(USER, handler!(users::destroy))
        .get("/platform/api/v1/users/{id}/login", handler!(users::login))
        .post("/platform/api/v1/users/{id}/token", handler!(users::token))
}
