//! Platform apps and the "permissible" rule: an app sees only the objects it created.

use super::create_with_fresh_id;
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::{
    epoch_ms, AccessToken, OwnerType, Permissible, PermissibleKind, PlatformApp, Record,
};
use crate::state::AppState;
use crate::store::{Index, Key, Query, SortKey, WriteOp, MAX_BATCH_GET};

impl PermissibleKind {
    /// The key of the object a permissible points at.
    pub fn object_key(self, id: i64) -> Key {
        match self {
            PermissibleKind::Account => keys::account(id),
            PermissibleKind::User => keys::user(id),
            PermissibleKind::AgentBot => keys::agent_bot(id),
        }
    }
}

/// Creates a platform app (Chatwoot does this in its super-admin console), with the given
/// token or a fresh one.
pub async fn create_app(
    state: &AppState,
    name: &str,
    token: Option<&str>,
) -> AppResult<PlatformApp> {
    let now = epoch_ms(state.clock.now());
    let token = token
        .map(str::to_owned)
        .unwrap_or_else(crate::ids::access_token);
    let app = create_with_fresh_id(state, |id| {
        let app = PlatformApp {
            id,
            name: name.to_owned(),
            access_token: token.clone(),
            created_at_ms: now,
        };
        let access = AccessToken {
            token: token.clone(),
            owner_type: OwnerType::PlatformApp,
            owner_id: id,
        };
        let ops = vec![
            WriteOp::create(app.to_item()),
            WriteOp::create(access.to_item()),
        ];
        (app, ops)
    })
    .await;
    match app {
        Ok(app) => Ok(app),
        Err(crate::store::StoreError::ConditionFailed { op: 1 }) => {
            Err(AppError::Unprocessable("token is already in use".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes sure a platform app owns `token`: creates one if the token is unknown. Idempotent,
/// for `PLATFORM_APP_TOKEN` at start-up.
pub async fn ensure_app_with_token(state: &AppState, token: &str, name: &str) -> AppResult<i64> {
    if let Some(item) = state.store.get(&keys::access_token(token)).await? {
        let existing = AccessToken::from_item(item)?;
        return match existing.owner_type {
            OwnerType::PlatformApp => Ok(existing.owner_id),
            _ => Err(AppError::Unprocessable(
                "PLATFORM_APP_TOKEN belongs to a user or bot".into(),
            )),
        };
    }
    Ok(create_app(state, name, Some(token)).await?.id)
}

/// The write that grants `app_id` the object (idempotent).
pub fn permit(app_id: i64, kind: PermissibleKind, object_id: i64) -> WriteOp {
    WriteOp::put(
        Permissible {
            app_id,
            kind,
            object_id,
        }
        .to_item(),
    )
}

/// Loads an object the app may see: one batch read of the object and the app's right to it.
/// Unknown id → 404; another app's object → 401 "Non permissible resource".
pub async fn load_permitted<R: Record>(
    state: &AppState,
    app_id: i64,
    kind: PermissibleKind,
    id: i64,
) -> AppResult<R> {
    let permission = keys::permissible(app_id, kind.partition(), id);
    let mut found = state
        .store
        .get_many(&[kind.object_key(id), permission])
        .await?
        .into_iter();
    let object = found.next().flatten().ok_or(AppError::NotFound)?;
    found.next().flatten().ok_or(AppError::NonPermissible)?;
    Ok(R::from_item(object)?)
}

/// Every object of a kind the app created: the app's index partition, then batch reads.
/// Objects deleted since are skipped.
pub async fn list_permitted<R: Record>(
    state: &AppState,
    app_id: i64,
    kind: PermissibleKind,
) -> AppResult<Vec<R>> {
    let index = Query {
        index: Index::Gsi1,
        pk: keys::permissible_index_partition(app_id, kind.partition()),
        sk: SortKey::All,
        forward: true,
        limit: None,
        cursor: None,
    };
    let rights: Vec<Permissible> = super::query_records(state, index).await?;
    let ids: Vec<i64> = rights.iter().map(|p| p.object_id).collect();
    let mut objects = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_BATCH_GET) {
        let keys: Vec<Key> = chunk.iter().map(|id| kind.object_key(*id)).collect();
        for item in state.store.get_many(&keys).await?.into_iter().flatten() {
            objects.push(R::from_item(item)?);
        }
    }
    Ok(objects)
}
