//! `login_throttle`: failed-login counters per normalised email and per client IP.

use sea_orm::entity::prelude::*;

/// One counter row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    /// `email:<normalised email>` or `ip:<address>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Failures in the current window.
    pub failures: i32,
    /// Start of the current counting window.
    pub window_started_at: DateTimeUtc,
    /// Logins for this key are refused until then.
    pub locked_until: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
