//! Card-number detection: never panics on any text, finds a test card number wherever it is
//! put, and the validators that rely on it refuse what it finds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::payments::{contains_card_number, reject_card_numbers};

fuzz_target!(|input: &str| {
    let found = contains_card_number(input);
    assert_eq!(reject_card_numbers("text", input).is_err(), found);
    // A full card number surrounded by letters is always found.
    let wrapped = format!("{input} x 4111 1111 1111 1111 x {input}");
    assert!(contains_card_number(&wrapped), "{wrapped:?}");
});
