//! Deleting an inbox: its own items first (with the `inbox_deleted` event from which its
//! conversations are purged later), then its campaigns (Chatwoot destroys them with it), then
//! its avatar file.

use crate::domain::audit::AuditActor;
use crate::domain::{avatars, campaigns, inboxes};
use crate::error::AppResult;
use crate::model::inbox::Inbox;
use crate::state::AppState;

/// Deletes the inbox ([`inboxes::delete`]), its campaigns and its avatar.
pub async fn delete_inbox(state: &AppState, inbox: &Inbox, actor: &AuditActor) -> AppResult<()> {
    inboxes::delete(state, inbox, actor).await?;
    campaigns::delete_of_inbox(state, inbox).await?;
    avatars::discard(state, inbox.avatar_key.as_deref()).await;
    Ok(())
}
