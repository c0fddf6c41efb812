//! `/api/v1/accounts/{account_id}/contacts` and `/actions/contact_merge`.

use shared::http::Router;

pub fn routes(router: Router) -> Router {
    router
}
