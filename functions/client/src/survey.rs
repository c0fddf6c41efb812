//! The CSAT survey: its public JSON (`/public/api/v1/csat_survey/{uuid}`) and the page a
//! survey link opens (`/survey/responses/{uuid}`), which embeds the same JSON.

use crate::html;
use base64::prelude::{Engine, BASE64_STANDARD};
use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::domain::avatars;
use shared::domain::csat::{self, Survey};
use shared::handler;
use shared::http::{json_ok, ApiRequest, Router};
use shared::views::public as view;
use shared::{AppError, AppResult, AppState};
use std::sync::{Arc, LazyLock};

const SURVEY: &str = "/public/api/v1/csat_survey/{uuid}";
const PAGE: &str = "/survey/responses/{uuid}";
/// The page: plain HTML, CSS and JS, with one placeholder for the survey's JSON.
const TEMPLATE: &str = include_str!("survey.html");
const PLACEHOLDER: &str = "__SURVEY_DATA__";

pub fn routes(router: Router) -> Router {
    router
        .get(SURVEY, handler!(show))
        .update(SURVEY, handler!(answer))
        .get(PAGE, handler!(page))
}

async fn survey_json(state: &AppState, survey: &Survey) -> AppResult<Value> {
    let avatar = avatars::url(state, survey.inbox.avatar_key.as_deref()).await?;
    Ok(view::survey(survey, &avatar))
}

async fn find(state: &AppState, request: &ApiRequest) -> AppResult<Survey> {
    let uuid = request.path_param("uuid").ok_or(AppError::NotFound)?;
    csat::survey(state, uuid).await?.ok_or(AppError::NotFound)
}

async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let survey = find(&state, &request).await?;
    Ok(json_ok(survey_json(&state, &survey).await?))
}

/// `{message: {submitted_values: {csat_survey_response: {rating, feedback_message}}}}`.
async fn answer(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let survey = find(&state, &request).await?;
    let params = request.params().await?.require("message", None)?;
    let submitted = match params.get("submitted_values") {
        Some(value @ Value::Object(_)) => value.clone(),
        _ => return Err(AppError::ParamMissing("submitted_values".into())),
    };
    let survey = csat::answer(&state, survey, submitted).await?;
    Ok(json_ok(survey_json(&state, &survey).await?))
}

/// Any uuid gets the page (as in Chatwoot); an unknown one, or a conversation without a
/// survey, gets `survey: null` and the page says so.
async fn page(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let uuid = request.path_param("uuid").unwrap_or_default().to_owned();
    let survey = csat::survey(&state, &uuid).await?;
    let data = match &survey {
        Some(survey) => json!({
            "uuid": uuid,
            "account_name": survey.account.name,
            "expired": csat::expired(&survey.message, state.clock.now_ms()),
            "submit_url": format!("/public/api/v1/csat_survey/{uuid}"),
            "survey": survey_json(&state, survey).await?,
        }),
        None => json!({
            "uuid": uuid,
            "account_name": null,
            "expired": false,
            "submit_url": null,
            "survey": null,
        }),
    };
    Ok(html::page(
        StatusCode::OK,
        "no-store",
        &CONTENT_SECURITY_POLICY,
        TEMPLATE.replacen(PLACEHOLDER, &script_safe(&data), 1),
    ))
}

/// The page runs only its own inline script (allowed by its hash), styles itself inline,
/// shows the inbox's avatar from wherever it is stored and talks only to this origin.
static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; script-src '{}'; style-src 'unsafe-inline'; \
         img-src http: https: data:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        script_hash(TEMPLATE)
    )
});

/// The CSP source (`sha256-<base64>`) of the page's one executable script: the `<script>`
/// element without a type (the survey data sits in a non-executable JSON one).
fn script_hash(template: &str) -> String {
    const OPEN: &str = "<script>";
    let start = template.find(OPEN).expect("the survey page has a script") + OPEN.len();
    let length = template[start..]
        .find("</script>")
        .expect("the survey page's script is closed");
    let digest = Sha256::digest(&template.as_bytes()[start..start + length]);
    format!("sha256-{}", BASE64_STANDARD.encode(digest))
}

/// JSON that can sit inside a `<script>` element: nothing in it can close the element or
/// start markup.
fn script_safe(data: &Value) -> String {
    data.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let data = json!({"account_name": "</script><script>alert(1)</script> & co"});
        let safe = script_safe(&data);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&safe).unwrap(), data);
    }

    #[test]
    fn the_template_has_one_placeholder() {
        assert_eq!(TEMPLATE.matches(PLACEHOLDER).count(), 1);
    }
}
