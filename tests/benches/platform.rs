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
    token: Option<String>,
    prepare: Option<Prepare>,
    request: fn(&Bench, &[i64]) -> (Method, String, Value),
}

fn user_body() -> Value {
    json!({"name": "Bench", "email": api_tests::email("bench"), "password": "Password1!"})
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        frontend_url: "http://127.0.0.1:3000".into(),
        allow_private_webhook_targets: false,
    };
    let built = AppState::embedded(dir.path(), config).unwrap();
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
        api: LocalApi::new(state, built.local_blobs),
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
    let fixed = [account, user, bot];

    let operations: Vec<Operation> = vec![
        Operation {
            name: "POST /platform/api/v1/accounts",
            token: None,
            prepare: None,
            request: |_, _| {
                (
                    Method::POST,
                    "/platform/api/v1/accounts".into(),
                    json!({"name": "A"}),
                )
            },
        },
        Operation {
            name: "GET /platform/api/v1/accounts/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "PATCH /platform/api/v1/accounts/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    json!({"domain": "bench.test"}),
                )
            },
        },
        Operation {
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
            request: |_, ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/accounts/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "GET /platform/api/v1/accounts/{id}/account_users",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "POST /platform/api/v1/accounts/{id}/account_users",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::POST,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    json!({"user_id": ids[1], "role": "agent"}),
                )
            },
        },
        Operation {
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
            request: |_, ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/accounts/{}/account_users", ids[0]),
                    json!({"user_id": ids[1]}),
                )
            },
        },
        Operation {
            name: "GET /platform/api/v1/agent_bots (1 bot)",
            token: None,
            prepare: None,
            request: |_, _| {
                (
                    Method::GET,
                    "/platform/api/v1/agent_bots".into(),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "POST /platform/api/v1/agent_bots",
            token: None,
            prepare: None,
            request: |_, _| {
                (
                    Method::POST,
                    "/platform/api/v1/agent_bots".into(),
                    json!({"name": "B"}),
                )
            },
        },
        Operation {
            name: "GET /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/agent_bots/{}", ids[2]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "PATCH /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/agent_bots/{}", ids[2]),
                    json!({"description": "d"}),
                )
            },
        },
        Operation {
            name: "DELETE /platform/api/v1/agent_bots/{id}",
            token: None,
            prepare: Some(|b| {
                Box::pin(
                    async move { vec![b.create("/platform/api/v1/agent_bots", json!({})).await] },
                )
            }),
            request: |_, ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/agent_bots/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "DELETE /platform/api/v1/agent_bots/{id}/avatar",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/agent_bots/{}/avatar", ids[2]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "POST /platform/api/v1/users",
            token: None,
            prepare: None,
            request: |_, _| (Method::POST, "/platform/api/v1/users".into(), user_body()),
        },
        Operation {
            name: "GET /platform/api/v1/users/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/users/{}", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "PATCH /platform/api/v1/users/{id}",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::PATCH,
                    format!("/platform/api/v1/users/{}", ids[1]),
                    json!({"display_name": "B"}),
                )
            },
        },
        Operation {
            name: "DELETE /platform/api/v1/users/{id}",
            token: None,
            prepare: Some(|b| {
                Box::pin(async move { vec![b.create("/platform/api/v1/users", user_body()).await] })
            }),
            request: |_, ids| {
                (
                    Method::DELETE,
                    format!("/platform/api/v1/users/{}", ids[0]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "GET /platform/api/v1/users/{id}/login",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::GET,
                    format!("/platform/api/v1/users/{}/login", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "POST /platform/api/v1/users/{id}/token",
            token: None,
            prepare: None,
            request: |_, ids| {
                (
                    Method::POST,
                    format!("/platform/api/v1/users/{}/token", ids[1]),
                    Value::Null,
                )
            },
        },
        Operation {
            name: "GET /api/v1/profile",
            token: Some(user_token.clone()),
            prepare: None,
            request: |_, _| (Method::GET, "/api/v1/profile".into(), Value::Null),
        },
        Operation {
            name: "PUT /api/v1/profile",
            token: Some(user_token.clone()),
            prepare: None,
            request: |_, _| {
                (
                    Method::PUT,
                    "/api/v1/profile".into(),
                    json!({"profile": {"display_name": "P"}}),
                )
            },
        },
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
            let (method, path, body) = (operation.request)(&bench, &ids);
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
            1,
            trips.reads - 1,
            trips.writes,
            trips.items_read.saturating_sub(1),
            percentile(0.50).as_micros(),
            percentile(0.99).as_micros()
        );
    }
    println!("auth = the token lookup (one key read); reads/items exclude it; writes = conditional writes or transactions.");
}
