//! Page cursors: the last key of a page, made opaque. Both adapters emit and accept the same
//! form (DynamoDB's `LastEvaluatedKey` attributes), so a cursor means the same thing anywhere.

use super::{Item, StoreError, GSI1PK, GSI1SK, PK, SK};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorKey {
    pub pk: String,
    pub sk: String,
    /// Present for index queries.
    pub gsi: Option<(String, String)>,
}

pub fn encode(key: &CursorKey) -> String {
    let mut map = Item::new();
    map.insert(PK.into(), key.pk.clone().into());
    map.insert(SK.into(), key.sk.clone().into());
    if let Some((gpk, gsk)) = &key.gsi {
        map.insert(GSI1PK.into(), gpk.clone().into());
        map.insert(GSI1SK.into(), gsk.clone().into());
    }
    URL_SAFE_NO_PAD.encode(serde_json::Value::Object(map).to_string())
}

pub fn decode(cursor: &str) -> Result<CursorKey, StoreError> {
    let invalid = || StoreError::Invalid("malformed page cursor".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let map: Item = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let text = |name: &str| map.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let gsi = match (text(GSI1PK), text(GSI1SK)) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Ok(CursorKey {
        pk: text(PK).ok_or_else(invalid)?,
        sk: text(SK).ok_or_else(invalid)?,
        gsi,
    })
}

/// The cursor key of a stored item, for the index a query ran on.
pub fn key_of(item: &Item, on_index: bool) -> Option<CursorKey> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let gsi = if on_index {
        Some((text(GSI1PK)?, text(GSI1SK)?))
    } else {
        None
    };
    Some(CursorKey {
        pk: text(PK)?,
        sk: text(SK)?,
        gsi,
    })
}
