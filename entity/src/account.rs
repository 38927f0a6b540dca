//! `accounts`: everyone who signs in (buyers, sellers, agents, admins).

use sea_orm::entity::prelude::*;

/// What an account may do; see DOMAIN.md "People and roles".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    /// A shopper.
    #[sea_orm(string_value = "BUYER")]
    Buyer,
    /// Owns one store.
    #[sea_orm(string_value = "SELLER")]
    Seller,
    /// Support staff.
    #[sea_orm(string_value = "AGENT")]
    Agent,
    /// Operator.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// Whether the account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountStatus {
    /// Normal.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Locked after a compromise report or by an agent; recovery unlocks it.
    #[sea_orm(string_value = "LOCKED")]
    Locked,
    /// Switched off by an operator.
    #[sea_orm(string_value = "DISABLED")]
    Disabled,
}

/// One account row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Normalised (trimmed, lowercased); unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Display name.
    pub name: String,
    /// Optional phone number for SMS.
    pub phone: Option<String>,
    /// Role.
    pub role: Role,
    /// Status.
    pub status: AccountStatus,
    /// PHC string of an argon2id hash.
    pub password_hash: String,
    /// Preferred language of messages (`ko` or `en`).
    pub locale: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change of the row.
    pub updated_at: DateTimeUtc,
    /// Last successful login.
    pub last_login_at: Option<DateTimeUtc>,
    /// Last password change.
    pub password_changed_at: DateTimeUtc,
}

/// Relations of an account.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The store a seller owns.
    #[sea_orm(has_one = "super::store::Entity")]
    Store,
    /// Sign-in sessions.
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
}

impl Related<super::store::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Store.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
