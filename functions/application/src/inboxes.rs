//! `inboxes` routes: to be filled in by the inboxes area.

use shared::http::Router;

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
}
