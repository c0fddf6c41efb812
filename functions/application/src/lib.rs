//! Chatwoot's Application API (`/api/v1`): the signed-in user's profile and everything under
//! `/api/v1/accounts/{account_id}`. Each area's module registers its own routes.

mod accounts;
mod agents;
mod labels;
mod profile;

use shared::handler;
use shared::http::{Family, Router};

const ACCOUNT: &str = "/api/v1/accounts/{account_id}";

pub fn router() -> Router {
    Router::new(Family::Application)
        .get("/api/v1/profile", handler!(profile::show))
        .update("/api/v1/profile", handler!(profile::update))
        .get(ACCOUNT, handler!(accounts::show))
        .update(ACCOUNT, handler!(accounts::update))
        .get(
            "/api/v1/accounts/{account_id}/cache_keys",
            handler!(accounts::cache_keys_show),
        )
        .post(
            "/api/v1/accounts/{account_id}/update_active_at",
            handler!(accounts::update_active_at),
        )
        .get(
            "/api/v1/accounts/{account_id}/agents",
            handler!(agents::index),
        )
        .post(
            "/api/v1/accounts/{account_id}/agents",
            handler!(agents::create),
        )
        .update(
            "/api/v1/accounts/{account_id}/agents/{id}",
            handler!(agents::update),
        )
        .delete(
            "/api/v1/accounts/{account_id}/agents/{id}",
            handler!(agents::destroy),
        )
        .get(
            "/api/v1/accounts/{account_id}/labels",
            handler!(labels::index),
        )
        .post(
            "/api/v1/accounts/{account_id}/labels",
            handler!(labels::create),
        )
        .get(
            "/api/v1/accounts/{account_id}/labels/{id}",
            handler!(labels::show),
        )
        .update(
            "/api/v1/accounts/{account_id}/labels/{id}",
            handler!(labels::update),
        )
        .delete(
            "/api/v1/accounts/{account_id}/labels/{id}",
            handler!(labels::destroy),
        )
}
