//! Page arguments and cursors: any `first`/`after`/`last`/`before` gives a page or a clean
//! error, never a panic; a cursor we made reads back to its id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::graphql::pagination::{PageArgs, encode_cursor};

fuzz_target!(
    |input: (Option<i32>, Option<&str>, Option<i32>, Option<&str>, u128)| {
        let (first, after, last, before, raw) = input;
        let _ = PageArgs::parse(first, after, last, before);
        let id = uuid::Uuid::from_u128(raw);
        let cursor = encode_cursor(id);
        let page = PageArgs::parse(Some(10), Some(&cursor), None, None).expect("our own cursor");
        assert_eq!(page.cursor, Some(id));
    }
);
