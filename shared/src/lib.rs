//! The crate every Lambda function shares: storage and blob ports with their adapters,
//! the HTTP layer, authentication, the domain model and services, and Chatwoot's JSON views.

pub mod auth;
pub mod blob;
pub mod clock;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
pub mod keys;
pub mod model;
pub mod outbox;
pub mod runtime;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod views;

pub use error::{AppError, AppResult};
pub use state::AppState;
