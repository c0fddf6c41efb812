//! The signed-in user's own profile.

use super::users::{self, UserAggregate, UserChanges};
use super::validate;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A password change through the profile needs the current password.
#[derive(Debug, Default, Clone)]
pub struct PasswordChange {
    pub current_password: Option<String>,
    pub password_confirmation: Option<String>,
}

pub async fn load(state: &AppState, user_id: i64) -> AppResult<UserAggregate> {
    // The token outlived its user only if a deletion raced this request.
    users::load(state, user_id)
        .await?
        .ok_or(AppError::InvalidToken)
}

pub async fn update(
    state: &AppState,
    aggregate: UserAggregate,
    changes: &UserChanges,
    password: &PasswordChange,
) -> AppResult<UserAggregate> {
    if changes.password.is_some() {
        let current_ok = match (&password.current_password, &aggregate.user.password_digest) {
            (Some(given), Some(digest)) => validate::verify_password(given, digest),
            _ => false,
        };
        if !current_ok {
            return Err(AppError::Unprocessable("Invalid current password".into()));
        }
        if password.password_confirmation.as_ref() != changes.password.as_ref() {
            let mut errors = crate::error::ValidationErrors::new();
            errors.add("password_confirmation", "doesn't match Password");
            return Err(AppError::Validation(errors));
        }
    }
    users::update(state, aggregate, changes).await
}
