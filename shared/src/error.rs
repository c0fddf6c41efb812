//! The errors of the domain and auth layers, by meaning. The HTTP layer
//! ([`crate::http::response`]) turns each into Chatwoot's status code and body, which differ
//! by controller family (platform, application, public).

use crate::store::StoreError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    #[error("no access token")]
    MissingToken,
    #[error("unknown access token")]
    InvalidToken,
    /// A platform app asked for an object it did not create.
    #[error("non permissible resource")]
    NonPermissible,
    /// A platform app named an account it did not create (agent-bot `account_id`).
    #[error("non permissible account")]
    NonPermissibleAccount,
    /// An agent-bot (or platform-app) token on an endpoint bots may not use.
    #[error("endpoint not allowed for bots")]
    BotNotAllowed,
    #[error("user is not a member of the account")]
    NotAccountMember,
    #[error("bot is not attached to the account")]
    BotNotInAccount,
    #[error("account is suspended")]
    AccountSuspended,
    /// A controller-specific 401 whose body is `{"error": message}` (e.g. "Invalid User IDs").
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The caller's role may not do this (Chatwoot answers 401, not 403).
    #[error("action not authorized")]
    Forbidden,
    #[error("record not found")]
    NotFound,
    #[error("no route")]
    RouteNotFound,
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),
    /// A required wrapper parameter is absent or empty (Rails' `ParameterMissing`).
    #[error("param is missing or the value is empty: {0}")]
    ParamMissing(String),
    /// A controller-specific 422 whose body is `{"error": value}`.
    #[error("unprocessable: {0}")]
    Unprocessable(Value),
    /// A 422 whose body is `{"message": text}` (Chatwoot's custom exceptions).
    #[error("unprocessable: {0}")]
    UnprocessableMessage(String),
    /// A 422 with an empty body (Chatwoot's `head :unprocessable_entity`).
    #[error("unprocessable")]
    UnprocessableEmpty,
    /// A controller-specific 403 (the one Chatwoot has: message status on non-API inboxes).
    #[error("forbidden: {0}")]
    ForbiddenWithMessage(String),
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    PayloadTooLarge,
    /// A transient storage condition (throttling, a lost race, a storage or blob backend that
    /// did not answer): 503 with `Retry-After`, and the client may retry.
    #[error("temporarily unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Throttled
            | StoreError::Conflict
            | StoreError::ConditionFailed { .. }
            | StoreError::Unavailable(_) => AppError::Unavailable,
            StoreError::Invalid(message) => AppError::Unprocessable(Value::String(message)),
            StoreError::Backend(message) => AppError::Internal(message),
        }
    }
}

/// Model validation errors in Rails' shape: full messages ("Name can't be blank") joined by
/// ", " and the attribute names, each once, in the order they failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors {
    messages: Vec<String>,
    attributes: Vec<String>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `attribute` failed with `message` ("can't be blank").
    pub fn add(&mut self, attribute: &str, message: &str) {
        self.messages
            .push(format!("{} {message}", humanize(attribute)));
        if !self.attributes.iter().any(|a| a == attribute) {
            self.attributes.push(attribute.to_owned());
        }
    }

    /// Records a message that is already complete (Rails' `errors.add(:base, ...)`).
    pub fn add_full(&mut self, attribute: &str, full_message: &str) {
        self.messages.push(full_message.to_owned());
        if !self.attributes.iter().any(|a| a == attribute) {
            self.attributes.push(attribute.to_owned());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn message(&self) -> String {
        self.messages.join(", ")
    }

    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// `Ok(())` when nothing failed, else the 422 error.
    pub fn into_result(self) -> AppResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// A one-failure error, for checks that stand alone.
    pub fn single(attribute: &str, message: &str) -> AppError {
        let mut errors = Self::new();
        errors.add(attribute, message);
        AppError::Validation(errors)
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Rails' `humanize`: `support_email` → `Support email`.
fn humanize(attribute: &str) -> String {
    let spaced = attribute.trim_end_matches("_id").replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rails_full_messages() {
        let mut errors = ValidationErrors::new();
        errors.add("name", "can't be blank");
        errors.add("support_email", "is too long (maximum is 100 characters)");
        errors.add("name", "is invalid");
        assert_eq!(
            errors.message(),
            "Name can't be blank, Support email is too long (maximum is 100 characters), Name is invalid"
        );
        assert_eq!(errors.attributes(), ["name", "support_email"]);
    }
}
