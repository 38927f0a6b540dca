//! `ticket_presence`: which agents have a ticket open right now, and whether they are
//! typing. Rows are heartbeats: one older than the presence lifetime means the agent left.

use sea_orm::entity::prelude::*;

/// One agent on one ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_presence")]
pub struct Model {
    /// The ticket.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    /// The agent viewing it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// Whether the agent is writing a reply or note.
    pub typing: bool,
    /// The last heartbeat.
    pub seen_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
