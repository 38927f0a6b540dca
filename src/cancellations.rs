//! Cancellation (취소) and return (반품) requests: the buyer asks, the seller decides, agents
//! override; approvals refund.

pub mod schema;
pub mod service;
pub mod types;
