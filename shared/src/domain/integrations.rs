//! Integrations: Chatwoot's catalogue of apps and the hooks that connect an account to them.
//!
//! The catalogue is a static table (`integration_apps.json`: Chatwoot's `apps.yml` with the
//! English names and descriptions). Apps are listed as Chatwoot lists them on an installation
//! without third-party OAuth credentials: Slack, Linear, Shopify and Notion need such
//! credentials, so they are never listed (they can still be shown by id, as in Chatwoot);
//! LeadSquared is listed when the account has the `crm_integration` feature.
//!
//! This service serves only one app for real, `webhook`, and that one through
//! `/webhooks` (as Chatwoot does), not through hooks: it is enabled when the account has a
//! webhook. Every other app needs a third party this service does not talk to (OpenAI,
//! Dialogflow, Google, Cloudflare, LeadSquared, ...) or a feature it does not have (dashboard
//! apps), so it is never enabled, and creating a hook for any app is refused with a 422 in
//! Chatwoot's validation style: a stored hook would claim an integration that never acts.
//! Hence no hook is ever stored, and every hook route that names one answers 404.

use super::webhooks;
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::model::Account;
use crate::state::AppState;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// One app of the catalogue.
#[derive(Debug, Deserialize)]
pub struct App {
    pub name: String,
    pub description: String,
    pub short_description: Option<String>,
    listed: Listing,
    /// The catalogue entry as Chatwoot's `apps.yml` has it (`id`, `logo`, `i18n_key`,
    /// `action`, `hook_type`, `allow_multiple_hooks`, settings schemas, ...), in its order.
    pub params: Map<String, Value>,
}

/// When Chatwoot lists an app for an account (its `active?`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Listing {
    Always,
    /// Needs the installation's OAuth client credentials for the app, which this service
    /// has no setting for: never listed.
    NeedsOauthCredentials,
    AccountFeature(String),
}

impl App {
    pub fn id(&self) -> &str {
        self.params
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Chatwoot's `action` (where the dashboard's connect button leads), `None` for apps
    /// without one.
    pub fn action(&self) -> Option<&str> {
        self.params.get("action").and_then(Value::as_str)
    }

    fn is_listed_for(&self, account: &Account) -> bool {
        match &self.listed {
            Listing::Always => true,
            Listing::NeedsOauthCredentials => false,
            Listing::AccountFeature(feature) => account.features.iter().any(|f| f == feature),
        }
    }
}

static CATALOGUE: LazyLock<Vec<App>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("integration_apps.json"))
        .expect("the integration catalogue is valid JSON")
});

/// The app this service serves: account webhooks.
const WEBHOOK_APP: &str = "webhook";

/// An app as an account sees it: `enabled` when the account uses it.
#[derive(Debug, Clone, Copy)]
pub struct AccountApp {
    pub app: &'static App,
    pub enabled: bool,
}

/// The apps listed for the account, in catalogue order. One query (does the account have a
/// webhook?).
pub async fn list(state: &AppState, account: &Account) -> AppResult<Vec<AccountApp>> {
    let has_webhooks = webhooks::has_any(state, account.id).await?;
    Ok(CATALOGUE
        .iter()
        .filter(|app| app.is_listed_for(account))
        .map(|app| AccountApp {
            app,
            enabled: app.id() == WEBHOOK_APP && has_webhooks,
        })
        .collect())
}

/// Any app of the catalogue by id (listed or not, as Chatwoot's `find`); unknown → 404.
pub async fn find(state: &AppState, account_id: i64, id: &str) -> AppResult<AccountApp> {
    let app = CATALOGUE
        .iter()
        .find(|app| app.id() == id)
        .ok_or(AppError::NotFound)?;
    let enabled = app.id() == WEBHOOK_APP && webhooks::has_any(state, account_id).await?;
    Ok(AccountApp { app, enabled })
}

/// Why a hook for `app_id` is not created (see the module documentation): a missing id is
/// Chatwoot's presence error, an id outside the catalogue is not in the list, and an app of
/// the catalogue is not served here.
pub fn hook_refusal(app_id: Option<&str>) -> AppError {
    let app_id = app_id.map(str::trim).unwrap_or_default();
    let message = if app_id.is_empty() {
        "can't be blank"
    } else if CATALOGUE.iter().any(|app| app.id() == app_id) {
        "is not supported on this installation"
    } else {
        "is not included in the list"
    };
    ValidationErrors::single("app_id", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_chatwoots() {
        let ids: Vec<&str> = CATALOGUE.iter().map(App::id).collect();
        assert_eq!(
            ids,
            [
                "webhook",
                "dashboard_apps",
                "openai",
                "linear",
                "notion",
                "slack",
                "dialogflow",
                "google_translate",
                "dyte",
                "shopify",
                "leadsquared"
            ]
        );
        for app in CATALOGUE.iter() {
            assert!(!app.name.is_empty() && !app.description.is_empty());
            assert!(app.params["hook_type"].is_string(), "{}", app.id());
            assert!(app.params["allow_multiple_hooks"].is_boolean());
        }
    }

    #[test]
    fn hooks_are_refused_with_a_reason() {
        let message = |app_id| match hook_refusal(app_id) {
            AppError::Validation(errors) => errors.message(),
            other => panic!("{other:?}"),
        };
        assert_eq!(message(None), "App can't be blank");
        assert_eq!(message(Some(" ")), "App can't be blank");
        assert_eq!(
            message(Some("openai")),
            "App is not supported on this installation"
        );
        assert_eq!(message(Some("zapier")), "App is not included in the list");
    }
}
