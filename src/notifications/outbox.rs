//! Outbox delivery: claim a due message, hand it to the transport, record the outcome.
//!
//! A worker claims one message at a time: a lease (`claimed_until`) and a token of its own
//! (`claim_token`), taken in one statement (on PostgreSQL the candidate row is locked with
//! `FOR UPDATE SKIP LOCKED`, on SQLite the statement runs under the write lock), so
//! instances running side by side never take the same message. While the transport works,
//! the worker renews the lease every third of its length; renewals and the outcome name the
//! token, so a worker that lost its claim changes nothing. A slow mail server therefore never
//! lets a second worker send the same message, and a claimed batch cannot outlive its lease
//! half-sent: there is no batch. A worker that dies only delays its message until the lease
//! ends. The outcome of one message is written in the same transaction as the claim of the
//! next (or alone when the round ends), so each message takes one turn to write.
//!
//! What no design can promise over SMTP: when the server has the whole message but its
//! answer never arrives (the connection drops, the send times out, the process is killed
//! between the answer and the record), the outcome is unknown and the message is sent again,
//! with the same Message-ID, so receiving systems can tell the copy. The file transport
//! writes `<id>.eml` atomically, so there a second attempt replaces the first.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::outbox_message::{self, OutboxStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    Statement,
};
use uuid::Uuid;

use super::transport::{DeliveryError, Notifier};
use crate::db;
use crate::state::AppState;

/// Messages delivered per round before the worker looks at its stop signal and the pause.
const BATCH: u32 = 20;
/// Longest pause between two attempts of one message.
const MAX_BACKOFF: Duration = Duration::hours(1);

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages handed to a transport.
    pub sent: u32,
    /// Attempts that failed and will be retried.
    pub retried: u32,
    /// Messages given up: after their last attempt, or refused for good.
    pub given_up: u32,
    /// Claims lost while the transport worked (another worker holds the message now).
    pub lost: u32,
}

impl DeliveryReport {
    fn handled(&self) -> u32 {
        self.sent + self.retried + self.given_up + self.lost
    }
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

/// Claims up to `limit` due messages for `lease` under one new token, counting the attempt.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE outbox_messages SET claimed_until = $1, claim_token = $2, \
                 attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox_messages \
                 WHERE status = 'PENDING' AND next_attempt_at <= $3 \
                   AND (claimed_until IS NULL OR claimed_until < $3) \
                 ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        // One writer at a time on SQLite: the statement runs under its write lock.
        _ => {
            "UPDATE outbox_messages SET claimed_until = ?, claim_token = ?, \
                 attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox_messages \
                 WHERE status = 'PENDING' AND next_attempt_at <= ? \
                   AND (claimed_until IS NULL OR claimed_until < ?) \
                 ORDER BY next_attempt_at, id LIMIT ?) \
             RETURNING *"
        }
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let token = Uuid::now_v7();
    let values: Vec<sea_orm::Value> = match backend {
        DbBackend::Postgres => vec![(now + lease).into(), token.into(), now.into(), limit.into()],
        _ => vec![
            (now + lease).into(),
            token.into(),
            now.into(),
            now.into(),
            limit.into(),
        ],
    };
    outbox_message::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(conn)
        .await
}

/// Extends the claim `token` holds on `id` until `until`; false once the claim is gone
/// (the message was taken over, or is no longer pending).
async fn renew(
    conn: &impl ConnectionTrait,
    id: Uuid,
    token: Uuid,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let renewed = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(until))
        .filter(outbox_message::Column::Id.eq(id))
        .filter(outbox_message::Column::ClaimToken.eq(token))
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending))
        .exec(conn)
        .await?;
    Ok(renewed.rows_affected == 1)
}

fn lease_of(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.settings.outbox_lease_secs).unwrap_or(300))
}

/// Claims due messages one at a time and delivers them, at most one round's worth. Safe to
/// run from several instances at once.
///
/// Each message's outcome is written in the same turn to write as the next claim: on
/// SQLite, where writers take turns, a message costs the requests one turn instead of two.
pub async fn deliver_due(state: &AppState, notifier: &Notifier) -> Result<DeliveryReport, DbErr> {
    let mut report = DeliveryReport::default();
    let mut finished: Option<Finished> = None;
    loop {
        // A stopping process finishes the message in hand, not the rest of the round.
        let more = report.handled() + u32::from(finished.is_some()) < BATCH
            && !state.shutdown.is_cancelled();
        if finished.is_none() && !more {
            break;
        }
        let txn = db::begin_write(&state.db).await?;
        if let Some(attempt) = finished.take() {
            record(&txn, state, attempt, &mut report).await?;
        }
        let claimed = if more {
            claim(&txn, state.clock.now(), lease_of(state), 1).await?
        } else {
            Vec::new()
        };
        txn.commit().await?;
        let Some(message) = claimed.into_iter().next() else {
            break;
        };
        finished = deliver_claimed(state, notifier, message, &mut report).await;
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

/// An attempt whose outcome is still to be written, under the claim that made it.
struct Finished {
    message: outbox_message::Model,
    token: Uuid,
    outcome: Result<(), DeliveryError>,
    at: DateTime<Utc>,
}

/// Sends a message this worker holds, renewing the lease while the transport works; the
/// attempt, unless the claim was lost meanwhile.
async fn deliver_claimed(
    state: &AppState,
    notifier: &Notifier,
    message: outbox_message::Model,
    report: &mut DeliveryReport,
) -> Option<Finished> {
    let token = message.claim_token?;
    let lease = lease_of(state);
    let mut held_until = state.clock.now() + lease;
    let outcome = {
        let send = notifier.deliver(&message);
        tokio::pin!(send);
        loop {
            let renew_at = held_until - lease + lease / 3;
            tokio::select! {
                outcome = &mut send => break Some(outcome),
                () = state.clock.sleep_until(renew_at) => {
                    let until = state.clock.now() + lease;
                    match renew(&state.db, message.id, token, until).await {
                        Ok(true) => held_until = until,
                        Ok(false) => break None,
                        // The database is away: keep sending while the lease still holds (nobody
                        // else can take the message before it ends); past it, give the message up
                        // to whoever claims it next rather than race them.
                        Err(err) if state.clock.now() < held_until => {
                            tracing::warn!(message_id = %message.id, error = %err, "cannot renew an outbox claim; retrying");
                        }
                        Err(_) => break None,
                    }
                }
            }
        }
    };
    let Some(outcome) = outcome else {
        tracing::warn!(message_id = %message.id, "lost the claim on an outbox message while sending it; its outcome is left to the new holder");
        report.lost += 1;
        return None;
    };
    Some(Finished {
        message,
        token,
        outcome,
        at: state.clock.now(),
    })
}

/// Writes the outcome of an attempt, if the claim is still this worker's.
async fn record(
    txn: &DatabaseTransaction,
    state: &AppState,
    attempt: Finished,
    report: &mut DeliveryReport,
) -> Result<(), DbErr> {
    let Finished {
        message,
        token,
        outcome,
        at: done,
    } = attempt;
    let update = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            outbox_message::Column::ClaimToken,
            Expr::value(None::<Uuid>),
        )
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(outbox_message::Column::ClaimToken.eq(token))
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
            let error: String = err.reason.chars().take(500).collect();
            tracing::warn!(message_id = %message.id, attempts = message.attempts, permanent = err.permanent, error = %error, "notification delivery failed");
            let update = update.col_expr(outbox_message::Column::LastError, Expr::value(error));
            if err.permanent || message.attempts >= max_attempts {
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
    update.exec(txn).await?;
    Ok(())
}

/// Delivers due messages until `state.shutdown` is cancelled, pausing when there is nothing
/// to do. A stop lets the message in hand finish (the transport's timeout bounds it) and its
/// outcome be recorded, so the worker ends holding no claim.
pub fn spawn_worker(state: AppState, notifier: Notifier) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let idle = StdDuration::from_millis(state.settings.outbox_poll_ms.max(50));
        let stop = state.shutdown.clone();
        let mut failures = 0u32;
        while !stop.is_cancelled() {
            let pause = match deliver_due(&state, &notifier).await {
                // A full round means more may be waiting: go again at once.
                Ok(report) if report.handled() >= BATCH => {
                    failures = 0;
                    continue;
                }
                Ok(_) => {
                    failures = 0;
                    idle
                }
                Err(err) => {
                    // The database is away: back off (up to a minute) instead of spinning.
                    failures = failures.saturating_add(1);
                    let pause = idle
                        .saturating_mul(2u32.saturating_pow(failures.min(6)))
                        .min(StdDuration::from_secs(60));
                    tracing::warn!(error = %err, retry_in_ms = pause.as_millis(), "outbox round failed; will retry");
                    pause
                }
            };
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
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
