//! Macro placeholders (`{{order.number}}`): parsing any body never panics, and every name it
//! reports is text of the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::tickets::macros::placeholders;

fuzz_target!(|body: &str| {
    if let Ok(names) = placeholders(body) {
        for name in names {
            assert!(body.contains(name), "{name:?} not in {body:?}");
        }
    }
});
