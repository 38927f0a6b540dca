//! Background work: housekeeping of the sign-in tables and the deadline sweeps (overdue
//! seller decisions, refunds a crash left behind). Sweeps read the injected clock and keep
//! their state in the tables, so a restart loses nothing and instances may run them side by
//! side (every change is conditional).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::{login_throttle, session};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::error::ApiResult;
use crate::state::AppState;

/// How long an ended session (and its refresh tokens) is kept for investigations.
pub const SESSION_RETENTION: Duration = Duration::days(30);

/// Rows removed by one purge.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Sessions (their refresh tokens go with them).
    pub sessions: u64,
    /// Login throttle counters.
    pub throttle_rows: u64,
    /// Heartbeats of agents who left a ticket without saying so.
    pub presence_rows: u64,
}

/// Deletes sessions that ended more than [`SESSION_RETENTION`] ago, login counters that
/// no longer lock anything and stale presence heartbeats. Idempotent; audit events are never touched.
pub async fn purge_expired(
    conn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Purged, DbErr> {
    let cutoff = now - SESSION_RETENTION;
    let idle = Duration::seconds(
        i64::try_from(state.settings.session_idle_ttl_secs).unwrap_or(i64::MAX / 1000),
    );
    let sessions = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::RevokedAt.lt(cutoff))
                .add(session::Column::AbsoluteExpiresAt.lt(cutoff))
                .add(session::Column::LastUsedAt.lt(cutoff - idle)),
        )
        .exec(conn)
        .await?
        .rows_affected;
    let stale = now - state.throttle.window;
    let throttle_rows = login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::UpdatedAt.lt(stale))
        .filter(
            Condition::any()
                .add(login_throttle::Column::LockedUntil.is_null())
                .add(login_throttle::Column::LockedUntil.lt(now)),
        )
        .exec(conn)
        .await?
        .rows_affected;
    let presence_rows = crate::tickets::presence::purge(conn, now).await?;
    Ok(Purged {
        sessions,
        throttle_rows,
        presence_rows,
    })
}

/// Runs [`purge_expired`] every hour until the process ends. Several instances may run it at
/// once: deletes by condition do not conflict.
pub fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        // The first pass waits a full period: nothing is urgent at start-up, and a purge racing
        // the first requests of a fresh process only adds load (and noise to measurements).
        let period = StdDuration::from_secs(3600);
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let now = state.clock.now();
            state.limits.forget_idle();
            match purge_expired(&state.db, &state, now).await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(?purged, "purged expired sign-in rows");
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "housekeeping failed; will retry"),
            }
        }
    });
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Requests escalated for missing the seller deadline.
    pub escalated: u32,
    /// Refunds sent again after a crash.
    pub refunds_resumed: u32,
    /// Payment attempts settled after a lost answer or a crash.
    pub payments_settled: u32,
    /// RESOLVED tickets closed after the quiet period.
    pub tickets_closed: u32,
    /// SLA breaches escalated.
    pub sla_escalated: u32,
    /// Sweeps that could not run at all this pass (their rows wait for the next one).
    pub failed: u32,
}

/// The count of one sweep; a sweep that cannot even read its rows is logged and counted in
/// `failed`, and the other sweeps still run.
fn tally(name: &'static str, outcome: ApiResult<u32>, failed: &mut u32) -> u32 {
    outcome.unwrap_or_else(|err| {
        tracing::warn!(sweep = name, code = err.code().as_str(), cause = ?err, "sweep failed; will retry");
        *failed += 1;
        0
    })
}

/// Runs every deadline sweep once at the clock's now, each independent of the others.
pub async fn sweep(state: &AppState) -> Swept {
    let mut failed = 0;
    let escalated = crate::cancellations::service::escalate_overdue(state).await;
    let escalated = tally("seller_deadlines", escalated, &mut failed);
    let refunds = crate::refunds::service::resume_stuck(state).await;
    let refunds_resumed = tally("stuck_refunds", refunds, &mut failed);
    let payments = crate::orders::service::settle_stuck_payments(state).await;
    let payments_settled = tally("pending_payments", payments, &mut failed);
    let closed = crate::tickets::service::close_quiet_resolved(state).await;
    let tickets_closed = tally("quiet_tickets", closed, &mut failed);
    let breaches = crate::tickets::sla::escalate_breaches(state).await;
    let sla_escalated = tally("sla_breaches", breaches, &mut failed);
    Swept {
        escalated,
        refunds_resumed,
        payments_settled,
        tickets_closed,
        sla_escalated,
        failed,
    }
}

/// Runs [`sweep`] every `sweep_interval_secs` until the process ends.
pub fn spawn_sweeps(state: AppState) {
    tokio::spawn(async move {
        let period = StdDuration::from_secs(state.settings.sweep_interval_secs.max(1));
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let swept = sweep(&state).await;
            if swept != Swept::default() {
                tracing::info!(?swept, "deadline sweep");
            }
        }
    });
}
