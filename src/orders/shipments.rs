//! When a parcel is late or has stalled, as predicates on a row and as SQL conditions: the
//! order lists, both dashboards and the suggested resolutions use the same definitions.

use chrono::{DateTime, Duration, Utc};
use entity::shipment;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

use crate::state::AppState;

/// Condition on `shipments` rows of parcels that are late at `now`.
pub fn delayed_shipments(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(shipment::Column::DeliveredAt.is_null())
        .add(shipment::Column::ExpectedDeliveryAt.lt(now))
}

/// Condition on `shipments` rows of parcels with no tracking event since `stalled_before`.
pub fn stalled_shipments(stalled_before: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(shipment::Column::DeliveredAt.is_null())
        .add(shipment::Column::LastEventAt.lt(stalled_before))
}

/// The ids of the orders whose parcels `condition` selects, as a subquery.
pub fn shipment_orders(condition: Condition) -> SelectStatement {
    Query::select()
        .column(shipment::Column::OrderId)
        .from(shipment::Entity)
        .cond_where(condition)
        .to_owned()
}

/// How long a parcel may go without a tracking event before it counts as stalled.
pub fn stall_after(state: &AppState) -> Duration {
    Duration::hours(i64::from(state.settings.shipment_stall_hours))
}

/// Whether a shipment is late at `now`.
pub fn is_delayed(shipment: &shipment::Model, now: DateTime<Utc>) -> bool {
    shipment.delivered_at.is_none() && shipment.expected_delivery_at < now
}

/// Whether a shipment has stalled at `now`.
pub fn is_stalled(shipment: &shipment::Model, now: DateTime<Utc>, after: Duration) -> bool {
    shipment.delivered_at.is_none() && shipment.last_event_at < now - after
}
