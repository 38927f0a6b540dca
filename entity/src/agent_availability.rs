//! `agent_availability`: agents who take new tickets by round robin, with their caps.

use sea_orm::entity::prelude::*;

/// One agent's setting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agent_availability")]
pub struct Model {
    /// The agent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// Takes new tickets automatically.
    pub available: bool,
    /// Most OPEN or PENDING tickets the agent holds before being skipped.
    pub max_open_tickets: i32,
    /// When the agent last got a ticket automatically (round-robin order).
    pub last_assigned_at: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
