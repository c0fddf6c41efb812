//! The Chatwoot filter language (`POST /conversations/filter`, `POST /contacts/filter`).
