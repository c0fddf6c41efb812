//! `/api/v1/accounts/{account_id}/csat_survey_responses` (the list, `/metrics`, `/download`):
//! Chatwoot's shapes, order and paging, each filter and the period, the CSV, the guards and
//! account isolation.
//!
//! Responses are made the way contacts make them: an API inbox with surveys on, a Client API
//! contact and conversation, resolved by the administrator (which sends the survey), answered
//! through the survey endpoint. A fixed clock places each step in time.

use api_tests::clock;
use api_tests::{check_account_guards, json, GuardedRoute, TestApi, TestResponse, FRONTEND_URL};
use http::Method;
use serde_json::Value;
use shared::clock::{Clock, FixedClock};
use std::sync::Arc;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// 2025-06-02T00:00:00Z (a Monday): where every test starts unless `TEST_CLOCK` moves it.
const MONDAY: i64 = 1_748_822_400;

/// The day every test starts on, at 00:00 UTC.
fn day_zero() -> i64 {
    api_tests::clock::anchor(MONDAY)
}

/// An account and its administrator's token.
#[derive(Clone)]
struct Desk {
    account: i64,
    token: String,
}

impl Desk {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/accounts/{}{rest}", self.account)
    }
}

#[derive(Clone)]
struct Inbox {
    desk: Desk,
    id: i64,
    identifier: String,
}

/// A Client API contact of one inbox.
struct Visitor {
    inbox: Inbox,
    source: String,
    contact_id: i64,
}

/// One survey: when it is sent (the conversation resolved) and how it is answered.
#[derive(Clone, Copy, Default)]
struct Survey {
    /// Epoch seconds.
    resolved_at: i64,
    /// Epoch seconds; `None`: never answered.
    answered_at: Option<i64>,
    rating: i64,
    feedback: Option<&'static str>,
    assignee: Option<i64>,
    team: Option<i64>,
}

impl Survey {
    /// Sent at `at`, answered a minute later with `rating`.
    fn rated(rating: i64, at: i64) -> Survey {
        Survey {
            resolved_at: at,
            answered_at: Some(at + 60),
            rating,
            ..Survey::default()
        }
    }
}

struct Sent {
    display_id: i64,
    /// The public CSAT JSON after the answer (null when unanswered).
    answered: Value,
}

impl Sent {
    /// The response's id.
    fn id(&self) -> i64 {
        self.answered["csat_survey_response"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not answered: {}", self.answered))
    }

    fn message_id(&self) -> i64 {
        self.answered["id"].as_i64().unwrap()
    }
}

struct World {
    api: TestApi,
    fx: api_tests::AccountFixture,
    clock: Arc<FixedClock>,
    /// The fixture's account, as its administrator.
    home: Desk,
    /// The fixture's other account, as its administrator (the outsider).
    elsewhere: Desk,
    /// An inbox of `home` with surveys on.
    inbox: Inbox,
}

impl World {
    async fn new() -> World {
        let clock = api_tests::clock::fixed_at(MONDAY);
        let api = TestApi::with_clock(clock.clone()).await;
        let fx = api.account_fixture().await;
        let home = Desk {
            account: fx.account,
            token: fx.admin.1.clone(),
        };
        let elsewhere = Desk {
            account: fx.other_account,
            token: fx.outsider.1.clone(),
        };
        let inbox = create_inbox(&api, &home, "Support").await;
        World {
            api,
            fx,
            clock,
            home,
            elsewhere,
            inbox,
        }
    }

    /// Moves the clock to `seconds` (never backwards).
    fn at(&self, seconds: i64) {
        let by = seconds * 1000 - self.clock.now_ms();
        assert!(by >= 0, "the clock only moves forward");
        self.clock.advance_ms(by);
    }

    async fn visitor(&self, inbox: &Inbox, body: Value) -> Visitor {
        let created = self
            .api
            .post(&format!(
                "/public/api/v1/inboxes/{}/contacts",
                inbox.identifier
            ))
            .json(body)
            .send()
            .await
            .expect(200);
        Visitor {
            inbox: inbox.clone(),
            source: created.text("source_id"),
            contact_id: created.id(),
        }
    }

    /// A new conversation of the visitor, assigned as the survey says, resolved (the survey
    /// sent) and answered at the survey's times.
    async fn survey(&self, visitor: &Visitor, survey: Survey) -> Sent {
        let desk = &visitor.inbox.desk;
        self.at(survey.resolved_at);
        let display_id = self
            .api
            .post(&format!(
                "/public/api/v1/inboxes/{}/contacts/{}/conversations",
                visitor.inbox.identifier, visitor.source
            ))
            .json(json!({}))
            .send()
            .await
            .expect(200)
            .id();
        let conversation = desk.path(&format!("/conversations/{display_id}"));
        // The team first: a team change drops an assignee who is not one of its members.
        let mut actions = vec![];
        if let Some(team) = survey.team {
            actions.push(("/assignments", json!({ "team_id": team })));
        }
        if let Some(agent) = survey.assignee {
            actions.push(("/assignments", json!({ "assignee_id": agent })));
        }
        actions.push(("/toggle_status", json!({"status": "resolved"})));
        for (action, body) in actions {
            self.api
                .post(&format!("{conversation}{action}"))
                .token(&desk.token)
                .json(body)
                .send()
                .await
                .expect(200);
        }
        let Some(answered_at) = survey.answered_at else {
            return Sent {
                display_id,
                answered: Value::Null,
            };
        };
        let shown = self
            .api
            .get(&conversation)
            .token(&desk.token)
            .send()
            .await
            .expect(200);
        self.at(answered_at);
        let answer = json!({"csat_survey_response": {"rating": survey.rating, "feedback_message": survey.feedback}});
        let answered = self
            .api
            .patch(&format!(
                "/public/api/v1/csat_survey/{}",
                shown.text("uuid")
            ))
            .json(json!({ "message": { "submitted_values": answer } }))
            .send()
            .await
            .expect(200)
            .body;
        Sent {
            display_id,
            answered,
        }
    }

    /// `route` ("", "/metrics" or "/download") with a query string, as the desk's
    /// administrator; must answer 200.
    async fn fetch(&self, desk: &Desk, route: &str, query: &str) -> TestResponse {
        self.api
            .get(&format!(
                "{}?{query}",
                desk.path(&format!("/csat_survey_responses{route}"))
            ))
            .token(&desk.token)
            .send()
            .await
            .expect(200)
    }

    async fn list(&self, desk: &Desk, query: &str) -> Vec<Value> {
        let listed = self.fetch(desk, "", query).await.body;
        listed
            .as_array()
            .unwrap_or_else(|| panic!("not an array: {listed}"))
            .clone()
    }

    async fn ids(&self, desk: &Desk, query: &str) -> Vec<i64> {
        ids(&self.list(desk, query).await)
    }

    async fn metrics(&self, desk: &Desk, query: &str) -> Value {
        self.fetch(desk, "/metrics", query).await.body
    }

    /// The download's lines, after checking it is a UTF-8 CSV attachment with a byte-order mark.
    async fn csv(&self, desk: &Desk, query: &str) -> Vec<String> {
        let response = self.fetch(desk, "/download", query).await;
        assert_eq!(response.headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            response.headers["content-disposition"],
            "attachment; filename=\"csat_report.csv\"; filename*=UTF-8''csat_report.csv"
        );
        let text = String::from_utf8(response.raw.to_vec()).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
        let body = text.strip_suffix('\n').expect("a final line break");
        body.split('\n').map(str::to_owned).collect()
    }
}

async fn create_inbox(api: &TestApi, desk: &Desk, name: &str) -> Inbox {
    let inbox = api
        .post(&desk.path("/inboxes"))
        .token(&desk.token)
        .json(json!({"name": name, "channel": {"type": "api"}, "csat_survey_enabled": true}))
        .send()
        .await
        .expect(200);
    Inbox {
        desk: desk.clone(),
        id: inbox.id(),
        identifier: inbox.text("inbox_identifier"),
    }
}

fn ids(listed: &[Value]) -> Vec<i64> {
    listed.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

const HEADER: &str = "Agent Name,Rating,Feedback Comment,Contact Name,Contact Email Address,Contact Phone Number,Link to the conversation,Recorded date";

#[tokio::test]
async fn csat_routes_are_for_administrators_only() {
    let day_zero = day_zero();
    let w = World::new().await;
    let visitor = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let sent = w.survey(&visitor, Survey::rated(5, day_zero)).await;
    let routes: Vec<GuardedRoute> = ["", "/metrics", "/download"]
        .iter()
        .map(|route| {
            GuardedRoute::new(
                Method::GET,
                format!("/api/v1/accounts/{{account}}/csat_survey_responses{route}"),
                json!(null),
                true,
            )
        })
        .collect();
    check_account_guards(&w.api, &w.fx, &routes).await;
    assert_eq!(w.ids(&w.home, "").await, [sent.id()]);
    assert_eq!(w.metrics(&w.home, "").await["total_count"], 1);
    assert_eq!(w.csv(&w.home, "").await.len(), 2);
}

#[tokio::test]
async fn the_list_shows_chatwoots_response_objects() {
    let day_zero = day_zero();
    let w = World::new().await;
    let grace = w
        .visitor(
            &w.inbox,
            json!({"name": "Grace", "email": "grace@example.com", "phone_number": "+15550001111"}),
        )
        .await;
    let assigned = w
        .survey(
            &grace,
            Survey {
                feedback: Some("Quick"),
                assignee: Some(w.fx.agent.0),
                ..Survey::rated(4, day_zero + HOUR)
            },
        )
        .await;
    let unassigned = w
        .survey(&grace, Survey::rated(2, day_zero + 2 * HOUR))
        .await;

    let listed = w.list(&w.home, "").await;
    assert_eq!(ids(&listed), [assigned.id(), unassigned.id()]);
    let (first, second) = (&listed[0], &listed[1]);
    assert_eq!(
        keys(first),
        [
            "id",
            "rating",
            "feedback_message",
            "account_id",
            "message_id",
            "contact",
            "conversation_id",
            "assigned_agent",
            "created_at"
        ]
    );
    assert_eq!(first["rating"], 4);
    assert_eq!(first["feedback_message"], "Quick");
    assert_eq!(first["account_id"], w.fx.account);
    assert_eq!(first["message_id"], assigned.message_id());
    assert_eq!(
        first["conversation_id"], assigned.display_id,
        "the display id"
    );
    assert_eq!(
        first["created_at"],
        day_zero + HOUR + 60,
        "the answer's time"
    );

    // The contact as the contact routes show it (without its inboxes), the agent as the
    // agents list does.
    let mut contact = w
        .api
        .get(&w.home.path(&format!("/contacts/{}", grace.contact_id)))
        .token(&w.home.token)
        .send()
        .await
        .expect(200)
        .body["payload"]
        .clone();
    contact.as_object_mut().unwrap().remove("contact_inboxes");
    assert_eq!(first["contact"], contact);
    assert_eq!(first["contact"]["email"], "grace@example.com");
    let agents = w
        .api
        .get(&w.home.path("/agents"))
        .token(&w.home.token)
        .send()
        .await
        .expect(200)
        .body;
    let agent = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == w.fx.agent.0)
        .unwrap();
    assert_eq!(&first["assigned_agent"], agent);

    // No assignee: no `assigned_agent` key at all; no comment: null.
    assert_eq!(
        keys(second),
        [
            "id",
            "rating",
            "feedback_message",
            "account_id",
            "message_id",
            "contact",
            "conversation_id",
            "created_at"
        ]
    );
    assert_eq!(second["feedback_message"], Value::Null);
    assert_eq!(second["conversation_id"], unassigned.display_id);

    // Changing an answer changes the response in place; it keeps its time and agent.
    w.api
        .post(&w.home.path(&format!(
            "/conversations/{}/assignments",
            assigned.display_id
        )))
        .token(&w.home.token)
        .json(json!({ "assignee_id": w.fx.admin.0 }))
        .send()
        .await
        .expect(200);
    let uuid = w
        .api
        .get(
            &w.home
                .path(&format!("/conversations/{}", assigned.display_id)),
        )
        .token(&w.home.token)
        .send()
        .await
        .expect(200)
        .text("uuid");
    w.at(day_zero + 3 * HOUR);
    w.api
        .patch(&format!("/public/api/v1/csat_survey/{uuid}"))
        .json(json!({"message": {"submitted_values": {"csat_survey_response": {"rating": 1}}}}))
        .send()
        .await
        .expect(200);
    let relisted = w.list(&w.home, "").await;
    assert_eq!(ids(&relisted), ids(&listed));
    assert_eq!(relisted[0]["rating"], 1);
    assert_eq!(relisted[0]["created_at"], first["created_at"]);
    assert_eq!(relisted[0]["assigned_agent"]["id"], w.fx.agent.0);
}

#[tokio::test]
async fn oldest_or_newest_first_25_per_page() {
    let day_zero = day_zero();
    let w = World::new().await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let mut made = Vec::new();
    let mut fours = Vec::new();
    let mut ones = Vec::new();
    for n in 0..28 {
        let rating = if n == 3 || n == 20 { 1 } else { 4 };
        let id = w
            .survey(&ada, Survey::rated(rating, day_zero + n * 600))
            .await
            .id();
        made.push(id);
        let bucket = if rating == 4 { &mut fours } else { &mut ones };
        bucket.push(id);
    }
    let newest: Vec<i64> = made.iter().rev().copied().collect();
    let ones_newest = [ones[1], ones[0]];
    let cases: Vec<(&str, &[i64])> = vec![
        // Chatwoot orders only when asked; unasked, the order is creation's.
        ("", &made[..25]),
        ("sort=created_at", &made[..25]),
        ("sort=-created_at", &newest[..25]),
        ("sort=rating", &made[..25]),
        ("page=2", &made[25..]),
        ("page=2&sort=-created_at", &newest[25..]),
        ("page=3", &[]),
        ("page=abc", &made[..25]),
        ("page=0", &made[..25]),
        // Filtered pages count the responses that pass.
        ("rating=4", &fours[..25]),
        ("rating=4&page=2", &fours[25..]),
        ("rating=1&sort=-created_at", &ones_newest),
    ];
    for (query, expected) in cases {
        assert_eq!(w.ids(&w.home, query).await, expected, "{query}");
    }

    // A page reads its entries of the index, not the account's responses: token, account +
    // membership, 25 entries, then the page's one contact.
    let base = w.home.path("/csat_survey_responses");
    let first_page = w.api.round_trips(Method::GET, &base, &w.home.token).await;
    assert_eq!(
        (first_page.reads, first_page.items_read),
        (4, 1 + 2 + 25 + 1)
    );
    let filtered = w
        .api
        .round_trips(Method::GET, &format!("{base}?rating=1"), &w.home.token)
        .await;
    assert_eq!((filtered.reads, filtered.items_read), (4, 1 + 2 + 28 + 1));
    // Metrics: the responses and the sent surveys, one query each.
    let metrics = w
        .api
        .round_trips(Method::GET, &format!("{base}/metrics"), &w.home.token)
        .await;
    assert_eq!((metrics.reads, metrics.items_read), (4, 1 + 2 + 28 + 28));
}

#[tokio::test]
async fn each_filter_narrows_the_list_the_metrics_and_the_download() {
    let day_zero = day_zero();
    let w = World::new().await;
    let support = w.inbox.clone();
    let sales = create_inbox(&w.api, &w.home, "Sales").await;
    let team = w
        .api
        .create_id(
            &w.home.path("/teams"),
            &w.home.token,
            json!({"name": "Billing"}),
        )
        .await;
    let (agent, admin) = (w.fx.agent.0, w.fx.admin.0);
    let in_support = w.visitor(&support, json!({"name": "Ada"})).await;
    let in_sales = w.visitor(&sales, json!({"name": "Bob"})).await;
    let specs = [
        (&in_support, Some(agent), Some(team), 5),
        (&in_support, Some(admin), None, 3),
        (&in_sales, Some(agent), None, 1),
        (&in_sales, None, Some(team), 5),
        (&in_support, None, None, 2),
    ];
    let mut made = Vec::new();
    for (n, (visitor, assignee, in_team, rating)) in specs.into_iter().enumerate() {
        let survey = Survey {
            assignee,
            team: in_team,
            ..Survey::rated(rating, day_zero + n as i64 * HOUR)
        };
        made.push((w.survey(visitor, survey).await.id(), rating));
    }
    // Sent but never answered: counted as sent whatever the filters.
    w.survey(
        &in_sales,
        Survey {
            answered_at: None,
            assignee: Some(agent),
            ..Survey::rated(4, day_zero + 9 * HOUR)
        },
    )
    .await;

    let (a, b, c, d, e) = (0, 1, 2, 3, 4);
    let cases: Vec<(String, Vec<usize>)> = vec![
        (String::new(), vec![a, b, c, d, e]),
        (format!("user_ids[]={agent}"), vec![a, c]),
        (
            format!("user_ids[]={agent}&user_ids[]={admin}"),
            vec![a, b, c],
        ),
        (format!("user_ids={admin}"), vec![b]),
        (format!("inbox_id={}", sales.id), vec![c, d]),
        (format!("team_id={team}"), vec![a, d]),
        ("rating=5".into(), vec![a, d]),
        ("rating[]=1&rating[]=2".into(), vec![c, e]),
        (format!("inbox_id={}&rating=5", support.id), vec![a]),
        (format!("user_ids[]={agent}&team_id={team}"), vec![a]),
        ("inbox_id=999".into(), vec![]),
    ];
    for (query, expected) in cases {
        let expected: Vec<(i64, i64)> = expected.into_iter().map(|i| made[i]).collect();
        let expected_ids: Vec<i64> = expected.iter().map(|(id, _)| *id).collect();
        assert_eq!(w.ids(&w.home, &query).await, expected_ids, "{query}");

        let mut ratings = std::collections::BTreeMap::<String, usize>::new();
        for (_, rating) in &expected {
            *ratings.entry(rating.to_string()).or_default() += 1;
        }
        assert_eq!(
            w.metrics(&w.home, &query).await,
            json!({
                "total_count": expected.len(),
                "ratings_count": ratings,
                "total_sent_messages_count": 6,
            }),
            "{query}"
        );

        let lines = w.csv(&w.home, &query).await;
        let csv_ratings: Vec<String> = lines[1..]
            .iter()
            .map(|line| line.split(',').nth(1).unwrap().to_owned())
            .collect();
        let expected_ratings: Vec<String> = expected.iter().map(|(_, r)| r.to_string()).collect();
        assert_eq!(csv_ratings, expected_ratings, "{query}");
    }
}

#[tokio::test]
async fn the_period_is_since_up_to_until_on_creation_times() {
    let day_zero = day_zero();
    let w = World::new().await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let (day_one, day_two) = (day_zero + DAY, day_zero + 2 * DAY);
    let surveys = [
        Survey::rated(5, day_zero + 10 * HOUR),
        // Sent on day zero, answered at day one's first instant.
        Survey {
            answered_at: Some(day_one),
            ..Survey::rated(3, day_zero + 23 * HOUR)
        },
        Survey::rated(3, day_one + 12 * HOUR),
        Survey {
            answered_at: None,
            ..Survey::rated(4, day_one + 13 * HOUR)
        },
        // Sent at day one's last second, answered at day two's first instant.
        Survey {
            answered_at: Some(day_two),
            ..Survey::rated(1, day_two - 1)
        },
    ];
    let mut made = Vec::new();
    for survey in surveys {
        let sent = w.survey(&ada, survey).await;
        made.push(survey.answered_at.map(|_| sent.id()));
    }
    let id = |n: usize| made[n].unwrap();
    let period = |since: i64, until: i64| format!("since={since}&until={until}");
    let cases: Vec<(String, Vec<i64>, Value, i64)> = vec![
        (
            String::new(),
            vec![id(0), id(1), id(2), id(4)],
            json!({"1": 1, "3": 2, "5": 1}),
            5,
        ),
        (
            period(day_one, day_two),
            vec![id(1), id(2)],
            json!({"3": 2}),
            3,
        ),
        (period(day_zero, day_one), vec![id(0)], json!({"5": 1}), 2),
        (
            period(day_two, day_two + DAY),
            vec![id(4)],
            json!({"1": 1}),
            0,
        ),
        // Chatwoot applies the period only when both ends are given.
        (
            format!("since={day_one}"),
            vec![id(0), id(1), id(2), id(4)],
            json!({"1": 1, "3": 2, "5": 1}),
            5,
        ),
        (period(day_two, day_one), vec![], json!({}), 0),
    ];
    for (query, expected, ratings, sent) in cases {
        assert_eq!(w.ids(&w.home, &query).await, expected, "{query}");
        let metrics = w.metrics(&w.home, &query).await;
        assert_eq!(
            keys(&metrics),
            ["total_count", "ratings_count", "total_sent_messages_count"]
        );
        assert_eq!(metrics["total_count"], expected.len(), "{query}");
        assert_eq!(metrics["ratings_count"], ratings, "{query}");
        assert_eq!(metrics["total_sent_messages_count"], sent, "{query}");
    }
    // The download closes with the period when one is given.
    let lines = w.csv(&w.home, &period(day_one, day_two)).await;
    assert_eq!(lines.len(), 1 + 2 + 1);
    assert_eq!(
        lines[3],
        format!(
            "Reporting period {} to {}",
            clock::date(day_one),
            clock::date(day_two)
        )
    );
}

#[tokio::test]
async fn the_download_is_chatwoots_csv() {
    let day_zero = day_zero();
    let w = World::new().await;
    let grace = w
        .visitor(
            &w.inbox,
            json!({"name": "Hopper, Grace", "email": "grace@example.com", "phone_number": "+15550001111"}),
        )
        .await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let rated = w
        .survey(
            &grace,
            Survey {
                feedback: Some("Fast \"and\" kind"),
                assignee: Some(w.fx.agent.0),
                ..Survey::rated(4, day_zero + 10 * HOUR)
            },
        )
        .await;
    let bare = w.survey(&ada, Survey::rated(2, day_zero + 11 * HOUR)).await;
    let agent_email = w.list(&w.home, "").await[0]["assigned_agent"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = |display_id: i64| {
        format!(
            "{FRONTEND_URL}/app/accounts/{}/conversations/{display_id}",
            w.fx.account
        )
    };
    let rated_row = format!(
        "Test User ({agent_email}),4,\"Fast \"\"and\"\" kind\",\"Hopper, Grace\",grace@example.com,+15550001111,{},{}",
        link(rated.display_id),
        clock::date_time(day_zero + 10 * HOUR + 60)
    );
    let bare_row = format!(
        ",2,,Ada,,,{},{}",
        link(bare.display_id),
        clock::date_time(day_zero + 11 * HOUR + 60)
    );
    assert_eq!(
        w.csv(&w.home, "").await,
        [HEADER.to_owned(), rated_row.clone(), bare_row.clone()]
    );
    assert_eq!(
        w.csv(
            &w.home,
            &format!("since={day_zero}&until={}&sort=-created_at", day_zero + DAY)
        )
        .await,
        [
            HEADER.to_owned(),
            bare_row,
            rated_row,
            format!(
                "Reporting period {} to {}",
                clock::date(day_zero),
                clock::date(day_zero + DAY)
            )
        ]
    );
}

#[tokio::test]
async fn another_accounts_responses_never_appear() {
    let day_zero = day_zero();
    let w = World::new().await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let mine = w.survey(&ada, Survey::rated(5, day_zero)).await.id();
    let their_inbox = create_inbox(&w.api, &w.elsewhere, "Theirs").await;
    let bob = w.visitor(&their_inbox, json!({"name": "Bob"})).await;
    let theirs = w.survey(&bob, Survey::rated(1, day_zero + HOUR)).await.id();
    w.survey(
        &bob,
        Survey {
            answered_at: None,
            ..Survey::rated(1, day_zero + 2 * HOUR)
        },
    )
    .await;

    for (desk, id, rating, sent) in [(&w.home, mine, "5", 1), (&w.elsewhere, theirs, "1", 2)] {
        assert_eq!(w.ids(desk, "").await, [id]);
        assert_eq!(
            w.metrics(desk, "").await,
            json!({"total_count": 1, "ratings_count": {rating: 1}, "total_sent_messages_count": sent})
        );
        let lines = w.csv(desk, "").await;
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].split(',').nth(1), Some(rating));
    }
}

#[tokio::test]
async fn bad_parameters_are_refused_and_odd_ones_tolerated() {
    let day_zero = day_zero();
    let w = World::new().await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    w.survey(&ada, Survey::rated(5, day_zero)).await;
    let refused = [
        ("since=abc&until=1", "since"),
        ("since=1&until=12x", "until"),
        ("since=abc", "since"),
        ("user_ids[]=x", "user_ids"),
        ("inbox_id=1.5", "inbox_id"),
        ("team_id=x", "team_id"),
        ("rating=great", "rating"),
    ];
    for route in ["", "/metrics", "/download"] {
        for (query, key) in refused {
            let response = w
                .api
                .get(&format!(
                    "{}?{query}",
                    w.home.path(&format!("/csat_survey_responses{route}"))
                ))
                .token(&w.home.token)
                .send()
                .await;
            assert_eq!(response.status, 400, "{route}?{query}: {}", response.body);
            assert_eq!(
                response.body,
                json!({"status": 400, "error": "Bad Request", "message": format!("{key} must be an integer")}),
                "{route}?{query}"
            );
        }
    }
    // Blank values filter nothing; periods beyond what can be stored select nothing.
    for (query, count) in [
        ("since=&until=&user_ids[]=&rating=", 1),
        ("page=-1&sort=", 1),
        ("since=-5&until=10", 0),
        ("since=99999999999999&until=999999999999999", 0),
        ("since=-99999999999999999&until=99999999999999999", 1),
    ] {
        assert_eq!(w.ids(&w.home, query).await.len(), count, "{query}");
        assert_eq!(
            w.metrics(&w.home, query).await["total_count"],
            count,
            "{query}"
        );
        assert_eq!(w.csv(&w.home, query).await[0], HEADER, "{query}");
    }
}

#[tokio::test]
async fn a_deleted_conversation_takes_its_response_and_sent_survey_with_it() {
    let day_zero = day_zero();
    let w = World::new().await;
    let ada = w.visitor(&w.inbox, json!({"name": "Ada"})).await;
    let kept = w.survey(&ada, Survey::rated(5, day_zero)).await;
    let gone = w.survey(&ada, Survey::rated(2, day_zero + HOUR)).await;
    w.api
        .delete(&format!(
            "/api/v1/accounts/{}/conversations/{}",
            w.home.account, gone.display_id
        ))
        .token(&w.home.token)
        .send()
        .await
        .expect(200);
    assert_eq!(w.ids(&w.home, "").await, [kept.id()]);
    assert_eq!(
        w.metrics(&w.home, "").await,
        json!({"total_count": 1, "ratings_count": {"5": 1}, "total_sent_messages_count": 1})
    );
}
