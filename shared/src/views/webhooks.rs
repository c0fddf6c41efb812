//! Chatwoot's webhook JSON (`_webhook.json.jbuilder`), with the per-webhook `secret` newer
//! Chatwoot shows administrators (the only ones who reach these endpoints).

use crate::domain::webhooks::ShownWebhook;
use serde_json::{json, Map, Value};

pub fn webhook(shown: &ShownWebhook) -> Value {
    let webhook = &shown.webhook;
    let mut map = Map::new();
    map.insert("id".into(), json!(webhook.id));
    map.insert("name".into(), json!(webhook.name));
    map.insert("url".into(), json!(webhook.url));
    map.insert("account_id".into(), json!(webhook.account_id));
    map.insert("subscriptions".into(), json!(webhook.subscriptions));
    if let Some(inbox) = &shown.inbox {
        map.insert("inbox".into(), json!({"id": inbox.id, "name": inbox.name}));
    }
    map.insert("secret".into(), json!(webhook.secret));
    Value::Object(map)
}
