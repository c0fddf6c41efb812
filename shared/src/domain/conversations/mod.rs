//! Conversations: creation, the views lists are read from, and every state change.
