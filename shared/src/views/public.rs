//! The Client API's JSON (`public/api/v1/models/*`) and the public CSAT survey JSON. These
//! shapes go to the contact's own browser or app: nothing here may show another contact's
//! data, private notes or activity messages.

use super::conversations::{attachments, sender, Context};
use crate::clock::iso_millis;
use crate::domain::conversations::survey::display_type;
use crate::domain::csat::Survey;
use crate::model::contact::{Contact, ContactInbox};
use crate::model::conversation::{Conversation, Message};
use crate::model::csat::CsatSurveyResponse;
use crate::model::inbox::Inbox;
use serde_json::{json, Map, Value};

/// `GET /public/api/v1/inboxes/{identifier}`.
pub fn inbox(inbox: &Inbox) -> Value {
    json!({
        "identifier": inbox.channel.public_identifier(),
        "identity_validation_enabled": inbox.channel.hmac_mandatory(),
        "name": inbox.name,
        "timezone": inbox.timezone,
        "working_hours": inbox.working_hours,
        "working_hours_enabled": inbox.working_hours_enabled,
        "csat_survey_enabled": inbox.csat_survey_enabled,
        "greeting_enabled": inbox.greeting_enabled,
    })
}

/// `public_contact`: the contact as its own session sees it.
pub fn contact(link: &ContactInbox, contact: &Contact) -> Value {
    json!({
        "source_id": link.source_id,
        "pubsub_token": link.pubsub_token,
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone_number": contact.phone_number,
    })
}

/// The contact as Rails serialises the record itself (every column): what `PATCH` answers
/// and public conversations embed. Columns this service does not keep show their defaults.
pub fn contact_row(contact: &Contact) -> Value {
    json!({
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone_number": contact.phone_number,
        "account_id": contact.account_id,
        "created_at": iso_millis(contact.created_at_ms),
        "updated_at": iso_millis(contact.updated_at_ms),
        "additional_attributes": contact.additional_attributes,
        "identifier": contact.identifier,
        "custom_attributes": contact.custom_attributes,
        "last_activity_at": contact.last_activity_at_ms.map(iso_millis),
        "contact_type": contact.contact_type,
        "middle_name": "",
        "last_name": "",
        "location": "",
        "country_code": "",
        "blocked": contact.blocked,
    })
}

/// `public_message`: `message_type` as its integer, times in epoch seconds, `attachments`
/// and `sender` only when there are any.
pub fn message(message: &Message, context: &Context) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(message.id));
    map.insert("content".into(), json!(message.content));
    map.insert("message_type".into(), json!(message.message_type));
    map.insert("content_type".into(), json!(message.content_type));
    map.insert(
        "content_attributes".into(),
        json!(message.content_attributes),
    );
    map.insert("created_at".into(), json!(message.created_at_ms / 1000));
    map.insert("conversation_id".into(), json!(message.conversation_id));
    if let Some(files) = attachments(message, context) {
        map.insert("attachments".into(), files);
    }
    if let Some(sender) = sender(message.sender, context) {
        map.insert("sender".into(), sender);
    }
    Value::Object(map)
}

/// `public_conversation`, with the conversation's public messages (oldest first) and its
/// contact.
pub fn conversation(
    conversation: &Conversation,
    messages: &[Message],
    contact: &Contact,
    context: &Context,
) -> Value {
    let seconds = |ms: Option<i64>| ms.map_or(0, |ms| ms / 1000);
    json!({
        "id": conversation.display_id,
        "uuid": conversation.uuid,
        "inbox_id": conversation.inbox_id,
        "contact_last_seen_at": seconds(conversation.contact_last_seen_at_ms),
        "status": conversation.status.as_str(),
        "agent_last_seen_at": seconds(conversation.agent_last_seen_at_ms),
        "messages": messages
            .iter()
            .filter(|m| m.is_public())
            .map(|m| message(m, context))
            .collect::<Vec<_>>(),
        "contact": contact_row(contact),
    })
}

/// A CSAT response as Rails serialises the record (every column; `conversation_id` is the
/// internal id).
pub fn csat_response_row(response: &CsatSurveyResponse) -> Value {
    json!({
        "id": response.id,
        "account_id": response.account_id,
        "conversation_id": response.conversation_internal_id,
        "message_id": response.message_id,
        "rating": response.rating,
        "feedback_message": response.feedback_message,
        "contact_id": response.contact_id,
        "assigned_agent_id": response.assigned_agent_id,
        "created_at": iso_millis(response.created_at_ms),
        "updated_at": iso_millis(response.updated_at_ms),
    })
}

/// `GET /public/api/v1/csat_survey/{uuid}`.
pub fn survey(survey: &Survey, inbox_avatar_url: &str) -> Value {
    json!({
        "id": survey.message.id,
        "csat_survey_response": survey.response.as_ref().map(csat_response_row),
        "display_type": display_type(&survey.inbox),
        "content": survey.inbox.csat_config.get("message").cloned().unwrap_or(Value::Null),
        "inbox_avatar_url": inbox_avatar_url,
        "inbox_name": survey.inbox.name,
        "locale": survey.account.locale,
        "conversation_id": survey.conversation.id,
        "created_at": iso_millis(survey.message.created_at_ms),
    })
}
