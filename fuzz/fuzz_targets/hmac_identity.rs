//! The Client API's identity proof: any identifier and hash against an inbox that requires
//! the proof and one that does not. A hash is accepted only when it is the identifier's.
#![no_main]
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use sha2::Sha256;
use shared::domain::client::verify_identity;
use shared::model::inbox::Inbox;
use std::sync::LazyLock;

const HMAC_TOKEN: &str = "fuzz-hmac-token";

static INBOXES: LazyLock<[Inbox; 2]> = LazyLock::new(|| [inbox(true), inbox(false)]);

fn inbox(hmac_mandatory: bool) -> Inbox {
    serde_json::from_value(json!({
        "id": 2, "account_id": 1, "channel_id": 3, "name": "Fuzz",
        "channel": {"type": "api", "identifier": "fuzz", "hmac_token": HMAC_TOKEN,
                    "webhook_url": null, "hmac_mandatory": hmac_mandatory,
                    "additional_attributes": {}},
        "avatar_key": null, "greeting_enabled": false, "greeting_message": null,
        "working_hours_enabled": false, "enable_email_collect": false,
        "csat_survey_enabled": false, "csat_config": {}, "enable_auto_assignment": false,
        "auto_assignment_config": {}, "out_of_office_message": null, "working_hours": [],
        "timezone": "UTC", "allow_messages_after_resolved": true,
        "lock_to_single_conversation": false, "sender_name_type": "friendly",
        "business_name": null, "portal_id": null, "agent_bot_id": null,
        "created_at_ms": 0, "updated_at_ms": 0
    }))
    .expect("inbox fixture")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (identifier, hash) = text.split_once('\n').unwrap_or((&text, ""));
    let mut mac = Hmac::<Sha256>::new_from_slice(HMAC_TOKEN.as_bytes()).expect("key");
    mac.update(identifier.as_bytes());
    let genuine = hex::encode(mac.finalize().into_bytes());
    for inbox in INBOXES.iter() {
        let proven = verify_identity(inbox, Some(identifier), Some(hash));
        let hash_given = !hash.trim().is_empty();
        if let Ok(Some(proven)) = &proven {
            assert_eq!(proven, identifier);
            assert!(
                hash.trim().eq_ignore_ascii_case(&genuine),
                "accepted a wrong hash"
            );
        }
        if hash_given || inbox.channel.hmac_mandatory() {
            assert_eq!(
                proven.is_ok(),
                hash.trim().eq_ignore_ascii_case(&genuine),
                "genuine hash refused or wrong one accepted"
            );
        }
        let genuine_accepted = verify_identity(inbox, Some(identifier), Some(&genuine));
        assert!(
            matches!(genuine_accepted, Ok(Some(_))),
            "genuine hash refused"
        );
    }
});
