//! `ticket_messages`: public replies and internal notes of a ticket.

use sea_orm::entity::prelude::*;

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum MessageOrigin {
    /// Written by `author_id`.
    #[sea_orm(string_value = "ACCOUNT")]
    Account,
    /// Written by storedesk itself (e.g. the security events attached to a report).
    #[sea_orm(string_value = "SYSTEM")]
    System,
    /// A compromise report from someone who was not signed in: nobody we know wrote it, and
    /// nothing it says is verified.
    #[sea_orm(string_value = "UNVERIFIED_REPORT")]
    UnverifiedReport,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_messages")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The ticket.
    pub ticket_id: Uuid,
    /// Who wrote it; none for messages of the system and unverified reports.
    pub author_id: Option<Uuid>,
    /// Text.
    pub body: String,
    /// An internal note: agents only, never shown to the customer.
    pub internal: bool,
    /// When.
    pub created_at: DateTimeUtc,
    /// Who or what wrote it.
    pub origin: MessageOrigin,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
