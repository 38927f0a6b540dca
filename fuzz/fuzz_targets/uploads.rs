//! Uploads: file names from multipart field headers are cleaned into something safe to show
//! and to put in `Content-Disposition`; any content is sniffed, scanned and hashed without a
//! panic, and only the kept types pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::config::Settings;
use storedesk::tickets::attachments::{check_upload, clean_file_name};

fuzz_target!(|input: (&str, &[u8])| {
    let (name, content) = input;
    let cleaned = clean_file_name(name);
    assert!(!cleaned.is_empty() && cleaned.chars().count() <= 255);
    assert!(!cleaned.contains(['/', '\\', '"', '<', '>']), "{cleaned:?}");
    assert!(!cleaned.chars().any(char::is_control), "{cleaned:?}");
    let settings = Settings::default();
    if let Ok(upload) = check_upload(&settings, name, bytes::Bytes::copy_from_slice(content)) {
        assert_eq!(upload.sha256.len(), 64);
        assert!(!upload.bytes.is_empty());
    }
});
