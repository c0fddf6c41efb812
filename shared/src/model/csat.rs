//! CSAT: the lookup of a conversation by its uuid (what survey links carry) and the
//! recorded survey responses.

use super::Record;
use crate::keys::conversations as keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// A conversation's uuid → its account and display id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConversationUuid {
    pub uuid: String,
    pub account_id: i64,
    pub display_id: i64,
}

impl Record for ConversationUuid {
    const ENTITY: &'static str = "conversation_uuid";

    fn key(&self) -> Key {
        keys::by_uuid(&self.uuid)
    }
}

/// Chatwoot's `CsatSurveyResponse`: one per survey message, changed in place when the
/// contact changes their answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CsatSurveyResponse {
    pub id: i64,
    pub account_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// Chatwoot's internal conversation id (the public CSAT JSON shows it).
    pub conversation_internal_id: i64,
    pub inbox_id: i64,
    pub team_id: Option<i64>,
    pub contact_id: i64,
    pub message_id: i64,
    /// The conversation's assignee when the first answer came in, kept on later changes.
    pub assigned_agent_id: Option<i64>,
    /// 1 to 5.
    pub rating: i64,
    pub feedback_message: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for CsatSurveyResponse {
    const ENTITY: &'static str = "csat_survey_response";

    fn key(&self) -> Key {
        keys::csat_response(self.account_id, self.message_id)
    }

    fn index_key(&self) -> Option<(String, String)> {
        Some((
            keys::csat_responses_index(self.account_id),
            keys::csat_response_index_sk(self.created_at_ms, self.message_id),
        ))
    }
}
