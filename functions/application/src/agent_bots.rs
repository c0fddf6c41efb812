//! `agent_bots` routes: to be filled in by the settings area.

use shared::http::Router;

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
}
