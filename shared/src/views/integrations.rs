//! Chatwoot's integration app JSON (`_app.json.jbuilder`). No hook is ever stored here (see
//! [`crate::domain::integrations`]), so `hooks` is always empty.

use crate::domain::integrations::AccountApp;
use serde_json::{json, Map, Value};

/// An app as a member sees it; administrators also get every catalogue parameter (keys the
/// app JSON already has keep their place, as in Jbuilder) and the connect `action`/`button`.
pub fn app(shown: &AccountApp, administrator: bool) -> Value {
    let app = shown.app;
    let mut map = Map::new();
    map.insert("id".into(), json!(app.id()));
    map.insert("name".into(), json!(app.name));
    map.insert("description".into(), json!(app.description));
    map.insert("short_description".into(), json!(app.short_description));
    map.insert("enabled".into(), json!(shown.enabled));
    if administrator {
        for (key, value) in &app.params {
            map.insert(key.clone(), value.clone());
        }
        map.insert("action".into(), json!(app.action()));
        map.insert("button".into(), json!(app.action()));
    }
    map.insert("hooks".into(), json!([]));
    Value::Object(map)
}
