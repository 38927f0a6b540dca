//! `audit_events`: append-only record of security-relevant and business changes.

use sea_orm::entity::prelude::*;

/// One audit event row. Rows are only ever inserted.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    /// UUIDv7, so the id orders events in time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who did it; `None` for anonymous callers and the system.
    pub actor_id: Option<Uuid>,
    /// Dotted action name such as `auth.login_failed`.
    pub action: String,
    /// Kind of the object acted on (`account`, `session`, ...).
    pub target_type: Option<String>,
    /// Id of the object acted on.
    pub target_id: Option<Uuid>,
    /// Client IP.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Action-specific details (before/after states, reasons).
    pub details: Json,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// Audit events have no navigable relations; targets are of many kinds.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
