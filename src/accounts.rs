//! Accounts, sign-in, sessions and tokens.

pub mod compromise;
pub mod passwords;
pub mod recovery;
pub mod schema;
pub mod security;
pub mod service;
pub mod throttle;
pub mod tokens;
pub mod types;
pub mod validation;
