//! `sessions`: one per sign-in; access tokens name it in `sid`.

use sea_orm::entity::prelude::*;

/// One session row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// UUIDv7; the `sid` claim.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub account_id: Uuid,
    /// Sign-in time.
    pub created_at: DateTimeUtc,
    /// Last refresh; the idle limit counts from here.
    pub last_used_at: DateTimeUtc,
    /// Hard end of the session whatever its use.
    pub absolute_expires_at: DateTimeUtc,
    /// Set once when the session ends early.
    pub revoked_at: Option<DateTimeUtc>,
    /// Why it was revoked (`logout`, `refresh_reuse`, `password_changed`, ...).
    pub revoked_reason: Option<String>,
    /// Client IP at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owner.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id"
    )]
    Account,
    /// Refresh tokens issued for the session.
    #[sea_orm(has_many = "super::refresh_token::Entity")]
    RefreshTokens,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::refresh_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
