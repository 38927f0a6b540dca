//! Background work: housekeeping of the sign-in tables and the deadline sweeps (overdue
//! seller decisions, refunds a crash left behind). Sweeps read the injected clock and keep
//! their state in the tables, so a restart loses nothing and instances may run them side by
//! side (every change is conditional).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::{login_throttle, session};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

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
}

/// Deletes sessions that ended more than [`SESSION_RETENTION`] ago and login counters that
/// no longer lock anything. Idempotent; audit events are never touched.
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
    Ok(Purged {
        sessions,
        throttle_rows,
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
    pub tickets_closed: u64,
    /// SLA breaches escalated.
    pub sla_escalated: u64,
}

/// Runs every deadline sweep once at the clock's now.
pub async fn sweep(state: &AppState) -> Result<Swept, crate::error::ApiError> {
    Ok(Swept {
        escalated: crate::cancellations::service::escalate_overdue(state).await?,
        refunds_resumed: crate::refunds::service::resume_stuck(state).await?,
        payments_settled: crate::orders::service::settle_stuck_payments(state).await?,
        tickets_closed: crate::tickets::service::close_quiet_resolved(state).await?,
        sla_escalated: crate::tickets::sla::escalate_breaches(state).await?,
    })
}

/// Runs [`sweep`] every `sweep_interval_secs` until the process ends.
pub fn spawn_sweeps(state: AppState) {
    tokio::spawn(async move {
        let period = StdDuration::from_secs(state.settings.sweep_interval_secs.max(1));
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match sweep(&state).await {
                Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "deadline sweep"),
                Ok(_) => {}
                Err(err) => tracing::warn!(
                    code = err.code().as_str(),
                    "deadline sweep failed; will retry"
                ),
            }
        }
    });
}
