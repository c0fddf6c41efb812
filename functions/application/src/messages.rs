//! `/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`.

use shared::http::Router;

pub fn routes(router: Router) -> Router {
    router
}
