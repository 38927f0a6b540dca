//! `faq_entries`: help-center questions and answers.

use sea_orm::entity::prelude::*;

use crate::ticket::TicketCategory;

/// Who an entry is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum Audience {
    /// Buyers.
    #[sea_orm(string_value = "BUYER")]
    Buyer,
    /// Sellers.
    #[sea_orm(string_value = "SELLER")]
    Seller,
    /// Everyone.
    #[sea_orm(string_value = "ALL")]
    All,
}

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "faq_entries")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Category (as tickets).
    pub category: TicketCategory,
    /// Audience.
    pub audience: Audience,
    /// Question.
    pub question: String,
    /// Answer.
    pub answer: String,
    /// `ko` or `en`.
    pub locale: String,
    /// Shown to customers.
    pub published: bool,
    /// Order within its category.
    pub position: i32,
    /// Times shown.
    pub view_count: i64,
    /// "Helpful" votes.
    pub helpful_count: i64,
    /// "Not helpful" votes.
    pub not_helpful_count: i64,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
