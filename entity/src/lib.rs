//! sea-orm entities of storedesk.
//!
//! Tables only: no GraphQL derives and no business rules live here, so the API can
//! evolve independently of the storage shape.

pub mod account;
pub mod audit_event;
pub mod login_throttle;
pub mod refresh_token;
pub mod session;
pub mod store;
