//! CSAT surveys (Chatwoot's `CsatSurveyService` and `CsatSurveyResponse`): the answer recorded
//! from the Client API or the survey page, and the survey as the page shows it. The survey
//! message itself is sent by the save that resolves a conversation
//! ([`crate::domain::conversations::survey`]).
//!
//! Chatwoot sends the survey and records the answer in background jobs; here both are part
//! of the transaction that caused them, so neither can be lost and the answer is visible at
//! once.

use crate::domain::conversations::change::Effects;
use crate::domain::conversations::{self, survey::CONTENT_TYPE};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::{self, conversations as conversation_keys, inboxes as inbox_keys};
use crate::model::conversation::{Conversation, Message};
use crate::model::csat::{ConversationUuid, CsatSurveyResponse};
use crate::model::inbox::Inbox;
use crate::model::{Account, Record};
use crate::state::AppState;
use crate::store::WriteOp;
use serde_json::{json, Value};

/// How many calendar days after it was sent a survey can be answered (or the answer changed).
pub const EDITABLE_DAYS: i64 = 14;

/// Chatwoot's lock: the calendar days between sending and now exceed [`EDITABLE_DAYS`].
pub fn expired(survey: &Message, now_ms: i64) -> bool {
    let day = |ms: i64| ms.div_euclid(86_400_000);
    day(now_ms) - day(survey.created_at_ms) > EDITABLE_DAYS
}

pub fn expired_error() -> AppError {
    AppError::Unprocessable(json!(format!(
        "You cannot update the CSAT survey after {EDITABLE_DAYS} days"
    )))
}

/// A rating and comment taken from `submitted_values.csat_survey_response`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub rating: i64,
    pub feedback_message: Option<String>,
}

impl Answer {
    /// The answer in submitted values, if they carry a rating: 1 to 5, else 422 (Chatwoot
    /// accepts the update and then fails to record it, silently).
    pub fn of(submitted_values: &Value) -> AppResult<Option<Answer>> {
        let Some(response) = submitted_values.get("csat_survey_response") else {
            return Ok(None);
        };
        let rating = match response.get("rating") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(text)) => text.trim().parse().ok(),
            Some(_) => None,
        };
        let rating = rating
            .filter(|r| (1..=5).contains(r))
            .ok_or_else(|| ValidationErrors::single("rating", "is not included in the list"))?;
        let feedback_message = response
            .get("feedback_message")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Some(Answer {
            rating,
            feedback_message,
        }))
    }
}

/// The response record an answer creates or changes (the first answer fixes its id, time and
/// the agent it credits).
pub fn response_for(
    conversation: &Conversation,
    survey: &Message,
    existing: Option<CsatSurveyResponse>,
    answer: &Answer,
    now_ms: i64,
) -> CsatSurveyResponse {
    let base = existing.unwrap_or_else(|| CsatSurveyResponse {
        id: crate::ids::new_id(now_ms),
        account_id: conversation.account_id,
        conversation_id: conversation.display_id,
        conversation_internal_id: conversation.id,
        inbox_id: conversation.inbox_id,
        team_id: conversation.team_id,
        contact_id: conversation.contact_id,
        message_id: survey.id,
        assigned_agent_id: conversation.assignee_id,
        rating: answer.rating,
        feedback_message: None,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    });
    CsatSurveyResponse {
        rating: answer.rating,
        feedback_message: answer.feedback_message.clone(),
        updated_at_ms: now_ms,
        ..base
    }
}

/// Stores `submitted_values` on a message of the conversation (form and select replies, or
/// a CSAT answer) and, for a CSAT answer, its response record, in one transaction. A survey
/// past its [`EDITABLE_DAYS`] is refused.
pub async fn submit(
    state: &AppState,
    conversation: Conversation,
    message: Message,
    submitted_values: Value,
) -> AppResult<(Message, Option<CsatSurveyResponse>)> {
    let is_survey = message.content_type == CONTENT_TYPE;
    if is_survey && expired(&message, state.clock.now_ms()) {
        return Err(expired_error());
    }
    let answer = if is_survey {
        Answer::of(&submitted_values)?
    } else {
        None
    };
    let existing = match &answer {
        Some(_) => load_response(state, conversation.account_id, message.id).await?,
        None => None,
    };
    // The response of the attempt that was saved (a lost race re-runs the closure).
    let mut recorded = None;
    let (_, effects) = conversations::save(state, conversation, |c| {
        let now = state.clock.now_ms();
        let mut changed = message.clone();
        changed
            .content_attributes
            .insert("submitted_values".into(), submitted_values.clone());
        changed.updated_at_ms = now;
        for kept in [&mut c.last_message, &mut c.last_non_activity_message] {
            if kept.as_ref().is_some_and(|m| m.id == changed.id) {
                *kept = Some(changed.preview());
            }
        }
        let mut effects = Effects::default();
        effects.event("message_updated", json!({"message_id": changed.id}));
        recorded = answer
            .as_ref()
            .map(|answer| response_for(c, &changed, existing.clone(), answer, now));
        effects
            .writes
            .extend(recorded.iter().map(|r| WriteOp::put(r.to_item())));
        effects.replaced.push(changed);
        Ok(effects)
    })
    .await?;
    let message = effects
        .replaced
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("message lost".into()))?;
    Ok((message, recorded))
}

pub async fn load_response(
    state: &AppState,
    account_id: i64,
    message_id: i64,
) -> AppResult<Option<CsatSurveyResponse>> {
    let item = state
        .store
        .get(&conversation_keys::csat_response(account_id, message_id))
        .await?;
    Ok(item.map(CsatSurveyResponse::from_item).transpose()?)
}

/// The conversation a uuid names, if any.
pub async fn conversation_by_uuid(state: &AppState, uuid: &str) -> AppResult<Option<Conversation>> {
    let Some(item) = state.store.get(&conversation_keys::by_uuid(uuid)).await? else {
        return Ok(None);
    };
    let link = ConversationUuid::from_item(item)?;
    let item = state
        .store
        .get(&conversation_keys::conversation(
            link.account_id,
            link.display_id,
        ))
        .await?;
    Ok(item.map(Conversation::from_item).transpose()?)
}

/// Everything the survey page and the public CSAT JSON show.
#[derive(Debug, Clone)]
pub struct Survey {
    pub conversation: Conversation,
    pub message: Message,
    pub response: Option<CsatSurveyResponse>,
    pub inbox: Inbox,
    pub account: Account,
}

/// The survey of the conversation a uuid names: `None` when the uuid is unknown or no survey
/// was sent. Three round trips: the uuid, the conversation, then one batch of the survey
/// message, its response, the inbox and the account.
pub async fn survey(state: &AppState, uuid: &str) -> AppResult<Option<Survey>> {
    let Some(conversation) = conversation_by_uuid(state, uuid).await? else {
        return Ok(None);
    };
    let Some(message_id) = conversation.csat_message_id else {
        return Ok(None);
    };
    let account_id = conversation.account_id;
    let found = state
        .store
        .get_many(&[
            conversation_keys::message(account_id, conversation.display_id, message_id),
            conversation_keys::csat_response(account_id, message_id),
            inbox_keys::inbox(account_id, conversation.inbox_id),
            keys::account(account_id),
        ])
        .await?;
    let [message, response, inbox, account] = <[_; 4]>::try_from(found)
        .map_err(|_| AppError::Internal("batch read answered a different count".into()))?;
    let (Some(message), Some(inbox), Some(account)) = (message, inbox, account) else {
        return Ok(None);
    };
    Ok(Some(Survey {
        conversation,
        message: Message::from_item(message)?,
        response: response.map(CsatSurveyResponse::from_item).transpose()?,
        inbox: Inbox::from_item(inbox)?,
        account: Account::from_item(account)?,
    }))
}

/// `PATCH /public/api/v1/csat_survey/{uuid}`: records the answer; the survey as it is after.
pub async fn answer(
    state: &AppState,
    survey: Survey,
    submitted_values: Value,
) -> AppResult<Survey> {
    let (message, response) = submit(
        state,
        survey.conversation.clone(),
        survey.message,
        submitted_values,
    )
    .await?;
    Ok(Survey {
        message,
        response: response.or(survey.response),
        ..survey
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::conversation::MessageType;
    use serde_json::Map;

    #[test]
    fn answers() {
        let of = |v: Value| Answer::of(&v);
        assert_eq!(
            of(json!({"csat_survey_response": {"rating": 4, "feedback_message": "ok"}})).unwrap(),
            Some(Answer {
                rating: 4,
                feedback_message: Some("ok".into())
            })
        );
        assert_eq!(
            of(json!({"csat_survey_response": {"rating": "5"}}))
                .unwrap()
                .unwrap()
                .rating,
            5
        );
        assert_eq!(
            of(json!({"csat_survey_response": {"feedback_message": "x"}})).unwrap(),
            None
        );
        assert_eq!(of(json!([{"name": "a", "value": "b"}])).unwrap(), None);
        for bad in [json!(0), json!(6), json!("x"), json!(4.5), json!(true)] {
            assert!(
                of(json!({"csat_survey_response": {"rating": bad}})).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn editable_for_fourteen_calendar_days() {
        let day = 86_400_000;
        let sent = |at: i64| Message {
            id: 1,
            account_id: 1,
            inbox_id: 1,
            conversation_id: 1,
            content: None,
            message_type: MessageType::Template as i64,
            content_type: CONTENT_TYPE.into(),
            status: "sent".into(),
            private: false,
            source_id: None,
            content_attributes: Map::new(),
            additional_attributes: Map::new(),
            sender: None,
            attachments: Vec::new(),
            created_at_ms: at,
            updated_at_ms: at,
            version: 0,
        };
        let late_in_day_one = day - 1;
        assert!(!expired(&sent(late_in_day_one), 15 * day - 1));
        assert!(expired(&sent(late_in_day_one), 16 * day));
        assert!(!expired(&sent(0), 14 * day + day / 2));
    }
}
