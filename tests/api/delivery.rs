//! Exactly-once delivery against a mail server that is slow, drops connections or refuses
//! (ISSUE 13): a slow server never gets a message twice from two workers, transient failures
//! are retried with backoff, permanent ones fail the message with the server's reason, and
//! where the outcome cannot be known the copy carries the same Message-ID.

use std::sync::Arc;

use chrono::Duration;
use entity::outbox_message::{self, OutboxStatus};
use sea_orm::EntityTrait;
use serde_json::json;
use storedesk::clock::Clock;
use storedesk::config::{MailTransport, Settings};
use storedesk::notifications::outbox::deliver_due;
use tokio::sync::Notify;

use crate::helpers::{Engine, TestApp, run_with};
use crate::smtp::{Fault, SmtpSink};

fn over_smtp(port: u16) -> impl Fn(&mut Settings) + Clone {
    move |s: &mut Settings| {
        s.mail_transport = MailTransport::Smtp;
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
    }
}

/// Registers `n` buyers and asks a password reset for each: `n` emails in the outbox.
async fn reset_mails(app: &TestApp, n: usize) {
    for i in 0..n {
        let email = format!("reader{i}@example.com");
        app.buyer(&email).await;
        let body = app
            .gql(
                "mutation($e: String!) { requestPasswordReset(email: $e) }",
                json!({ "e": email }),
            )
            .await;
        assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    }
}

async fn messages(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
}

fn message_id(message: &outbox_message::Model) -> String {
    format!("<{}@storedesk>", message.id)
}

/// Waits (without a deadline of the test's own) until `check` holds on the outbox.
async fn until_outbox(app: &TestApp, check: impl Fn(&[outbox_message::Model]) -> bool) {
    loop {
        if check(&messages(app).await) {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A server slower than the lease: while it sits on the first message, the clock passes the
/// lease twice over and a second instance delivers. The other message of the batch went out
/// and was recorded meanwhile (a slow message holds back no other), the first worker kept
/// renewing its claim, so the second one finds nothing to send, and each arrives once.
async fn slow_server(engine: Engine) {
    let received = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let sink = SmtpSink::scripted(vec![Fault::Hold {
        received: received.clone(),
        release: release.clone(),
    }])
    .await;
    let settings = over_smtp(sink.port);
    let sibling_settings = settings.clone();
    run_with(engine, settings, |app| async move {
        reset_mails(&app, 2).await;
        let first = {
            let state = app.state.clone();
            tokio::spawn(async move { deliver_due(&state, &state.notifier).await.unwrap() })
        };
        received.notified().await;
        // The slow message holds back no other: the second one arrives and is recorded
        // while the first is held.
        until_outbox(&app, |rows| {
            rows.iter()
                .filter(|m| m.status == OutboxStatus::Sent)
                .count()
                == 1
        })
        .await;
        let held = messages(&app)
            .await
            .into_iter()
            .find(|m| m.status == OutboxStatus::Pending)
            .expect("the slow message is still pending");
        assert!(
            held.claimed_until.is_some(),
            "the message being sent is claimed"
        );
        let lease = Duration::seconds(i64::try_from(app.state.settings.outbox_lease_secs).unwrap());
        // Past the original lease twice over, in steps shorter than a third of it: each step
        // wakes the renewal, which pushes the lease on.
        for _ in 0..6 {
            app.clock.advance(lease / 3 + Duration::seconds(1));
            let now = app.clock.now();
            until_outbox(&app, |rows| {
                rows.iter()
                    .any(|m| m.id == held.id && m.claimed_until.is_some_and(|t| t > now))
            })
            .await;
        }
        let other = app.sibling_with(sibling_settings).await;
        let second = deliver_due(&other.state, &other.state.notifier)
            .await
            .unwrap();
        assert_eq!(
            second,
            Default::default(),
            "nothing left to send: {second:?}"
        );
        release.notify_one();
        let first = first.await.unwrap();
        assert_eq!((first.sent, first.lost), (2, 0), "{first:?}");
        let rows = messages(&app).await;
        assert!(
            rows.iter().all(|m| m.status == OutboxStatus::Sent
                && m.attempts == 1
                && m.claim_token.is_none())
        );
        for row in &rows {
            assert_eq!(
                sink.copies_of(&message_id(row)),
                1,
                "{:?}",
                sink.message_ids()
            );
        }
        other.teardown().await;
    })
    .await;
}

/// `451` is worth another attempt (after the backoff); `550` is final: the message fails at
/// once with the server's words, without using up the attempts.
async fn refusals(engine: Engine) {
    let sink = SmtpSink::scripted(vec![
        Fault::Reply("451 4.7.1 greylisted, try again later"),
        Fault::Reply("550 5.1.1 mailbox unavailable"),
    ])
    .await;
    run_with(engine, over_smtp(sink.port), |app| async move {
        reset_mails(&app, 2).await;
        let report = deliver_due(&app.state, &app.state.notifier).await.unwrap();
        assert_eq!(
            (report.sent, report.retried, report.given_up),
            (0, 1, 1),
            "{report:?}"
        );
        let rows = messages(&app).await;
        let retried = rows
            .iter()
            .find(|m| m.status == OutboxStatus::Pending)
            .unwrap();
        assert!(
            retried.last_error.as_deref().unwrap().contains("451"),
            "{retried:?}"
        );
        assert_eq!(
            retried.next_attempt_at,
            app.clock.now() + Duration::seconds(30)
        );
        assert!(retried.claim_token.is_none() && retried.claimed_until.is_none());
        let failed = rows
            .iter()
            .find(|m| m.status == OutboxStatus::Failed)
            .unwrap();
        assert!(
            failed
                .last_error
                .as_deref()
                .unwrap()
                .contains("mailbox unavailable"),
            "{failed:?}"
        );
        assert_eq!(failed.attempts, 1);
        // Not before the backoff; then it goes through, and the failed one stays failed.
        assert_eq!(
            deliver_due(&app.state, &app.state.notifier).await.unwrap(),
            Default::default()
        );
        app.clock.advance(Duration::seconds(31));
        assert_eq!(
            deliver_due(&app.state, &app.state.notifier)
                .await
                .unwrap()
                .sent,
            1
        );
        assert_eq!(
            sink.copies_of(&message_id(retried)),
            2,
            "refused once, taken once"
        );
        let rows = messages(&app).await;
        assert_eq!(
            rows.iter()
                .filter(|m| m.status == OutboxStatus::Sent)
                .count(),
            1
        );
        assert_eq!(
            rows.iter()
                .filter(|m| m.status == OutboxStatus::Failed)
                .count(),
            1
        );
    })
    .await;
}

/// A connection cut before the message is complete means the server has nothing: the retry
/// delivers the one copy.
async fn dropped_mid_message(engine: Engine) {
    let sink = SmtpSink::scripted(vec![Fault::DropMidMessage]).await;
    run_with(engine, over_smtp(sink.port), |app| async move {
        reset_mails(&app, 1).await;
        let report = deliver_due(&app.state, &app.state.notifier).await.unwrap();
        assert_eq!(report.retried, 1, "{report:?}");
        assert!(sink.message_ids().is_empty());
        app.clock.advance(Duration::seconds(31));
        assert_eq!(
            deliver_due(&app.state, &app.state.notifier)
                .await
                .unwrap()
                .sent,
            1
        );
        let row = messages(&app).await.remove(0);
        assert_eq!((row.status, row.attempts), (OutboxStatus::Sent, 2));
        assert_eq!(sink.copies_of(&message_id(&row)), 1);
    })
    .await;
}

/// The limit of any sender over SMTP: the server took the whole message and the connection
/// died before its answer. Not knowing, we send again, and both copies carry one Message-ID
/// (README "Notifications").
async fn dropped_after_message(engine: Engine) {
    let sink = SmtpSink::scripted(vec![Fault::DropAfterMessage]).await;
    run_with(engine, over_smtp(sink.port), |app| async move {
        reset_mails(&app, 1).await;
        assert_eq!(
            deliver_due(&app.state, &app.state.notifier)
                .await
                .unwrap()
                .retried,
            1
        );
        app.clock.advance(Duration::seconds(31));
        assert_eq!(
            deliver_due(&app.state, &app.state.notifier)
                .await
                .unwrap()
                .sent,
            1
        );
        let row = messages(&app).await.remove(0);
        assert_eq!(row.status, OutboxStatus::Sent);
        let ids = sink.message_ids();
        assert_eq!(ids, vec![message_id(&row), message_id(&row)]);
        assert_eq!(sink.pending_faults(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_mail_server_gets_each_message_once_on_sqlite() {
    slow_server(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_mail_server_gets_each_message_once_on_postgres() {
    slow_server(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_refusals_retry_and_permanent_ones_fail_on_sqlite() {
    refusals(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_refusals_retry_and_permanent_ones_fail_on_postgres() {
    refusals(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_message_is_retried_once_on_sqlite() {
    dropped_mid_message(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_message_is_retried_once_on_postgres() {
    dropped_mid_message(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_message_is_sent_again_under_its_message_id_on_sqlite() {
    dropped_after_message(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_message_is_sent_again_under_its_message_id_on_postgres() {
    dropped_after_message(Engine::Postgres).await;
}
