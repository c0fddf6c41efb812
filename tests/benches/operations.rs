//! `make bench`, fourth part: every documented operation (`tests/data/chatwoot-operations.tsv`)
//! once over a populated installation ([`World`]): the store round trips one request costs and
//! its in-process latency through the real routers.
//!
//! Each operation is asked with the token Chatwoot wants (the platform app for the Platform
//! API, account A's administrator for the Application and Reports APIs and the profile, none
//! for the Client API and the survey page), A's objects in its path and a valid body, and must
//! succeed: a measured error path would say nothing about the operation. Operations that
//! consume what they act on (deletes, merges, member removals) get a fresh target from an
//! uncounted, untimed preparation before every request.
//!
//! Four operations cannot succeed on this installation (no integration app takes hooks, the
//! branded email feature is off): they are measured on their documented refusal, and the table
//! says so.
//!
//! `BENCH_STORAGE=aws` runs against DynamoDB and S3 from the environment (the emulators of
//! `infra/emulators.sh`; real AWS is refused) with fewer repetitions.

use api_tests::bench::{counted_api, percentile_ms, MostUnits, Repeats};
use api_tests::operations::{operations, Operation, DOCUMENTED_OPERATIONS};
use api_tests::world::{created_id, fill, Tenant, World};
use api_tests::{email, json, TestApi, TestResponse};
use http::Method;
use infra::Function;
use serde_json::Value;
use shared::store::{CountingStore, RoundTrips};
use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often each operation is measured after its warm-up request: fewer against DynamoDB
/// Local, whose calls take milliseconds each.
fn repeats(aws: bool) -> Repeats {
    if aws {
        Repeats { read: 10, write: 5 }
    } else {
        Repeats {
            read: 200,
            write: 50,
        }
    }
}

/// The answer of an operation no request can make succeed here, and why.
fn documented_refusal(operation: &Operation) -> Option<(u16, &'static str)> {
    match operation.id {
        "create-an-integration-hook" => Some((422, "no integration app is supported here")),
        "update-an-integrations-hook" | "delete-an-integration-hook" => {
            Some((404, "no hook can exist here"))
        }
        "updateAccountBrandedEmailLayout" => Some((422, "branded email feature off")),
        _ => None,
    }
}

/// One request, ready to send.
struct Request {
    path: String,
    token: Option<String>,
    body: Option<Value>,
}

struct Bench {
    api: TestApi,
    counter: CountingStore,
    world: World,
    /// Makes names, slugs and e-mail addresses unique across repetitions.
    serial: Cell<usize>,
    /// The reports' range: the last 30 days.
    since: i64,
    until: i64,
}

impl Bench {
    fn a(&self) -> &Tenant {
        &self.world.a
    }

    fn admin(&self) -> String {
        self.a().admin.1.clone()
    }

    fn unique(&self, prefix: &str) -> String {
        let next = self.serial.get() + 1;
        self.serial.set(next);
        format!("{prefix}-{next}")
    }

    fn account_path(&self, rest: &str) -> String {
        format!("/api/v1/accounts/{}{rest}", self.a().account)
    }

    /// An uncounted preparation step: the request must succeed.
    async fn prepare(&self, method: Method, path: &str, token: &str, body: Value) -> Value {
        let response = self
            .api
            .request(method.clone(), path)
            .token(token)
            .json(body)
            .send()
            .await;
        assert!(
            (200..300).contains(&response.status),
            "preparing {method} {path}: {} {}",
            response.status,
            String::from_utf8_lossy(&response.raw)
        );
        response.body
    }

    /// Creates an object of A as A's administrator and answers its id.
    async fn create_in_a(&self, rest: &str, body: Value) -> i64 {
        let created = self
            .prepare(Method::POST, &self.account_path(rest), &self.admin(), body)
            .await;
        created_id(&created)
    }

    async fn create_on_platform(&self, path: &str, body: Value) -> Value {
        self.prepare(Method::POST, path, &self.world.platform, body)
            .await
    }

    /// A request deleting a new object of A's, made for it at `rest` (e.g. `/labels`).
    async fn doomed_in_a(&self, rest: &str, body: Value) -> (String, Value) {
        let id = self.create_in_a(rest, body).await;
        (format!("{}/{id}", self.account_path(rest)), Value::Null)
    }

    /// A request deleting a new Platform API object, made for it in `collection`.
    async fn doomed_on_platform(&self, collection: &str, body: Value) -> (String, Value) {
        let created = self.create_on_platform(collection, body).await;
        (
            format!("{collection}/{}", created_id(&created)),
            Value::Null,
        )
    }

    fn user_body(&self) -> Value {
        json!({"name": self.unique("bench user"), "email": email("bench"), "password": "Password1!"})
    }

    fn range(&self) -> String {
        format!("since={}&until={}", self.since, self.until)
    }

    /// The request measured for `operation`: A's objects in the path, the right token, a valid
    /// body, after making whatever the request consumes.
    async fn request(&self, operation: &Operation) -> Request {
        let a = self.a();
        let token = match operation.function {
            Function::Platform => Some(self.world.platform.clone()),
            Function::Client => None,
            Function::Application | Function::Reports => Some(self.admin()),
        };
        let path = fill(operation, a, a);
        let id_path = |id: i64| format!("{}/{id}", path.rsplit_once('/').unwrap().0);
        let (path, body) = match operation.id {
            // Platform API.
            "create-an-account" => (path, json!({"name": self.unique("bench account")})),
            "update-an-account" => (path, json!({"name": "alpha account"})),
            "delete-an-account" => {
                let body = json!({"name": self.unique("doomed account")});
                self.doomed_on_platform("/platform/api/v1/accounts", body)
                    .await
            }
            "create-an-account-user" => (path, json!({"user_id": a.agent.0, "role": "agent"})),
            "delete-an-account-user" => {
                let user = created_id(
                    &self
                        .create_on_platform("/platform/api/v1/users", self.user_body())
                        .await,
                );
                self.create_on_platform(&path, json!({"user_id": user, "role": "agent"}))
                    .await;
                (path, json!({"user_id": user}))
            }
            "create-an-agent-bot" => (
                path,
                json!({"name": self.unique("bench bot"), "account_id": a.account}),
            ),
            "update-an-agent-bot" => (path, json!({"name": "alpha platform bot"})),
            "delete-an-agent-bot" => {
                let body = json!({"name": self.unique("doomed bot")});
                self.doomed_on_platform("/platform/api/v1/agent_bots", body)
                    .await
            }
            "create-a-user" => (path, self.user_body()),
            "update-a-user" => (path, json!({"name": "alpha administrator"})),
            "delete-a-user" => {
                self.doomed_on_platform("/platform/api/v1/users", self.user_body())
                    .await
            }
            // Client API.
            "create-a-contact" => (path, json!({"name": self.unique("bench visitor")})),
            "update-a-contact" => (path, json!({"name": "alpha contact"})),
            "create-a-conversation" | "resolve-conversation" | "update-last-seen" => {
                (path, json!({}))
            }
            "toggle-typing-status" => (path, json!({"typing_status": "on"})),
            "create-a-message" => (path, json!({"content": "Any news on my order?"})),
            "update-a-message" => {
                let question = self
                    .create_in_a(
                        &format!("/conversations/{}/messages", a.conversation),
                        json!({"content": "Pick one", "content_type": "input_select",
                               "content_attributes": {"items": [{"title": "A", "value": "a"}]}}),
                    )
                    .await;
                (
                    id_path(question),
                    json!({"submitted_values": [{"name": "pick", "title": "A", "value": "a"}]}),
                )
            }
            // Application API: the account, bots and agents.
            "update-account" => (path, json!({"name": "alpha account"})),
            "create-an-account-agent-bot" => (path, json!({"name": self.unique("bench bot")})),
            "update-an-account-agent-bot" => (path, json!({"name": "alpha bot"})),
            "delete-an-account-agent-bot" => {
                self.doomed_in_a("/agent_bots", json!({"name": self.unique("doomed bot")}))
                    .await
            }
            "add-new-agent-to-account" => (
                path,
                json!({"name": self.unique("bench agent"), "email": email("agent"), "role": "agent"}),
            ),
            "update-agent-in-account" => (path, json!({"role": "agent"})),
            "delete-agent-from-account" => {
                let name = self.unique("doomed agent");
                let body = json!({"name": name, "email": email("doomed"), "role": "agent"});
                self.doomed_in_a("/agents", body).await
            }
            // Canned responses, custom attributes.
            "add-new-canned-response-to-account" => (
                path,
                json!({"short_code": self.unique("code"), "content": "Thanks for waiting"}),
            ),
            "update-canned-response-in-account" => (path, json!({"content": "alpha canned"})),
            "delete-canned-response-from-account" => {
                let body = json!({"short_code": self.unique("doomed"), "content": "Bye"});
                self.doomed_in_a("/canned_responses", body).await
            }
            "add-new-custom-attribute-to-account" => (path, self.attribute_body()),
            "update-custom-attribute-in-account" => {
                (path, json!({"attribute_display_name": "alpha attribute"}))
            }
            "delete-custom-attribute-from-account" => {
                self.doomed_in_a("/custom_attribute_definitions", self.attribute_body())
                    .await
            }
            // Contacts.
            "contactCreate" => (
                path,
                json!({"name": self.unique("bench contact"), "email": email("contact")}),
            ),
            "contactUpdate" => (path, json!({"name": "alpha contact"})),
            "contactDelete" => {
                self.doomed_in_a("/contacts", json!({"name": self.unique("doomed contact")}))
                    .await
            }
            "contact-add-labels" | "conversation-add-labels" => {
                (path, json!({"labels": [a.label_title]}))
            }
            "contactSearch" => (format!("{path}?q=alpha"), Value::Null),
            "contactFilter" => (
                path,
                json!({"payload": [{"attribute_key": "name", "filter_operator": "contains",
                                    "values": ["alpha"], "query_operator": null}]}),
            ),
            "contactInboxCreation" => (
                path,
                json!({"inbox_id": a.api_inbox, "source_id": self.unique("bench-source")}),
            ),
            "contactMerge" => {
                let mergee = self
                    .create_in_a(
                        "/contacts",
                        json!({"name": self.unique("merged contact"), "email": email("merged")}),
                    )
                    .await;
                (
                    path,
                    json!({"base_contact_id": a.other_contact, "mergee_contact_id": mergee}),
                )
            }
            // Automation rules, help center.
            "add-new-automation-rule-to-account" => (path, self.rule_body()),
            "update-automation-rule-in-account" => (path, json!({"name": "alpha rule"})),
            "delete-automation-rule-from-account" => {
                self.doomed_in_a("/automation_rules", self.rule_body())
                    .await
            }
            "add-new-portal-to-account" => (
                path,
                json!({"name": "Bench portal", "slug": self.unique("bench-portal"),
                       "config": {"allowed_locales": ["en"], "default_locale": "en"}}),
            ),
            "update-portal-to-account" => (path, json!({"name": "alpha portal"})),
            "add-new-category-to-account" => (
                path,
                json!({"name": "Bench category", "slug": self.unique("bench-category"), "locale": "en"}),
            ),
            "add-new-article-to-account" => (
                path,
                json!({"title": self.unique("Bench article"), "content": "How to start",
                       "author_id": a.admin.0, "category_id": a.category, "status": "published"}),
            ),
            // Conversations and messages.
            "newConversation" => (
                path,
                json!({"inbox_id": a.api_inbox, "contact_id": a.contact}),
            ),
            "conversationFilter" => (
                path,
                json!({"payload": [{"attribute_key": "status", "filter_operator": "equal_to",
                                    "values": ["open"], "query_operator": null}]}),
            ),
            "update-conversation" => (path, json!({"priority": "medium"})),
            "toggle-status-of-a-conversation" | "conversationUpdateLastSeen" => (path, json!({})),
            "toggle-priority-of-a-conversation" => (path, json!({"priority": "high"})),
            "toggle-typing-status-of-a-conversation" => (path, json!({"typing_status": "on"})),
            "update-custom-attributes-of-a-conversation" => {
                (path, json!({"custom_attributes": {"plan": "pro"}}))
            }
            "destroy-custom-attributes-of-a-conversation" => {
                (path, json!({"custom_attributes": ["plan"]}))
            }
            "assign-a-conversation" => (path, json!({"assignee_id": a.agent.0})),
            "create-a-new-message-in-a-conversation" => (path, json!({"content": "We are on it."})),
            "update-message-status" => (path, json!({"status": "read"})),
            "delete-a-message" => {
                let messages = format!("/conversations/{}/messages", a.conversation);
                let body = json!({"content": "Sent by mistake"});
                self.doomed_in_a(&messages, body).await
            }
            // Inboxes and their members.
            "inboxCreation" => (
                path,
                json!({"name": self.unique("bench inbox"), "channel": {"type": "api"}}),
            ),
            "updateInbox" => (path, json!({"name": "alpha api inbox"})),
            "updateAgentBot" => (path, json!({"agent_bot": a.account_bot})),
            "add-new-agent-to-inbox" | "update-agents-in-inbox" => (
                path,
                json!({"inbox_id": a.api_inbox, "user_ids": [a.agent.0]}),
            ),
            "delete-agent-in-inbox" => {
                let members = json!({"inbox_id": a.website_inbox, "user_ids": [a.admin.0]});
                self.prepare(Method::POST, &path, &self.admin(), members.clone())
                    .await;
                (path, members)
            }
            // Labels, teams, filters, webhooks, campaigns.
            "create-a-label" => (path, json!({"title": self.unique("bench_label")})),
            "update-a-label" => (path, json!({"description": "alpha label"})),
            "delete-a-label" => {
                self.doomed_in_a("/labels", json!({"title": self.unique("doomed_label")}))
                    .await
            }
            "updateProfile" => (path, json!({"profile": {"name": "alpha administrator"}})),
            "create-a-team" => (path, json!({"name": self.unique("bench team")})),
            "update-a-team" => (path, json!({"description": "alpha team"})),
            "delete-a-team" => {
                self.doomed_in_a("/teams", json!({"name": self.unique("doomed team")}))
                    .await
            }
            "add-new-agent-to-team" | "update-agents-in-team" => {
                (path, json!({"user_ids": [a.agent.0]}))
            }
            "delete-agent-in-team" => {
                let members = json!({"user_ids": [a.admin.0]});
                self.prepare(Method::POST, &path, &self.admin(), members.clone())
                    .await;
                (path, members)
            }
            "create-a-custom-filter" => (path, self.filter_body()),
            "update-a-custom-filter" => (path, json!({"name": "alpha filter"})),
            "delete-a-custom-filter" => {
                self.doomed_in_a("/custom_filters", self.filter_body())
                    .await
            }
            "create-a-webhook" => (path, self.webhook_body()),
            "update-a-webhook" => (path, json!({"url": "https://example.com/alpha"})),
            "delete-a-webhook" => self.doomed_in_a("/webhooks", self.webhook_body()).await,
            "create-campaign" => (path, self.campaign_body()),
            "update-campaign" => (path, json!({"title": "alpha campaign"})),
            "delete-campaign" => self.doomed_in_a("/campaigns", self.campaign_body()).await,
            // Refused here whatever the body (see `documented_refusal`).
            "create-an-integration-hook" => (
                path,
                json!({"hook": {"app_id": "dialogflow", "inbox_id": a.api_inbox, "settings": {}}}),
            ),
            "update-an-integrations-hook" => (path, json!({"status": "disabled"})),
            "updateAccountBrandedEmailLayout" => (
                path,
                json!({"branded_email_layout": "<html>{{ content_for_layout }}</html>"}),
            ),
            // Reports.
            "list-all-conversation-statistics" => (
                format!(
                    "{path}?metric=conversations_count&type=account&{}",
                    self.range()
                ),
                Value::Null,
            ),
            "list-all-conversation-statistics-summary" => {
                (format!("{path}?type=account&{}", self.range()), Value::Null)
            }
            "get-account-conversation-metrics" => (format!("{path}?type=account"), Value::Null),
            "get-agent-conversation-metrics" => (format!("{path}?type=agent"), Value::Null),
            "get-channel-summary-report"
            | "get-inbox-summary-report"
            | "get-agent-summary-report"
            | "get-team-summary-report" => (format!("{path}?{}", self.range()), Value::Null),
            "get-outgoing-messages-count" => (
                format!("{path}?group_by=agent&{}", self.range()),
                Value::Null,
            ),
            // Reads without parameters and deletes of fixed objects.
            _ => (path, Value::Null),
        };
        Request {
            path,
            token,
            body: (!body.is_null()).then_some(body),
        }
    }

    fn attribute_body(&self) -> Value {
        let key = self.unique("bench_key").replace('-', "_");
        json!({"attribute_display_name": key, "attribute_key": key,
               "attribute_display_type": "text", "attribute_model": "conversation_attribute"})
    }

    fn rule_body(&self) -> Value {
        json!({
            "name": self.unique("bench rule"),
            "event_name": "message_created",
            "conditions": [{"attribute_key": "content", "filter_operator": "contains",
                            "values": ["refund"], "query_operator": null}],
            "actions": [{"action_name": "add_label", "action_params": [self.a().label_title]}]
        })
    }

    fn filter_body(&self) -> Value {
        json!({"name": self.unique("bench filter"), "type": "conversation", "query": {"payload": []}})
    }

    fn webhook_body(&self) -> Value {
        json!({"url": format!("https://example.com/{}", self.unique("bench"))})
    }

    fn campaign_body(&self) -> Value {
        let a = self.a();
        json!({"title": self.unique("bench campaign"), "inbox_id": a.website_inbox,
               "sender_id": a.admin.0, "message": "Hello from the bench",
               "trigger_rules": {"url": "https://site.test/pricing", "time_on_page": 10}})
    }

    async fn send(&self, operation: &Operation, request: &Request) -> TestResponse {
        let mut builder = self.api.request(operation.method.clone(), &request.path);
        if let Some(token) = &request.token {
            builder = builder.token(token);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body.clone());
        }
        builder.send().await
    }
}

/// What the table shows of one operation.
struct Measured {
    /// The most each count reached over the repetitions (auth lookups included).
    trips: RoundTrips,
    units: MostUnits,
    latencies: Vec<Duration>,
    status: u16,
    refused: Option<&'static str>,
}

/// Whether `response` is the answer `operation` is measured on: a 2xx, or its documented
/// refusal.
fn check(operation: &Operation, request: &Request, response: &TestResponse) -> Result<(), String> {
    let expected = match documented_refusal(operation) {
        Some((status, _)) => response.status == status,
        None => (200..300).contains(&response.status),
    };
    if expected {
        Ok(())
    } else {
        Err(format!(
            "{} {} {} (body {}): {} {}",
            operation.id,
            operation.method,
            request.path,
            request.body.as_ref().unwrap_or(&Value::Null),
            response.status,
            String::from_utf8_lossy(&response.raw)
        ))
    }
}

/// One warm-up request, then `repeats` measured ones, each after its own preparation.
async fn measure(bench: &Bench, operation: &Operation, repeats: usize) -> Result<Measured, String> {
    let warm_up = bench.request(operation).await;
    check(operation, &warm_up, &bench.send(operation, &warm_up).await)?;
    let mut trips = RoundTrips::default();
    let mut units = MostUnits::default();
    let mut latencies = Vec::with_capacity(repeats);
    let mut status = 0;
    for _ in 0..repeats {
        let request = bench.request(operation).await;
        bench.counter.take();
        let before = MostUnits::before(&bench.counter);
        let started = Instant::now();
        let response = bench.send(operation, &request).await;
        latencies.push(started.elapsed());
        let counted = bench.counter.take();
        check(operation, &request, &response)?;
        trips.reads = trips.reads.max(counted.reads);
        trips.items_read = trips.items_read.max(counted.items_read);
        trips.writes = trips.writes.max(counted.writes);
        units.after(&bench.counter, before);
        status = response.status;
    }
    latencies.sort();
    Ok(Measured {
        trips,
        units,
        latencies,
        status,
        refused: documented_refusal(operation).map(|(_, why)| why),
    })
}

/// The table's columns, and one operation's cells in the same order.
const COLUMNS: [&str; 11] = [
    "function", "method", "path", "reads", "items", "writes", "RRU", "WRU", "p50 (ms)", "p99 (ms)",
    "status",
];

fn cells(operation: &Operation, measured: &Measured) -> [String; COLUMNS.len()] {
    let function = match operation.function {
        Function::Platform => "platform",
        Function::Application => "application",
        Function::Client => "client",
        Function::Reports => "reports",
    };
    let [rru, wru] = measured.units.cells();
    let status = match measured.refused {
        Some(why) => format!("{} (refused: {why})", measured.status),
        None => measured.status.to_string(),
    };
    [
        function.to_owned(),
        operation.method.to_string(),
        format!("`{}`", operation.path),
        measured.trips.reads.to_string(),
        measured.trips.items_read.to_string(),
        measured.trips.writes.to_string(),
        rru,
        wru,
        format!("{:.3}", p50(measured)),
        format!("{:.3}", percentile_ms(&measured.latencies, 0.99)),
        status,
    ]
}

fn p50(measured: &Measured) -> f64 {
    percentile_ms(&measured.latencies, 0.50)
}

fn print_row(cells: &[String]) {
    println!("| {} |", cells.join(" | "));
}

fn print_summary(rows: &[(Operation, Measured)], elapsed: Duration) {
    let refused = rows.iter().filter(|(_, m)| m.refused.is_some()).count();
    println!(
        "\n{} operations measured ({} succeeded, {refused} on their documented refusal) in {:.1} s.",
        rows.len(),
        rows.len() - refused,
        elapsed.as_secs_f64()
    );
    let mut p50s: Vec<f64> = rows.iter().map(|(_, m)| p50(m)).collect();
    p50s.sort_by(f64::total_cmp);
    let mut reads: Vec<u64> = rows.iter().map(|(_, m)| m.trips.reads).collect();
    reads.sort();
    println!(
        "Median over the operations: p50 {:.3} ms, {} reads per request; at most {} reads, {} items \
         and {} writes in one request; {} operations write.",
        p50s[p50s.len() / 2],
        reads[reads.len() / 2],
        reads.last().unwrap(),
        rows.iter().map(|(_, m)| m.trips.items_read).max().unwrap(),
        rows.iter().map(|(_, m)| m.trips.writes).max().unwrap(),
        rows.iter().filter(|(_, m)| m.trips.writes > 0).count()
    );
    let mut by_p50: Vec<&(Operation, Measured)> = rows.iter().collect();
    by_p50.sort_by(|x, y| p50(&y.1).total_cmp(&p50(&x.1)));
    let slowest: Vec<String> = by_p50
        .iter()
        .take(5)
        .map(|(op, m)| format!("{} {} ({:.3} ms)", op.method, op.path, p50(m)))
        .collect();
    println!("Slowest by p50: {}.", slowest.join("; "));
    let mut by_reads: Vec<&(Operation, Measured)> = rows.iter().collect();
    by_reads.sort_by_key(|(_, m)| std::cmp::Reverse((m.trips.reads, m.trips.items_read)));
    let most: Vec<String> = by_reads
        .iter()
        .take(5)
        .map(|(op, m)| {
            format!(
                "{} {} ({} reads, {} items)",
                op.method, op.path, m.trips.reads, m.trips.items_read
            )
        })
        .collect();
    println!("Most round trips: {}.", most.join("; "));
}

#[tokio::main]
async fn main() {
    let aws = api_tests::aws_requested("BENCH_STORAGE");
    let repeats = repeats(aws);
    // Several operations add messages to A's one conversation, faster than Chatwoot's flood
    // guard allows a minute; the guard costs no round trip, so a higher limit changes no count.
    let (api, counter) = counted_api(aws, |state| state.config.messages_per_minute = 100_000).await;
    let storage = if aws {
        "DynamoDB Local + S3"
    } else {
        "embedded store"
    };
    let building = Instant::now();
    let world = World::build(&api).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let bench = Bench {
        api,
        counter,
        world,
        serial: Cell::new(0),
        since: now - 30 * 24 * 3600,
        until: now,
    };
    println!(
        "Built the world ({storage}) in {:.1} s. Every documented operation: {} requests per GET, \
         {} per other method, after one warm-up; reads, items, writes and request units \
         (RRU, WRU: DynamoDB only) are the most one request took (auth lookups included); \
         writes are conditional writes, increments or transactions.\n",
        building.elapsed().as_secs_f64(),
        repeats.read,
        repeats.write
    );
    print_row(&COLUMNS.map(str::to_owned));
    print_row(&COLUMNS.map(|column| match column {
        "function" | "method" | "path" | "status" => "---".to_owned(),
        _ => "---:".to_owned(),
    }));
    let measuring = Instant::now();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for operation in operations() {
        match measure(&bench, &operation, repeats.of(&operation.method)).await {
            Ok(measured) => {
                print_row(&cells(&operation, &measured));
                rows.push((operation, measured));
            }
            Err(failure) => failures.push(failure),
        }
    }
    assert!(
        failures.is_empty(),
        "{} operations did not succeed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(rows.len(), DOCUMENTED_OPERATIONS);
    print_summary(&rows, measuring.elapsed());
}
