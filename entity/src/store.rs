//! `stores`: a seller owns exactly one.

use sea_orm::entity::prelude::*;

/// One store row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stores")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The seller's account; unique, so a seller owns one store.
    #[sea_orm(unique)]
    pub owner_id: Uuid,
    /// Store name shown to buyers; unique.
    #[sea_orm(unique)]
    pub name: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// Relations of a store.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning seller.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::OwnerId",
        to = "super::account::Column::Id"
    )]
    Owner,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
