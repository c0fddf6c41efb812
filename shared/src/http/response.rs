//! Responses, and the translation of [`AppError`] into Chatwoot's status codes and bodies,
//! which differ between controller families.

use crate::error::AppError;
use http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{json, Value};

/// Which Chatwoot controller family answers: their error bodies differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/platform/api/v1`: platform-app tokens, framework 404s.
    Platform,
    /// `/api/v1`, `/api/v2`: user and bot tokens, `handle_with_exception` bodies.
    Application,
    /// `/public/api/v1`, survey pages: no token, framework 404s.
    Public,
}

pub fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::Text(body.to_string()))
        .expect("valid response parts")
}

pub fn json_ok(body: Value) -> Response<Body> {
    json_response(StatusCode::OK, &body)
}

/// Rails' `head :ok`: 200 with an empty body.
pub fn empty_ok() -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .body(Body::Empty)
        .expect("valid response parts")
}

pub fn no_content() -> Response<Body> {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("valid response parts")
}

fn framework_status(status: StatusCode) -> Value {
    json!({
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
    })
}

/// The status and body Chatwoot answers with for an error, in this family.
pub fn error_parts(error: &AppError, family: Family) -> (StatusCode, Value) {
    let unauthorized = |message: &str| (StatusCode::UNAUTHORIZED, json!({ "error": message }));
    match error {
        AppError::MissingToken | AppError::InvalidToken if family == Family::Platform => {
            unauthorized("Invalid access_token")
        }
        AppError::MissingToken => (
            StatusCode::UNAUTHORIZED,
            json!({"errors": ["You need to sign in or sign up before continuing."]}),
        ),
        AppError::InvalidToken => unauthorized("Invalid Access Token"),
        AppError::NonPermissible => unauthorized("Non permissible resource"),
        AppError::NonPermissibleAccount => unauthorized("Non permissible account"),
        AppError::BotNotAllowed => {
            unauthorized("Access to this endpoint is not authorized for bots")
        }
        AppError::NotAccountMember => unauthorized("You are not authorized to access this account"),
        AppError::BotNotInAccount => unauthorized("Bot is not authorized to access this account"),
        AppError::AccountSuspended => unauthorized("Account is suspended"),
        AppError::Forbidden => unauthorized("You are not authorized to do this action"),
        AppError::Unauthorized(message) => unauthorized(message),
        AppError::NotFound if family == Family::Application => (
            StatusCode::NOT_FOUND,
            json!({"error": "Resource could not be found"}),
        ),
        AppError::NotFound | AppError::RouteNotFound => (
            StatusCode::NOT_FOUND,
            framework_status(StatusCode::NOT_FOUND),
        ),
        AppError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": errors.message(), "attributes": errors.attributes()}),
        ),
        AppError::ParamMissing(key) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": format!("param is missing or the value is empty: {key}")}),
        ),
        AppError::Unprocessable(value) => {
            (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": value }))
        }
        AppError::UnprocessableMessage(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "message": message }),
        ),
        AppError::UnprocessableEmpty => (StatusCode::UNPROCESSABLE_ENTITY, Value::Null),
        AppError::ForbiddenWithMessage(message) => {
            (StatusCode::FORBIDDEN, json!({ "error": message }))
        }
        AppError::BadRequest(message) => (
            StatusCode::BAD_REQUEST,
            json!({"status": 400, "error": "Bad Request", "message": message}),
        ),
        AppError::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            framework_status(StatusCode::PAYLOAD_TOO_LARGE),
        ),
        AppError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "Service temporarily unavailable, please retry"}),
        ),
        AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            framework_status(StatusCode::INTERNAL_SERVER_ERROR),
        ),
    }
}

pub fn error_response(error: &AppError, family: Family) -> Response<Body> {
    let (status, body) = error_parts(error, family);
    if body.is_null() {
        return Response::builder()
            .status(status)
            .body(Body::Empty)
            .expect("valid response parts");
    }
    let mut response = json_response(status, &body);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    }
    response
}
