//! The agents' dashboard: the queue at a glance and what needs attention across commerce.
//! Every figure is one grouped or counted statement on indexed columns, never a scan per row.

use chrono::{DateTime, Duration, Utc};
use entity::cancellation_request::{self, CancellationStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;
use entity::ticket::{self, TicketCategory, TicketPriority, TicketStatus};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::service::breached;
use crate::orders::shipments::stall_after;
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
    })
}

/// The last dashboard computed, shared by every agent of this instance.
///
/// The dashboard's figures are the same for every agent, and at a million tickets computing
/// them costs a few hundred milliseconds of grouped counts, while forty agents refresh it
/// all day. So it is computed at most once per `dashboard_max_age_secs` (by the injected
/// clock): a fresh copy is served as it is; a stale one (up to six times that age) is
/// served while one background task computes the next; an older one, or none, is computed
/// by the request, one request at a time.
#[derive(Clone, Default)]
pub struct DashboardCache(Arc<CacheInner>);

#[derive(Default)]
struct CacheInner {
    latest: std::sync::Mutex<Option<(DateTime<Utc>, Arc<Dashboard>)>>,
    refreshing: AtomicBool,
    computing: tokio::sync::Mutex<()>,
}

impl DashboardCache {
    fn latest(&self) -> Option<(DateTime<Utc>, Arc<Dashboard>)> {
        self.0
            .latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store(&self, at: DateTime<Utc>, dashboard: Arc<Dashboard>) {
        let mut latest = self
            .0
            .latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A slower computation that started earlier never replaces a newer one.
        if latest.as_ref().is_none_or(|(held, _)| *held <= at) {
            *latest = Some((at, dashboard));
        }
    }
}

/// Marks a background refresh under way until dropped.
struct Refreshing<'a>(&'a AtomicBool);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The dashboard, through the instance's [`DashboardCache`].
pub async fn shared_dashboard(state: &AppState) -> Result<Arc<Dashboard>, DbErr> {
    let max_age = Duration::seconds(
        i64::try_from(state.settings.dashboard_max_age_secs).unwrap_or(i64::MAX / 1_000_000),
    );
    if max_age <= Duration::zero() {
        return Ok(Arc::new(support_dashboard(state).await?));
    }
    let cache = &state.dashboard;
    let now = state.clock.now();
    match cache.latest() {
        Some((at, dashboard)) if now - at < max_age => return Ok(dashboard),
        Some((at, dashboard)) if now - at < max_age * 6 => {
            if !cache.0.refreshing.swap(true, Ordering::AcqRel) {
                let state = state.clone();
                tokio::spawn(async move {
                    // Cleared however the task ends, so a failed refresh is tried again.
                    let _refreshing = Refreshing(&state.dashboard.0.refreshing);
                    let started = state.clock.now();
                    match support_dashboard(&state).await {
                        Ok(fresh) => state.dashboard.store(started, Arc::new(fresh)),
                        Err(err) => tracing::warn!(error = %err, "could not refresh the dashboard"),
                    }
                });
            }
            return Ok(dashboard);
        }
        _ => {}
    }
    let _one_at_a_time = cache.0.computing.lock().await;
    let now = state.clock.now();
    if let Some((at, dashboard)) = cache.latest()
        && now - at < max_age
    {
        return Ok(dashboard);
    }
    let fresh = Arc::new(support_dashboard(state).await?);
    cache.store(now, fresh.clone());
    Ok(fresh)
}
