//! Canned responses: saved replies every member of the account may manage. Short codes are
//! unique per account (exactly, as Chatwoot's case-sensitive uniqueness check): each is
//! claimed by an item created conditionally in the same transaction as the record.

use super::validate::{self, STRING_COLUMN, TEXT_COLUMN};
use super::{create_with_fresh_id, query_all, retrying, save_claiming, store_conflict};
use crate::error::{AppError, AppResult, ValidationErrors};
use crate::keys::canned_responses as keys;
use crate::model::canned_response::{CannedResponse, ShortCodeClaim};
use crate::model::{epoch_ms, Record};
use crate::state::AppState;
use crate::store::{Condition, StoreError, WriteOp};

/// What a member may set; `None` leaves a field as it is, `Some(None)` clears it (which
/// fails the presence check).
#[derive(Debug, Default, Clone)]
pub struct CannedResponseChanges {
    pub short_code: Option<Option<String>>,
    pub content: Option<Option<String>>,
}

fn apply(canned: &mut CannedResponse, changes: &CannedResponseChanges) -> AppResult<()> {
    if let Some(short_code) = &changes.short_code {
        canned.short_code = short_code.clone().unwrap_or_default();
    }
    if let Some(content) = &changes.content {
        canned.content = content.clone().unwrap_or_default();
    }
    // Chatwoot's order: content presence, short code presence, then the length guard.
    let mut errors = ValidationErrors::new();
    validate::presence(&mut errors, "content", Some(&canned.content));
    validate::presence(&mut errors, "short_code", Some(&canned.short_code));
    validate::max_length(
        &mut errors,
        "short_code",
        Some(&canned.short_code),
        STRING_COLUMN,
    );
    validate::max_length(&mut errors, "content", Some(&canned.content), TEXT_COLUMN);
    errors.into_result()
}

fn short_code_taken() -> AppError {
    ValidationErrors::single("short_code", "has already been taken")
}

fn claim(canned: &CannedResponse) -> WriteOp {
    WriteOp::create(
        ShortCodeClaim {
            account_id: canned.account_id,
            short_code: canned.short_code.clone(),
            canned_response_id: canned.id,
        }
        .to_item(),
    )
}

/// Every canned response of the account, oldest first (Chatwoot's database order).
pub async fn list(state: &AppState, account_id: i64) -> AppResult<Vec<CannedResponse>> {
    let mut all = query_all(
        state,
        crate::store::Query::prefix(
            crate::keys::account_partition(account_id),
            keys::canned_responses_prefix(),
        ),
    )
    .await?
    .into_iter()
    .map(CannedResponse::from_item)
    .collect::<Result<Vec<_>, _>>()?;
    all.sort_by_key(|c| c.id);
    Ok(all)
}

/// How well a canned response matches a search, Chatwoot's way: the short code starts with
/// it (1.0), contains it (0.5), or the content contains it (0.2), case-insensitively; `None`
/// when neither contains it.
pub fn search_rank(canned: &CannedResponse, search_lowercase: &str) -> Option<f32> {
    let short_code = canned.short_code.to_lowercase();
    if short_code.starts_with(search_lowercase) {
        Some(1.0)
    } else if short_code.contains(search_lowercase) {
        Some(0.5)
    } else if canned.content.to_lowercase().contains(search_lowercase) {
        Some(0.2)
    } else {
        None
    }
}

/// The account's canned responses matching `search`, best first (ties oldest first): one
/// query of the account's canned responses, filtered and ranked here.
pub async fn search(
    state: &AppState,
    account_id: i64,
    search: &str,
) -> AppResult<Vec<CannedResponse>> {
    let needle = search.to_lowercase();
    let mut ranked: Vec<(f32, CannedResponse)> = list(state, account_id)
        .await?
        .into_iter()
        .filter_map(|c| search_rank(&c, &needle).map(|rank| (rank, c)))
        .collect();
    // Stable: equal ranks keep the oldest-first order.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(ranked.into_iter().map(|(_, c)| c).collect())
}

pub async fn load(state: &AppState, account_id: i64, id: i64) -> AppResult<CannedResponse> {
    let item = state
        .store
        .get(&keys::canned_response(account_id, id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CannedResponse::from_item(item)?)
}

pub async fn create(
    state: &AppState,
    account_id: i64,
    changes: &CannedResponseChanges,
) -> AppResult<CannedResponse> {
    let now = epoch_ms(state.clock.now());
    let mut draft = CannedResponse {
        id: 0,
        account_id,
        short_code: String::new(),
        content: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
        version: 0,
    };
    apply(&mut draft, changes)?;
    retrying(store_conflict, || {
        create_with_fresh_id(state, |id| {
            let canned = CannedResponse {
                id,
                ..draft.clone()
            };
            let ops = vec![WriteOp::create(canned.to_item()), claim(&canned)];
            (canned, ops)
        })
    })
    .await
    .map_err(|e| match e {
        StoreError::ConditionFailed { op: 1 } => short_code_taken(),
        other => other.into(),
    })
}

pub async fn update(
    state: &AppState,
    canned: CannedResponse,
    changes: &CannedResponseChanges,
) -> AppResult<CannedResponse> {
    let now = epoch_ms(state.clock.now());
    save_claiming(
        state,
        canned,
        |canned| {
            let old_short_code = canned.short_code.clone();
            apply(canned, changes)?;
            canned.updated_at_ms = now;
            if canned.short_code == old_short_code {
                return Ok(Vec::new());
            }
            Ok(vec![
                claim(canned),
                WriteOp::delete(keys::canned_short_code(canned.account_id, &old_short_code)),
            ])
        },
        |extra| {
            if extra == 0 {
                short_code_taken()
            } else {
                AppError::Unavailable
            }
        },
    )
    .await
}

pub async fn delete(state: &AppState, canned: &CannedResponse) -> AppResult<()> {
    let ops = vec![
        WriteOp::Delete {
            key: canned.key(),
            condition: Some(Condition::Exists),
        },
        WriteOp::delete(keys::canned_short_code(
            canned.account_id,
            &canned.short_code,
        )),
    ];
    match retrying(store_conflict, || state.store.write(ops.clone())).await {
        Ok(()) => Ok(()),
        Err(StoreError::ConditionFailed { op: 0 }) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(short_code: &str, content: &str) -> CannedResponse {
        CannedResponse {
            id: 1,
            account_id: 1,
            short_code: short_code.into(),
            content: content.into(),
            created_at_ms: 0,
            updated_at_ms: 0,
            version: 0,
        }
    }

    #[test]
    fn ranks_like_chatwoot() {
        assert_eq!(search_rank(&canned("Welcome", "x"), "wel"), Some(1.0));
        assert_eq!(search_rank(&canned("say-welcome", "x"), "wel"), Some(0.5));
        assert_eq!(
            search_rank(&canned("hi", "Well, WELcome"), "wel"),
            Some(0.2)
        );
        assert_eq!(search_rank(&canned("hi", "there"), "wel"), None);
        assert_eq!(search_rank(&canned("hi", "there"), ""), Some(1.0));
    }

    #[test]
    fn validation_messages() {
        let mut blank = canned("", "");
        let Err(AppError::Validation(errors)) =
            apply(&mut blank, &CannedResponseChanges::default())
        else {
            panic!("blank accepted");
        };
        assert_eq!(
            errors.message(),
            "Content can't be blank, Short code can't be blank"
        );
        assert_eq!(errors.attributes(), ["content", "short_code"]);
    }
}
