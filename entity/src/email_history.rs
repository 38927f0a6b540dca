//! `email_history`: the addresses an account gave up, and when, so a report made with the
//! address an attacker replaced still finds the account.

use sea_orm::entity::prelude::*;

/// One address an account had until `changed_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_history")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose address it was.
    pub account_id: Uuid,
    /// The normalised address it had.
    pub email: String,
    /// When it stopped being the sign-in email.
    pub changed_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
