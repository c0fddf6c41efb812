//! `/api/v1/accounts/{account_id}/conversations` and every per-conversation action.

use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};
use shared::auth;
use shared::domain::actor::Actor;
use shared::domain::conversations::builder::{self, NewConversation};
use shared::domain::conversations::change::NewMessage;
use shared::domain::conversations::list::{self, AssigneeFilter, Counts, ListQuery, Sort};
use shared::domain::conversations::{self as domain, actions, related, search};
use shared::domain::filters::{CustomAttributeKey, Filter, FilterModel};
use shared::domain::{agents, contacts, custom_attributes, inboxes, teams};
use shared::http::{empty_ok, json_ok, ApiRequest, Params, Router};
use shared::model::conversation::{Conversation, Message, Status, PRIORITIES};
use shared::model::Account;
use shared::views::conversations::{self as view, Context};
use shared::{handler, AppError, AppResult, AppState};
use std::sync::Arc;

const CONVERSATIONS: &str = "/api/v1/accounts/{account_id}/conversations";
const META: &str = "/api/v1/accounts/{account_id}/conversations/meta";
const FILTER: &str = "/api/v1/accounts/{account_id}/conversations/filter";
const SEARCH: &str = "/api/v1/accounts/{account_id}/conversations/search";
const CONTACT_CONVERSATIONS: &str = "/api/v1/accounts/{account_id}/contacts/{id}/conversations";
const CONVERSATION: &str = "/api/v1/accounts/{account_id}/conversations/{conversation_id}";
const ACTION: &str = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/{action}";

/// Registers this area's routes. Per-conversation actions share one path pattern and are
/// told apart by their last segment, as Rails' member routes are.
pub fn routes(router: Router) -> Router {
    router
        .get(CONVERSATIONS, handler!(index))
        .post(CONVERSATIONS, handler!(create))
        .get(META, handler!(meta))
        .post(FILTER, handler!(filter))
        .get(SEARCH, handler!(search))
        .get(CONTACT_CONVERSATIONS, handler!(contact_index))
        .get(CONVERSATION, handler!(show))
        .update(CONVERSATION, handler!(update))
        .delete(CONVERSATION, handler!(destroy))
        .post(ACTION, handler!(action))
        .get(ACTION, handler!(read_action))
}

/// Renders conversations with what they show, read in one batch.
pub async fn render_many(
    state: &AppState,
    account_id: i64,
    conversations: &[Conversation],
) -> AppResult<Vec<Value>> {
    let refs: Vec<&Conversation> = conversations.iter().collect();
    let related = related::load(state, account_id, &refs, &[], &[]).await?;
    let urls = related::attachment_urls(state, &refs, &[]).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    Ok(conversations
        .iter()
        .map(|c| view::conversation(c, &context))
        .collect())
}

async fn render_one(state: &AppState, conversation: &Conversation) -> AppResult<Value> {
    let mut rendered = render_many(
        state,
        conversation.account_id,
        std::slice::from_ref(conversation),
    )
    .await?;
    Ok(rendered.pop().unwrap_or(Value::Null))
}

fn counts_json(counts: &Counts, with_assigned: bool) -> Value {
    let mut meta = Map::new();
    meta.insert("mine_count".into(), json!(counts.mine));
    if with_assigned {
        meta.insert("assigned_count".into(), json!(counts.assigned()));
    }
    meta.insert("unassigned_count".into(), json!(counts.unassigned));
    meta.insert("all_count".into(), json!(counts.all));
    Value::Object(meta)
}

/// The list filters of `GET /conversations` and `/meta`.
async fn list_query(state: &AppState, account: &Account, params: &Params) -> AppResult<ListQuery> {
    let status = match params.string("status").as_deref() {
        Some("all") => None,
        Some(name) => Some(Status::parse(name).unwrap_or(Status::Open)),
        None => Some(Status::Open),
    };
    let team_id = params.integer("team_id")?;
    if let Some(team) = team_id {
        teams::load(state, account.id, team).await?;
    }
    let labels = params.string_list("labels");
    Ok(ListQuery {
        status,
        assignee: AssigneeFilter::parse(params.string("assignee_type").as_deref()),
        inbox_id: params.integer("inbox_id")?,
        team_id,
        labels,
        contact_id: None,
        sort: Sort::parse(params.string("sort_by").as_deref()),
        page: params.integer("page")?.unwrap_or(1).max(1) as usize,
        page_size: list::PAGE_SIZE,
    })
}

/// The search text of a request, if any.
fn search_text(params: &Params) -> Option<String> {
    params
        .string("q")
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
}

/// One page of conversations matching `q` (message text), whatever their status.
async fn search_page(
    state: &AppState,
    actor: &Actor,
    account: &Account,
    q: &str,
    page: usize,
) -> AppResult<(Vec<(Conversation, Vec<Message>)>, Counts)> {
    let (hits, counts) = search::search(state, actor, account.id, q).await?;
    let page = hits
        .into_iter()
        .skip((page.max(1) - 1) * list::PAGE_SIZE)
        .take(list::PAGE_SIZE)
        .collect();
    Ok((page, counts))
}

pub async fn index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let params = request.params().await?;
    let query = list_query(&state, &account, &params).await?;
    let (page, counts) = match search_text(&params) {
        Some(q) => {
            let (hits, counts) = search_page(&state, &actor, &account, &q, query.page).await?;
            (hits.into_iter().map(|(c, _)| c).collect(), counts)
        }
        None => list::list(&state, &actor, account.id, &query).await?,
    };
    let payload = render_many(&state, account.id, &page).await?;
    Ok(json_ok(json!({
        "data": {"meta": counts_json(&counts, true), "payload": payload}
    })))
}

pub async fn meta(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let query = list_query(&state, &account, &request.params().await?).await?;
    let counts = list::meta(&state, &actor, account.id, &query).await?;
    Ok(json_ok(json!({"meta": counts_json(&counts, true)})))
}

/// `GET /conversations/search?q=`: conversations with messages containing `q`, each with
/// those messages, in Chatwoot's slim shape.
pub async fn search(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let params = request.params().await?;
    let page = params.integer("page")?.unwrap_or(1).max(1) as usize;
    let (hits, counts) = match search_text(&params) {
        Some(q) => search_page(&state, &actor, &account, &q, page).await?,
        None => (Vec::new(), Counts::default()),
    };
    let conversations: Vec<&Conversation> = hits.iter().map(|(c, _)| c).collect();
    let messages: Vec<&Message> = hits.iter().flat_map(|(_, m)| m).collect();
    let related = related::load(&state, account.id, &conversations, &messages, &[]).await?;
    let inbox_ids: Vec<i64> = conversations.iter().map(|c| c.inbox_id).collect();
    let inboxes: std::collections::HashMap<i64, shared::model::inbox::Inbox> =
        inboxes::load_many(&state, account.id, &inbox_ids)
            .await?
            .into_iter()
            .map(|inbox| (inbox.id, inbox))
            .collect();
    let payload: Vec<Value> = hits
        .iter()
        .map(|(c, messages)| view::search_result(c, messages, &related, inboxes.get(&c.inbox_id)))
        .collect();
    Ok(json_ok(
        json!({"meta": counts_json(&counts, false), "payload": payload}),
    ))
}

/// `GET /contacts/{id}/conversations`: the contact's conversations the caller may list,
/// newest activity first, at most 20 (one read of the contact's views).
pub async fn contact_index(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let contact = contacts::load(&state, account.id, request.path_id("id")?).await?;
    let query = ListQuery {
        status: None,
        contact_id: Some(contact.id),
        page: 1,
        page_size: 20,
        ..ListQuery::default()
    };
    let (page, _) = list::list(&state, &actor, account.id, &query).await?;
    let payload = render_many(&state, account.id, &page).await?;
    Ok(json_ok(json!({ "payload": payload })))
}

/// `POST /conversations/filter`: Chatwoot's filter payload over the caller's conversations.
pub async fn filter(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let params = request.params().await?;
    let definitions =
        custom_attributes::list(&state, account.id, Some("conversation_attribute")).await?;
    let keys: Vec<CustomAttributeKey> = definitions
        .iter()
        .map(|d| CustomAttributeKey {
            key: &d.attribute_key,
            display_type: &d.attribute_display_type,
        })
        .collect();
    let payload = params.get("payload").cloned().unwrap_or(Value::Null);
    let conditions = Filter::parse(FilterModel::Conversation, &payload, &keys)?;
    let today = state.clock.now().date();
    let matches = |c: &Conversation| conditions.matches(&list::filter_attributes(c), today);
    let page = params.integer("page")?.unwrap_or(1).max(1) as usize;
    let (page, counts) = list::filter(&state, &actor, account.id, &matches, page).await?;
    let payload = render_many(&state, account.id, &page).await?;
    Ok(json_ok(
        json!({"meta": counts_json(&counts, false), "payload": payload}),
    ))
}

/// The first message of `POST /conversations` (`message: {content, ...}`).
fn first_message(params: &Params) -> AppResult<Option<NewMessage>> {
    let Some(message) = params.object("message")? else {
        return Ok(None);
    };
    let message = Params::from_object(message);
    crate::messages::new_message(&message).map(Some)
}

pub async fn create(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_actor(&state, &request).await?;
    let params = request.params().await?;
    let (inbox, contact, source_id) =
        match (params.integer("inbox_id")?, params.integer("contact_id")?) {
            (Some(inbox_id), Some(contact_id)) => {
                let inbox = inboxes::load(&state, account.id, inbox_id).await?;
                let contact = contacts::load(&state, account.id, contact_id).await?;
                (inbox, contact, params.string("source_id"))
            }
            _ => {
                // A known source id alone names the contact-inbox (scoped to the account, unlike
                // Chatwoot's unscoped lookup); without one there is nothing to open.
                let source_id = params.string("source_id").ok_or(AppError::NotFound)?;
                let inbox_id = params.integer("inbox_id")?.ok_or(AppError::NotFound)?;
                let link =
                    shared::domain::contact_inboxes::find(&state, account.id, inbox_id, &source_id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                let inbox = inboxes::load(&state, account.id, link.inbox_id).await?;
                let contact = contacts::load(&state, account.id, link.contact_id).await?;
                (inbox, contact, Some(source_id))
            }
        };
    if actor
        .visible_inboxes()
        .is_some_and(|mine| !mine.contains(&inbox.id))
    {
        return Err(AppError::Forbidden);
    }
    let status = match params.string("status") {
        Some(name) => Some(Status::parse(&name).ok_or_else(|| {
            AppError::Unprocessable(json!(format!("'{name}' is not a valid status")))
        })?),
        None => None,
    };
    let team_id = match params.integer("team_id")? {
        Some(team) => Some(teams::load(&state, account.id, team).await?.id),
        None => None,
    };
    let message = match first_message(&params)? {
        Some(message) => {
            shared::domain::messages::validate(&message, &inbox)
                .map_err(super::messages::could_not_create)?;
            let sender = shared::domain::messages::sender_for(
                &actor,
                message.message_type,
                contact.id,
                None,
            );
            Some((message, sender))
        }
        None => None,
    };
    let new = NewConversation {
        source_id,
        hmac_verified: params.boolean("hmac_verified").unwrap_or(false),
        status,
        assignee_id: params.integer("assignee_id")?,
        team_id,
        snoozed_until_ms: params.integer("snoozed_until")?.map(|s| s * 1000),
        additional_attributes: params.object("additional_attributes")?.unwrap_or_default(),
        custom_attributes: params.object("custom_attributes")?.unwrap_or_default(),
        message,
        campaign_id: None,
    };
    let (conversation, _) = builder::create(&state, &inbox, &contact, new).await?;
    Ok(json_ok(render_one(&state, &conversation).await?))
}

/// The conversation of the path, if the caller may open it.
async fn fetch(
    state: &AppState,
    actor: &Actor,
    account: &Account,
    request: &ApiRequest,
) -> AppResult<Conversation> {
    domain::load_for(
        state,
        actor,
        account.id,
        request.path_id("conversation_id")?,
    )
    .await
}

/// Show: the conversation, then one batch with the caller's access keys and what it shows.
pub async fn show(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let conversation =
        domain::load(&state, account.id, request.path_id("conversation_id")?).await?;
    let access = match actor.user_id().filter(|_| actor.is_agent()) {
        Some(user) => domain::access_keys(&conversation, user),
        None => Vec::new(),
    };
    let related = related::load(&state, account.id, &[&conversation], &[], &access).await?;
    if !access.is_empty() && !related.any_extra {
        return Err(AppError::Forbidden);
    }
    let urls = related::attachment_urls(&state, &[&conversation], &[]).await?;
    let context = Context {
        related: &related,
        urls: &urls,
    };
    Ok(json_ok(view::conversation(&conversation, &context)))
}

/// The priority a request names: absent or empty clears it; anything but Chatwoot's four
/// is refused.
fn priority(params: &Params) -> AppResult<Option<String>> {
    match params.string("priority").filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) if PRIORITIES.contains(&p.as_str()) => Ok(Some(p)),
        Some(p) => Err(AppError::Unprocessable(json!(format!(
            "'{p}' is not a valid priority"
        )))),
    }
}

pub async fn update(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_actor(&state, &request).await?;
    let conversation = fetch(&state, &actor, &account, &request).await?;
    let params = request.params().await?;
    let conversation = if params.has("priority") {
        actions::set_priority(&state, &actor, conversation, priority(&params)?).await?
    } else {
        conversation
    };
    Ok(json_ok(render_one(&state, &conversation).await?))
}

pub async fn destroy(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    if actor.is_agent() {
        return Err(AppError::Forbidden);
    }
    let conversation = fetch(&state, &actor, &account, &request).await?;
    let user_id = actor.user_id().ok_or(AppError::BotNotAllowed)?;
    let audit_actor = crate::audit_logs::actor(&state, user_id, &request).await?;
    actions::delete(&state, &conversation, &audit_actor).await?;
    Ok(empty_ok())
}

/// Actions bots may take (Chatwoot's bot allow-list); the rest are for users only.
const BOT_ACTIONS: &[&str] = &[
    "toggle_status",
    "toggle_priority",
    "custom_attributes",
    "assignments",
];

pub async fn action(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let name = request.path_param("action").unwrap_or_default().to_owned();
    let known = [
        "toggle_status",
        "toggle_priority",
        "toggle_typing_status",
        "update_last_seen",
        "unread",
        "mute",
        "unmute",
        "custom_attributes",
        "destroy_custom_attributes",
        "assignments",
        "labels",
    ];
    if !known.contains(&name.as_str()) {
        return Err(AppError::RouteNotFound);
    }
    let (account, actor) = if BOT_ACTIONS.contains(&name.as_str()) {
        auth::account_actor(&state, &request).await?
    } else {
        auth::account_user_actor(&state, &request).await?
    };
    let conversation = fetch(&state, &actor, &account, &request).await?;
    let params = request.params().await?;
    match name.as_str() {
        "toggle_status" => toggle_status(&state, &actor, conversation, &params).await,
        "toggle_priority" => {
            actions::set_priority(&state, &actor, conversation, priority(&params)?).await?;
            Ok(empty_ok())
        }
        "toggle_typing_status" => {
            let on = params.string("typing_status").as_deref() == Some("on");
            let private = params.boolean("is_private").unwrap_or(false);
            actions::typing(&state, &actor, &conversation, on, private).await?;
            Ok(empty_ok())
        }
        "update_last_seen" => {
            let conversation = actions::mark_seen(&state, &actor, conversation).await?;
            Ok(json_ok(render_one(&state, &conversation).await?))
        }
        "unread" => {
            let conversation = actions::mark_unread(&state, conversation).await?;
            Ok(json_ok(render_one(&state, &conversation).await?))
        }
        "mute" | "unmute" => {
            let contact = contacts::load(&state, account.id, conversation.contact_id).await?;
            actions::set_muted(&state, &actor, conversation, contact, name == "mute").await?;
            Ok(empty_ok())
        }
        "custom_attributes" => {
            let attributes = params.object("custom_attributes")?.unwrap_or_default();
            let conversation = actions::change_custom_attributes(&state, conversation, |current| {
                *current = attributes.clone();
            })
            .await?;
            Ok(json_ok(
                json!({"custom_attributes": conversation.custom_attributes}),
            ))
        }
        "destroy_custom_attributes" => {
            let keys = params.string_list("custom_attributes");
            let conversation = actions::change_custom_attributes(&state, conversation, |current| {
                current.retain(|key, _| !keys.contains(key));
            })
            .await?;
            Ok(json_ok(render_one(&state, &conversation).await?))
        }
        "assignments" => assignments(&state, &actor, &account, conversation, &params).await,
        "labels" => {
            let labels = params.string_list("labels");
            let conversation = actions::set_labels(&state, &actor, conversation, labels).await?;
            Ok(json_ok(json!({"payload": conversation.labels})))
        }
        _ => Err(AppError::RouteNotFound),
    }
}

/// `GET /conversations/{id}/labels` (the only readable action).
pub async fn read_action(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    if request.path_param("action") != Some("labels") {
        return Err(AppError::RouteNotFound);
    }
    let (account, actor) = auth::account_user_actor(&state, &request).await?;
    let conversation = fetch(&state, &actor, &account, &request).await?;
    Ok(json_ok(json!({"payload": conversation.labels})))
}

async fn toggle_status(
    state: &AppState,
    actor: &Actor,
    conversation: Conversation,
    params: &Params,
) -> AppResult<Response<Body>> {
    let status = match params.string("status").filter(|s| !s.is_empty()) {
        Some(name) => Some(Status::parse(&name).ok_or_else(|| {
            AppError::Unprocessable(json!(format!("'{name}' is not a valid status")))
        })?),
        None => None,
    };
    let snoozed_until = params.integer("snoozed_until")?.map(|s| s * 1000);
    let c = &actions::toggle_status(state, actor, conversation, status, snoozed_until).await?;
    Ok(json_ok(json!({
        "meta": {},
        "payload": {
            "success": true,
            "conversation_id": c.display_id,
            "current_status": c.status.as_str(),
            "snoozed_until": c.snoozed_until_ms.map(shared::clock::iso_millis),
        }
    })))
}

/// `POST /assignments`: an agent (or none), an agent bot, or a team.
async fn assignments(
    state: &AppState,
    actor: &Actor,
    account: &Account,
    conversation: Conversation,
    params: &Params,
) -> AppResult<Response<Body>> {
    if params.string("assignee_type").as_deref() == Some("AgentBot") {
        let bot = match params.integer("assignee_id")? {
            Some(id) => inboxes::find_accessible_bot(state, account.id, id)
                .await
                .ok(),
            None => None,
        };
        let Some(bot) = bot else {
            return Ok(json_ok(Value::Null));
        };
        actions::assign_bot(state, conversation, &bot).await?;
        let thumbnail = shared::domain::agent_bots::thumbnail(state, &bot).await?;
        return Ok(json_ok(view::bot_slim(&bot, &thumbnail)));
    }
    if params.has("assignee_id") {
        let agent = match params.integer("assignee_id")? {
            Some(id) => agents::load_many(state, account.id, &[id]).await?.pop(),
            None => None,
        };
        actions::assign_agent(state, actor, conversation, agent.as_ref()).await?;
        return Ok(json_ok(match &agent {
            Some(agent) => {
                let thumbnail =
                    shared::domain::avatars::url(state, agent.user.avatar_key.as_deref()).await?;
                shared::views::agent(agent, &thumbnail)
            }
            None => Value::Null,
        }));
    }
    if params.has("team_id") {
        let team = match params.integer("team_id")? {
            Some(id) if id > 0 => teams::load(state, account.id, id).await.ok(),
            _ => None,
        };
        let previous = match conversation.team_id {
            Some(id) => teams::load(state, account.id, id).await.ok(),
            None => None,
        };
        actions::assign_team(state, actor, conversation, team.as_ref(), previous.as_ref()).await?;
        return Ok(json_ok(match &team {
            Some(team) => json!({
                "id": team.id,
                "name": team.name,
                "description": team.description,
                "allow_auto_assign": team.allow_auto_assign,
                "account_id": team.account_id,
                "created_at": shared::clock::iso_millis(team.created_at_ms),
                "updated_at": shared::clock::iso_millis(team.updated_at_ms),
            }),
            None => Value::Null,
        }));
    }
    Ok(json_ok(Value::Null))
}
