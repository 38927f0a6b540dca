//! `shipment_events`: tracking events of a parcel.

use sea_orm::entity::prelude::*;

use crate::shipment::ShipmentStatus;

/// One tracking event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_events")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The shipment.
    pub shipment_id: Uuid,
    /// Status reported.
    pub status: ShipmentStatus,
    /// What the carrier said.
    pub description: String,
    /// When it happened (carrier time).
    pub occurred_at: DateTimeUtc,
    /// When we recorded it.
    pub recorded_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
