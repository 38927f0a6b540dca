//! The Hangul/CJK bigram and Latin word analyzer: never panics, every token's offsets lie on
//! character boundaries of the text, and the query terms are non-empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::search::{analyze, terms, words};

fuzz_target!(|text: &str| {
    for token in analyze(text) {
        assert!(token.offset_from <= token.offset_to && token.offset_to <= text.len());
        assert!(text.is_char_boundary(token.offset_from) && text.is_char_boundary(token.offset_to));
        assert!(!token.text.is_empty());
    }
    assert!(terms(text).iter().all(|term| !term.is_empty()));
    let _ = words(text);
});
