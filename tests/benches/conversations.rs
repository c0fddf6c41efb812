//! `make bench`, second part: conversations and messages at scale. Seeds one account with
//! `BENCH_CONVERSATIONS` conversations holding `BENCH_MESSAGES` messages, then measures,
//! through the real router, what list, meta, show and the message requests cost: store round
//! trips, items read and in-process latency.
//!
//! The account, its users and inboxes are made through the API; contacts, conversations and
//! messages are written as records (the API would take hours for a million messages), each
//! conversation with the view copies and counters `views::view_writes` gives a new one.
//!
//! `BENCH_STORAGE=aws` runs against DynamoDB and S3 from the environment (the emulators of
//! `infra/emulators.sh`; real AWS is refused) with a smaller default seed.

use api_tests::bench::{counted_api, env_count, percentile_ms, MostUnits, Repeats};
use api_tests::{json, TestApi};
use http::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use shared::domain::contact_inboxes;
use shared::domain::contacts::ContactChanges;
use shared::domain::conversations::change::{new_message, NewMessage};
use shared::domain::conversations::{activity, apply_message, views};
use shared::domain::inboxes;
use shared::keys::conversations as keys;
use shared::model::conversation::{Conversation, Message, MessageType, Sender, Status};
use shared::model::inbox::Inbox;
use shared::model::Record;
use shared::state::AppState;
use shared::store::{CountingStore, Key, RoundTrips, Store, WriteOp, MAX_TRANSACTION_OPS};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every measured route is account-scoped with an actor: the token lookup, then one batch of
/// the account, the user and the membership.
const AUTH_READS: u64 = 2;
const AUTH_ITEMS: u64 = 4;
/// Contacts are shared by conversations (a returning customer), up to this many contacts.
const CONVERSATIONS_PER_CONTACT: usize = 20;
const MAX_CONTACTS: usize = 5_000;
/// Conversations start evenly over this period, ending now.
const HISTORY_MS: i64 = 90 * 24 * 3600 * 1000;
/// The longest pause between two messages of a conversation.
const MAX_REPLY_GAP_MS: i64 = 30 * 60 * 1000;

/// How often each request is repeated: fewer against DynamoDB Local, whose calls take tens
/// to hundreds of milliseconds.
fn repeats(aws: bool) -> Repeats {
    if aws {
        Repeats {
            read: 20,
            write: 10,
        }
    } else {
        Repeats {
            read: 200,
            write: 100,
        }
    }
}

/// How much the account holds.
struct Scale {
    conversations: usize,
    messages: usize,
    contacts: usize,
}

impl Scale {
    /// Full size on the embedded store, a smaller default against DynamoDB (every write is an
    /// HTTP call to the emulator); both overridable.
    fn from_env(aws: bool) -> Scale {
        let (conversations, messages) = if aws {
            (2_000, 20_000)
        } else {
            (100_000, 1_000_000)
        };
        let conversations = env_count("BENCH_CONVERSATIONS", conversations);
        let messages = env_count("BENCH_MESSAGES", messages);
        assert!(
            conversations > 0 && messages >= 2 * conversations,
            "the seed needs conversations and at least two messages each"
        );
        Scale {
            conversations,
            messages,
            contacts: (conversations / CONVERSATIONS_PER_CONTACT).clamp(1, MAX_CONTACTS),
        }
    }

    /// Messages of conversation `index`: an even share, the remainder to the first ones.
    fn messages_of(&self, index: usize) -> usize {
        self.messages / self.conversations + usize::from(index < self.messages % self.conversations)
    }
}

struct Member {
    id: i64,
    token: String,
    name: String,
}

/// The account the seed fills: an administrator, an agent who is a member of the first
/// inbox only, and two API inboxes.
struct Account {
    id: i64,
    admin: Member,
    agent: Member,
    /// The agent's inbox first.
    inboxes: [Inbox; 2],
}

impl Account {
    fn path(&self) -> String {
        format!("/api/v1/accounts/{}", self.id)
    }
}

async fn member(api: &TestApi, platform: &str, account: i64, role: &str) -> Member {
    let (id, token) = api.create_user(platform, &api_tests::email(role)).await;
    api.add_member(platform, account, id, role).await;
    let profile = api
        .get("/api/v1/profile")
        .token(&token)
        .send()
        .await
        .expect(200);
    Member {
        id,
        token,
        name: profile.text("name"),
    }
}

async fn create_inbox(api: &TestApi, account: i64, admin: &Member, name: &str) -> Inbox {
    let id = api
        .create_id(
            &format!("/api/v1/accounts/{account}/inboxes"),
            &admin.token,
            json!({"name": name, "channel": {"type": "api"}}),
        )
        .await;
    inboxes::load(api.state(), account, id).await.unwrap()
}

async fn create_account(api: &TestApi) -> Account {
    let platform = api.platform_token().await;
    let id = api.create_account(&platform, "Bench").await;
    let admin = member(api, &platform, id, "administrator").await;
    let agent = member(api, &platform, id, "agent").await;
    let inboxes = [
        create_inbox(api, id, &admin, "Support").await,
        create_inbox(api, id, &admin, "Sales").await,
    ];
    api.post(&format!("/api/v1/accounts/{id}/inbox_members"))
        .token(&admin.token)
        .json(json!({"inbox_id": inboxes[0].id, "user_ids": [agent.id]}))
        .send()
        .await
        .expect(200);
    Account {
        id,
        admin,
        agent,
        inboxes,
    }
}

/// Writes seed records in transactions of at most [`MAX_TRANSACTION_OPS`] operations.
/// View counters are summed over the whole seed and written once at the end: many
/// conversations share a counter item, and one transaction may not touch an item twice.
struct Writer {
    store: Arc<dyn Store>,
    pending: Vec<WriteOp>,
    counters: BTreeMap<Key, BTreeMap<String, i64>>,
    transactions: usize,
}

impl Writer {
    fn new(store: Arc<dyn Store>) -> Self {
        Writer {
            store,
            pending: Vec::with_capacity(MAX_TRANSACTION_OPS),
            counters: BTreeMap::new(),
            transactions: 0,
        }
    }

    async fn push(&mut self, op: WriteOp) {
        if let WriteOp::Add { key, deltas } = op {
            let counter = self.counters.entry(key).or_default();
            for (attr, by) in deltas {
                *counter.entry(attr).or_default() += by;
            }
            return;
        }
        self.pending.push(op);
        if self.pending.len() == MAX_TRANSACTION_OPS {
            self.flush().await;
        }
    }

    async fn flush(&mut self) {
        if !self.pending.is_empty() {
            let ops = std::mem::take(&mut self.pending);
            self.store.write(ops).await.expect("seed transaction");
            self.transactions += 1;
        }
    }

    /// Writes what is pending and the summed counters; answers the transactions written.
    async fn finish(mut self) -> usize {
        self.flush().await;
        for (key, deltas) in std::mem::take(&mut self.counters) {
            self.pending.push(WriteOp::Add {
                key,
                deltas: deltas.into_iter().collect(),
            });
            if self.pending.len() == MAX_TRANSACTION_OPS {
                self.flush().await;
            }
        }
        self.flush().await;
        self.transactions
    }
}

/// A contact and its source id in each of the account's inboxes.
struct SeededContact {
    id: i64,
    source_ids: [String; 2],
}

/// Contacts through the contacts service (with their list and search entries), each linked
/// to both inboxes.
async fn seed_contacts(state: &AppState, account: &Account, count: usize) -> Vec<SeededContact> {
    let mut contacts = Vec::with_capacity(count);
    for number in 1..=count {
        let changes = ContactChanges {
            name: Some(Some(format!("Customer {number}"))),
            ..ContactChanges::default()
        };
        let (contact, first) = shared::domain::contacts::create(
            state,
            account.id,
            &changes,
            Some((&account.inboxes[0], None)),
        )
        .await
        .expect("seed contact");
        let second =
            contact_inboxes::find_or_create(state, &contact, &account.inboxes[1], None, false)
                .await
                .expect("seed contact inbox");
        let first = first.expect("first contact inbox");
        contacts.push(SeededContact {
            id: contact.id,
            source_ids: [first.source_id, second.source_id],
        });
    }
    contacts
}

const WORDS: &[&str] = &[
    "hello", "order", "invoice", "delivery", "thanks", "please", "account", "refund", "update",
    "issue", "today", "tomorrow", "checking", "sorry", "great", "payment", "password", "login",
];

fn sentence(rng: &mut StdRng) -> String {
    let words: Vec<&str> = (0..rng.random_range(4..40))
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect();
    words.join(" ")
}

/// The status mix of a busy account: mostly resolved and open.
fn status(rng: &mut StdRng) -> Status {
    match rng.random_range(0..100) {
        0..40 => Status::Open,
        40..85 => Status::Resolved,
        85..95 => Status::Pending,
        _ => Status::Snoozed,
    }
}

/// Conversation `display_id` started at `started_ms` with `count` messages: the contact
/// and the responder take turns, and a resolved conversation ends with the activity message
/// of its resolution. The conversation keeps its bookkeeping as the domain does.
fn conversation(
    rng: &mut StdRng,
    account: &Account,
    contacts: &[SeededContact],
    display_id: i64,
    started_ms: i64,
    count: usize,
) -> (Conversation, Vec<Message>) {
    let side = usize::from(rng.random_bool(0.5));
    let inbox = &account.inboxes[side];
    let contact = &contacts[rng.random_range(0..contacts.len())];
    let status = status(rng);
    let assignee = match (side, rng.random_range(0..10)) {
        (0, 0..4) => Some(&account.agent),
        (0, 4..6) | (1, 0..4) => Some(&account.admin),
        _ => None,
    };
    let responder = assignee.unwrap_or(&account.admin);
    let mut conversation = Conversation {
        id: shared::ids::new_id(started_ms),
        display_id,
        account_id: account.id,
        inbox_id: inbox.id,
        channel_type: inbox.channel.channel_type().into(),
        contact_id: contact.id,
        source_id: contact.source_ids[side].clone(),
        hmac_verified: false,
        uuid: shared::ids::uuid_v4(),
        status,
        priority: None,
        assignee_id: assignee.map(|m| m.id),
        assignee_agent_bot_id: None,
        team_id: None,
        campaign_id: None,
        snoozed_until_ms: None,
        additional_attributes: Map::new(),
        custom_attributes: Map::new(),
        labels: Vec::new(),
        agent_last_seen_at_ms: None,
        assignee_last_seen_at_ms: None,
        contact_last_seen_at_ms: None,
        first_reply_created_at_ms: None,
        waiting_since_ms: Some(started_ms),
        last_activity_at_ms: started_ms,
        unread_count: 0,
        last_incoming_at_ms: None,
        human_replies: 0,
        last_message: None,
        last_non_activity_message: None,
        csat_message_id: None,
        bot_handoff_at_ms: None,
        resolved_at_ms: None,
        flood_window_start_ms: 0,
        flood_window_messages: 0,
        created_at_ms: started_ms,
        updated_at_ms: started_ms,
        version: 0,
    };
    let mut at = started_ms;
    // The outbox events the messages imply are not seeded: no request measured reads them.
    let mut implied_events = Vec::new();
    let mut messages = Vec::with_capacity(count);
    for turn in 0..count {
        let (message_type, sender, content) = if turn + 1 == count && status == Status::Resolved {
            let text = activity::status_changed(Status::Resolved, &responder.name);
            (MessageType::Activity, None, text)
        } else if turn % 2 == 0 {
            let sender = Sender::Contact(contact.id);
            (MessageType::Incoming, Some(sender), sentence(rng))
        } else {
            let sender = Sender::User(responder.id);
            (MessageType::Outgoing, Some(sender), sentence(rng))
        };
        let new = NewMessage {
            content: Some(content),
            message_type,
            ..NewMessage::default()
        };
        let message = new_message(&conversation, new, sender, at);
        apply_message(&mut conversation, &message, &mut implied_events);
        messages.push(message);
        at += rng.random_range(1_000..MAX_REPLY_GAP_MS);
    }
    (conversation, messages)
}

/// The conversation the per-conversation requests use: the newest open one in the agent's
/// inbox, so both callers may open it.
struct Sample {
    display_id: i64,
    newest_message_id: i64,
}

struct Seeded {
    account: Account,
    contact: i64,
    sample: Sample,
}

async fn seed(api: &TestApi, scale: &Scale) -> Seeded {
    let account = create_account(api).await;
    let now_ms = api.state().clock.now_ms();
    let mut writer = Writer::new(api.state().store.clone());
    let contacts = seed_contacts(api.state(), &account, scale.contacts).await;
    // Every message, at most MAX_REPLY_GAP_MS apart, must be in the past.
    let longest_ms = (scale.messages_of(0) as i64 + 1) * MAX_REPLY_GAP_MS;
    let first_start_ms = now_ms - longest_ms - HISTORY_MS;
    let step_ms = HISTORY_MS / scale.conversations as i64;
    let mut rng = StdRng::seed_from_u64(7);
    let mut sample = None;
    for index in 0..scale.conversations {
        let started_ms = first_start_ms + index as i64 * step_ms + rng.random_range(0..=step_ms);
        let (conversation, messages) = conversation(
            &mut rng,
            &account,
            &contacts,
            index as i64 + 1,
            started_ms,
            scale.messages_of(index),
        );
        if conversation.inbox_id == account.inboxes[0].id && conversation.status == Status::Open {
            sample = Some(Sample {
                display_id: conversation.display_id,
                newest_message_id: messages.last().map(|m| m.id).unwrap_or_default(),
            });
        }
        writer.push(WriteOp::create(conversation.to_item())).await;
        for op in views::view_writes(None, Some(&conversation)) {
            writer.push(op).await;
        }
        for message in &messages {
            writer.push(WriteOp::create(message.to_item())).await;
        }
        if (index + 1) % (scale.conversations / 10).max(1) == 0 {
            eprintln!("seeded {} conversations", index + 1);
        }
    }
    let transactions = writer.finish().await;
    // New conversations continue the sequence.
    api.state()
        .store
        .increment(
            &keys::display_id_counter(account.id),
            "value",
            scale.conversations as i64,
        )
        .await
        .unwrap();
    eprintln!("seed written in {transactions} transactions");
    Seeded {
        account,
        contact: contacts[0].id,
        sample: sample.expect("an open conversation in the agent's inbox"),
    }
}

/// What an operation should cost (the operation's own round trips, auth excluded).
#[derive(Clone, Copy, Default)]
struct Target {
    reads: Option<u64>,
    items: Option<u64>,
    writes: Option<u64>,
}

impl Target {
    const LIST: Target = Target {
        reads: Some(3),
        items: Some(60),
        writes: None,
    };
    const SHOW: Target = Target {
        reads: Some(2),
        items: None,
        writes: None,
    };
    const ONE_TRANSACTION: Target = Target {
        reads: None,
        items: None,
        writes: Some(1),
    };

    fn describe(&self) -> String {
        let parts: Vec<String> = [
            self.reads.map(|n| format!("≤ {n} reads")),
            self.items.map(|n| format!("≤ {n} items")),
            self.writes.map(|n| format!("{n} transaction")),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(", ")
    }

    fn met_by(&self, own: &RoundTrips) -> bool {
        self.reads.is_none_or(|n| own.reads <= n)
            && self.items.is_none_or(|n| own.items_read <= n)
            && self.writes.is_none_or(|n| own.writes == n)
    }
}

/// One measured request, made `iterations` times as `caller`.
struct Operation {
    name: String,
    caller: &'static str,
    token: String,
    method: Method,
    path: String,
    body: Value,
    target: Target,
}

/// The most each count reached over the iterations (auth excluded), and the latencies.
struct Measured {
    own: RoundTrips,
    /// Request units of the whole request, auth included (DynamoDB only).
    units: MostUnits,
    latencies: Vec<Duration>,
}

async fn measure(
    api: &TestApi,
    counter: &CountingStore,
    operation: &Operation,
    iterations: usize,
) -> Measured {
    let mut own = RoundTrips::default();
    let mut units = MostUnits::default();
    let mut latencies = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let mut request = api
            .request(operation.method.clone(), &operation.path)
            .token(&operation.token);
        if !operation.body.is_null() {
            request = request.json(operation.body.clone());
        }
        counter.take();
        let before = MostUnits::before(counter);
        let started = Instant::now();
        let response = request.send().await;
        latencies.push(started.elapsed());
        let counted = counter.take();
        units.after(counter, before);
        assert_eq!(
            response.status, 200,
            "{}: {}",
            operation.name, response.body
        );
        own.reads = own.reads.max(counted.reads.saturating_sub(AUTH_READS));
        own.items_read = own
            .items_read
            .max(counted.items_read.saturating_sub(AUTH_ITEMS));
        own.writes = own.writes.max(counted.writes);
    }
    latencies.sort();
    Measured {
        own,
        units,
        latencies,
    }
}

/// The requests measured, reads first (writes change the sample conversation).
fn operations(seeded: &Seeded) -> Vec<Operation> {
    let account = &seeded.account;
    let conversations = format!("{}/conversations", account.path());
    let sample = format!("{conversations}/{}", seeded.sample.display_id);
    let as_caller = |caller: &Member| {
        let role = if caller.id == account.admin.id {
            "administrator"
        } else {
            "agent"
        };
        (role, caller.token.clone())
    };
    let get = |name: &str, caller: &Member, path: String, target: Target| {
        let (caller, token) = as_caller(caller);
        Operation {
            name: name.to_owned(),
            caller,
            token,
            method: Method::GET,
            path,
            body: Value::Null,
            target,
        }
    };
    let post = |name: &str, caller: &Member, path: String, body: Value, target: Target| {
        let (caller, token) = as_caller(caller);
        Operation {
            name: name.to_owned(),
            caller,
            token,
            method: Method::POST,
            path,
            body,
            target,
        }
    };
    let (admin, agent) = (&account.admin, &account.agent);
    let list = |query: &str| format!("{conversations}{query}");
    let messages = format!("{sample}/messages");
    let reply = json!({"content": "Thanks, we are looking into it.", "message_type": "outgoing"});
    let mut operations = Vec::new();
    for caller in [admin, agent] {
        operations.push(get("GET /conversations", caller, list(""), Target::LIST));
    }
    operations.extend([
        get(
            "GET /conversations?status=all",
            admin,
            list("?status=all"),
            Target::default(),
        ),
        get(
            "GET /conversations?assignee_type=me",
            agent,
            list("?assignee_type=me"),
            Target::default(),
        ),
        get(
            "GET /conversations?page=10",
            admin,
            list("?page=10"),
            Target::default(),
        ),
    ]);
    for caller in [admin, agent] {
        operations.push(get(
            "GET /conversations/meta",
            caller,
            list("/meta"),
            Target::LIST,
        ));
    }
    for caller in [admin, agent] {
        operations.push(get(
            "GET /conversations/{id}",
            caller,
            sample.clone(),
            Target::SHOW,
        ));
    }
    for caller in [admin, agent] {
        operations.push(get(
            "GET /conversations/{id}/messages",
            caller,
            messages.clone(),
            Target::default(),
        ));
    }
    operations.push(get(
        "GET /conversations/{id}/messages?before={id}",
        admin,
        format!("{messages}?before={}", seeded.sample.newest_message_id),
        Target::default(),
    ));
    for caller in [admin, agent] {
        operations.push(post(
            "POST /conversations/{id}/messages",
            caller,
            messages.clone(),
            reply.clone(),
            Target::ONE_TRANSACTION,
        ));
    }
    operations.push(post(
        "POST /conversations",
        admin,
        list(""),
        json!({"inbox_id": account.inboxes[0].id, "contact_id": seeded.contact}),
        Target::default(),
    ));
    operations
}

#[tokio::main]
async fn main() {
    let aws = api_tests::aws_requested("BENCH_STORAGE");
    let scale = Scale::from_env(aws);
    let repeats = repeats(aws);
    let (api, counter) = counted_api(aws, |_| {}).await;
    let storage = if aws { "DynamoDB" } else { "embedded store" };

    let seeding = Instant::now();
    let seeded = seed(&api, &scale).await;
    println!(
        "Seeded {} conversations, {} messages and {} contacts ({storage}) in {:.1} s\n",
        scale.conversations,
        scale.messages,
        scale.contacts,
        seeding.elapsed().as_secs_f64()
    );

    let measuring = Instant::now();
    println!(
        "Conversations at scale ({storage}; {} requests per read, {} per write; auth = \
         {AUTH_READS} reads, {AUTH_ITEMS} items, not included in reads and items)\n",
        repeats.read, repeats.write
    );
    println!(
        "| operation | as | reads | items | writes | RRU | WRU | p50 (ms) | p99 (ms) | target | met |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    for operation in operations(&seeded) {
        let Measured {
            own,
            units,
            latencies,
        } = measure(&api, &counter, &operation, repeats.of(&operation.method)).await;
        let [rru, wru] = units.cells();
        let target = operation.target.describe();
        let met = match (target.is_empty(), operation.target.met_by(&own)) {
            (true, _) => "",
            (false, true) => "yes",
            (false, false) => "**no**",
        };
        println!(
            "| {} | {} | {} | {} | {} | {rru} | {wru} | {:.2} | {:.2} | {target} | {met} |",
            operation.name,
            operation.caller,
            own.reads,
            own.items_read,
            own.writes,
            percentile_ms(&latencies, 0.50),
            percentile_ms(&latencies, 0.99),
        );
    }
    println!(
        "\nreads, items and writes are the most one request took; writes are conditional writes, \
         increments or transactions. RRU and WRU are the read and write request units DynamoDB \
         reported for the whole request, auth included (the most one request took; none on \
         the embedded store). Measured in {:.1} s.",
        measuring.elapsed().as_secs_f64()
    );
}
