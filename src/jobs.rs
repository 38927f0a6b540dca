//! Background work of the foundation: housekeeping of the sign-in tables.

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
