//! Email and phone normalisation: never panics, and what it accepts is already normal
//! (normalising again changes nothing) and safe to store (no whitespace or control
//! characters, within the length limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::accounts::validation::{normalize_email, normalize_phone};

fuzz_target!(|input: &str| {
    if let Ok(email) = normalize_email("email", input) {
        assert_eq!(
            normalize_email("email", &email).ok().as_deref(),
            Some(email.as_str())
        );
        assert!(
            !email.chars().any(|c| c.is_whitespace() || c.is_control()),
            "{email:?}"
        );
        assert!(email.len() <= 254 && email.contains('@'), "{email:?}");
        assert_eq!(email, email.to_lowercase());
    }
    if let Ok(Some(phone)) = normalize_phone("phone", Some(input)) {
        assert_eq!(
            normalize_phone("phone", Some(&phone))
                .ok()
                .flatten()
                .as_deref(),
            Some(phone.as_str())
        );
        assert!(!phone.chars().any(char::is_control), "{phone:?}");
    }
});
