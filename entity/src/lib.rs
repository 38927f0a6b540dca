//! sea-orm entities of storedesk.
//!
//! Tables only: no GraphQL derives and no business rules live here, so the API can
//! evolve independently of the storage shape.

pub mod account;
pub mod account_token;
pub mod agent_availability;
pub mod audit_event;
pub mod cache_revision;
pub mod cancellation_request;
pub mod email_history;
pub mod faq_entry;
pub mod faq_vote;
pub mod login_throttle;
pub mod order;
pub mod order_item;
pub mod outbox_message;
pub mod payment;
pub mod refresh_token;
pub mod refund;
pub mod session;
pub mod shipment;
pub mod shipment_event;
pub mod store;
pub mod ticket;
pub mod ticket_attachment;
pub mod ticket_macro;
pub mod ticket_message;
pub mod ticket_presence;

/// The one spelling of an enum value outside Rust: the GraphQL enum name (`RESOLVED`), which
/// is also what the column stores. Audit details, error messages and search-index keys use
/// it, so that reports and clients filter on the names the API documents; Rust's `Debug`
/// spelling (`Resolved`) never leaves the process.
pub trait ApiName {
    /// The value's name in the API.
    fn api_name(&self) -> String;
}

impl<T: sea_orm::ActiveEnum<Value = String>> ApiName for T {
    fn api_name(&self) -> String {
        self.to_value()
    }
}
