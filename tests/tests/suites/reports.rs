//! Reports end to end, on a scripted two-day history with a controlled clock: conversations,
//! replies, resolutions, a reopening and bot hand-offs across two agents, two inboxes, a
//! team and a label, made through the API; the outbox handed to the real dispatcher (which
//! folds it into the reports); then every report endpoint's numbers against hand-computed
//! values, business hours and a non-UTC `timezone_offset` included.
//!
//! The script (UTC; D1 = Monday 2026-11-16, D2 = Tuesday). Inbox Alpha has working hours
//! (Mon–Fri 09:00–17:00 UTC); inbox Beta has an agent bot and none.
//!
//! | time | conversation | what happens | fact (value s / business s) |
//! | --- | --- | --- | --- |
//! | D1 08:00 | C1 Alpha | contact opens it and writes | |
//! | D1 08:30 | C1 | assigned to agent A | |
//! | D1 09:30 | C1 | A replies | first_response 5400 / 1800 |
//! | D1 10:00 | C1 | contact writes | |
//! | D1 10:20 | C1 | A replies | reply_time 1200 / 1200 |
//! | D1 11:00 | C1 | labelled `vip` | |
//! | D1 12:00 | C1 | A resolves | conversation_resolved 14400 / 10800 |
//! | D1 13:00 | C2 Beta | contact opens it (pending: bot) and writes | |
//! | D1 13:05 | C2 | the bot replies | |
//! | D1 13:10 | C2 | the bot hands off | conversation_bot_handoff 600, conversation_opened 0 |
//! | D1 13:20 | C2 | team Sales, then agent B | |
//! | D1 13:30 | C2 | contact writes | |
//! | D1 14:00 | C2 | B replies | first_response 3000 (from the hand-off) / 0 |
//! | D2 01:00 | C2 | B resolves | conversation_resolved 43200 / 0 |
//! | D2 02:00 | C3 Beta | contact opens it and writes | |
//! | D2 02:10 | C3 | the bot resolves | conversation_resolved 600, conversation_bot_resolved 600 |
//! | D2 09:00 | C1 | reopened | conversation_opened 75600 / 18000 |
//! | D2 09:00 | C4 Alpha | contact opens it (no message) | |
//! | D2 09:30 | C4 | assigned to B | |
//! | D2 10:00 | C1 | A resolves again | conversation_resolved 93600 / 32400 |

use api_tests::events::{dispatch_all, dispatcher};
use api_tests::receiver::Receiver;
use api_tests::{
    check_account_guards, fetch_url, json, multipart, AccountFixture, GuardedRoute, TestApi,
};
use bytes::Bytes;
use http::Method;
use serde_json::Value;
use shared::clock::{Clock, FixedClock};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

const HOUR: i64 = 3600;
/// Monday 2026-11-16 00:00 UTC, in seconds: where the script runs unless `TEST_CLOCK` moves
/// it (by whole weeks, so d1 stays a Monday).
const MONDAY: i64 = 1_794_787_200;

/// The script's days d1, d2 and d3, each at 00:00 UTC.
fn days() -> (i64, i64, i64) {
    let d1 = api_tests::clock::anchor(MONDAY);
    (d1, d1 + 24 * HOUR, d1 + 48 * HOUR)
}

struct Scenario {
    api: TestApi,
    fx: AccountFixture,
    clock: Arc<FixedClock>,
    base: String,
    alpha: i64,
    beta: i64,
    team: i64,
    label: i64,
    /// Display ids of C1‥C4.
    conversations: [i64; 4],
    /// The receiver behind the bot (it answers 200 to everything).
    _bot: Receiver,
}

struct Contact {
    inbox_identifier: String,
    source_id: String,
}

impl Scenario {
    fn admin(&self) -> &str {
        &self.fx.admin.1
    }

    fn agent_a(&self) -> i64 {
        self.fx.admin.0
    }

    fn agent_b(&self) -> i64 {
        self.fx.agent.0
    }

    fn at(&self, seconds: i64) {
        let by = seconds * 1000 - self.clock.now_ms();
        assert!(by >= 0, "the clock only moves forward");
        self.clock.advance_ms(by);
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        self.api
            .post(&format!("{}{path}", self.base))
            .token(token)
            .json(body)
            .send()
            .await
            .expect(200)
            .body
    }

    async fn contact(&self, inbox: i64, name: &str) -> Contact {
        let shown = self
            .api
            .get(&format!("{}/inboxes/{inbox}", self.base))
            .token(self.admin())
            .send()
            .await
            .expect(200);
        let inbox_identifier = shown.text("inbox_identifier");
        let created = self
            .api
            .post(&format!(
                "/public/api/v1/inboxes/{inbox_identifier}/contacts"
            ))
            .json(json!({ "name": name }))
            .send()
            .await
            .expect(200);
        Contact {
            inbox_identifier,
            source_id: created.text("source_id"),
        }
    }

    /// The contact opens a conversation (and writes, unless `message` is `None`).
    async fn open(&self, contact: &Contact, message: Option<&str>) -> i64 {
        let display_id = self
            .api
            .post(&format!(
                "/public/api/v1/inboxes/{}/contacts/{}/conversations",
                contact.inbox_identifier, contact.source_id
            ))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .id();
        if let Some(text) = message {
            self.write(contact, display_id, text).await;
        }
        display_id
    }

    async fn write(&self, contact: &Contact, display_id: i64, text: &str) {
        self.api
            .post(&format!(
                "/public/api/v1/inboxes/{}/contacts/{}/conversations/{display_id}/messages",
                contact.inbox_identifier, contact.source_id
            ))
            .json(json!({ "content": text }))
            .send()
            .await
            .expect(200);
    }

    async fn reply(&self, display_id: i64, token: &str) {
        self.post(
            &format!("/conversations/{display_id}/messages"),
            token,
            json!({"content": "On it", "message_type": "outgoing"}),
        )
        .await;
    }

    async fn status(&self, display_id: i64, token: &str, status: &str) {
        self.post(
            &format!("/conversations/{display_id}/toggle_status"),
            token,
            json!({ "status": status }),
        )
        .await;
    }

    async fn assign(&self, display_id: i64, body: Value) {
        let admin = self.admin().to_owned();
        self.post(
            &format!("/conversations/{display_id}/assignments"),
            &admin,
            body,
        )
        .await;
    }

    /// Builds the world, plays the script, and hands every event to the dispatcher.
    async fn played() -> Scenario {
        let (d1, d2, _) = days();
        let clock = Arc::new(FixedClock::at_ms((d1 - HOUR) * 1000));
        let api = TestApi::with_clock(clock.clone()).await;
        let fx = api.account_fixture().await;
        let base = format!("/api/v1/accounts/{}", fx.account);
        let admin = fx.admin.1.clone();
        let bot_receiver = Receiver::start().await;
        let create = |path: &'static str, body: Value| {
            let (api, base, admin) = (&api, &base, &admin);
            async move { api.create_id(&format!("{base}{path}"), admin, body).await }
        };
        let alpha = create(
            "/inboxes",
            json!({"name": "Alpha", "channel": {"type": "api"}, "working_hours_enabled": true, "timezone": "UTC"}),
        )
        .await;
        let beta = create(
            "/inboxes",
            json!({"name": "Beta", "channel": {"type": "api"}}),
        )
        .await;
        let team = create("/teams", json!({"name": "Sales"})).await;
        let label = create("/labels", json!({"title": "vip"})).await;
        let users = json!([fx.admin.0, fx.agent.0]);
        for inbox in [alpha, beta] {
            api.post(&format!("{base}/inbox_members"))
                .token(&admin)
                .json(json!({"inbox_id": inbox, "user_ids": users}))
                .send()
                .await
                .expect(200);
        }
        api.post(&format!("{base}/teams/{team}/team_members"))
            .token(&admin)
            .json(json!({ "user_ids": users }))
            .send()
            .await
            .expect(200);
        let bot = api
            .post("/platform/api/v1/agent_bots")
            .token(&fx.platform)
            .json(json!({"name": "Triage", "outgoing_url": bot_receiver.url, "account_id": fx.account}))
            .send()
            .await
            .expect(200);
        let bot_token = bot.text("access_token");
        api.post(&format!("{base}/inboxes/{beta}/set_agent_bot"))
            .token(&admin)
            .json(json!({"agent_bot": bot.id()}))
            .send()
            .await
            .expect(200);
        let mut s = Scenario {
            api,
            fx,
            clock,
            base,
            alpha,
            beta,
            team,
            label,
            conversations: [0; 4],
            _bot: bot_receiver,
        };
        let (a_token, b_token) = (s.fx.admin.1.clone(), s.fx.agent.1.clone());
        let ann = s.contact(alpha, "Ann").await;
        let bob = s.contact(beta, "Bob").await;
        let cy = s.contact(beta, "Cy").await;
        let dee = s.contact(alpha, "Dee").await;

        s.at(d1 + 8 * HOUR);
        let c1 = s.open(&ann, Some("Hello")).await;
        s.at(d1 + 8 * HOUR + 1800);
        s.assign(c1, json!({"assignee_id": s.agent_a()})).await;
        s.at(d1 + 9 * HOUR + 1800);
        s.reply(c1, &a_token).await;
        s.at(d1 + 10 * HOUR);
        s.write(&ann, c1, "One more thing").await;
        s.at(d1 + 10 * HOUR + 1200);
        s.reply(c1, &a_token).await;
        s.at(d1 + 11 * HOUR);
        s.post(
            &format!("/conversations/{c1}/labels"),
            &a_token,
            json!({"labels": ["vip"]}),
        )
        .await;
        s.at(d1 + 12 * HOUR);
        s.status(c1, &a_token, "resolved").await;

        s.at(d1 + 13 * HOUR);
        let c2 = s.open(&bob, Some("Hi bot")).await;
        s.at(d1 + 13 * HOUR + 300);
        s.reply(c2, &bot_token).await;
        s.at(d1 + 13 * HOUR + 600);
        s.status(c2, &bot_token, "open").await;
        s.at(d1 + 13 * HOUR + 1200);
        s.assign(c2, json!({"team_id": s.team})).await;
        s.assign(c2, json!({"assignee_id": s.agent_b()})).await;
        s.at(d1 + 13 * HOUR + 1800);
        s.write(&bob, c2, "Anyone?").await;
        s.at(d1 + 14 * HOUR);
        s.reply(c2, &b_token).await;

        s.at(d2 + HOUR);
        s.status(c2, &b_token, "resolved").await;
        s.at(d2 + 2 * HOUR);
        let c3 = s.open(&cy, Some("Quick question")).await;
        s.at(d2 + 2 * HOUR + 600);
        s.status(c3, &bot_token, "resolved").await;
        s.at(d2 + 9 * HOUR);
        s.status(c1, &a_token, "open").await;
        let c4 = s.open(&dee, None).await;
        s.at(d2 + 9 * HOUR + 1800);
        s.assign(c4, json!({"assignee_id": s.agent_b()})).await;
        s.at(d2 + 10 * HOUR);
        s.status(c1, &a_token, "resolved").await;
        s.conversations = [c1, c2, c3, c4];

        let dispatcher = dispatcher(s.api.state().clone());
        dispatch_all(&dispatcher, s.fx.account, &Mutex::new(HashSet::new())).await;
        s
    }

    /// `path` read by the administrator; must answer 200.
    async fn read(&self, path: String) -> Value {
        self.api
            .get(&path)
            .token(self.admin())
            .send()
            .await
            .expect(200)
            .body
    }

    /// A report: `/api/v2/accounts/{account}{path}?{query}`.
    async fn report(&self, path: &str, query: &str) -> Value {
        let account = self.fx.account;
        self.read(format!("/api/v2/accounts/{account}{path}?{query}"))
            .await
    }

    /// `GET /api/v1/accounts/{account}/reporting_events?{query}`.
    async fn facts(&self, query: &str) -> Value {
        let account = self.fx.account;
        self.read(format!(
            "/api/v1/accounts/{account}/reporting_events?{query}"
        ))
        .await
    }

    async fn summary(&self, scope: &str, extra: &str) -> Value {
        let (d1, _, d3) = days();
        self.report(
            "/reports/summary",
            &format!("{scope}&since={d1}&until={d3}{extra}"),
        )
        .await
    }
}

async fn admin_get(api: &TestApi, token: &str, path: &str) -> api_tests::TestResponse {
    api.get(path).token(token).send().await
}

fn summary(
    counts: [i64; 3],
    first_response: Value,
    resolution: Value,
    resolutions: i64,
    reply: Value,
) -> Value {
    json!({
        "conversations_count": counts[0],
        "incoming_messages_count": counts[1],
        "outgoing_messages_count": counts[2],
        "avg_first_response_time": first_response,
        "avg_resolution_time": resolution,
        "resolutions_count": resolutions,
        "reply_time": reply,
    })
}

fn with_previous(current: Value) -> Value {
    let mut value = current;
    value["previous"] = summary([0, 0, 0], json!(null), json!(null), 0, json!(null));
    value
}

#[tokio::test]
async fn summaries_per_scope_match_the_script() {
    let (d1, d2, d3) = days();
    let s = Scenario::played().await;
    let account = s.summary("type=account", "").await;
    assert_eq!(
        account,
        with_previous(summary(
            [4, 5, 4],
            json!(4200.0),
            json!(37950.0),
            4,
            json!(1200.0)
        ))
    );
    // Business hours: Alpha's working week; Beta has none (its facts count 0 there).
    let business = s.summary("type=account", "&business_hours=true").await;
    assert_eq!(business["avg_first_response_time"], json!(900.0));
    assert_eq!(business["avg_resolution_time"], json!(10800.0));
    assert_eq!(business["reply_time"], json!(1200.0));
    // The offset buckets, it does not move the range: totals are the same.
    assert_eq!(
        s.summary("type=account", "&timezone_offset=-8").await,
        account
    );

    // Team and label: conversations where they are now; messages and facts where the
    // conversation was when they happened (C2 joined Sales after its first two messages,
    // C1 got `vip` after its messages and first reply).
    let scopes = [
        (
            format!("type=agent&id={}", s.agent_a()),
            summary([1, 0, 2], json!(5400.0), json!(54000.0), 2, json!(1200.0)),
        ),
        (
            format!("type=agent&id={}", s.agent_b()),
            summary([2, 0, 1], json!(3000.0), json!(43200.0), 1, json!(null)),
        ),
        (
            format!("type=inbox&id={}", s.beta),
            summary([2, 3, 2], json!(3000.0), json!(21900.0), 2, json!(null)),
        ),
        (
            format!("type=inbox&id={}", s.alpha),
            summary([2, 2, 2], json!(5400.0), json!(54000.0), 2, json!(1200.0)),
        ),
        (
            format!("type=team&id={}", s.team),
            summary([1, 1, 1], json!(3000.0), json!(43200.0), 1, json!(null)),
        ),
        (
            format!("type=label&id={}", s.label),
            summary([1, 0, 0], json!(null), json!(54000.0), 2, json!(null)),
        ),
    ];
    for (scope, expected) in scopes {
        assert_eq!(
            s.summary(&scope, "").await,
            with_previous(expected),
            "{scope}"
        );
    }
    // The previous period holds the first day when the range is the second.
    let second_day = s
        .report(
            "/reports/summary",
            &format!("type=account&since={d2}&until={d3}"),
        )
        .await;
    assert_eq!(second_day["conversations_count"], 2);
    assert_eq!(second_day["resolutions_count"], 3);
    assert_eq!(second_day["avg_resolution_time"], json!(45800.0));
    assert_eq!(second_day["previous"]["conversations_count"], 2);
    assert_eq!(
        second_day["previous"]["avg_first_response_time"],
        json!(4200.0)
    );
    // No range: Chatwoot's nil range counts nothing.
    assert_eq!(
        s.report("/reports/summary", "type=account").await,
        with_previous(summary([0, 0, 0], json!(null), json!(null), 0, json!(null)))
    );
    assert_eq!(
        s.report(
            "/reports/bot_summary",
            &format!("type=account&since={d1}&until={d3}")
        )
        .await,
        json!({"bot_resolutions_count": 1, "bot_handoffs_count": 1,
               "previous": {"bot_resolutions_count": 0, "bot_handoffs_count": 0}})
    );
}

#[tokio::test]
async fn timeseries_bucket_by_day_week_and_offset() {
    let (d1, d2, d3) = days();
    let s = Scenario::played().await;
    let s = &s;
    let series = |metric: &str, extra: &str| {
        let query = format!("metric={metric}&type=account&since={d1}&until={d3}{extra}");
        async move { s.report("/reports", &query).await }
    };
    assert_eq!(
        series("conversations_count", "").await,
        json!([{"value": 2, "timestamp": d1}, {"value": 2, "timestamp": d2}])
    );
    // At UTC−8, local days run 08:00–08:00 UTC: C3 (d2 02:00) joins the first day.
    let shifted = s
        .report(
            "/reports",
            &format!(
                "metric=conversations_count&type=account&since={}&until={}&timezone_offset=-8",
                d1 + 8 * HOUR,
                d3 + 8 * HOUR
            ),
        )
        .await;
    assert_eq!(
        shifted,
        json!([{"value": 3, "timestamp": d1 + 8 * HOUR}, {"value": 1, "timestamp": d2 + 8 * HOUR}])
    );
    assert_eq!(
        series("avg_first_response_time", "").await,
        json!([{"value": 4200.0, "timestamp": d1, "count": 2}, {"value": 0, "timestamp": d2, "count": 0}])
    );
    assert_eq!(
        series("avg_resolution_time", "&business_hours=true").await,
        json!([{"value": 10800.0, "timestamp": d1, "count": 1}, {"value": 10800.0, "timestamp": d2, "count": 3}])
    );
    assert_eq!(
        series("resolutions_count", "").await,
        json!([{"value": 1, "timestamp": d1}, {"value": 3, "timestamp": d2}])
    );
    assert_eq!(
        series("incoming_messages_count", "").await,
        json!([{"value": 4, "timestamp": d1}, {"value": 1, "timestamp": d2}])
    );
    assert_eq!(
        series("bot_handoffs_count", "").await,
        json!([{"value": 1, "timestamp": d1}, {"value": 0, "timestamp": d2}])
    );
    // Weeks start on Sunday; the bucket holding the range starts before it.
    assert_eq!(
        series("conversations_count", "&group_by=week").await,
        json!([{"value": 4, "timestamp": d1 - 24 * HOUR}])
    );
    let hourly = series("outgoing_messages_count", "&group_by=hour").await;
    let hours = hourly.as_array().unwrap();
    assert_eq!(hours.len(), 48);
    assert_eq!(hours[9], json!({"value": 1, "timestamp": d1 + 9 * HOUR}));
    assert_eq!(hours[13], json!({"value": 1, "timestamp": d1 + 13 * HOUR}));
    // Empty buckets are present; agent scope counts what the agent sent.
    let three_days = s
        .report(
            "/reports",
            &format!(
                "metric=outgoing_messages_count&type=agent&id={}&since={d1}&until={}",
                s.agent_a(),
                d3 + 24 * HOUR
            ),
        )
        .await;
    assert_eq!(
        three_days,
        json!([{"value": 2, "timestamp": d1}, {"value": 0, "timestamp": d2}, {"value": 0, "timestamp": d3}])
    );
    assert_eq!(series("no_such_metric", "").await, json!({}));
    assert_eq!(
        s.report("/reports", "metric=conversations_count&type=account")
            .await,
        json!([])
    );
}

#[tokio::test]
async fn summary_reports_distribution_matrix_and_outgoing_counts() {
    let (d1, _, d3) = days();
    let s = Scenario::played().await;
    let range = format!("since={d1}&until={d3}");
    let agents = s.report("/summary_reports/agent", &range).await;
    let row = |rows: &Value, id: i64| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no row {id} in {rows}"))
    };
    assert_eq!(agents.as_array().unwrap().len(), 2);
    assert_eq!(
        row(&agents, s.agent_a()),
        json!({"id": s.agent_a(), "conversations_count": 1, "resolved_conversations_count": 2,
               "avg_resolution_time": 54000.0, "avg_first_response_time": 5400.0, "avg_reply_time": 1200.0})
    );
    assert_eq!(
        row(&agents, s.agent_b()),
        json!({"id": s.agent_b(), "conversations_count": 2, "resolved_conversations_count": 1,
               "avg_resolution_time": 43200.0, "avg_first_response_time": 3000.0, "avg_reply_time": null})
    );
    let inboxes = s.report("/summary_reports/inbox", &range).await;
    assert_eq!(
        row(&inboxes, s.beta),
        json!({"id": s.beta, "conversations_count": 2, "resolved_conversations_count": 2,
               "avg_resolution_time": 21900.0, "avg_first_response_time": 3000.0, "avg_reply_time": null})
    );
    let business = s
        .report(
            "/summary_reports/inbox",
            &format!("{range}&business_hours=true"),
        )
        .await;
    assert_eq!(
        row(&business, s.alpha),
        json!({"id": s.alpha, "conversations_count": 2, "resolved_conversations_count": 2,
               "avg_resolution_time": 21600.0, "avg_first_response_time": 1800.0, "avg_reply_time": 1200.0})
    );
    let teams = s.report("/summary_reports/team", &range).await;
    assert_eq!(
        teams,
        json!([{"id": s.team, "conversations_count": 1, "resolved_conversations_count": 1,
                "avg_resolution_time": 43200.0, "avg_first_response_time": 3000.0, "avg_reply_time": null}])
    );
    assert_eq!(
        s.report("/summary_reports/channel", &range).await,
        json!({"Channel::Api": {"open": 1, "resolved": 3, "pending": 0, "snoozed": 0, "total": 4}})
    );
    // All time without a range.
    assert_eq!(
        s.report("/reports/first_response_time_distribution", "")
            .await,
        json!({"Channel::Api": {"0-1h": 1, "1-4h": 1, "4-8h": 0, "8-24h": 0, "24h+": 0}})
    );
    assert_eq!(
        s.report("/reports/inbox_label_matrix", "").await,
        json!({"inboxes": [{"id": s.alpha, "name": "Alpha"}, {"id": s.beta, "name": "Beta"}],
               "labels": [{"id": s.label, "title": "vip"}],
               "matrix": [[1], [0]]})
    );
    assert_eq!(
        s.report(
            "/reports/inbox_label_matrix",
            &format!("inbox_ids[]={}", s.beta)
        )
        .await["matrix"],
        json!([[0]])
    );
    let s = &s;
    let outgoing = |group: &str| {
        let query = format!("group_by={group}&{range}");
        async move { s.report("/reports/outgoing_messages_count", &query).await }
    };
    // By assignee, the bot's reply left out.
    let mut by_agent = outgoing("agent").await.as_array().unwrap().clone();
    by_agent.sort_by_key(|r| r["outgoing_messages_count"].as_i64());
    let (a, b) = (s.agent_a(), s.agent_b());
    assert_eq!(by_agent[0]["id"], b);
    assert_eq!(by_agent[0]["outgoing_messages_count"], 1);
    assert_eq!(by_agent[1]["id"], a);
    assert_eq!(by_agent[1]["outgoing_messages_count"], 2);
    assert_eq!(
        outgoing("team").await,
        json!([{"id": s.team, "name": "sales", "outgoing_messages_count": 1}])
    );
    let mut by_inbox = outgoing("inbox").await.as_array().unwrap().clone();
    by_inbox.sort_by_key(|r| r["id"].as_i64());
    let counts: Vec<&Value> = by_inbox
        .iter()
        .map(|r| &r["outgoing_messages_count"])
        .collect();
    assert_eq!(counts, [&json!(2), &json!(2)]);
    s.api
        .get(&format!(
            "/api/v2/accounts/{}/reports/outgoing_messages_count?group_by=contact",
            s.fx.account
        ))
        .token(s.admin())
        .send()
        .await
        .expect(422);
}

#[tokio::test]
async fn live_metrics_and_reporting_events() {
    let (_, d2, d3) = days();
    let s = Scenario::played().await;
    assert_eq!(
        s.report("/reports/conversations", "type=account").await,
        json!({"open": 1, "unattended": 1, "unassigned": 0, "pending": 0})
    );
    let agents = s.report("/reports/conversations/", "type=agent").await;
    assert_eq!(agents[0]["id"], s.agent_b());
    assert_eq!(agents[0]["metric"], json!({"open": 1, "unattended": 1}));
    assert_eq!(agents[1]["metric"], json!({"open": 0, "unattended": 0}));
    for key in ["name", "email", "thumbnail", "availability"] {
        assert!(agents[0].get(key).is_some(), "{key} in {}", agents[0]);
    }
    let missing_type = s
        .api
        .get(&format!(
            "/api/v2/accounts/{}/reports/conversations",
            s.fx.account
        ))
        .token(s.admin())
        .send()
        .await
        .expect(422);
    assert!(missing_type.raw.is_empty());

    let all = s.facts("").await;
    assert_eq!(
        all["meta"],
        json!({"count": 11, "current_page": 1, "total_pages": 1})
    );
    let newest = &all["payload"][0];
    assert_eq!(newest["name"], "conversation_resolved");
    assert_eq!(newest["value"], json!(93600.0));
    assert_eq!(newest["value_in_business_hours"], json!(32400.0));
    assert_eq!(newest["user_id"], s.agent_a());
    assert_eq!(
        newest["event_end_time"],
        shared::clock::iso_millis((d2 + 10 * HOUR) * 1000)
    );
    let named = |value: &Value| -> Vec<String> {
        value["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let resolved = s.facts("name=conversation_resolved").await;
    assert_eq!(resolved["meta"]["count"], 4);
    assert_eq!(named(&resolved).len(), 4);
    let of_a = s.facts(&format!("user_id={}", s.agent_a())).await;
    assert_eq!(of_a["meta"]["count"], 5);
    let beta = s.facts(&format!("inbox_id={}", s.beta)).await;
    assert_eq!(beta["meta"]["count"], 6);
    let b_in_beta = s
        .facts(&format!("inbox_id={}&user_id={}", s.beta, s.agent_b()))
        .await;
    assert_eq!(b_in_beta["meta"]["count"], 2);
    assert_eq!(
        named(&b_in_beta),
        ["conversation_resolved", "first_response"]
    );
    let second_day = s.facts(&format!("since={d2}&until={d3}")).await;
    assert_eq!(second_day["meta"]["count"], 5);
    let c1 = s.conversations[0];
    let of_c1 = s
        .api
        .get(&format!(
            "/api/v1/accounts/{}/conversations/{c1}/reporting_events",
            s.fx.account
        ))
        .token(s.admin())
        .send()
        .await
        .expect(200)
        .body;
    let names: Vec<&str> = of_c1
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "first_response",
            "reply_time",
            "conversation_resolved",
            "conversation_opened",
            "conversation_resolved"
        ]
    );
    assert_eq!(of_c1[3]["value"], json!(75600.0));
    assert_eq!(of_c1[3]["value_in_business_hours"], json!(18000.0));
}

#[tokio::test]
async fn reports_are_for_administrators_of_the_account() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let base = format!("/api/v1/accounts/{}", fx.account);
    let admin = &fx.admin.1;
    let inbox = api
        .create_id(
            &format!("{base}/inboxes"),
            admin,
            json!({"name": "API", "channel": {"type": "api"}}),
        )
        .await;
    let contact = api
        .create_contact(&base, admin, json!({"name": "Carla"}))
        .await;
    let conversation = api
        .create_id(
            &format!("{base}/conversations"),
            admin,
            json!({"inbox_id": inbox, "contact_id": contact}),
        )
        .await;
    let v2 = |path: &str| {
        GuardedRoute::new(
            Method::GET,
            format!("/api/v2/accounts/{{account}}{path}"),
            json!(null),
            true,
        )
    };
    let routes = vec![
        v2("/reports?metric=conversations_count&type=account&since=0&until=3600"),
        v2("/reports/summary?type=account&since=0&until=3600"),
        v2("/reports/bot_summary?type=account&since=0&until=3600"),
        v2("/reports/conversations?type=account"),
        v2("/reports/conversations/?type=agent"),
        v2("/reports/first_response_time_distribution"),
        v2("/reports/inbox_label_matrix"),
        v2("/reports/outgoing_messages_count?group_by=agent"),
        v2("/summary_reports/agent"),
        v2("/summary_reports/inbox"),
        v2("/summary_reports/team"),
        v2("/summary_reports/channel"),
        GuardedRoute::new(
            Method::GET,
            "/api/v1/accounts/{account}/reporting_events",
            json!(null),
            true,
        ),
        GuardedRoute::new(
            Method::GET,
            format!("/api/v1/accounts/{{account}}/conversations/{conversation}/reporting_events"),
            json!(null),
            true,
        ),
    ];
    check_account_guards(&api, &fx, &routes).await;
}

#[tokio::test]
async fn bad_report_input_is_refused() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let token = fx.admin.1.clone();
    let v2 = format!("/api/v2/accounts/{}", fx.account);
    // Unknown scope type or an id not in the account: 404.
    for query in [
        "type=planet",
        "type=agent",
        "type=inbox&id=999999",
        "type=team&id=abc",
        &format!("type=agent&id={}", fx.outsider.0),
    ] {
        admin_get(
            &api,
            &token,
            &format!("{v2}/reports/summary?{query}&since=0&until=3600"),
        )
        .await
        .expect(404);
    }
    // A bound that is no number: 422 (Chatwoot fails with a 500).
    let refused = admin_get(
        &api,
        &token,
        &format!("{v2}/reports/summary?type=account&since=yesterday&until=3600"),
    )
    .await
    .expect(422);
    assert_eq!(refused.body, json!({"error": "Invalid date range"}));
    // The channel summary takes at most six months.
    let long = admin_get(
        &api,
        &token,
        &format!(
            "{v2}/summary_reports/channel?since=0&until={}",
            200 * 24 * HOUR
        ),
    )
    .await
    .expect(422);
    assert!(long.body["message"].is_string());
    // A conversation this account does not have; a filter id that is no number (400, as
    // every integer parameter of this API).
    let other = format!(
        "/api/v1/accounts/{}/conversations/1/reporting_events",
        fx.account
    );
    admin_get(&api, &token, &other).await.expect(404);
    admin_get(
        &api,
        &token,
        &format!(
            "/api/v1/accounts/{}/reporting_events?user_id=abc",
            fx.account
        ),
    )
    .await
    .expect(400);
}

/// An agent's avatar reaches the agents' live report as a URL that serves it: the reports
/// function signs it, so its role must allow reading the avatar.
#[tokio::test]
async fn the_agents_live_report_links_their_avatars() {
    let api = TestApi::new().await;
    let fx = api.account_fixture().await;
    let (content_type, body) = multipart(
        &[],
        &[("profile[avatar]", "face.png", "image/png", b"PNGDATA")],
    );
    api.put("/api/v1/profile")
        .token(&fx.admin.1)
        .body(&content_type, body)
        .send()
        .await
        .expect(200);
    let agents = admin_get(
        &api,
        &fx.admin.1,
        &format!(
            "/api/v2/accounts/{}/reports/conversations/?type=agent",
            fx.account
        ),
    )
    .await
    .expect(200)
    .body;
    let admin = agents
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["id"] == fx.admin.0))
        .unwrap_or_else(|| panic!("the administrator in {agents}"));
    let url = admin["thumbnail"].as_str().expect("a thumbnail");
    assert!(url.contains("face.png"), "{url}");
    let (status, served) = fetch_url(&api, Method::GET, url, "", Bytes::new()).await;
    assert_eq!((status, served.as_ref()), (200, b"PNGDATA".as_ref()));
}
