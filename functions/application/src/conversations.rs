//! `/api/v1/accounts/{account_id}/conversations` and every per-conversation action.

use shared::http::Router;

pub fn routes(router: Router) -> Router {
    router
}
