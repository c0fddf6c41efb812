use super::Record;
use crate::keys;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// An entry of the account's label catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Label {
    pub id: i64,
    pub account_id: i64,
    /// Lower-cased, unique per account through a `LABEL_TITLE#` claim item.
    pub title: String,
    pub description: Option<String>,
    pub color: String,
    pub show_on_sidebar: Option<bool>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(rename = "_v", default)]
    pub version: i64,
}

impl Record for Label {
    const ENTITY: &'static str = "label";

    fn key(&self) -> Key {
        keys::label(self.account_id, self.id)
    }
}

super::versioned!(Label);

/// Claims a label title in an account; creating it conditionally is the uniqueness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabelTitleClaim {
    pub account_id: i64,
    pub title: String,
    pub label_id: i64,
}

impl Record for LabelTitleClaim {
    const ENTITY: &'static str = "label_title";

    fn key(&self) -> Key {
        keys::label_title(self.account_id, &self.title)
    }
}
