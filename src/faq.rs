//! The help center's FAQ (자주 묻는 질문): entries by category, audience and locale, ordered
//! by position, with view counts and one helpful vote per account or anonymous client.
//! Search ranks entries with BM25 over Korean bigrams and English words ([`index`]).

pub mod index;
pub mod schema;
pub mod service;
pub mod types;
