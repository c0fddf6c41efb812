//! Chatwoot's contact JSON (`api/v1/models/_contact.json.jbuilder`) and the contact's push
//! data (message senders, conversation meta in message lists, webhook payloads).

use crate::clock::iso_millis;
use crate::model::contact::Contact;
use crate::model::inbox::Inbox;
use serde_json::{json, Map, Value};

/// The contact JSON without `contact_inboxes`. `last_activity_at` is omitted when never set,
/// as Chatwoot's template does.
pub fn contact(contact: &Contact, thumbnail: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(
        "additional_attributes".into(),
        json!(contact.additional_attributes),
    );
    map.insert("availability_status".into(), json!("offline"));
    map.insert("email".into(), json!(contact.email));
    map.insert("id".into(), json!(contact.id));
    map.insert("name".into(), json!(contact.name));
    map.insert("phone_number".into(), json!(contact.phone_number));
    map.insert("blocked".into(), json!(contact.blocked));
    map.insert("identifier".into(), json!(contact.identifier));
    map.insert("thumbnail".into(), json!(thumbnail));
    map.insert("custom_attributes".into(), json!(contact.custom_attributes));
    if let Some(at) = contact.last_activity_at_ms {
        map.insert("last_activity_at".into(), json!(at / 1000));
    }
    map.insert("created_at".into(), json!(contact.created_at_ms / 1000));
    map
}

/// `Contact#push_event_data`.
pub fn push(contact: &Contact, thumbnail: &str) -> Value {
    json!({
        "additional_attributes": contact.additional_attributes,
        "custom_attributes": contact.custom_attributes,
        "email": contact.email,
        "id": contact.id,
        "identifier": contact.identifier,
        "name": contact.name,
        "phone_number": contact.phone_number,
        "thumbnail": thumbnail,
        "blocked": contact.blocked,
        "type": "contact",
    })
}

/// The inbox as contact-inbox lists show it (`api/v1/models/_inbox_slim`).
pub fn inbox_slim(inbox: &Inbox, avatar_url: &str) -> Value {
    json!({
        "id": inbox.id,
        "avatar_url": avatar_url,
        "channel_id": inbox.channel_id,
        "name": inbox.name,
        "channel_type": inbox.channel.channel_type(),
        "provider": Value::Null,
    })
}

/// One entry of `contact_inboxes` (and of `contactable_inboxes`).
pub fn contact_inbox(source_id: &str, inbox_slim: Value) -> Value {
    json!({ "source_id": source_id, "inbox": inbox_slim })
}

/// The contact JSON with its `contact_inboxes`.
pub fn with_contact_inboxes(mut contact: Map<String, Value>, contact_inboxes: Vec<Value>) -> Value {
    contact.insert("contact_inboxes".into(), Value::Array(contact_inboxes));
    Value::Object(contact)
}

/// List, search and filter responses: `meta.count` and `current_page` (the raw parameter).
pub fn page(count: Value, current_page: Value, payload: Vec<Value>) -> Value {
    json!({
        "meta": { "count": count, "current_page": current_page },
        "payload": payload,
    })
}

/// The inbox as Rails serialises the record itself (every column): the `contact_inbox.inbox`
/// of `POST /contacts`.
pub fn inbox_row(inbox: &Inbox) -> Value {
    json!({
        "id": inbox.id,
        "channel_id": inbox.channel_id,
        "account_id": inbox.account_id,
        "name": inbox.name,
        "created_at": iso_millis(inbox.created_at_ms),
        "updated_at": iso_millis(inbox.updated_at_ms),
        "channel_type": inbox.channel.channel_type(),
        "enable_auto_assignment": inbox.enable_auto_assignment,
        "greeting_enabled": inbox.greeting_enabled,
        "greeting_message": inbox.greeting_message,
        "email_address": Value::Null,
        "working_hours_enabled": inbox.working_hours_enabled,
        "out_of_office_message": inbox.out_of_office_message,
        "timezone": inbox.timezone,
        "enable_email_collect": inbox.enable_email_collect,
        "csat_survey_enabled": inbox.csat_survey_enabled,
        "allow_messages_after_resolved": inbox.allow_messages_after_resolved,
        "auto_assignment_config": inbox.auto_assignment_config,
        "lock_to_single_conversation": inbox.lock_to_single_conversation,
        "portal_id": inbox.portal_id,
        "sender_name_type": inbox.sender_name_type,
        "business_name": inbox.business_name,
        "csat_config": inbox.csat_config,
    })
}
