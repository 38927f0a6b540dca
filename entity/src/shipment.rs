//! `shipments`: the parcel of an order.

use sea_orm::entity::prelude::*;

/// Carrier status of a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum ShipmentStatus {
    /// Picked up or moving between hubs.
    #[sea_orm(string_value = "IN_TRANSIT")]
    InTransit,
    /// With the driver for delivery today.
    #[sea_orm(string_value = "OUT_FOR_DELIVERY")]
    OutForDelivery,
    /// A delivery attempt failed or the parcel is held.
    #[sea_orm(string_value = "EXCEPTION")]
    Exception,
    /// Delivered.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
}

/// One shipment row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order (one shipment per order).
    #[sea_orm(unique)]
    pub order_id: Uuid,
    /// Carrier name.
    pub carrier: String,
    /// Carrier tracking number.
    pub tracking_number: String,
    /// Latest carrier status.
    pub status: ShipmentStatus,
    /// When the buyer was told to expect it.
    pub expected_delivery_at: DateTimeUtc,
    /// Handed to the carrier.
    pub shipped_at: DateTimeUtc,
    /// Delivered.
    pub delivered_at: Option<DateTimeUtc>,
    /// Time of the newest tracking event (or of shipping).
    pub last_event_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
