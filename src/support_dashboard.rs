//! The support dashboard's figures and the instance's cache of them. What the figures are
//! and how long a copy is served live here, apart from the queries that compute them
//! (`tickets::dashboard`), so the process-wide state can hold the cache without depending on
//! the tickets domain.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use entity::account::{self, Role};
use entity::ticket::{TicketCategory, TicketPriority, TicketStatus};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::clock::SharedClock;

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
#[derive(Debug, Default)]
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
    /// The agents of `csat_by_agent`, read with the figures: the shared copy then answers
    /// without a statement of its own per request.
    pub agents: HashMap<Uuid, account::Model>,
    /// The answers written from this copy, so they go with it.
    pub answers: Answers,
}

/// What an answer written from a copy of the dashboard depends on besides the copy: the
/// request as sent, and the caller's role, which is all the permission matrix decides on.
/// Every field of the dashboard is the same for every caller of a role; a field that is
/// not (one about the caller) would have to add the caller here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    /// The caller's role; `None` when signed out.
    pub role: Option<Role>,
    /// The document's text.
    pub query: String,
    /// The operation asked for.
    pub operation: Option<String>,
    /// The variables as JSON.
    pub variables: String,
}

/// Documents answered per copy: clients ask for the dashboard with one or two documents,
/// and one that is not among the first few is executed every time.
const MAX_ANSWERS: usize = 8;

/// Answers (response bodies) written from one copy of the dashboard. Forty agents refreshing
/// the same document get the bytes the first of them got from this copy; the copy's
/// execution and serialisation, a few hundred values, is done once per copy instead of once
/// per request. Only answers without errors are kept.
#[derive(Debug, Default)]
pub struct Answers(std::sync::Mutex<HashMap<AnswerKey, Bytes>>);

impl Answers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AnswerKey, Bytes>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer already written for `key`.
    pub fn get(&self, key: &AnswerKey) -> Option<Bytes> {
        self.lock().get(key).cloned()
    }

    /// Keeps `body` as the answer for `key`, unless the copy holds its share already.
    pub fn keep(&self, key: AnswerKey, body: Bytes) {
        let mut answers = self.lock();
        if answers.len() < MAX_ANSWERS {
            answers.insert(key, body);
        }
    }
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
    /// The dashboard as of at most `max_age` ago by `clock`, computed by `compute` when there
    /// is none that recent (see the type's documentation for what is served while the next
    /// one is computed). A `max_age` of zero or less turns the cache off.
    pub async fn get<F, Fut>(
        &self,
        clock: &SharedClock,
        max_age: Duration,
        compute: F,
    ) -> Result<Arc<Dashboard>, DbErr>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Dashboard, DbErr>> + Send + 'static,
    {
        if max_age <= Duration::zero() {
            return Ok(Arc::new(compute().await?));
        }
        let now = clock.now();
        match self.latest() {
            Some((at, dashboard)) if now - at < max_age => return Ok(dashboard),
            Some((at, dashboard)) if now - at < max_age * 6 => {
                if !self.0.refreshing.swap(true, Ordering::AcqRel) {
                    let cache = self.clone();
                    let next = compute();
                    tokio::spawn(async move {
                        // Cleared however the task ends, so a failed refresh is tried again.
                        let _refreshing = Refreshing(&cache.0.refreshing);
                        match next.await {
                            Ok(fresh) => cache.store(now, Arc::new(fresh)),
                            Err(err) => {
                                tracing::warn!(error = %err, "could not refresh the dashboard");
                            }
                        }
                    });
                }
                return Ok(dashboard);
            }
            _ => {}
        }
        let _one_at_a_time = self.0.computing.lock().await;
        let now = clock.now();
        if let Some((at, dashboard)) = self.latest()
            && now - at < max_age
        {
            return Ok(dashboard);
        }
        let fresh = Arc::new(compute().await?);
        self.store(now, fresh.clone());
        Ok(fresh)
    }

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
