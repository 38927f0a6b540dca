//! `faq_votes`: one helpful/not-helpful vote per entry and voter.

use sea_orm::entity::prelude::*;

/// One vote.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "faq_votes")]
pub struct Model {
    /// The entry.
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_id: Uuid,
    /// `account:<id>`, or a hash of an anonymous client's address and user agent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub voter_key: String,
    /// Helpful or not.
    pub helpful: bool,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
