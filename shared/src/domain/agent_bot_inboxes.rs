//! The links between agent bots and the inboxes they answer (`BOT_INBOX#<bot>#<inbox>`,
//! Chatwoot's `agent_bot_inboxes`), read on their own. The inbox services write them with
//! the inbox; authentication only asks whether a bot has one in an account, so this narrow
//! query is a leaf it imports instead of the inbox services.

use crate::error::AppResult;
use crate::keys::{self, inboxes as inbox_keys};
use crate::state::AppState;
use crate::store::Query;

/// Whether the bot is connected to any inbox of the account (how a system bot is authorised
/// in an account): one query of at most one item.
pub async fn bot_attached_to_account(
    state: &AppState,
    account_id: i64,
    bot_id: i64,
) -> AppResult<bool> {
    let mut query = Query::prefix(
        keys::account_partition(account_id),
        inbox_keys::bot_inboxes_prefix(bot_id),
    );
    query.limit = Some(1);
    Ok(!state.store.query(&query).await?.items.is_empty())
}
