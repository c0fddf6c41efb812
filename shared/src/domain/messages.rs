//! Messages of a conversation.
