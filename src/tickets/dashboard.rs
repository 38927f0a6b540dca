//! The agents' dashboard: the queue at a glance and what needs attention across commerce.
//! Every figure is one grouped or counted statement on indexed columns, never a scan per row.

use chrono::{DateTime, Duration, Utc};
use entity::account;
use entity::cancellation_request::{self, CancellationStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;
use entity::ticket::{self, TicketCategory, TicketStatus};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use std::sync::Arc;

use super::service::breached;
use crate::orders::shipments::stall_after;
use crate::state::AppState;
pub use crate::support_dashboard::{Csat, Dashboard};

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

/// The CSAT figures of the dashboard.
#[derive(Debug, Default)]
struct CsatFigures {
    last_7_days: Option<f64>,
    last_30_days: Option<f64>,
    by_agent: Vec<Csat<Uuid>>,
    by_category: Vec<Csat<TicketCategory>>,
}

/// Sum and count of scores per key (few keys: agents, categories), averaged; the busiest
/// group first.
struct Tally<K> {
    groups: Vec<(K, i64, i64)>,
}

impl<K: PartialEq> Tally<K> {
    fn new() -> Self {
        Self { groups: Vec::new() }
    }

    fn add(&mut self, key: K, score: i64) {
        match self.groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, total, count)) => {
                *total += score;
                *count += 1;
            }
            None => self.groups.push((key, score, 1)),
        }
    }

    fn averages(mut self) -> Vec<Csat<K>> {
        self.groups.sort_by_key(|group| std::cmp::Reverse(group.2));
        self.groups
            .into_iter()
            .map(|(key, total, count)| Csat {
                key,
                average: total as f64 / count as f64,
                count,
            })
            .collect()
    }
}

/// One rating: when, the score, who held the ticket, its category.
type Rating = (DateTime<Utc>, Option<i16>, Option<Uuid>, TicketCategory);

/// The ratings of the last 30 days, read once through the covering index on (rated_at,
/// score, assignee, category) and tallied here: four figures from one range read. (Grouping
/// in SQL let SQLite's planner prefer scanning every ticket through the assignee index.)
async fn csat(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<CsatFigures, DbErr> {
    let week_ago = now - Duration::days(7);
    let rows: Vec<Rating> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::RatedAt)
        .column(ticket::Column::SatisfactionScore)
        .column(ticket::Column::AssigneeId)
        .column(ticket::Column::Category)
        .filter(ticket::Column::RatedAt.gte(now - Duration::days(30)))
        .filter(ticket::Column::SatisfactionScore.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut month = Tally::new();
    let mut week = Tally::new();
    let mut by_agent = Tally::new();
    let mut by_category = Tally::new();
    for (rated_at, score, assignee, category) in rows {
        let Some(score) = score.map(i64::from) else {
            continue;
        };
        month.add((), score);
        if rated_at >= week_ago {
            week.add((), score);
        }
        if let Some(agent) = assignee {
            by_agent.add(agent, score);
        }
        by_category.add(category, score);
    }
    let overall = |tally: Tally<()>| tally.averages().first().map(|csat| csat.average);
    Ok(CsatFigures {
        last_7_days: overall(week),
        last_30_days: overall(month),
        by_agent: by_agent.averages(),
        by_category: by_category.averages(),
    })
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
    let csat = csat(db, now).await?;
    let agents = account::Entity::find()
        .filter(account::Column::Id.is_in(csat.by_agent.iter().map(|agent| agent.key)))
        .all(db)
        .await?
        .into_iter()
        .map(|agent| (agent.id, agent))
        .collect();
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
        csat_7_days: csat.last_7_days,
        csat_30_days: csat.last_30_days,
        csat_by_agent: csat.by_agent,
        csat_by_category: csat.by_category,
        agents,
        answers: Default::default(),
    })
}

/// The dashboard, through the instance's cache ([`crate::support_dashboard::DashboardCache`]).
pub async fn shared_dashboard(state: &AppState) -> Result<Arc<Dashboard>, DbErr> {
    let max_age = Duration::seconds(
        i64::try_from(state.settings.dashboard_max_age_secs).unwrap_or(i64::MAX / 1_000_000),
    );
    state
        .dashboard
        .get(&state.clock, max_age, || {
            let state = state.clone();
            async move { support_dashboard(&state).await }
        })
        .await
}
