//! `/api/v1/accounts/{account_id}/custom_attribute_definitions`: any member may do everything
//! (Chatwoot has no policy here).

use lambda_http::{Body, Response};
use shared::auth;
use shared::domain::custom_attributes::{self, DefinitionChanges};
use shared::handler;
use shared::http::{json_ok, no_content, ApiRequest, Params, Router};
use shared::views::custom_attributes as view;
use shared::{AppResult, AppState};
use std::sync::Arc;

const DEFINITIONS: &str = "/api/v1/accounts/{account_id}/custom_attribute_definitions";
const DEFINITION: &str = "/api/v1/accounts/{account_id}/custom_attribute_definitions/{id}";

/// The columns Rails wraps top-level JSON keys into (those the controller permits).
const COLUMNS: &[&str] = &[
    "attribute_display_name",
    "attribute_description",
    "attribute_display_type",
    "attribute_key",
    "attribute_model",
    "regex_pattern",
    "regex_cue",
    "attribute_values",
];

/// Registers this area's routes.
pub fn routes(router: Router) -> Router {
    router
        .get(DEFINITIONS, handler!(index))
        .post(DEFINITIONS, handler!(create))
        .get(DEFINITION, handler!(show))
        .update(DEFINITION, handler!(update))
        .delete(DEFINITION, handler!(destroy))
}

fn changes(params: &Params) -> AppResult<DefinitionChanges> {
    let definition = params.require("custom_attribute_definition", Some(COLUMNS))?;
    Ok(DefinitionChanges {
        attribute_display_name: definition.optional_string("attribute_display_name"),
        attribute_display_type: definition.optional_string("attribute_display_type"),
        attribute_description: definition.optional_string("attribute_description"),
        attribute_key: definition.optional_string("attribute_key"),
        attribute_model: definition.optional_string("attribute_model"),
        regex_pattern: definition.optional_string("regex_pattern"),
        regex_cue: definition.optional_string("regex_cue"),
        attribute_values: definition.get("attribute_values").cloned(),
    })
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let model = request.query().string("attribute_model");
    let definitions =
        custom_attributes::list(&state, member.account_id(), model.as_deref()).await?;
    let rendered: Vec<_> = definitions
        .iter()
        .map(view::custom_attribute_definition)
        .collect();
    Ok(json_ok(rendered.into()))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let definition =
        custom_attributes::load(&state, member.account_id(), request.path_id("id")?).await?;
    Ok(json_ok(view::custom_attribute_definition(&definition)))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let definition = custom_attributes::create(&state, member.account_id(), &changes).await?;
    Ok(json_ok(view::custom_attribute_definition(&definition)))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let definition =
        custom_attributes::load(&state, member.account_id(), request.path_id("id")?).await?;
    let changes = changes(&request.params().await?)?;
    let definition = custom_attributes::update(&state, definition, &changes).await?;
    Ok(json_ok(view::custom_attribute_definition(&definition)))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let definition =
        custom_attributes::load(&state, member.account_id(), request.path_id("id")?).await?;
    custom_attributes::delete(&state, member.account, &definition).await?;
    Ok(no_content())
}
