//! Agent-bot keys: the bot's partition and its GSI1 entry (its account's list, or the
//! system bots').

use super::{ACCOUNT, BOT};

/// GSI1 partition of the bots an account owns (`GET /api/v1/accounts/{id}/agent_bots`).
pub fn account_bots_index_partition(account_id: i64) -> String {
    format!("{ACCOUNT}#{account_id}#BOTS")
}

/// GSI1 partition of the system bots (no account), listed for every account.
pub const SYSTEM_BOTS: &str = "SYSTEM_BOTS";

/// A bot's GSI1 key pair: its account's bot list, or the system bots', ordered by id.
pub fn agent_bot_index(account_id: Option<i64>, bot_id: i64) -> (String, String) {
    let partition = match account_id {
        Some(account_id) => account_bots_index_partition(account_id),
        None => SYSTEM_BOTS.to_owned(),
    };
    (partition, format!("{bot_id:016}"))
}

/// The bot's partition: the bot and the platform apps' rights to it.
pub fn agent_bot_partition(bot_id: i64) -> String {
    format!("{BOT}#{bot_id}")
}
