//! Chatwoot's campaign JSON (`api/v1/models/_campaign.json.jbuilder`): the inbox nested as
//! the inbox JSON, the sender as the agent JSON (`{}` without one), `scheduled_at` (epoch
//! seconds) and `audience` for one-off campaigns only, times in ISO-8601.

use crate::clock::iso_millis;
use crate::model::campaign::{Campaign, CampaignType};
use serde_json::{json, Map, Value};

/// `inbox` and `sender` are the nested inbox and agent JSON, rendered by the caller (they
/// need signed avatar URLs).
pub fn campaign(campaign: &Campaign, inbox: Value, sender: Option<Value>) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(campaign.display_id));
    map.insert("title".into(), json!(campaign.title));
    map.insert("description".into(), json!(campaign.description));
    map.insert("account_id".into(), json!(campaign.account_id));
    map.insert("inbox".into(), inbox);
    map.insert("sender".into(), sender.unwrap_or_else(|| json!({})));
    map.insert("message".into(), json!(campaign.message));
    map.insert("template_params".into(), json!(campaign.template_params));
    map.insert(
        "campaign_status".into(),
        json!(campaign.campaign_status.as_str()),
    );
    map.insert("enabled".into(), json!(campaign.enabled));
    map.insert(
        "campaign_type".into(),
        json!(campaign.campaign_type.as_str()),
    );
    if campaign.campaign_type == CampaignType::OneOff {
        let seconds = campaign.scheduled_at_ms.map_or(0, |ms| ms.div_euclid(1000));
        map.insert("scheduled_at".into(), json!(seconds));
        map.insert("audience".into(), json!(campaign.audience));
    }
    map.insert("trigger_rules".into(), json!(campaign.trigger_rules));
    map.insert(
        "trigger_only_during_business_hours".into(),
        json!(campaign.trigger_only_during_business_hours),
    );
    map.insert(
        "created_at".into(),
        json!(iso_millis(campaign.created_at_ms)),
    );
    map.insert(
        "updated_at".into(),
        json!(iso_millis(campaign.updated_at_ms)),
    );
    Value::Object(map)
}
