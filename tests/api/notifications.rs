//! The notification outbox (DOMAIN.md "Notifications"): written with the change, delivered
//! by email (SMTP or `.eml` files) and SMS with retries, exactly once across instances and
//! restarts.

use chrono::Duration;
use entity::outbox_message::{self, OutboxStatus};
use futures_util::future::join_all;
use sea_orm::EntityTrait;
use serde_json::json;
use storedesk::clock::Clock;
use storedesk::config::{MailTransport, Settings};
use storedesk::notifications::outbox::{claim, deliver_due};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, run_with};
use crate::shop::*;
use crate::smtp::SmtpSink;

async fn outbox(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
}

pub async fn notifications_are_written_as_eml_files_and_texts_in_development(app: TestApp) {
    let shop = Shop::open(&app).await;
    let with_phone = app
        .gql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken account { id email } } }",
            json!({ "input": { "email": "phone@example.com", "password": crate::helpers::PASSWORD,
                     "name": "폰 있는 사람", "phone": "010-1234-5678" } }),
        )
        .await;
    let buyer = crate::helpers::session_from(&with_phone, "register");
    let order = place(&app, &buyer, &shop.store_a, 9_000).await;
    let id = order["id"].as_str().unwrap();
    pay(&app, &buyer, id).await;
    request_cancel(&app, &buyer, id).await;
    let report = deliver_mail(&app).await;
    assert_eq!(report.sent, 4, "two emails and two texts: {report:?}");
    let mail: Vec<String> = sent_mail(&app).iter().map(|m| mail_text(m)).collect();
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().all(|m| m.contains("To: phone@example.com")));
    assert!(
        mail.iter()
            .any(|m| m.contains("9,000원이 결제 수단으로 환불됩니다")),
        "{mail:?}"
    );
    let sms_dir = app.state.settings.data_dir.join("sms");
    let texts: Vec<String> = std::fs::read_dir(sms_dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(
        texts.iter().all(|t| t.starts_with("To: 010-1234-5678")),
        "{texts:?}"
    );
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m.status == OutboxStatus::Sent && m.sent_at.is_some())
    );
    // Nothing is sent twice.
    assert_eq!(deliver_mail(&app).await.sent, 0);
}

pub async fn failed_deliveries_are_retried_with_backoff_and_given_up_at_the_limit(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 9_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    // Break the mail directory: a file where the directory should be.
    let dir = app.state.notifier.mail_dir().unwrap().to_path_buf();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    let report = deliver_mail(&app).await;
    assert_eq!((report.sent, report.retried), (0, 2));
    let rows = outbox(&app).await;
    assert!(
        rows.iter().all(|m| m.attempts == 1
            && m.last_error.is_some()
            && m.status == OutboxStatus::Pending)
    );
    assert!(
        rows.iter()
            .all(|m| m.next_attempt_at == app.clock.now() + Duration::seconds(30))
    );
    // Not due yet: nothing happens.
    assert_eq!(deliver_mail(&app).await, Default::default());
    app.clock.advance(Duration::seconds(31));
    assert_eq!(deliver_mail(&app).await.retried, 2);
    assert!(
        outbox(&app).await.iter().all(
            |m| m.attempts == 2 && m.next_attempt_at == app.clock.now() + Duration::seconds(60)
        )
    );
    // Repaired: the next attempt goes through.
    std::fs::remove_file(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    app.clock.advance(Duration::seconds(61));
    assert_eq!(deliver_mail(&app).await.sent, 2);
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m.status == OutboxStatus::Sent)
    );
}

async fn gives_up(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 9_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    let dir = app.state.notifier.mail_dir().unwrap().to_path_buf();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    assert_eq!(deliver_mail(&app).await.retried, 2);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(deliver_mail(&app).await.given_up, 2);
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m.status == OutboxStatus::Failed && m.attempts == 2)
    );
}

fn two_attempts(settings: &mut Settings) {
    settings.outbox_max_attempts = 2;
}

async fn smtp_delivery(app: TestApp, sink: &SmtpSink) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 9_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    assert_eq!(deliver_mail(&app).await.sent, 2);
    let messages = sink.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("To: buyer-a@example.com"))
    );
    assert!(messages.iter().all(|m| m.contains("Message-ID: <")));
}

mod delivery_settings {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gives_up_after_the_last_attempt_on_sqlite() {
        run_with(Engine::Sqlite, two_attempts, gives_up).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gives_up_after_the_last_attempt_on_postgres() {
        run_with(Engine::Postgres, two_attempts, gives_up).await;
    }

    async fn over_smtp(engine: Engine) {
        let sink = SmtpSink::start().await;
        let port = sink.port;
        run_with(
            engine,
            move |s: &mut Settings| {
                s.mail_transport = MailTransport::Smtp;
                s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
            },
            |app| async move { smtp_delivery(app, &sink).await },
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mail_goes_out_over_smtp_on_sqlite() {
        over_smtp(Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mail_goes_out_over_smtp_on_postgres() {
        over_smtp(Engine::Postgres).await;
    }
}

pub async fn two_instances_never_send_one_message_twice(app: TestApp) {
    let other = app.sibling().await;
    let shop = Shop::open(&app).await;
    for _ in 0..15 {
        let order = paid_order(&app, &shop, 1_000).await;
        request_cancel(&app, &shop.buyer_a, &order).await;
    }
    let total = outbox(&app).await.len();
    assert_eq!(total, 30);
    // Both instances deliver at once, round after round, until nothing is left.
    loop {
        let reports = join_all([
            deliver_due(&app.state, &app.state.notifier),
            deliver_due(&other.state, &other.state.notifier),
        ])
        .await;
        let sent: u32 = reports.iter().map(|r| r.as_ref().unwrap().sent).sum();
        if sent == 0 {
            break;
        }
    }
    let mut ids: Vec<String> = sent_mail(&app)
        .into_iter()
        .chain(sent_mail(&other))
        .map(|m| {
            m.lines()
                .find(|l| l.starts_with("Message-ID:"))
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), total, "every message sent");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no message sent twice");
}

pub async fn a_worker_that_dies_mid_delivery_loses_nothing_and_sends_once(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 9_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    // The first instance claims the messages and dies before sending them.
    let claimed = claim(&app.state.db, app.clock.now(), Duration::minutes(5), 20)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // A restarted instance does not touch them while the lease holds…
    let restarted = app.sibling().await;
    assert_eq!(
        deliver_due(&restarted.state, &restarted.state.notifier)
            .await
            .unwrap()
            .sent,
        0
    );
    // …and delivers them once it ends, exactly once.
    app.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    assert_eq!(
        deliver_due(&restarted.state, &restarted.state.notifier)
            .await
            .unwrap()
            .sent,
        2
    );
    app.clock.advance(Duration::minutes(10));
    assert_eq!(
        deliver_due(&restarted.state, &restarted.state.notifier)
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(sent_mail(&restarted).len(), 2);
    assert!(sent_mail(&app).is_empty());
}

/// A seller's rejection reason is the seller's words: a URL in it stays text in the HTML
/// part, so a storedesk-branded email never carries someone else's clickable link; our own
/// links (built from the public URL) still are.
pub async fn only_links_we_build_are_clickable_in_html_mail(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 15_000).await;
    let request = request_cancel(&app, &shop.buyer_a, &order).await["data"]["requestCancellation"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        &shop.seller_a,
        "mutation($id: ID!, $r: String!) { rejectCancellation(requestId: $id, reason: $r) { status } }",
        json!({ "id": request, "r": "이미 출고되었습니다. 환불은 아래에서 받으세요:\nhttps://evil.example/refund" }),
        "rejectCancellation",
    )
    .await;
    app.gql(
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({ "e": shop.buyer_a.email }),
    )
    .await;
    deliver_mail(&app).await;
    let mails: Vec<String> = sent_mail(&app).iter().map(|raw| mail_text(raw)).collect();
    let rejection = mails
        .iter()
        .find(|m| m.contains("evil.example"))
        .expect("the rejection email");
    assert!(rejection.contains("<html"), "has an HTML part");
    assert!(!rejection.contains("href=\"https://evil"), "{rejection}");
    let reset = mails
        .iter()
        .find(|m| m.contains("reset-password?token="))
        .expect("the reset email");
    let ours = format!(
        "href=\"{}/reset-password?token=",
        app.state.settings.public_url
    );
    assert!(reset.contains(&ours), "{reset}");
}

engine_tests!(
    only_links_we_build_are_clickable_in_html_mail,
    notifications_are_written_as_eml_files_and_texts_in_development,
    failed_deliveries_are_retried_with_backoff_and_given_up_at_the_limit,
    two_instances_never_send_one_message_twice,
    a_worker_that_dies_mid_delivery_loses_nothing_and_sends_once,
);
