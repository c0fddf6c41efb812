//! Chatwoot's Client API (`/public/api/v1/inboxes/...`) and the CSAT survey page. Its
//! operations land with the client-API issue; until then every path answers the framework's
//! 404, exactly as an unknown route does.

use shared::http::{Family, Router};

pub fn router() -> Router {
    Router::new(Family::Public)
}
