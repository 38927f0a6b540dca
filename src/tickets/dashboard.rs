//! The agents' dashboard: the queue at a glance and what needs attention across commerce.
//! Every figure is one grouped or counted statement on indexed columns, never a scan per row.

use chrono::{DateTime, Duration, Utc};
use entity::cancellation_request::{self, CancellationStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;
use entity::ticket::{self, TicketCategory, TicketPriority, TicketStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::service::breached;
use crate::orders::service::stall_after;
use crate::state::AppState;

/// Satisfaction of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Csat<K> {
    /// The group (agent or category).
    pub key: K,
    /// Average score.
    pub average: f64,
    /// Ratings counted.
    pub count: i64,
}

/// The dashboard's figures.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// Tickets not closed, by status.
    pub by_status: Vec<(TicketStatus, i64)>,
    /// Tickets not closed, by category.
    pub by_category: Vec<(TicketCategory, i64)>,
    /// Tickets not closed, by priority.
    pub by_priority: Vec<(TicketPriority, i64)>,
    /// OPEN or PENDING tickets without an assignee.
    pub unassigned: u64,
    /// Tickets past an SLA target.
    pub sla_breached: u64,
    /// Tickets whose next SLA target falls within the hour.
    pub sla_due_within_hour: u64,
    /// Cancellation/return requests past the seller deadline.
    pub overdue_seller_decisions: u64,
    /// Parcels past their expected date.
    pub delayed_shipments: u64,
    /// Parcels without a tracking event for the configured time.
    pub stalled_shipments: u64,
    /// Refunds not completed by their legal deadline.
    pub overdue_refunds: u64,
    /// CSAT average of the last 7 days.
    pub csat_7_days: Option<f64>,
    /// CSAT average of the last 30 days.
    pub csat_30_days: Option<f64>,
    /// CSAT of the last 30 days by assignee.
    pub csat_by_agent: Vec<Csat<Uuid>>,
    /// CSAT of the last 30 days by category.
    pub csat_by_category: Vec<Csat<TicketCategory>>,
}

/// Tickets still in the queue. Spelled as the statuses that are, not `!= CLOSED`: nearly
/// every ticket of a long-lived desk is closed, and only an `IN` list can use the status index.
fn not_closed() -> Condition {
    Condition::all().add(ticket::Column::Status.is_in([
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Resolved,
    ]))
}

async fn grouped<K>(
    conn: &impl ConnectionTrait,
    column: ticket::Column,
) -> Result<Vec<(K, i64)>, DbErr>
where
    K: sea_orm::TryGetable + sea_orm::sea_query::ValueType,
    (K, i64): sea_orm::TryGetableMany,
{
    ticket::Entity::find()
        .select_only()
        .column(column)
        .column_as(Expr::expr(Func::count(Expr::col(ticket::Column::Id))), "n")
        .filter(not_closed())
        .group_by(column)
        .into_tuple()
        .all(conn)
        .await
}

async fn csat_since<K>(
    conn: &impl ConnectionTrait,
    since: DateTime<Utc>,
    column: Option<ticket::Column>,
) -> Result<Vec<(Option<K>, i64, i64)>, DbErr>
where
    K: sea_orm::TryGetable + sea_orm::sea_query::ValueType,
    (Option<K>, i64, i64): sea_orm::TryGetableMany,
{
    let mut select = ticket::Entity::find().select_only();
    select = match column {
        Some(column) => select.column(column).group_by(column),
        None => select.column_as(Expr::val(Option::<i64>::None), "key"),
    };
    select
        .column_as(
            Expr::expr(Func::sum(Expr::col(ticket::Column::SatisfactionScore))).cast_as("bigint"),
            "total",
        )
        .column_as(
            Expr::expr(Func::count(Expr::col(ticket::Column::SatisfactionScore))),
            "n",
        )
        .filter(ticket::Column::RatedAt.gte(since))
        .filter(ticket::Column::SatisfactionScore.is_not_null())
        .into_tuple()
        .all(conn)
        .await
}

fn averages<K>(rows: Vec<(Option<K>, i64, i64)>) -> Vec<Csat<K>> {
    rows.into_iter()
        .filter_map(|(key, total, count)| {
            let key = key?;
            (count > 0).then(|| Csat {
                key,
                average: total as f64 / count as f64,
                count,
            })
        })
        .collect()
}

async fn overall(conn: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<Option<f64>, DbErr> {
    let rows: Vec<(Option<i64>, i64, i64)> = csat_since(conn, since, None).await?;
    Ok(rows
        .first()
        .filter(|(_, _, count)| *count > 0)
        .map(|(_, total, count)| *total as f64 / *count as f64))
}

/// Computes the dashboard at the clock's now.
pub async fn support_dashboard(state: &AppState) -> Result<Dashboard, DbErr> {
    let db = &state.db;
    let now = state.clock.now();
    let soon = now + Duration::hours(1);
    let due_soon = Condition::any()
        .add(
            Condition::all()
                .add(ticket::Column::FirstRespondedAt.is_null())
                .add(ticket::Column::FirstResponseDueAt.gte(now))
                .add(ticket::Column::FirstResponseDueAt.lt(soon)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::ResolvedAt.is_null())
                .add(ticket::Column::Status.eq(TicketStatus::Open))
                .add(ticket::Column::ResolutionDueAt.gte(now))
                .add(ticket::Column::ResolutionDueAt.lt(soon)),
        );
    let open_or_pending = [TicketStatus::Open, TicketStatus::Pending];
    Ok(Dashboard {
        by_status: grouped(db, ticket::Column::Status).await?,
        by_category: grouped(db, ticket::Column::Category).await?,
        by_priority: grouped(db, ticket::Column::Priority).await?,
        unassigned: ticket::Entity::find()
            .filter(ticket::Column::Status.is_in(open_or_pending))
            .filter(ticket::Column::AssigneeId.is_null())
            .count(db)
            .await?,
        sla_breached: ticket::Entity::find()
            .filter(not_closed())
            .filter(breached(now))
            .count(db)
            .await?,
        sla_due_within_hour: ticket::Entity::find()
            .filter(not_closed())
            .filter(due_soon)
            .count(db)
            .await?,
        overdue_seller_decisions: cancellation_request::Entity::find()
            .filter(cancellation_request::Column::Status.eq(CancellationStatus::PendingSeller))
            .filter(cancellation_request::Column::SellerDeadlineAt.lt(now))
            .count(db)
            .await?,
        delayed_shipments: shipment::Entity::find()
            .filter(shipment::Column::DeliveredAt.is_null())
            .filter(shipment::Column::ExpectedDeliveryAt.lt(now))
            .count(db)
            .await?,
        stalled_shipments: shipment::Entity::find()
            .filter(shipment::Column::DeliveredAt.is_null())
            .filter(shipment::Column::LastEventAt.lt(now - stall_after(state)))
            .count(db)
            .await?,
        overdue_refunds: refund::Entity::find()
            .filter(refund::Column::Status.ne(RefundStatus::Completed))
            .filter(refund::Column::DueAt.lt(now))
            .count(db)
            .await?,
        csat_7_days: overall(db, now - Duration::days(7)).await?,
        csat_30_days: overall(db, now - Duration::days(30)).await?,
        csat_by_agent: averages(
            csat_since(
                db,
                now - Duration::days(30),
                Some(ticket::Column::AssigneeId),
            )
            .await?,
        ),
        csat_by_category: averages(
            csat_since(db, now - Duration::days(30), Some(ticket::Column::Category)).await?,
        ),
    })
}
