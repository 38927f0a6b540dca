//! Outbox delivery: claim a batch of due messages, hand them to the transport, record the
//! outcomes.
//!
//! A worker claims up to a batch of messages at once: a lease (`claimed_until`) and a token
//! of its own (`claim_token`), taken in one statement (on PostgreSQL the candidate rows are
//! locked with `FOR UPDATE SKIP LOCKED`, on SQLite the statement runs under the write lock),
//! so instances running side by side never take the same message. It sends the batch's
//! messages side by side, so a slow one holds back no other, and while any is in flight it
//! renews the batch's lease every third of its length; renewals and the outcomes name the
//! token, so a worker that lost its claims changes nothing. A slow mail server therefore
//! never lets a second worker send the same message. Outcomes are written as turns to write
//! allow (see `send_batch`): under a sustained write load each turn carries many, which is
//! what lets delivery keep up. A worker that dies only delays its batch until the lease
//! ends; the messages it had sent but not yet recorded are then sent again (below).
//!
//! What no design can promise over SMTP: when the server has the whole message but its
//! answer never arrives (the connection drops, the send times out, the process is killed
//! between the answer and the record), the outcome is unknown and the message is sent again,
//! with the same Message-ID, so receiving systems can tell the copy. The file transport
//! writes `<id>.eml` atomically, so there a second attempt replaces the first.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::outbox_message::{self, OutboxStatus};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    Statement,
};
use uuid::Uuid;

use super::transport::{DeliveryError, Notifier};
use crate::db;
use crate::state::AppState;

/// Messages claimed together: a round, after which the worker looks at its stop signal and
/// the pause. Also the most messages a worker killed mid-round can leave sent but
/// unrecorded (each then sent once more, after the lease).
pub const BATCH: u32 = 20;
/// Messages of a batch sent at once (connections to the mail server).
const IN_FLIGHT: usize = 4;
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

    fn absorb(&mut self, other: Self) {
        self.sent += other.sent;
        self.retried += other.retried;
        self.given_up += other.given_up;
        self.lost += other.lost;
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

/// Extends the claims `token` holds until `until`; how many it still holds (fewer than it
/// took once another worker has taken some over, or they are no longer pending).
async fn renew(
    conn: &impl ConnectionTrait,
    token: Uuid,
    until: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let renewed = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(until))
        .filter(outbox_message::Column::ClaimToken.eq(token))
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending))
        .exec(conn)
        .await?;
    Ok(renewed.rows_affected)
}

fn lease_of(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.settings.outbox_lease_secs).unwrap_or(300))
}

/// Claims a batch of due messages, sends them side by side and records their outcomes: one
/// round. Safe to run from several instances at once.
///
/// The claim is one turn to write whatever the batch's size (see `db::begin_write`), and
/// the outcomes share turns: under a sustained write load, a worker taking two turns per
/// message fell further behind every second. A stopping process finishes the batch in hand
/// (the transport's timeout bounds it), so it ends holding no claim.
pub async fn deliver_due(state: &AppState, notifier: &Notifier) -> Result<DeliveryReport, DbErr> {
    let mut report = DeliveryReport::default();
    if state.shutdown.is_cancelled() {
        return Ok(report);
    }
    let claimed = {
        let txn = db::begin_write(&state.db).await?;
        let rows = claim(&txn, state.clock.now(), lease_of(state), u64::from(BATCH)).await?;
        txn.commit().await?;
        rows
    };
    let Some(token) = claimed.first().and_then(|message| message.claim_token) else {
        return Ok(report);
    };
    send_batch(state, notifier, claimed, token, &mut report).await?;
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

/// Sends the messages of a batch this worker holds under `token`, up to [`IN_FLIGHT`] at
/// once so a slow message holds back none of the others, renewing the batch's lease while
/// any is in flight, and records the outcomes as they come.
///
/// Outcomes are written as soon as a turn to write allows: the first finished message starts
/// a transaction, and the messages that finish while it waits for its turn go into the
/// next. Alone on the database that is about one transaction per message; under a write
/// load a turn is scarce and each carries many. What a kill leaves sent but unrecorded (each
/// sent once more after the lease) is what finished during the last wait for a turn, not
/// the whole batch.
async fn send_batch(
    state: &AppState,
    notifier: &Notifier,
    batch: Vec<outbox_message::Model>,
    token: Uuid,
    report: &mut DeliveryReport,
) -> Result<(), DbErr> {
    let held = batch.len();
    let lease = lease_of(state);
    let mut held_until = state.clock.now() + lease;
    let mut sends = futures_util::stream::iter(batch.into_iter().map(|message| async move {
        let outcome = notifier.deliver(&message).await;
        Finished {
            at: state.clock.now(),
            message,
            token,
            outcome,
        }
    }))
    .buffer_unordered(IN_FLIGHT);
    let mut sending = true;
    // Finished and not yet in a transaction; in the transaction under way; written.
    let mut waiting: Vec<Finished> = Vec::new();
    let mut recording: Option<BoxFuture<'_, Result<DeliveryReport, DbErr>>> = None;
    let (mut in_recording, mut recorded, mut finished) = (0, 0, 0);
    loop {
        if recording.is_none() && !waiting.is_empty() {
            let attempts = std::mem::take(&mut waiting);
            in_recording = attempts.len();
            recording = Some(Box::pin(record_all(state, attempts)));
        }
        if !sending && recording.is_none() {
            break;
        }
        let renew_at = held_until - lease + lease / 3;
        tokio::select! {
            attempt = sends.next(), if sending => match attempt {
                Some(attempt) => {
                    finished += 1;
                    waiting.push(attempt);
                }
                None => sending = false,
            },
            written = async {
                match recording.as_mut() {
                    Some(written) => written.await,
                    None => std::future::pending().await,
                }
            }, if recording.is_some() => {
                recording = None;
                report.absorb(written?);
                recorded += in_recording;
                in_recording = 0;
            },
            () = state.clock.sleep_until(renew_at), if sending => {
                let until = state.clock.now() + lease;
                // Still pending under the token: every message not yet written (the
                // transaction under way may or may not have committed).
                let least = held - recorded - in_recording;
                match renew(&state.db, token, until).await {
                    Ok(renewed) if usize::try_from(renewed).is_ok_and(|n| n >= least) => {
                        held_until = until;
                    }
                    Ok(_) => sending = false,
                    // The database is away: keep sending while the lease still holds (nobody
                    // else can take the messages before it ends); past it, give them up to
                    // whoever claims them next rather than race them.
                    Err(err) if state.clock.now() < held_until => {
                        tracing::warn!(claim = %token, error = %err, "cannot renew outbox claims; retrying");
                    }
                    Err(_) => sending = false,
                }
            }
        }
    }
    let lost = held - finished;
    if lost > 0 {
        tracing::warn!(claim = %token, lost, "lost the claim on outbox messages while sending them; their outcome is left to the new holder");
        report.lost += u32::try_from(lost).unwrap_or(u32::MAX);
    }
    Ok(())
}

/// Writes the outcomes of `attempts` in one transaction, in one turn to write.
async fn record_all(state: &AppState, attempts: Vec<Finished>) -> Result<DeliveryReport, DbErr> {
    let mut report = DeliveryReport::default();
    let txn = db::begin_write(&state.db).await?;
    for attempt in attempts {
        record(&txn, state, attempt, &mut report).await?;
    }
    txn.commit().await?;
    Ok(report)
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
/// to do. A stop lets the batch in hand finish (the transport's timeout bounds it) and its
/// outcomes be recorded, so the worker ends holding no claim.
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
