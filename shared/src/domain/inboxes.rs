//! Inboxes: to be filled in by the inboxes area.
