//! Refund idempotency keys: any input is accepted or refused cleanly; what is accepted is
//! trimmed printable ASCII of at most 200 characters and accepted again as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::refunds::service::check_key;

fuzz_target!(|key: &str| {
    if let Ok(checked) = check_key(key) {
        assert!(!checked.is_empty() && checked.len() <= 200);
        assert!(checked.chars().all(|c| c.is_ascii_graphic()));
        assert_eq!(check_key(&checked).ok(), Some(checked));
    }
});
