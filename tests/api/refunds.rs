//! Refunds (DOMAIN.md "Refunds"): partial refunds, idempotency, gateway failures and retries,
//! the legal deadline, and the invariant under concurrency and random operation sequences.

use chrono::Duration;
use futures_util::future::join_all;
use proptest::prelude::*;
use serde_json::{Value, json};
use storedesk::clock::Clock;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, error_code, error_field, several_workers};
use crate::shop::*;

fn refund_of(body: &Value) -> &Value {
    &body["data"]["createRefund"]
}

pub async fn partial_refunds_add_up_to_the_amount_paid_and_no_further(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 50_000).await;
    let first = create_refund(&app, &shop.seller_a, &order, 20_000, "k-1").await;
    assert_eq!(refund_of(&first)["status"], "COMPLETED", "{first}");
    let seen = order_as(&app, &shop.buyer_a, &order).await;
    assert_eq!(seen["payment"]["status"], "PARTIALLY_REFUNDED");
    assert_eq!(seen["payment"]["refundedAmount"], 20_000);
    assert_eq!(seen["refundableAmount"], 30_000);

    let too_much = create_refund(&app, &shop.agent, &order, 30_001, "k-2").await;
    assert_eq!(error_code(&too_much), "INVALID_STATE");
    assert!(
        too_much["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("30000"),
        "{too_much}"
    );
    let rest = create_refund(&app, &shop.agent, &order, 30_000, "k-3").await;
    assert_eq!(refund_of(&rest)["status"], "COMPLETED");
    let seen = order_as(&app, &shop.buyer_a, &order).await;
    assert_eq!(seen["payment"]["status"], "REFUNDED");
    assert_eq!(seen["refundableAmount"], 0);
    assert_eq!(seen["refunds"].as_array().unwrap().len(), 2);

    for (amount, field) in [(0, "amount"), (-5, "amount")] {
        let body = create_refund(&app, &shop.agent, &order, amount, "k-4").await;
        assert_eq!(error_field(&body), field);
    }
    let unpaid = place(&app, &shop.buyer_a, &shop.store_a, 5_000).await;
    let body = create_refund(
        &app,
        &shop.seller_a,
        unpaid["id"].as_str().unwrap(),
        1_000,
        "k-5",
    )
    .await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    // A buyer cannot refund; another seller cannot see the order.
    assert_eq!(
        error_code(&create_refund(&app, &shop.buyer_a, &order, 1, "k-6").await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&create_refund(&app, &shop.seller_b, &order, 1, "k-7").await),
        "NOT_FOUND"
    );
}

pub async fn the_same_idempotency_key_gives_the_same_refund(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 50_000).await;
    let first = create_refund(&app, &shop.seller_a, &order, 10_000, "same-key").await;
    let again = create_refund(&app, &shop.seller_a, &order, 10_000, "same-key").await;
    assert_eq!(refund_of(&first)["id"], refund_of(&again)["id"]);
    let different = create_refund(&app, &shop.seller_a, &order, 12_000, "same-key").await;
    assert_eq!(error_code(&different), "CONFLICT");
    assert_eq!(error_field(&different), "idempotencyKey");
    let seen = order_as(&app, &shop.agent, &order).await;
    assert_eq!(seen["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(seen["refundableAmount"], 40_000);

    // Ten concurrent submissions of one key make one refund.
    let racing =
        join_all((0..10).map(|_| create_refund(&app, &shop.seller_a, &order, 5_000, "raced-key")))
            .await;
    let ids: std::collections::BTreeSet<String> = racing
        .iter()
        .map(|body| {
            refund_of(body)["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{racing:?}");
    assert_eq!(
        order_as(&app, &shop.agent, &order).await["refundableAmount"],
        35_000
    );
}

pub async fn a_failed_refund_frees_its_amount_and_can_be_retried(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 50_000).await;
    app.gateway.fail_next_refunds(1);
    let failed = create_refund(&app, &shop.seller_a, &order, 50_000, "fails-once").await;
    let refund = refund_of(&failed);
    assert_eq!(refund["status"], "FAILED", "{failed}");
    assert!(refund["failureReason"].is_string());
    assert_eq!(refund["attempts"], 1);
    // A failed refund does not count against the payment.
    assert_eq!(
        order_as(&app, &shop.agent, &order).await["refundableAmount"],
        50_000
    );
    let retry =
        "mutation($id: ID!) { retryRefund(refundId: $id) { id status attempts failureReason } }";
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_b),
            retry,
            json!({ "id": refund["id"] })
        )
        .await,
        "NOT_FOUND"
    );
    let retried = ok(
        &app,
        &shop.seller_a,
        retry,
        json!({ "id": refund["id"] }),
        "retryRefund",
    )
    .await;
    assert_eq!(retried["status"], "COMPLETED");
    assert_eq!(retried["attempts"], 2);
    assert_eq!(retried["id"], refund["id"]);
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_a),
            retry,
            json!({ "id": refund["id"] })
        )
        .await,
        "INVALID_STATE"
    );
    let seen = order_as(&app, &shop.agent, &order).await;
    assert_eq!(seen["payment"]["status"], "REFUNDED");
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com")
            .await
            .last()
            .unwrap(),
        "refund.completed"
    );
}

pub async fn refunds_are_due_in_three_business_days_and_overdue_ones_are_listed(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    // Thursday 2026-11-05 10:00 KST.
    app.clock.advance(Duration::days(2) + Duration::hours(16));
    shop.sign_in_again(&app).await;
    let order = delivered_order(&app, &shop, 50_000).await;
    app.gateway.fail_next_refunds(1);
    let body = create_refund(&app, &shop.seller_a, &order, 10_000, "due").await;
    // Thursday + 3 business days skips the weekend: Tuesday.
    assert_eq!(
        refund_of(&body)["dueAt"],
        "2026-11-10T01:00:00+00:00",
        "{body}"
    );
    let overdue =
        "{ refunds(filter: { overdue: true }) { totalCount edges { node { id overdue } } } }";
    assert_eq!(
        ok(&app, &shop.agent, overdue, json!({}), "refunds").await["totalCount"],
        0
    );
    app.clock.advance(Duration::days(5) + Duration::minutes(1));
    shop.sign_in_again(&app).await;
    let listed = ok(&app, &shop.agent, overdue, json!({}), "refunds").await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["edges"][0]["node"]["overdue"], true);
    assert_eq!(
        ok(&app, &shop.seller_b, overdue, json!({}), "refunds").await["totalCount"],
        0
    );
}

pub async fn concurrent_refunds_never_exceed_the_amount_paid(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 10_000).await;
    // Twenty racing refunds of 3,000 won on a 10,000 won payment: three fit.
    let bodies = join_all((0..20).map(|i| {
        let who = if i % 2 == 0 {
            &shop.seller_a
        } else {
            &shop.agent
        };
        let key = format!("race-{i}");
        let app = &app;
        let order = &order;
        async move { create_refund(app, who, order, 3_000, &key).await }
    }))
    .await;
    let completed = bodies
        .iter()
        .filter(|b| refund_of(b)["status"] == "COMPLETED")
        .count();
    let refused: Vec<&str> = bodies
        .iter()
        .filter(|b| b["errors"].is_array())
        .map(error_code)
        .collect();
    assert_eq!(completed, 3, "{bodies:?}");
    assert!(
        refused.iter().all(|code| *code == "INVALID_STATE"),
        "{refused:?}"
    );
    assert_invariant(&app).await;
}

/// Sum of refunds not FAILED ≤ amount paid, the reservation equals that sum, and the
/// refunded amount equals the COMPLETED sum — for every payment in the database.
pub async fn assert_invariant(app: &TestApp) {
    use entity::refund::RefundStatus;
    use sea_orm::EntityTrait;
    let refunds = entity::refund::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    for payment in entity::payment::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let mine = refunds.iter().filter(|r| r.payment_id == payment.id);
        let live: i64 = mine
            .clone()
            .filter(|r| r.status != RefundStatus::Failed)
            .map(|r| r.amount)
            .sum();
        let done: i64 = mine
            .filter(|r| r.status == RefundStatus::Completed)
            .map(|r| r.amount)
            .sum();
        assert!(
            live <= payment.amount,
            "refunds {live} exceed payment {}",
            payment.amount
        );
        assert_eq!(payment.refund_reserved, live);
        assert_eq!(payment.refunded_amount, done);
    }
}

engine_tests!(
    a_refund_a_crash_left_behind_is_sent_by_the_sweep,
    a_new_refund_whose_sender_died_is_sent_once_its_claim_is_stale,
    partial_refunds_add_up_to_the_amount_paid_and_no_further,
    the_same_idempotency_key_gives_the_same_refund with several_workers,
    a_failed_refund_frees_its_amount_and_can_be_retried,
    refunds_are_due_in_three_business_days_and_overdue_ones_are_listed,
    concurrent_refunds_never_exceed_the_amount_paid with several_workers,
);

/// One step of a random refund history.
#[derive(Debug, Clone)]
enum Op {
    /// Refund `amount` with key number `key` (keys repeat on purpose).
    Refund { amount: i64, key: u8 },
    /// Make the next `n` gateway refunds fail.
    FailNext(u8),
    /// Retry the `n`-th refund made so far (if any).
    Retry(u8),
    /// The buyer asks to cancel/return (full refund of what is left, through the request).
    Return,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..=6_000, 0u8..6).prop_map(|(amount, key)| Op::Refund { amount, key }),
        1 => (1u8..3).prop_map(Op::FailNext),
        2 => (0u8..8).prop_map(Op::Retry),
        1 => Just(Op::Return),
    ]
}

async fn replay(app: &TestApp, shop: &Shop, ops: &[Op]) {
    let order = delivered_order(app, shop, 10_000).await;
    let mut refund_ids: Vec<String> = Vec::new();
    for op in ops {
        match op {
            Op::Refund { amount, key } => {
                let body = create_refund(
                    app,
                    &shop.seller_a,
                    &order,
                    *amount,
                    &format!("{order}-{key}-{amount}"),
                )
                .await;
                if let Some(id) = refund_of(&body)["id"].as_str() {
                    refund_ids.push(id.to_owned());
                } else {
                    assert!(
                        ["INVALID_STATE", "CONFLICT"].contains(&error_code(&body)),
                        "{body}"
                    );
                }
            }
            Op::FailNext(n) => app.gateway.fail_next_refunds(u32::from(*n)),
            Op::Retry(n) => {
                if let Some(id) = refund_ids.get(usize::from(*n)) {
                    let body = app
                        .gql_as(
                            Some(&shop.agent.access),
                            "mutation($id: ID!) { retryRefund(refundId: $id) { status } }",
                            json!({ "id": id }),
                        )
                        .await;
                    if body["errors"].is_array() {
                        assert_eq!(error_code(&body), "INVALID_STATE", "{body}");
                    }
                }
            }
            Op::Return => {
                let body = request_return(app, &shop.buyer_a, &order, None).await;
                if let Some(id) = body["data"]["requestCancellation"]["id"].as_str() {
                    ok(
                        app,
                        &shop.seller_a,
                        "mutation($id: ID!) { approveCancellation(requestId: $id) { status } }",
                        json!({ "id": id }),
                        "approveCancellation",
                    )
                    .await;
                }
            }
        }
        assert_invariant(app).await;
    }
}

/// Each case replays its history on a database of its own, so a case (and the shrunk history
/// proptest reports when one fails) starts from the same state when it is run again.
fn property(engine: Engine, cases: u32) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let result = proptest::test_runner::TestRunner::new(config).run(
        &proptest::collection::vec(op(), 1..12),
        |ops| {
            runtime.block_on(async {
                let app = TestApp::spawn(engine).await;
                let shop = Shop::open(&app).await;
                replay(&app, &shop, &ops).await;
                app.teardown().await;
            });
            Ok(())
        },
    );
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn random_refund_histories_keep_the_invariant_on_sqlite() {
    property(Engine::Sqlite, 24);
}

#[test]
fn random_refund_histories_keep_the_invariant_on_postgres() {
    property(Engine::Postgres, 24);
}

/// The sweep sends refund `id` again, once: it completes on its second attempt and the
/// payment's refunds still add up.
async fn resent_once(app: &TestApp, id: uuid::Uuid) {
    use sea_orm::EntityTrait;
    assert_eq!(storedesk::jobs::sweep(&app.state).await.refunds_resumed, 1);
    assert_eq!(storedesk::jobs::sweep(&app.state).await.refunds_resumed, 0);
    let refund = entity::refund::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refund.status, entity::refund::RefundStatus::Completed);
    assert_eq!(refund.attempts, 2);
    assert_invariant(app).await;
}

/// Undoes a completed refund as a process that died before the gateway call would have left
/// it: `status`, updated now, and its payment's refunded amount back to nothing.
async fn unsend(app: &TestApp, id: uuid::Uuid, status: entity::refund::RefundStatus) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    entity::refund::ActiveModel {
        id: Set(id),
        status: Set(status),
        completed_at: Set(None),
        updated_at: Set(app.clock.now()),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    entity::payment::Entity::update_many()
        .col_expr(
            entity::payment::Column::RefundedAmount,
            sea_orm::sea_query::Expr::value(0),
        )
        .col_expr(
            entity::payment::Column::Status,
            sea_orm::sea_query::Expr::value(entity::payment::PaymentStatus::Paid),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
}

/// A refund left REQUESTED by a crash (a failed one put back for a retry, never sent to the
/// gateway) is sent by the sweep, once.
pub async fn a_refund_a_crash_left_behind_is_sent_by_the_sweep(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 20_000).await;
    let body = create_refund(&app, &shop.seller_a, &order, 5_000, "crash").await;
    let id: uuid::Uuid = refund_of(&body)["id"].as_str().unwrap().parse().unwrap();
    // Put it back as a crash between commit and gateway call would have left it.
    unsend(&app, id, entity::refund::RefundStatus::Requested).await;
    assert_eq!(
        storedesk::jobs::sweep(&app.state).await.refunds_resumed,
        0,
        "too fresh"
    );
    app.clock.advance(Duration::minutes(2));
    resent_once(&app, id).await;
}

/// A new refund is opened already claimed by the request that opened it. If that process
/// dies before the provider call, the refund waits in PROCESSING until the claim is stale,
/// then the sweep sends it, once.
pub async fn a_new_refund_whose_sender_died_is_sent_once_its_claim_is_stale(app: TestApp) {
    use sea_orm::EntityTrait;
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 20_000).await;
    let body = create_refund(&app, &shop.seller_a, &order, 5_000, "died").await;
    let id: uuid::Uuid = refund_of(&body)["id"].as_str().unwrap().parse().unwrap();
    let opened = entity::refund::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        opened.attempts, 1,
        "opened and sent once, with no claim of its own"
    );
    // Put it back as a sender that died after the commit would have left it.
    unsend(&app, id, entity::refund::RefundStatus::Processing).await;
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        storedesk::jobs::sweep(&app.state).await.refunds_resumed,
        0,
        "its claim still holds"
    );
    app.clock
        .advance(storedesk::refunds::service::STALE_PROCESSING);
    resent_once(&app, id).await;
}
