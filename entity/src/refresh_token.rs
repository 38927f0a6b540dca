//! `refresh_tokens`: every refresh token ever issued for a session, hashed.
//!
//! Consumed tokens are kept (with `used_at`) so that presenting one again is recognised
//! as reuse and revokes the whole session.

use sea_orm::entity::prelude::*;

/// One refresh token row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session it renews.
    pub session_id: Uuid,
    /// Hex SHA-256 of the token; the token itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Issue time.
    pub created_at: DateTimeUtc,
    /// Set atomically when the token is exchanged.
    pub used_at: Option<DateTimeUtc>,
}

/// Relations of a refresh token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The session.
    #[sea_orm(
        belongs_to = "super::session::Entity",
        from = "Column::SessionId",
        to = "super::session::Column::Id"
    )]
    Session,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
