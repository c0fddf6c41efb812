//! Chatwoot's Application API (`/api/v1`): the signed-in user's profile and, as the
//! account-scoped resources land, everything under `/api/v1/accounts/{account_id}`.

mod profile;

use shared::handler;
use shared::http::{Family, Router};

pub fn router() -> Router {
    const PROFILE: &str = "/api/v1/profile";
    Router::new(Family::Application)
        .get(PROFILE, handler!(profile::show))
        .update(PROFILE, handler!(profile::update))
}
