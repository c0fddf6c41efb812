//! `canned_responses` routes: to be filled in by the teams area.

use shared::http::Router;

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
}
