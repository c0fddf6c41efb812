//! Reports: Chatwoot's reporting facts, folded from outbox events into write-time
//! aggregates ([`fold`]), and every report read back from those aggregates ([`queries`],
//! [`live`], [`listing`]). The cost of a report grows with the buckets asked for, never with
//! the history behind them (docs/reports.md).

pub mod aggregates;
pub mod business_hours;
pub mod facts;
pub mod fold;
pub mod listing;
pub mod live;
pub mod queries;
pub mod range;

pub use fold::fold;
