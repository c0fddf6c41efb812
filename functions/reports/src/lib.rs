//! Chatwoot's reports (`/api/v2/accounts/{account_id}/...`). Its operations land with the
//! reports issue; until then every path answers 404, exactly as an unknown route does.

use shared::http::{Family, Router};

pub fn router() -> Router {
    Router::new(Family::Application)
}
