//! Orders, payments and shipments: placing and paying, the order state machine, shipping
//! and tracking, and who may see which order.

pub mod dashboard;
pub mod parts;
pub mod schema;
pub mod scope;
pub mod service;
pub mod shipments;
pub mod status;
pub mod timeline;
pub mod types;
