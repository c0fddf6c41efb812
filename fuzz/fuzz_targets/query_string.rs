//! Query strings and form bodies: `a[b][]=1` bracket expansion, repeated and clashing keys.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::http::Params;

fuzz_target!(|data: &[u8]| {
    chatwoot_fuzz::exercise(&Params::from_urlencoded(data));
});
