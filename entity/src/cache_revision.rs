//! `cache_revisions`: a counter per cache of the database that instances keep in memory,
//! bumped in the transaction of every change to what it caches.

use sea_orm::entity::prelude::*;

/// The revision of one cached set of rows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cache_revisions")]
pub struct Model {
    /// Which cache (`faq`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Grows by one with every committed change to the cached rows.
    pub revision: i64,
}

/// Relations (none).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
