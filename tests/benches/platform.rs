//! `make bench`: per Platform operation (and the profile), the store round trips one request
//! costs and its in-process latency over the embedded store, through the real routers.
//!
//! Round trips are counted by a decorator around the store; "auth" is the token lookup every
//! authenticated request makes, listed apart from the operation's own reads and writes.

use api_tests::json;
use bytes::Bytes;
use http::Method;
use infra::LocalApi;
use serde_json::Value;
use shared::http::{body_bytes, lambda_request};
use shared::state::{AppState, Config};
use shared::store::{CountingStore, RoundTrips};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ITERATIONS: usize = 300;

struct Bench {
    api: LocalApi,
    counter: CountingStore,
    platform: String,
    _dir: tempfile::TempDir,
}

impl Bench {
    async fn call(&self, method: Method, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(path)
            .header("api_access_token", token);
        let bytes = if body.is_null() {
            Bytes::new()
        } else {
            builder = builder.header("content-type", "application/json");
            Bytes::from(body.to_string())
        };
        let (parts, ()) = builder.body(()).unwrap().into_parts();
        let response = self.api.handle(lambda_request(parts, bytes)).await;
        let status = response.status().as_u16();
        let body = serde_json::from_slice(&body_bytes(response.into_body())).unwrap_or(Value::Null);
        (status, body)
    }

    async fn create(&self, path: &str, body: Value) -> i64 {
        let (status, created) = self.call(Method::POST, path, &self.platform, &body).await;
        assert_eq!(status, 200, "{path}: {created}");
        created["id"].as_i64().unwrap()
    }
}

/// Makes, uncounted, the objects one measured request consumes (e.g. the account it deletes).
type Prepare = fn(&Bench) -> futures::future::BoxFuture<'_, Vec<i64>>;

/// One measured operation: `prepare` makes what the request needs (uncounted), `request`
/// gives (method, path, body) for it.
struct Operation {
    name: &'static str,
    /// Reads every request of this kind makes before its own: the token lookup, plus the
    /// account guard's batch read for account-scoped routes.
    auth: u64,
    token: Option<String>,
    prepare: Option<Prepare>,
    request: fn(&[i64]) -> (Method, String, Value),
}

/// Items the auth reads return: the token, plus the account and the membership.
fn auth_items(auth_reads: u64) -> u64 {
    if auth_reads > 1 {
        3
    } else {
        1
    }
}

/// An account-scoped operation, run as the bench account's administrator.
fn account_op(
    name: &'static str,
    token: &str,
    request: fn(&[i64]) -> (Method, String, Value),
) -> Operation {
    Operation {
        auth: 2,
        name,
        token: Some(token.to_owned()),
        prepare: None,
        request,
    }
}

fn user_body() -> Value {
    json!({"name": "Bench", "email": api_tests::email("bench"), "password": "Password1!"})
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::with_defaults("http://127.0.0.1:3000");
    let built =
        store_embedded::open(dir.path(), config, Arc::new(shared::clock::SystemClock)).unwrap();
    let counter = CountingStore::new(built.state.store.clone());
    let state = AppState {
        store: Arc::new(counter.clone()),
        ..built.state
    };
    let state = Arc::new(state);
    let platform = shared::domain::platform::create_app(&state, "Bench", None)
        .await
        .unwrap()
        .access_token;
    let bench = Bench {
        api: LocalApi::new(state, Some(built.blobs)),
        counter,
        platform,
        _dir: dir,
    };
    let account = bench
        .create("/platform/api/v1/accounts", json!({"name": "Bench"}))
        .await;
    let user = bench.create("/platform/api/v1/users", user_body()).await;
    let (_, member) = bench
        .call(
            Method::POST,
            &format!("/platform/api/v1/accounts/{account}/account_users"),
            &bench.platform,
            &json!({"user_id": user, "role": "administrator"}),
        )
        .await;
    assert_eq!(member["user_id"], user);
    let (_, user_json) = bench
        .call(
            Method::GET,
            &format!("/platform/api/v1/users/{user}"),
            &bench.platform,
            &Value::Null,
        )
        .await;
    let user_token = user_json["access_token"].as_str().unwrap().to_owned();
    let bot = bench
        .create("/platform/api/v1/agent_bots", json!({"name": "Bench bot"}))
        .await;
    let (_, label) = bench
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{account}/labels"),
            &user_token,
            &json!({"title": "bench"}),
        )
        .await;
    let make = |path: String, body: Value| {
        let token = user_token.clone();
        let bench = &bench;
        async move {
            let (status, created) = bench.call(Method::POST, &path, &token, &body).await;
            assert_eq!(status, 200, "{path}: {created}");
            created["id"].as_i64().unwrap()
        }
    };
    let base = format!("/api/v1/accounts/{account}");
    let inbox = make(
        format!("{base}/inboxes"),
        json!({"name": "Bench", "channel": {"type": "api"}}),
    )
    .await;
    let team = make(format!("{base}/teams"), json!({"name": "bench"})).await;
    make(
        format!("{base}/canned_responses"),
        json!({"short_code": "hello", "content": "Hello there"}),
    )
    .await;
    make(
        format!("{base}/custom_attribute_definitions"),
        json!({"attribute_display_name": "Plan", "attribute_key": "plan", "attribute_display_type": "text", "attribute_model": "contact_attribute"}),
    )
    .await;
    make(
        format!("{base}/custom_filters"),
        json!({"name": "Open", "query": {"payload": []}}),
    )
    .await;
    let fixed = [
        account,
        user,
        bot,
        label["id"].as_i64().unwrap(),
        inbox,
        team,
    ];

    let operations: Vec<Operation> = vec![
        Operation {
            auth: 1,
            name: "POST /platform/api/v1/accounts",
            token: None,
            prepare: None,
            request: |_| {
                (
                    Method::POST,
                    "/platform/api/v1/accounts".into(),
                    json!({"name": "A"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/accounts/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "PATCH /platform/api/v1/accounts/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    json!({"domain": "bench.test"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "DELETE /platform/api/v1/accounts/{id}",
            token: None,
            prepare: Some(|b| {
                Box::pin(async move {
                    vec![
                        b.create("/platform/api/v1/accounts", json!({"name": "Doomed"}))
                            .await,
                    ]
                })
            }),
            request: |ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/accounts/{id}/account_users",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "POST /platform/api/v1/accounts/{id}/account_users",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::POST,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    json!({"user_id": ids[1], "role": "administrator"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "DELETE /platform/api/v1/accounts/{id}/account_users",
            token: None,
            prepare: Some(|b| {
                Box::pin(async move {
                    let account = b
                        .create("/platform/api/v1/accounts", json!({"name": "Team"}))
                        .await;
                    let user = b.create("/platform/api/v1/users", user_body()).await;
                    let path = format!("/platform/api/v1/accounts/{account}/account_users");
                    b.call(Method::POST, &path, &b.platform, &json!({"user_id": user}))
                        .await;
                    vec![account, user]
                })
            }),
            request: |ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    json!({"user_id": ids[1]}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/agent_bots (1 bot)",
            token: None,
            prepare: None,
            request: |_| {
                (
                    Method::GET,
                    "/platform/api/v1/agent_bots".into(),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "POST /platform/api/v1/agent_bots",
            token: None,
            prepare: None,
            request: |_| {
                (
                    Method::POST,
                    "/platform/api/v1/agent_bots".into(),
                    json!({"name": "B"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/agent_bots/{}", ids[2]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "PATCH /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/agent_bots/{}", ids[2]),
                    json!({"description": "d"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "DELETE /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: Some(|b| {
                Box::pin(
                    async move { vec![b.create("/platform/api/v1/agent_bots", json!({})).await] },
                )
            }),
            request: |ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/agent_bots/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "DELETE /platform/api/v1/agent_bots/{id}/avatar",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/agent_bots/{}/avatar", ids[2]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "POST /platform/api/v1/users",
            token: None,
            prepare: None,
            request: |_| (Method::POST, "/platform/api/v1/users".into(), user_body()),
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/users/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/users/{}", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "PATCH /platform/api/v1/users/{id}",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/users/{}", ids[1]),
                    json!({"display_name": "B"}),
                )
            },
        },
        Operation {
            auth: 1,
            name: "DELETE /platform/api/v1/users/{id}",
            token: None,
            prepare: Some(|b| {
                Box::pin(async move { vec![b.create("/platform/api/v1/users", user_body()).await] })
            }),
            request: |ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/users/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /platform/api/v1/users/{id}/login",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/users/{}/login", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "POST /platform/api/v1/users/{id}/token",
            token: None,
            prepare: None,
            request: |ids| {
                (
                    Method::POST,
                    format!("/platform/api/v1/users/{}/token", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            auth: 1,
            name: "GET /api/v1/profile",
            token: Some(user_token.clone()),
            prepare: None,
            request: |_| (Method::GET, "/api/v1/profile".into(), Value::Null),
        },
        Operation {
            auth: 1,
            name: "PUT /api/v1/profile",
            token: Some(user_token.clone()),
            prepare: None,
            request: |_| {
                (
                    Method::PUT,
                    "/api/v1/profile".into(),
                    json!({"profile": {"display_name": "P"}}),
                )
            },
        },
        account_op("GET /api/v1/accounts/{id}", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}", ids[0]),
                Value::Null,
            )
        }),
        account_op("PATCH /api/v1/accounts/{id}", &user_token, |ids| {
            (
                Method::PATCH,
                format!("/api/v1/accounts/{}", ids[0]),
                json!({"support_email": "a@b.c"}),
            )
        }),
        account_op(
            "GET /api/v1/accounts/{id}/agents (1 agent)",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/agents", ids[0]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "POST /api/v1/accounts/{id}/agents (new user)",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/agents", ids[0]),
                    json!({"email": api_tests::email("agent")}),
                )
            },
        ),
        account_op(
            "PATCH /api/v1/accounts/{id}/agents/{id}",
            &user_token,
            |ids| {
                (
                    Method::PATCH,
                    format!("/api/v1/accounts/{}/agents/{}", ids[0], ids[1]),
                    json!({"availability": "busy"}),
                )
            },
        ),
        account_op("GET /api/v1/accounts/{id}/labels", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}/labels", ids[0]),
                Value::Null,
            )
        }),
        account_op("POST /api/v1/accounts/{id}/labels", &user_token, |ids| {
            (
                Method::POST,
                format!("/api/v1/accounts/{}/labels", ids[0]),
                json!({"title": format!("l{}", shared::ids::alphanumeric(8).to_lowercase())}),
            )
        }),
        account_op(
            "GET /api/v1/accounts/{id}/labels/{id}",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/labels/{}", ids[0], ids[3]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "PATCH /api/v1/accounts/{id}/labels/{id}",
            &user_token,
            |ids| {
                (
                    Method::PATCH,
                    format!("/api/v1/accounts/{}/labels/{}", ids[0], ids[3]),
                    json!({"description": "d"}),
                )
            },
        ),
        account_op("GET /api/v1/accounts/{id}/inboxes", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}/inboxes", ids[0]),
                Value::Null,
            )
        }),
        account_op(
            "GET /api/v1/accounts/{id}/inboxes/{id}",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/inboxes/{}", ids[0], ids[4]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "POST /api/v1/accounts/{id}/inboxes (API channel)",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/inboxes", ids[0]),
                    json!({"name": "I", "channel": {"type": "api"}}),
                )
            },
        ),
        account_op(
            "PATCH /api/v1/accounts/{id}/inboxes/{id}",
            &user_token,
            |ids| {
                (
                    Method::PATCH,
                    format!("/api/v1/accounts/{}/inboxes/{}", ids[0], ids[4]),
                    json!({"greeting_message": "Hi"}),
                )
            },
        ),
        account_op(
            "GET /api/v1/accounts/{id}/inbox_members/{id}",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/inbox_members/{}", ids[0], ids[4]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "POST /api/v1/accounts/{id}/inbox_members",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/inbox_members", ids[0]),
                    json!({"inbox_id": ids[4], "user_ids": [ids[1]]}),
                )
            },
        ),
        account_op("GET /api/v1/accounts/{id}/teams", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}/teams", ids[0]),
                Value::Null,
            )
        }),
        account_op("GET /api/v1/accounts/{id}/teams/{id}", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}/teams/{}", ids[0], ids[5]),
                Value::Null,
            )
        }),
        account_op("POST /api/v1/accounts/{id}/teams", &user_token, |ids| {
            (
                Method::POST,
                format!("/api/v1/accounts/{}/teams", ids[0]),
                json!({"name": format!("t{}", shared::ids::alphanumeric(8).to_lowercase())}),
            )
        }),
        account_op(
            "PATCH /api/v1/accounts/{id}/teams/{id}/team_members",
            &user_token,
            |ids| {
                (
                    Method::PATCH,
                    format!("/api/v1/accounts/{}/teams/{}/team_members", ids[0], ids[5]),
                    json!({"user_ids": [ids[1]]}),
                )
            },
        ),
        account_op(
            "GET /api/v1/accounts/{id}/canned_responses?search=hel",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/canned_responses?search=hel", ids[0]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "POST /api/v1/accounts/{id}/canned_responses",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/canned_responses", ids[0]),
                    json!({"short_code": shared::ids::alphanumeric(10), "content": "c"}),
                )
            },
        ),
        account_op(
            "GET /api/v1/accounts/{id}/custom_attribute_definitions",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/custom_attribute_definitions", ids[0]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "GET /api/v1/accounts/{id}/custom_filters",
            &user_token,
            |ids| {
                (
                    Method::GET,
                    format!("/api/v1/accounts/{}/custom_filters", ids[0]),
                    Value::Null,
                )
            },
        ),
        account_op(
            "POST /api/v1/accounts/{id}/custom_filters",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/custom_filters", ids[0]),
                    json!({"name": "F", "query": {}}),
                )
            },
        ),
        account_op("GET /api/v1/accounts/{id}/agent_bots", &user_token, |ids| {
            (
                Method::GET,
                format!("/api/v1/accounts/{}/agent_bots", ids[0]),
                Value::Null,
            )
        }),
        account_op(
            "POST /api/v1/accounts/{id}/agent_bots",
            &user_token,
            |ids| {
                (
                    Method::POST,
                    format!("/api/v1/accounts/{}/agent_bots", ids[0]),
                    json!({"name": "B"}),
                )
            },
        ),
    ];

    println!("Store round trips and in-process latency per operation (embedded store, {ITERATIONS} requests each)");
    println!(
        "{:<54} {:>5} {:>6} {:>7} {:>6} {:>10} {:>10}",
        "operation", "auth", "reads", "writes", "items", "p50 (µs)", "p99 (µs)"
    );
    for operation in &operations {
        let token = operation
            .token
            .clone()
            .unwrap_or_else(|| bench.platform.clone());
        let mut latencies = Vec::with_capacity(ITERATIONS);
        let mut trips = RoundTrips::default();
        for iteration in 0..ITERATIONS {
            let ids = match operation.prepare {
                Some(prepare) => prepare(&bench).await,
                None => fixed.to_vec(),
            };
            let (method, path, body) = (operation.request)(&ids);
            bench.counter.take();
            let started = Instant::now();
            let (status, response) = bench.call(method, &path, &token, &body).await;
            latencies.push(started.elapsed());
            let counted = bench.counter.take();
            assert_eq!(status, 200, "{}: {response}", operation.name);
            if iteration == 0 {
                trips = counted;
            }
        }
        latencies.sort();
        let percentile = |p: f64| -> Duration {
            latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]
        };
        println!(
            "{:<54} {:>5} {:>6} {:>7} {:>6} {:>10} {:>10}",
            operation.name,
            operation.auth,
            trips.reads - operation.auth,
            trips.writes,
            trips.items_read.saturating_sub(auth_items(operation.auth)),
            percentile(0.50).as_micros(),
            percentile(0.99).as_micros()
        );
    }
    println!("auth = the token lookup (+ the account guard's batch read on account routes); reads/items exclude it; writes = conditional writes or transactions.");
}
