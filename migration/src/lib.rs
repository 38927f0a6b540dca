//! Schema migrations of storedesk.
//!
//! Migrations are written with sea-query builders where they can be, and in SQL both engines
//! share where they cannot (partial indexes, SQLite's table rewrites), so the same files run
//! on SQLite and PostgreSQL. Names follow `mYYYYMMDD_HHMMSS_what`.

pub use sea_orm_migration::prelude::*;

mod columns;

mod m20261122_000001_accounts;
mod m20261122_000002_commerce;
mod m20261122_000003_tickets;
mod m20261122_000004_macros;
mod m20261122_000005_agent_availability;
mod m20261122_000006_faq;
mod m20261123_000007_attachments;
mod m20261123_000008_sla_escalation;
mod m20261123_000009_account_tokens;
mod m20261123_000010_csat_index;
mod m20261201_000011_unverified_reports;
mod m20261201_000012_one_pending_payment;
mod m20261202_000013_desk;
mod m20261203_000014_outbox_claims;
mod m20261203_000015_attachment_blobs;
mod m20261206_000016_faq_freshness_index;
mod m20261206_000017_api_names_in_audit_details;
mod m20261207_000018_cache_revisions;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_commerce::Migration),
            Box::new(m20261122_000003_tickets::Migration),
            Box::new(m20261122_000004_macros::Migration),
            Box::new(m20261122_000005_agent_availability::Migration),
            Box::new(m20261122_000006_faq::Migration),
            Box::new(m20261123_000007_attachments::Migration),
            Box::new(m20261123_000008_sla_escalation::Migration),
            Box::new(m20261123_000009_account_tokens::Migration),
            Box::new(m20261123_000010_csat_index::Migration),
            Box::new(m20261201_000011_unverified_reports::Migration),
            Box::new(m20261201_000012_one_pending_payment::Migration),
            Box::new(m20261202_000013_desk::Migration),
            Box::new(m20261203_000014_outbox_claims::Migration),
            Box::new(m20261203_000015_attachment_blobs::Migration),
            Box::new(m20261206_000016_faq_freshness_index::Migration),
            Box::new(m20261206_000017_api_names_in_audit_details::Migration),
            Box::new(m20261207_000018_cache_revisions::Migration),
        ]
    }
}
