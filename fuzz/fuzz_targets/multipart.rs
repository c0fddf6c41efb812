//! Multipart bodies (field names with brackets, files, arrays of files).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let content_type = Some("multipart/form-data; boundary=fuzz");
    if let Some(params) = chatwoot_fuzz::parse_request(content_type, "", body) {
        chatwoot_fuzz::exercise(&params);
        let _ = params.files_of("attachments");
        let _ = params.file("avatar");
    }
});
