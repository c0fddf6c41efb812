//! Chatwoot's report JSON.

use crate::clock::iso_millis;
use crate::domain::agents::Agent;
use crate::domain::reports::facts::ReportingEvent;
use crate::domain::reports::live::AccountMetrics;
use crate::domain::reports::queries::{
    BotSummary, EntitySummary, Matrix, Point, Summary, Value as MetricValue,
};
use serde_json::{json, Map, Value};

fn seconds(value: Option<f64>) -> Value {
    json!(value)
}

/// Timeseries points: `{value, timestamp}`, and `count` for averages (an empty bucket's
/// average is `0`).
pub fn timeseries(points: &[Point]) -> Value {
    Value::Array(
        points
            .iter()
            .map(|point| {
                let value = match point.value {
                    MetricValue::Count(count) => json!(count),
                    MetricValue::Seconds(Some(average)) => json!(average),
                    MetricValue::Seconds(None) => json!(0),
                };
                let mut map = Map::new();
                map.insert("value".into(), value);
                map.insert("timestamp".into(), json!(point.timestamp));
                if let Some(count) = point.count {
                    map.insert("count".into(), json!(count));
                }
                Value::Object(map)
            })
            .collect(),
    )
}

fn summary_fields(summary: &Summary) -> Map<String, Value> {
    let value = json!({
        "conversations_count": summary.conversations_count,
        "incoming_messages_count": summary.incoming_messages_count,
        "outgoing_messages_count": summary.outgoing_messages_count,
        "avg_first_response_time": seconds(summary.avg_first_response_time),
        "avg_resolution_time": seconds(summary.avg_resolution_time),
        "resolutions_count": summary.resolutions_count,
        "reply_time": seconds(summary.reply_time),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

pub fn summary(current: &Summary, previous: &Summary) -> Value {
    let mut map = summary_fields(current);
    map.insert("previous".into(), Value::Object(summary_fields(previous)));
    Value::Object(map)
}

pub fn bot_summary(current: &BotSummary, previous: &BotSummary) -> Value {
    let fields = |s: &BotSummary| {
        json!({
            "bot_resolutions_count": s.bot_resolutions_count,
            "bot_handoffs_count": s.bot_handoffs_count,
        })
    };
    let mut value = fields(current);
    value["previous"] = fields(previous);
    value
}

pub fn entity_summaries(rows: &[EntitySummary]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                json!({
                    "id": row.id,
                    "conversations_count": row.conversations_count,
                    "resolved_conversations_count": row.resolved_conversations_count,
                    "avg_resolution_time": seconds(row.avg_resolution_time),
                    "avg_first_response_time": seconds(row.avg_first_response_time),
                    "avg_reply_time": seconds(row.avg_reply_time),
                })
            })
            .collect(),
    )
}

pub fn channel_summary(rows: &[(String, [i64; 4])]) -> Value {
    let mut map = Map::new();
    for (kind, [open, resolved, pending, snoozed]) in rows {
        map.insert(
            kind.clone(),
            json!({
                "open": open,
                "resolved": resolved,
                "pending": pending,
                "snoozed": snoozed,
                "total": open + resolved + pending + snoozed,
            }),
        );
    }
    Value::Object(map)
}

pub fn first_response_distribution(rows: &[(String, Vec<(&'static str, i64)>)]) -> Value {
    let mut map = Map::new();
    for (kind, buckets) in rows {
        let buckets: Map<String, Value> = buckets
            .iter()
            .map(|(name, count)| ((*name).to_owned(), json!(count)))
            .collect();
        map.insert(kind.clone(), Value::Object(buckets));
    }
    Value::Object(map)
}

pub fn inbox_label_matrix(matrix: &Matrix) -> Value {
    json!({
        "inboxes": matrix.inboxes.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
        "labels": matrix.labels.iter().map(|(id, title)| json!({"id": id, "title": title})).collect::<Vec<_>>(),
        "matrix": matrix.counts,
    })
}

pub fn outgoing_messages(rows: &[(i64, String, i64)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(id, name, count)| {
                json!({"id": id, "name": name, "outgoing_messages_count": count})
            })
            .collect(),
    )
}

pub fn live_account(metrics: &AccountMetrics) -> Value {
    json!({
        "open": metrics.open,
        "unattended": metrics.unattended,
        "unassigned": metrics.unassigned,
        "pending": metrics.pending,
    })
}

/// One agent row of the live metrics (`thumbnail`: the avatar URL).
pub fn live_agent(agent: &Agent, thumbnail: &str, open: i64, unattended: i64) -> Value {
    json!({
        "id": agent.user.id,
        "name": agent.user.name,
        "email": agent.user.email,
        "thumbnail": thumbnail,
        "availability": super::availability_status(&agent.membership),
        "metric": {"open": open, "unattended": unattended},
    })
}

/// A reporting fact as Chatwoot's `reporting_event` (values in seconds).
pub fn reporting_event(fact: &ReportingEvent) -> Value {
    json!({
        "id": fact.id,
        "name": fact.name,
        "value": fact.value_ms as f64 / 1000.0,
        "value_in_business_hours": fact.business_value_ms as f64 / 1000.0,
        "event_start_time": iso_millis(fact.event_start_ms),
        "event_end_time": iso_millis(fact.event_end_ms),
        "account_id": fact.account_id,
        "inbox_id": fact.inbox_id,
        "user_id": fact.user_id,
        "conversation_id": fact.conversation_id,
        "created_at": iso_millis(fact.created_at_ms),
        "updated_at": iso_millis(fact.created_at_ms),
    })
}

pub fn reporting_events_page(facts: &[ReportingEvent], count: i64, page: usize) -> Value {
    let per_page = crate::domain::reports::listing::PER_PAGE as i64;
    json!({
        "payload": facts.iter().map(reporting_event).collect::<Vec<_>>(),
        "meta": {
            "count": count,
            "current_page": page,
            "total_pages": (count + per_page - 1) / per_page,
        },
    })
}

pub fn reporting_events(facts: &[ReportingEvent]) -> Value {
    Value::Array(facts.iter().map(reporting_event).collect())
}
