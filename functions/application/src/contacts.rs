//! `/api/v1/accounts/{account_id}/contacts` and `/actions/contact_merge`.

use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::auth::{self, AccountUser};
use shared::domain::avatars::{self, AvatarUpload};
use shared::domain::contact_index::Order;
use shared::domain::contacts::{self, ContactChanges, ContactPage};
use shared::domain::filters::{CustomAttributeKey, Filter, FilterModel};
use shared::domain::{contact_inboxes, inboxes};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::contact::Contact;
use shared::views::contacts as view;
use shared::{handler, AppError, AppResult, AppState};
use std::sync::Arc;

const CONTACTS: &str = "/api/v1/accounts/{account_id}/contacts";
const SEARCH: &str = "/api/v1/accounts/{account_id}/contacts/search";
const FILTER: &str = "/api/v1/accounts/{account_id}/contacts/filter";
const ACTIVE: &str = "/api/v1/accounts/{account_id}/contacts/active";
/// Sub-resources of one contact use `{id}` too (the router needs one name per segment).
const CONTACT: &str = "/api/v1/accounts/{account_id}/contacts/{id}";
const LABELS: &str = "/api/v1/accounts/{account_id}/contacts/{id}/labels";
const CONTACT_INBOXES: &str = "/api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes";
const CONTACTABLE_INBOXES: &str = "/api/v1/accounts/{account_id}/contacts/{id}/contactable_inboxes";
const DESTROY_CUSTOM_ATTRIBUTES: &str =
    "/api/v1/accounts/{account_id}/contacts/{id}/destroy_custom_attributes";
const AVATAR: &str = "/api/v1/accounts/{account_id}/contacts/{id}/avatar";
const MERGE: &str = "/api/v1/accounts/{account_id}/actions/contact_merge";

pub fn routes(router: Router) -> Router {
    router
        .get(CONTACTS, handler!(index))
        .post(CONTACTS, handler!(create))
        .get(SEARCH, handler!(search))
        .post(FILTER, handler!(filter))
        .get(ACTIVE, handler!(active))
        .get(CONTACT, handler!(show))
        .update(CONTACT, handler!(update))
        .delete(CONTACT, handler!(destroy))
        .get(LABELS, handler!(labels_index))
        .post(LABELS, handler!(labels_create))
        .post(CONTACT_INBOXES, handler!(contact_inboxes_create))
        .get(CONTACTABLE_INBOXES, handler!(contactable_inboxes))
        .post(
            DESTROY_CUSTOM_ATTRIBUTES,
            handler!(destroy_custom_attributes),
        )
        .delete(AVATAR, handler!(avatar_destroy))
        .post(MERGE, handler!(merge))
}

/// Chatwoot's `permitted_params`: top-level keys (contacts are not wrapped).
fn changes(params: &Params) -> AppResult<ContactChanges> {
    Ok(ContactChanges {
        name: params.optional_string("name"),
        email: params.optional_string("email"),
        phone_number: params.optional_string("phone_number"),
        identifier: params.optional_string("identifier"),
        blocked: params.boolean("blocked"),
        additional_attributes: params.object("additional_attributes")?,
        custom_attributes: params.object("custom_attributes")?,
        avatar: params.file("avatar").map(AvatarUpload::from),
    })
}

/// The contact of `{id}` in the caller's account (404 otherwise).
async fn fetch(state: &AppState, request: &ApiRequest) -> AppResult<(AccountUser, Contact)> {
    let member = auth::account_user(state, request).await?;
    let contact = contacts::load(state, member.account_id(), request.path_id("id")?).await?;
    Ok((member, contact))
}

async fn thumbnail(state: &AppState, contact: &Contact) -> AppResult<String> {
    avatars::url(state, contact.avatar_key.as_deref()).await
}

/// Contact JSON for each contact, with `contact_inboxes` when asked (their inboxes from one
/// batch read for all of them).
async fn render(
    state: &AppState,
    account_id: i64,
    contacts: &[Contact],
    with_inboxes: bool,
) -> AppResult<Vec<Value>> {
    let inboxes = if with_inboxes {
        contacts::inboxes_of(state, account_id, contacts).await?
    } else {
        Default::default()
    };
    let mut rendered = Vec::with_capacity(contacts.len());
    for contact in contacts {
        let map = view::contact(contact, &thumbnail(state, contact).await?);
        if !with_inboxes {
            rendered.push(Value::Object(map));
            continue;
        }
        let mut links = Vec::with_capacity(contact.inboxes.len());
        for link in &contact.inboxes {
            if let Some(inbox) = inboxes.get(&link.inbox_id) {
                let avatar = avatars::url(state, inbox.avatar_key.as_deref()).await?;
                links.push(view::contact_inbox(
                    &link.source_id,
                    view::inbox_slim(inbox, &avatar),
                ));
            }
        }
        rendered.push(view::with_contact_inboxes(map, links));
    }
    Ok(rendered)
}

async fn render_one(state: &AppState, contact: &Contact) -> AppResult<Value> {
    let mut rendered = render(
        state,
        contact.account_id,
        std::slice::from_ref(contact),
        true,
    )
    .await?;
    Ok(rendered.pop().unwrap_or_default())
}

/// The paging parameters of list, search and active.
struct Paging {
    /// `page` as sent, echoed in `meta.current_page` (1 when absent).
    raw_page: Value,
    page: usize,
    order: Order,
    with_inboxes: bool,
}

impl Paging {
    fn read(params: &Params) -> Paging {
        let raw_page = params.get("page").cloned().unwrap_or(json!(1));
        let with_inboxes = match params.string("include_contact_inboxes") {
            Some(value) if !value.trim().is_empty() => value == "true",
            _ => true,
        };
        Paging {
            raw_page,
            page: params.page(),
            order: Order::parse(params.string("sort").as_deref()),
            with_inboxes,
        }
    }

    async fn respond(
        &self,
        state: &AppState,
        account_id: i64,
        page: ContactPage,
    ) -> AppResult<Response<Body>> {
        let payload = render(state, account_id, &page.contacts, self.with_inboxes).await?;
        Ok(json_ok(view::page(
            json!(page.count),
            self.raw_page.clone(),
            payload,
        )))
    }
}

/// `labels[]` (or a single `labels`) as text.
/// [`Params::string_list`], where a single string may also list values separated by commas.
fn string_list(params: &Params, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => params.string_list(key),
    }
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let paging = Paging::read(&params);
    let labels: Vec<String> = string_list(&params, "labels")
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    let page = contacts::list(
        &state,
        member.account_id(),
        paging.order,
        paging.page,
        &labels,
    )
    .await?;
    paging.respond(&state, member.account_id(), page).await
}

/// Without `q` Chatwoot returns before rendering its error, leaving an empty result.
/// `POST /contacts/filter`: Chatwoot's filter payload over the resolved contacts.
pub async fn filter(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let paging = Paging::read(&params);
    let definitions = shared::domain::custom_attributes::list(
        &state,
        member.account_id(),
        Some("contact_attribute"),
    )
    .await?;
    let keys: Vec<CustomAttributeKey> = definitions
        .iter()
        .map(|d| CustomAttributeKey {
            key: &d.attribute_key,
            display_type: &d.attribute_display_type,
        })
        .collect();
    let payload = params.get("payload").cloned().unwrap_or(Value::Null);
    let conditions = Filter::parse(FilterModel::Contact, &payload, &keys)?;
    let today = state.clock.now().date();
    let page = contacts::filter(
        &state,
        member.account_id(),
        paging.order,
        paging.page,
        |c| conditions.matches(&contacts::filter_attributes(c), today),
    )
    .await?;
    paging.respond(&state, member.account_id(), page).await
}

pub async fn search(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let paging = Paging::read(&params);
    let q = params.string("q").unwrap_or_default();
    let q = q.trim();
    if q.is_empty() {
        return Ok(json_ok(view::page(Value::Null, paging.raw_page, vec![])));
    }
    let page = contacts::search(&state, member.account_id(), q, paging.order, paging.page).await?;
    paging.respond(&state, member.account_id(), page).await
}

/// Online contacts: this stack keeps no widget presence, so none are.
pub async fn active(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    auth::account_user(&state, &request).await?;
    let paging = Paging::read(&request.params().await?);
    Ok(json_ok(view::page(json!(0), paging.raw_page, vec![])))
}

pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    Ok(json_ok(
        json!({ "payload": render_one(&state, &contact).await? }),
    ))
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let changes = changes(&params)?;
    let inbox = match params.integer("inbox_id")? {
        Some(id) => Some(inboxes::load(&state, member.account_id(), id).await?),
        None => None,
    };
    let source_id = params.string("source_id");
    let (contact, link) = contacts::create(
        &state,
        member.account_id(),
        &changes,
        inbox.as_ref().map(|inbox| (inbox, source_id.as_deref())),
    )
    .await?;
    let contact_inbox = json!({
        "inbox": inbox.as_ref().map(view::inbox_row),
        "source_id": link.map(|l| l.source_id),
    });
    Ok(json_ok(json!({
        "payload": {
            "contact": render_one(&state, &contact).await?,
            "contact_inbox": contact_inbox,
        }
    })))
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    let changes = changes(&request.params().await?)?;
    let contact = contacts::update(&state, contact, &changes).await?;
    Ok(json_ok(
        json!({ "payload": render_one(&state, &contact).await? }),
    ))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (member, contact) = fetch(&state, &request).await?;
    member.require_administrator()?;
    contacts::delete(&state, &contact).await?;
    Ok(empty_ok())
}

pub async fn labels_index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    Ok(json_ok(json!({ "payload": contact.labels })))
}

/// Replaces the contact's labels with `labels` (absent: none).
pub async fn labels_create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    let labels = string_list(&request.params().await?, "labels");
    let contact = contacts::set_labels(&state, contact, &labels).await?;
    Ok(json_ok(json!({ "payload": contact.labels })))
}

pub async fn contact_inboxes_create(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let (member, contact) = fetch(&state, &request).await?;
    let params = request.params().await?;
    let inbox_id = params.integer("inbox_id")?.ok_or(AppError::NotFound)?;
    let inbox = inboxes::load_visible(
        &state,
        member.account_id(),
        inbox_id,
        member.user_id(),
        member.is_administrator(),
    )
    .await?;
    let link = contact_inboxes::find_or_create(
        &state,
        &contact,
        &inbox,
        params.string("source_id").as_deref(),
        params.boolean("hmac_verified").unwrap_or(false),
    )
    .await?;
    let avatar = avatars::url(&state, inbox.avatar_key.as_deref()).await?;
    Ok(json_ok(view::contact_inbox(
        &link.source_id,
        view::inbox_slim(&inbox, &avatar),
    )))
}

pub async fn contactable_inboxes(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let (member, contact) = fetch(&state, &request).await?;
    let visible = inboxes::list_visible(
        &state,
        member.account_id(),
        member.user_id(),
        member.is_administrator(),
    )
    .await?;
    let mut payload = Vec::new();
    for (inbox, source_id) in contacts::contactable_inboxes(&contact, visible) {
        let avatar = avatars::url(&state, inbox.avatar_key.as_deref()).await?;
        payload.push(view::contact_inbox(
            &source_id,
            view::inbox_slim(&inbox, &avatar),
        ));
    }
    Ok(json_ok(json!({ "payload": payload })))
}

pub async fn destroy_custom_attributes(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    let names = string_list(&request.params().await?, "custom_attributes");
    let contact = contacts::remove_custom_attributes(&state, contact, &names).await?;
    Ok(json_ok(
        json!({ "payload": render_one(&state, &contact).await? }),
    ))
}

pub async fn avatar_destroy(
    state: Arc<AppState>,
    request: ApiRequest,
) -> AppResult<Response<Body>> {
    let (_, contact) = fetch(&state, &request).await?;
    let contact = contacts::remove_avatar(&state, contact).await?;
    let rendered = render(
        &state,
        contact.account_id,
        std::slice::from_ref(&contact),
        false,
    )
    .await?;
    Ok(json_ok(json!({ "payload": rendered.into_iter().next() })))
}

/// Both contacts must be of the account (404); the answer is the base contact's JSON.
pub async fn merge(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let member = auth::account_user(&state, &request).await?;
    let params = request.params().await?;
    let account_id = member.account_id();
    let id = |key: &str| -> AppResult<i64> { params.integer(key)?.ok_or(AppError::NotFound) };
    let base = contacts::load(&state, account_id, id("base_contact_id")?).await?;
    let mergee = contacts::load(&state, account_id, id("mergee_contact_id")?).await?;
    let merged = contacts::merge(&state, base, mergee).await?;
    let rendered = render(&state, account_id, std::slice::from_ref(&merged), false).await?;
    Ok(json_ok(rendered.into_iter().next().unwrap_or_default()))
}
