//! Support tickets (문의): opening with the right information, the conversation with internal
//! notes, assignment, SLA clocks and satisfaction.

pub mod attachments;
pub mod contact;
pub mod dashboard;
pub mod live;
pub mod macros;
pub mod parts;
pub mod presence;
pub mod resolution;
pub mod routing;
pub mod schema;
pub mod service;
pub mod sla;
pub mod types;
