//! `order_items`: the lines of an order.

use sea_orm::entity::prelude::*;

/// One order line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Position in the order, from 0.
    pub position: i32,
    /// Product name as sold.
    pub product_name: String,
    /// Quantity, at least 1.
    pub quantity: i32,
    /// Unit price in won.
    pub unit_price: i64,
    /// `quantity × unit_price`.
    pub line_total: i64,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
