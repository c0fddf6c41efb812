//! Chatwoot's contact JSON (`api/v1/models/_contact.json.jbuilder`) and the contact's push
//! data (message senders, conversation meta in message lists, webhook payloads).

use crate::model::contact::Contact;
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
