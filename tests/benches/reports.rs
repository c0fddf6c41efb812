//! `make bench`, third part: reports over a year of history. Seeds one account with
//! `BENCH_FACTS` reporting facts (default 500,000) spread over the 365 days before now, plus
//! an incoming and an outgoing message per fact, written as the dispatcher writes them (the
//! fact items, and the aggregates `aggregates::writes` gives, merged per day; not the facts'
//! listing copies, which no report reads); then measures
//! through the real router what the reports cost: store round trips, items read and
//! in-process latency. The budget: a 365-day daily timeseries and a summary each read at most
//! 400 items in at most 10 round trips, whatever the history holds.

use api_tests::bench::{counted_api, env_count, percentile_ms};
use api_tests::{json, TestApi};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared::domain::reports::aggregates::{self, Scope, Tally, DAY_MS};
use shared::domain::reports::facts::{metric, FactName, ReportingEvent};
use shared::model::Record;
use shared::store::{CountingStore, RoundTrips, Store, WriteOp, MAX_TRANSACTION_OPS};
use std::time::Instant;

const DAYS: i64 = 365;
const AGENTS: usize = 5;
const INBOXES: usize = 2;
const TEAMS: usize = 2;
const LABELS: [&str; 3] = ["billing", "bug", "vip"];
/// Budget of one report request (auth included).
const MAX_ITEMS: u64 = 400;
const MAX_ROUND_TRIPS: u64 = 10;
const REPEATS: usize = 20;

struct Seeded {
    account: i64,
    token: String,
    agent: i64,
    /// Local midnight (UTC+05:30) 365 days ago, and the one today: the ranges measured.
    year_since: i64,
    year_until: i64,
}

async fn write_all(store: &dyn Store, ops: Vec<WriteOp>) {
    for chunk in ops.chunks(MAX_TRANSACTION_OPS) {
        store.write(chunk.to_vec()).await.expect("seed written");
    }
}

async fn seed(api: &TestApi, facts: usize) -> Seeded {
    let platform = api.platform_token().await;
    let account = api.create_account(&platform, "Reports at scale").await;
    let (admin, token) = api.create_user(&platform, "bench-admin@example.com").await;
    api.add_member(&platform, account, admin, "administrator")
        .await;
    let base = format!("/api/v1/accounts/{account}");
    let mut agents = vec![admin];
    for i in 1..AGENTS {
        let (id, _) = api
            .create_user(&platform, &format!("bench-agent-{i}@example.com"))
            .await;
        api.add_member(&platform, account, id, "agent").await;
        agents.push(id);
    }
    let mut inboxes = Vec::new();
    for i in 0..INBOXES {
        inboxes.push(
            api.create_id(
                &format!("{base}/inboxes"),
                &token,
                json!({"name": format!("Inbox {i}"), "channel": {"type": "api"}}),
            )
            .await,
        );
    }
    let mut teams = Vec::new();
    for i in 0..TEAMS {
        teams.push(
            api.create_id(
                &format!("{base}/teams"),
                &token,
                json!({"name": format!("Team {i}")}),
            )
            .await,
        );
    }
    let store = api.state().store.clone();
    let now_ms = api.state().clock.now_ms();
    let offset = 5 * 3_600_000 + 1_800_000;
    let today = (now_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset;
    let first_day = today - DAYS * DAY_MS;
    let mut rng = StdRng::seed_from_u64(7);
    let per_day = facts.div_ceil(DAYS as usize);
    let mut written = 0;
    for day in 0..DAYS {
        let mut ops = Vec::new();
        let mut tallies = Vec::new();
        for _ in 0..per_day.min(facts - written) {
            let at = first_day + day * DAY_MS + rng.random_range(0..DAY_MS);
            let name = FactName::ALL[rng.random_range(0..FactName::ALL.len())];
            let value_ms = rng.random_range(1_000..86_400_000);
            let inbox = inboxes[rng.random_range(0..INBOXES)];
            let team = teams.get(rng.random_range(0..TEAMS + 1)).copied();
            let labels: Vec<String> = LABELS
                .iter()
                .filter(|_| rng.random_bool(0.3))
                .map(|l| (*l).to_owned())
                .collect();
            let fact = ReportingEvent {
                id: shared::ids::new_id(at),
                name: name.as_str().into(),
                value_ms,
                business_value_ms: value_ms / 3,
                account_id: account,
                inbox_id: inbox,
                user_id: Some(agents[rng.random_range(0..AGENTS)]),
                conversation_id: rng.random_range(1..1 << 40),
                display_id: rng.random_range(1..100_000),
                team_id: team,
                labels,
                channel_type: "Channel::Api".into(),
                event_start_ms: at - value_ms,
                event_end_ms: at,
                created_at_ms: at,
                source_event: ulid::Ulid::new().to_string(),
            };
            tallies.extend(fact.tallies());
            for counted in [metric::INCOMING, metric::OUTGOING, metric::CONVERSATIONS] {
                tallies.push(Tally::new(Scope::Account, counted, at, 1));
                tallies.push(Tally::new(Scope::Inbox(inbox), counted, at, 1));
            }
            // The fact itself; its two listing copies are left out: no report reads them.
            ops.push(WriteOp::put(fact.to_item()));
            written += 1;
        }
        ops.extend(aggregates::writes(account, &tallies));
        write_all(store.as_ref(), ops).await;
    }
    Seeded {
        account,
        token,
        agent: agents[1],
        year_since: first_day / 1000,
        year_until: today / 1000,
    }
}

struct Measured {
    trips: RoundTrips,
    p50_ms: f64,
    p99_ms: f64,
}

async fn measure(api: &TestApi, counter: &CountingStore, path: &str, token: &str) -> Measured {
    let mut latencies = Vec::with_capacity(REPEATS);
    let mut trips = RoundTrips::default();
    for _ in 0..REPEATS {
        counter.take();
        let started = Instant::now();
        api.get(path).token(token).send().await.expect(200);
        latencies.push(started.elapsed());
        trips = counter.take();
    }
    latencies.sort();
    Measured {
        trips,
        p50_ms: percentile_ms(&latencies, 0.5),
        p99_ms: percentile_ms(&latencies, 0.99),
    }
}

#[tokio::main]
async fn main() {
    let facts = env_count("BENCH_FACTS", 500_000);
    let (api, counter) = counted_api(false, |_| {}).await;

    let seeding = Instant::now();
    let seeded = seed(&api, facts).await;
    let seeded_in = seeding.elapsed();
    println!(
        "Seeded {facts} reporting facts (plus {} message and conversation counts) over {DAYS} days \
         (embedded store) in {:.1} s\n",
        3 * facts,
        seeded_in.as_secs_f64()
    );
    let base = format!("/api/v2/accounts/{}", seeded.account);
    let year = format!("since={}&until={}", seeded.year_since, seeded.year_until);
    let requests = [
        (
            true,
            "365-day daily timeseries, UTC+05:30",
            format!(
                "{base}/reports?metric=avg_first_response_time&type=account&group_by=day&timezone_offset=5.5&{year}"
            ),
        ),
        (
            true,
            "365-day daily timeseries, UTC",
            format!(
                "{base}/reports?metric=conversations_count&type=account&group_by=day&since={}&until={}",
                seeded.year_since + 19_800,
                seeded.year_until + 19_800
            ),
        ),
        (
            true,
            "365-day weekly timeseries, agent",
            format!(
                "{base}/reports?metric=avg_resolution_time&type=agent&id={}&group_by=week&timezone_offset=5.5&{year}",
                seeded.agent
            ),
        ),
        (
            true,
            "365-day summary (with previous period)",
            format!("{base}/reports/summary?type=account&timezone_offset=5.5&{year}"),
        ),
        (
            true,
            "365-day summary, business hours",
            format!("{base}/reports/summary?type=account&business_hours=true&{year}"),
        ),
        (
            false,
            "365-day summary_reports/agent",
            format!("{base}/summary_reports/agent?{year}"),
        ),
        (
            false,
            "first_response_time_distribution, all time",
            format!("{base}/reports/first_response_time_distribution"),
        ),
    ];
    println!("Reports over {facts} facts ({REPEATS} requests each; auth included)\n");
    println!("| report | reads | items | p50 (ms) | p99 (ms) | within 400 items, 10 round trips |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    let mut over_budget = Vec::new();
    for (budgeted, name, path) in &requests {
        let measured = measure(&api, &counter, path, &seeded.token).await;
        let within =
            measured.trips.items_read <= MAX_ITEMS && measured.trips.reads <= MAX_ROUND_TRIPS;
        if *budgeted && !within {
            over_budget.push(*name);
        }
        println!(
            "| {name} | {} | {} | {:.2} | {:.2} | {} |",
            measured.trips.reads,
            measured.trips.items_read,
            measured.p50_ms,
            measured.p99_ms,
            match (budgeted, within) {
                (false, _) => "(not budgeted)",
                (true, true) => "yes",
                (true, false) => "**no**",
            }
        );
    }
    assert!(
        over_budget.is_empty(),
        "over the read budget: {over_budget:?}"
    );
}
