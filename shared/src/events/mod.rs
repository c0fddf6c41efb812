//! Consuming the outbox: what each event record turns into (webhook deliveries, agent-bot
//! calls, automation runs), shared by the dispatcher function (the table's stream) and the
//! local server (a tail of the embedded store's change log).

pub mod payloads;
