//! The seller center's dashboard: one store's claims, parcels and refunds at a glance.
//! Every figure is a count on indexed columns limited to the caller's store in SQL (the
//! same order scope as `orders`), and the 30-day series read one timestamp column each.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::cancellation_request::{self, CancellationKind, CancellationStatus};
use entity::order::{self, OrderStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use super::scope::{order_scope, visible_order_ids};
use super::shipments::stall_after;
use crate::auth::Caller;
use crate::state::AppState;

/// How many local days the dashboard's series cover, today included.
pub const SERIES_DAYS: i64 = 30;

/// One local day of the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The local calendar date.
    pub date: NaiveDate,
    /// Cancellation and return requests the buyers made that day.
    pub claims: u64,
    /// Parcels handed to a carrier that day.
    pub shipped: u64,
    /// Refunds completed that day.
    pub refunds: u64,
}

/// The seller dashboard's figures.
#[derive(Debug, Clone, Default)]
pub struct SellerDashboard {
    /// Cancellation requests waiting for the seller.
    pub pending_cancellations: u64,
    /// Return requests waiting for the seller.
    pub pending_returns: u64,
    /// Waiting requests whose deadline falls later today (local business day).
    pub decisions_due_today: u64,
    /// Waiting requests past their deadline.
    pub overdue_decisions: u64,
    /// Paid orders not yet being prepared.
    pub to_prepare: u64,
    /// Orders being prepared, not yet shipped.
    pub to_ship: u64,
    /// Parcels past their expected delivery date.
    pub delayed_shipments: u64,
    /// Parcels without a tracking event for the configured time.
    pub stalled_shipments: u64,
    /// Refunds not completed yet.
    pub refunds_due: u64,
    /// Refunds past their legal deadline.
    pub overdue_refunds: u64,
    /// The last [`SERIES_DAYS`] local days, oldest first.
    pub days: Vec<Day>,
}

/// Counts one timestamp per local day over `days` (oldest first); others are ignored.
fn tally(
    state: &AppState,
    days: &mut [Day],
    at: impl IntoIterator<Item = DateTime<Utc>>,
    field: fn(&mut Day) -> &mut u64,
) {
    for at in at {
        let date = state.calendar.local_date(at);
        if let Some(day) = days.iter_mut().find(|day| day.date == date) {
            *field(day) += 1;
        }
    }
}

/// Computes the dashboard of the caller's store at the clock's now.
pub async fn seller_dashboard(state: &AppState, caller: &Caller) -> Result<SellerDashboard, DbErr> {
    let db = &state.db;
    let now = state.clock.now();
    let today = state.calendar.local_date(now);
    let tomorrow = state.calendar.start_of_day(today + Duration::days(1));
    let first_day = today - Duration::days(SERIES_DAYS - 1);
    let since = state.calendar.start_of_day(first_day);

    let waiting = || {
        cancellation_request::Entity::find()
            .filter(cancellation_request::Column::OrderId.in_subquery(visible_order_ids(caller)))
            .filter(cancellation_request::Column::Status.eq(CancellationStatus::PendingSeller))
    };
    let undelivered = || {
        shipment::Entity::find()
            .filter(shipment::Column::OrderId.in_subquery(visible_order_ids(caller)))
            .filter(shipment::Column::DeliveredAt.is_null())
    };
    let open_refunds = || {
        refund::Entity::find()
            .filter(refund::Column::OrderId.in_subquery(visible_order_ids(caller)))
            .filter(refund::Column::Status.ne(RefundStatus::Completed))
    };
    let in_status = |status: OrderStatus| {
        order::Entity::find()
            .filter(order_scope(caller))
            .filter(order::Column::Status.eq(status))
    };

    let mut days: Vec<Day> = (0..SERIES_DAYS)
        .map(|offset| Day {
            date: first_day + Duration::days(offset),
            claims: 0,
            shipped: 0,
            refunds: 0,
        })
        .collect();
    let claimed: Vec<DateTime<Utc>> = cancellation_request::Entity::find()
        .select_only()
        .column(cancellation_request::Column::RequestedAt)
        .filter(cancellation_request::Column::OrderId.in_subquery(visible_order_ids(caller)))
        .filter(cancellation_request::Column::RequestedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    tally(state, &mut days, claimed, |day| &mut day.claims);
    let shipped: Vec<DateTime<Utc>> = shipment::Entity::find()
        .select_only()
        .column(shipment::Column::ShippedAt)
        .filter(shipment::Column::OrderId.in_subquery(visible_order_ids(caller)))
        .filter(shipment::Column::ShippedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    tally(state, &mut days, shipped, |day| &mut day.shipped);
    let refunded: Vec<Option<DateTime<Utc>>> = refund::Entity::find()
        .select_only()
        .column(refund::Column::CompletedAt)
        .filter(refund::Column::OrderId.in_subquery(visible_order_ids(caller)))
        .filter(refund::Column::CompletedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    tally(state, &mut days, refunded.into_iter().flatten(), |day| {
        &mut day.refunds
    });

    Ok(SellerDashboard {
        pending_cancellations: waiting()
            .filter(cancellation_request::Column::Kind.eq(CancellationKind::Cancel))
            .count(db)
            .await?,
        pending_returns: waiting()
            .filter(cancellation_request::Column::Kind.eq(CancellationKind::Return))
            .count(db)
            .await?,
        decisions_due_today: waiting()
            .filter(cancellation_request::Column::SellerDeadlineAt.gte(now))
            .filter(cancellation_request::Column::SellerDeadlineAt.lt(tomorrow))
            .count(db)
            .await?,
        overdue_decisions: waiting()
            .filter(cancellation_request::Column::SellerDeadlineAt.lt(now))
            .count(db)
            .await?,
        to_prepare: in_status(OrderStatus::Paid).count(db).await?,
        to_ship: in_status(OrderStatus::Preparing).count(db).await?,
        delayed_shipments: undelivered()
            .filter(shipment::Column::ExpectedDeliveryAt.lt(now))
            .count(db)
            .await?,
        stalled_shipments: undelivered()
            .filter(shipment::Column::LastEventAt.lt(now - stall_after(state)))
            .count(db)
            .await?,
        refunds_due: open_refunds().count(db).await?,
        overdue_refunds: open_refunds()
            .filter(refund::Column::DueAt.lt(now))
            .count(db)
            .await?,
        days,
    })
}
