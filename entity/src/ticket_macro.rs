//! `macros`: canned replies agents insert into tickets, with placeholders.

use sea_orm::entity::prelude::*;

use crate::ticket::TicketCategory;

/// One macro.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "macros")]
pub struct Model {
    /// UUIDv7 (the starter set has fixed ids).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Title agents pick it by.
    pub title: String,
    /// Text with `{{placeholders}}`.
    pub body: String,
    /// The category it suits, if any.
    pub category: Option<TicketCategory>,
    /// The agent who wrote it (none for the starter set).
    pub created_by: Option<Uuid>,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
