//! Chatwoot's inbox JSON (`api/v1/models/_inbox.json.jbuilder`) and the agent-bot JSON of
//! `GET /inboxes/{id}/agent_bot`.

use crate::model::inbox::{Channel, Inbox};
use crate::model::AgentBot;
use serde_json::{json, Map, Value};

/// Chatwoot's embed snippet for a website inbox (`Channel::WebWidget#web_widget_script`).
pub fn web_widget_script(frontend_url: &str, website_token: &str) -> String {
    format!(
        "\n    <script>\n      (function(d,t) {{\n        var BASE_URL=\"{frontend_url}\";\n        var g=d.createElement(t),s=d.getElementsByTagName(t)[0];\n        g.src=BASE_URL+\"/packs/js/sdk.js\";\n        g.defer = true;\n        g.async = true;\n        s.parentNode.insertBefore(g,s);\n        g.onload=function(){{\n          window.chatwootSDK.run({{\n            websiteToken: '{website_token}',\n            baseUrl: BASE_URL\n          }})\n        }}\n      }})(document,\"script\");\n    </script>\n    "
    )
}

/// The inbox JSON. Keys follow Chatwoot's order; the website-widget and Twilio keys are
/// present (null) for every channel, as Chatwoot reads them with `try`. `hmac_token` is shown
/// to administrators only.
pub fn inbox(inbox: &Inbox, avatar_url: &str, frontend_url: &str, administrator: bool) -> Value {
    let widget = match &inbox.channel {
        Channel::WebWidget(widget) => Some(widget),
        Channel::Api(_) => None,
    };
    let api = match &inbox.channel {
        Channel::Api(api) => Some(api),
        Channel::WebWidget(_) => None,
    };
    let mut map = Map::new();
    map.insert("id".into(), json!(inbox.id));
    map.insert("avatar_url".into(), json!(avatar_url));
    map.insert("channel_id".into(), json!(inbox.channel_id));
    map.insert("name".into(), json!(inbox.name));
    map.insert("channel_type".into(), json!(inbox.channel.channel_type()));
    map.insert("greeting_enabled".into(), json!(inbox.greeting_enabled));
    map.insert("greeting_message".into(), json!(inbox.greeting_message));
    map.insert(
        "working_hours_enabled".into(),
        json!(inbox.working_hours_enabled),
    );
    map.insert(
        "enable_email_collect".into(),
        json!(inbox.enable_email_collect),
    );
    map.insert(
        "csat_survey_enabled".into(),
        json!(inbox.csat_survey_enabled),
    );
    map.insert("csat_config".into(), json!(inbox.csat_config));
    map.insert(
        "enable_auto_assignment".into(),
        json!(inbox.enable_auto_assignment),
    );
    map.insert(
        "auto_assignment_config".into(),
        json!(inbox.auto_assignment_config),
    );
    map.insert(
        "out_of_office_message".into(),
        json!(inbox.out_of_office_message),
    );
    map.insert("working_hours".into(), json!(inbox.working_hours));
    map.insert("timezone".into(), json!(inbox.timezone));
    map.insert("callback_webhook_url".into(), Value::Null);
    map.insert(
        "allow_messages_after_resolved".into(),
        json!(inbox.allow_messages_after_resolved),
    );
    map.insert(
        "lock_to_single_conversation".into(),
        json!(inbox.lock_to_single_conversation),
    );
    map.insert("sender_name_type".into(), json!(inbox.sender_name_type));
    map.insert("business_name".into(), json!(inbox.business_name));
    // Web-widget attributes, null for other channels.
    map.insert(
        "allowed_domains".into(),
        json!(widget.map(|w| &w.allowed_domains)),
    );
    map.insert(
        "widget_color".into(),
        json!(widget.map(|w| &w.widget_color)),
    );
    map.insert("website_url".into(), json!(widget.map(|w| &w.website_url)));
    map.insert(
        "hmac_mandatory".into(),
        json!(inbox.channel.hmac_mandatory()),
    );
    map.insert(
        "welcome_title".into(),
        json!(widget.and_then(|w| w.welcome_title.as_ref())),
    );
    map.insert(
        "welcome_tagline".into(),
        json!(widget.and_then(|w| w.welcome_tagline.as_ref())),
    );
    map.insert(
        "web_widget_script".into(),
        json!(widget.map(|w| web_widget_script(frontend_url, &w.website_token))),
    );
    map.insert(
        "website_token".into(),
        json!(widget.map(|w| &w.website_token)),
    );
    map.insert(
        "selected_feature_flags".into(),
        json!(widget.map(|w| &w.feature_flags)),
    );
    map.insert("reply_time".into(), json!(widget.map(|w| &w.reply_time)));
    if let Some(widget) = widget {
        if administrator {
            map.insert("hmac_token".into(), json!(widget.hmac_token));
        }
        map.insert(
            "pre_chat_form_enabled".into(),
            json!(widget.pre_chat_form_enabled),
        );
        map.insert(
            "pre_chat_form_options".into(),
            json!(widget.pre_chat_form_options),
        );
        map.insert(
            "continuity_via_email".into(),
            json!(widget.continuity_via_email),
        );
    }
    // Twilio attributes, null for these channels.
    map.insert("messaging_service_sid".into(), Value::Null);
    map.insert("phone_number".into(), Value::Null);
    if let Some(api) = api {
        if administrator {
            map.insert("hmac_token".into(), json!(api.hmac_token));
        }
        map.insert("webhook_url".into(), json!(api.webhook_url));
        map.insert("inbox_identifier".into(), json!(api.identifier));
        map.insert(
            "additional_attributes".into(),
            json!(api.additional_attributes),
        );
    }
    map.insert("provider".into(), Value::Null);
    Value::Object(map)
}

/// The agent-bot JSON of `GET /inboxes/{id}/agent_bot`; the bot's token only when the bot
/// belongs to the account asking.
pub fn inbox_agent_bot(bot: &AgentBot, thumbnail: &str, account_id: i64) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(bot.id));
    map.insert("name".into(), json!(bot.name));
    map.insert("description".into(), json!(bot.description));
    map.insert("thumbnail".into(), json!(thumbnail));
    map.insert("outgoing_url".into(), json!(bot.outgoing_url));
    map.insert("bot_type".into(), json!(bot.bot_type));
    map.insert("bot_config".into(), json!(bot.bot_config));
    map.insert("account_id".into(), json!(bot.account_id));
    if bot.account_id == Some(account_id) {
        map.insert("access_token".into(), json!(bot.access_token));
    }
    map.insert("system_bot".into(), json!(bot.account_id.is_none()));
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_script_names_the_token_and_the_frontend() {
        let script = web_widget_script("https://chat.example", "tok123");
        assert!(script.contains("var BASE_URL=\"https://chat.example\";"));
        assert!(script.contains("websiteToken: 'tok123',"));
        assert!(script.contains("g.src=BASE_URL+\"/packs/js/sdk.js\";"));
        assert!(script.trim_start().starts_with("<script>"));
    }
}
