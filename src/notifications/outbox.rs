//! Outbox delivery: claim due messages, hand them to the transport, record the outcome.
//!
//! Claiming takes a lease (`claimed_until`) in one statement; on PostgreSQL the candidate rows
//! are locked with `FOR UPDATE SKIP LOCKED`, so instances running side by side never take the
//! same message. A worker that dies holding a lease only delays its messages: once the lease
//! ends, another worker takes them over.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::outbox_message::{self, OutboxStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};

use super::transport::Notifier;
use crate::db;
use crate::state::AppState;

/// Messages claimed per round.
const BATCH: u64 = 20;
/// Longest pause between two attempts of one message.
const MAX_BACKOFF: Duration = Duration::hours(1);

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages handed to a transport.
    pub sent: u32,
    /// Attempts that failed and will be retried.
    pub retried: u32,
    /// Messages given up after their last attempt.
    pub given_up: u32,
}

/// Messages whose body holds a one-time link (reset, recovery).
fn carries_secret(kind: &str) -> bool {
    matches!(
        kind,
        "account.password_reset_link" | "account.recovery_link" | "account.lock_link"
    )
}

/// Pause before attempt `attempts + 1`: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(10);
    (Duration::seconds(30) * 2_i32.pow(exp)).min(MAX_BACKOFF)
}

/// Claims up to `limit` due messages for `lease`, counting the attempt.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE outbox_messages SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox_messages \
                 WHERE status = 'PENDING' AND next_attempt_at <= $2 \
                   AND (claimed_until IS NULL OR claimed_until < $2) \
                 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        // One writer at a time on SQLite: the statement runs under its write lock.
        _ => {
            "UPDATE outbox_messages SET claimed_until = ?, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox_messages \
                 WHERE status = 'PENDING' AND next_attempt_at <= ? \
                   AND (claimed_until IS NULL OR claimed_until < ?) \
                 ORDER BY next_attempt_at, id LIMIT ?) \
             RETURNING *"
        }
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let values: Vec<sea_orm::Value> = match backend {
        DbBackend::Postgres => vec![(now + lease).into(), now.into(), limit.into()],
        _ => vec![(now + lease).into(), now.into(), now.into(), limit.into()],
    };
    outbox_message::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(conn)
        .await
}

/// Claims due messages and delivers them. Safe to run from several instances at once.
pub async fn deliver_due(state: &AppState, notifier: &Notifier) -> Result<DeliveryReport, DbErr> {
    let now = state.clock.now();
    let lease = Duration::seconds(i64::try_from(state.settings.outbox_lease_secs).unwrap_or(300));
    let claimed = {
        let txn = db::begin_write(&state.db).await?;
        let rows = claim(&txn, now, lease, BATCH).await?;
        txn.commit().await?;
        rows
    };
    let mut report = DeliveryReport::default();
    for message in claimed {
        let outcome = notifier.deliver(&message).await;
        let done = state.clock.now();
        let update = outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::ClaimedUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(outbox_message::Column::Id.eq(message.id))
            .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending));
        let max_attempts = i32::try_from(state.settings.outbox_max_attempts).unwrap_or(8);
        let update = match &outcome {
            Ok(()) => {
                report.sent += 1;
                let update = update
                    .col_expr(
                        outbox_message::Column::Status,
                        Expr::value(OutboxStatus::Sent),
                    )
                    .col_expr(outbox_message::Column::SentAt, Expr::value(done));
                if carries_secret(&message.kind) {
                    // A delivered link must not stay readable in the database: whoever can
                    // read this table could otherwise take over the account while it works.
                    update.col_expr(
                        outbox_message::Column::Body,
                        Expr::value("[link removed after delivery]"),
                    )
                } else {
                    update
                }
            }
            Err(err) => {
                let error: String = err.0.chars().take(500).collect();
                tracing::warn!(message_id = %message.id, attempts = message.attempts, error = %error, "notification delivery failed");
                let update = update.col_expr(outbox_message::Column::LastError, Expr::value(error));
                if message.attempts >= max_attempts {
                    report.given_up += 1;
                    update.col_expr(
                        outbox_message::Column::Status,
                        Expr::value(OutboxStatus::Failed),
                    )
                } else {
                    report.retried += 1;
                    update.col_expr(
                        outbox_message::Column::NextAttemptAt,
                        Expr::value(done + backoff(message.attempts)),
                    )
                }
            }
        };
        update.exec(&state.db).await?;
    }
    if report.sent > 0 {
        metrics::counter!("storedesk_notifications_sent_total").increment(u64::from(report.sent));
    }
    if report.retried + report.given_up > 0 {
        metrics::counter!("storedesk_notification_failures_total")
            .increment(u64::from(report.retried + report.given_up));
    }
    Ok(report)
}

/// Delivers due messages until the process ends, pausing when there is nothing to do.
pub fn spawn_worker(state: AppState, notifier: Notifier) {
    tokio::spawn(async move {
        let idle = StdDuration::from_millis(state.settings.outbox_poll_ms.max(50));
        loop {
            match deliver_due(&state, &notifier).await {
                // A full batch means more may be waiting: go again at once.
                Ok(report)
                    if u64::from(report.sent + report.retried + report.given_up) >= BATCH =>
                {
                    continue;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "outbox round failed; will retry"),
            }
            tokio::time::sleep(idle).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(30), Duration::hours(1));
    }
}
