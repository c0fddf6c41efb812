//! Chatwoot's webhook bodies for an event record.
