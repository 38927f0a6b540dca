//! Refunds (환불): idempotent requests, gateway processing with retries, the never-exceed
//! invariant, and the legal deadline.

pub mod schema;
pub mod service;
pub mod types;
