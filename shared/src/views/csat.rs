//! Chatwoot's CSAT survey responses as administrators read them: the response JSON
//! (`api/v1/models/_csat_survey_response`), the metrics and the CSV download
//! (`csat_survey_responses/download.csv.erb`).

use crate::domain::csat_responses::{Metrics, Period, Responses};
use crate::model::csat::CsatSurveyResponse;
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

/// One response; `contact` and `assigned_agent` are left out when there is none to show.
pub fn response(response: &CsatSurveyResponse, shown: &Responses) -> Value {
    let related = &shown.related;
    let mut map = Map::new();
    map.insert("id".into(), json!(response.id));
    map.insert("rating".into(), json!(response.rating));
    map.insert("feedback_message".into(), json!(response.feedback_message));
    map.insert("account_id".into(), json!(response.account_id));
    map.insert("message_id".into(), json!(response.message_id));
    if let Some((contact, thumbnail)) = related.contacts.get(&response.contact_id) {
        map.insert(
            "contact".into(),
            Value::Object(super::contacts::contact(contact, thumbnail)),
        );
    }
    map.insert("conversation_id".into(), json!(response.conversation_id));
    let agent = response
        .assigned_agent_id
        .and_then(|id| related.agents.get(&id));
    if let Some((agent, thumbnail)) = agent {
        map.insert("assigned_agent".into(), super::agent(agent, thumbnail));
    }
    map.insert("created_at".into(), json!(response.created_at_ms / 1000));
    Value::Object(map)
}

/// The list: every response of the page, in order.
pub fn responses(shown: &Responses) -> Value {
    shown.responses.iter().map(|r| response(r, shown)).collect()
}

/// `ratings_count` is keyed by the rating as text, as JSON keys are.
pub fn metrics(metrics: &Metrics) -> Value {
    let ratings: Map<String, Value> = metrics
        .ratings_count
        .iter()
        .map(|(rating, count)| (rating.to_string(), json!(count)))
        .collect();
    json!({
        "total_count": metrics.total_count,
        "ratings_count": ratings,
        "total_sent_messages_count": metrics.total_sent_messages_count,
    })
}

const CSV_HEADERS: [&str; 8] = [
    "Agent Name",
    "Rating",
    "Feedback Comment",
    "Contact Name",
    "Contact Email Address",
    "Contact Phone Number",
    "Link to the conversation",
    "Recorded date",
];

/// The download: a byte-order mark (so spreadsheets read UTF-8), the header row, one row per
/// response and, when the request named a period, Chatwoot's closing "Reporting period" line.
pub fn csv(shown: &Responses, frontend_url: &str, period: Option<Period>) -> String {
    let mut rows = Rows::new();
    rows.push(CSV_HEADERS.map(Some));
    for response in &shown.responses {
        let agent = response
            .assigned_agent_id
            .and_then(|id| shown.related.agents.get(&id))
            .map(|(agent, _)| format!("{} ({})", agent.user.name, agent.user.email));
        let contact = shown
            .related
            .contacts
            .get(&response.contact_id)
            .map(|(contact, _)| contact);
        let link = format!(
            "{frontend_url}/app/accounts/{}/conversations/{}",
            response.account_id, response.conversation_id
        );
        rows.push([
            agent.as_deref(),
            Some(&response.rating.to_string()),
            response.feedback_message.as_deref().and_then(present),
            contact.map(|c| c.name.as_str()).and_then(present),
            contact.and_then(|c| c.email.as_deref()).and_then(present),
            contact
                .and_then(|c| c.phone_number.as_deref())
                .and_then(present),
            Some(&link),
            Some(&recorded_at(response.created_at_ms)),
        ]);
    }
    if let Some(period) = period {
        let line = format!(
            "Reporting period {} to {}",
            date(period.since),
            date(period.until)
        );
        rows.push([Some(line.as_str())]);
    }
    format!("\u{feff}{}", rows.finish())
}

/// Rails' `presence`: blank text is no value.
fn present(text: &str) -> Option<&str> {
    (!text.trim().is_empty()).then_some(text)
}

/// Lines as Ruby's `CSV.generate_line` writes them: no value is an empty field; a field
/// holding a separator, a quote or a line break is quoted, its quotes doubled; rows may
/// differ in length.
struct Rows(csv::Writer<Vec<u8>>);

impl Rows {
    fn new() -> Self {
        Rows(
            csv::WriterBuilder::new()
                .flexible(true)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new()),
        )
    }

    fn push<'a>(&mut self, fields: impl IntoIterator<Item = Option<&'a str>>) {
        // Writing to memory cannot fail.
        let _ = self
            .0
            .write_record(fields.into_iter().map(Option::unwrap_or_default));
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// A time as Ruby prints a UTC time: `2025-03-04 10:11:12 UTC`.
fn recorded_at(ms: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// The UTC date of an epoch second (`2025-03-04`), or the number itself when it names no
/// representable date.
fn date(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let mut rows = Rows::new();
        rows.push([
            None,
            Some("plain"),
            Some("a, b"),
            Some("say \"hi\""),
            Some("two\nlines"),
        ]);
        rows.push([Some("short")]);
        assert_eq!(
            rows.finish(),
            ",plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\"\nshort\n"
        );
    }

    #[test]
    fn times_and_dates_as_ruby_prints_them() {
        assert_eq!(recorded_at(1_741_083_072_345), "2025-03-04 10:11:12 UTC");
        assert_eq!(date(1_741_083_072), "2025-03-04");
        assert_eq!(present("  "), None);
        assert_eq!(present(" x "), Some(" x "));
    }
}
