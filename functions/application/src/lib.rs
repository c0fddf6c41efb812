//! Chatwoot's Application API (`/api/v1`): the signed-in user's profile and everything under
//! `/api/v1/accounts/{account_id}`. Each area's module registers its own routes.

mod accounts;
mod agent_bots;
mod agents;
mod articles;
mod audit_logs;
mod automation_rules;
mod campaigns;
mod canned_responses;
mod categories;
mod contacts;
mod conversations;
mod csat_survey_responses;
mod custom_attributes;
mod custom_filters;
mod inboxes;
mod integrations;
mod labels;
mod messages;
mod portals;
mod profile;
mod reporting_events;
mod teams;
mod webhooks;

use shared::handler;
use shared::http::{Family, Router};

const PROFILE: &str = "/api/v1/profile";
const ACCOUNT: &str = "/api/v1/accounts/{account_id}";
const CACHE_KEYS: &str = "/api/v1/accounts/{account_id}/cache_keys";
const ACTIVE_AT: &str = "/api/v1/accounts/{account_id}/update_active_at";
const AGENTS: &str = "/api/v1/accounts/{account_id}/agents";
const AGENT: &str = "/api/v1/accounts/{account_id}/agents/{id}";
const LABELS: &str = "/api/v1/accounts/{account_id}/labels";
const LABEL: &str = "/api/v1/accounts/{account_id}/labels/{id}";

pub fn router() -> Router {
    let router = Router::new("application", Family::Application)
        .get(PROFILE, handler!(profile::show))
        .update(PROFILE, handler!(profile::update))
        .get(ACCOUNT, handler!(accounts::show))
        .update(ACCOUNT, handler!(accounts::update))
        .get(CACHE_KEYS, handler!(accounts::cache_keys_show))
        .post(ACTIVE_AT, handler!(accounts::update_active_at))
        .get(AGENTS, handler!(agents::index))
        .post(AGENTS, handler!(agents::create))
        .update(AGENT, handler!(agents::update))
        .delete(AGENT, handler!(agents::destroy))
        .get(LABELS, handler!(labels::index))
        .post(LABELS, handler!(labels::create))
        .get(LABEL, handler!(labels::show))
        .update(LABEL, handler!(labels::update))
        .delete(LABEL, handler!(labels::destroy));
    let router = inboxes::routes(router);
    let router = teams::routes(router);
    let router = canned_responses::routes(router);
    let router = custom_attributes::routes(router);
    let router = custom_filters::routes(router);
    let router = agent_bots::routes(router);
    let router = contacts::routes(router);
    let router = conversations::routes(router);
    let router = csat_survey_responses::routes(router);
    let router = webhooks::routes(router);
    let router = integrations::routes(router);
    let router = automation_rules::routes(router);
    let router = audit_logs::routes(router);
    let router = reporting_events::routes(router);
    let router = campaigns::routes(router);
    let router = portals::routes(router);
    let router = categories::routes(router);
    let router = articles::routes(router);
    messages::routes(router)
}
