//! The integration test suite: one binary, the real server on port 0, a fresh database per
//! test. Every test runs on SQLite and on PostgreSQL (`STOREDESK_TEST_POSTGRES_URL`; without it the
//! PostgreSQL variants fail and say why, so a green line always means the test ran).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod helpers;

mod abuse;
mod account_security;
mod accounts;
mod api_fuzz;
mod attachments;
mod audit;
mod browser_sessions;
mod cancellations;
mod cli;
mod client_addresses;
mod collisions;
mod commerce_access;
mod compromise;
mod console;
mod delivery;
mod docs;
mod faq;
mod faq_search;
mod graphql_over_http;
mod hardening;
mod instances;
mod live;
mod migrations;
mod notifications;
mod orders;
mod payments;
mod permissions;
mod presence;
mod privacy;
mod refunds;
mod schema;
mod schema_model;
mod sessions;
mod shop;
mod smtp;
mod sweeps;
mod tickets;
mod timeline;
mod tokens;
mod write_turns;
