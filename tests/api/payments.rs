//! Payments outside the write transaction: an attempt is recorded PENDING and committed, the
//! gateway is called with no lock held, and the attempt is settled afterwards; attempts left
//! PENDING by a lost answer or a crash are settled by the sweep.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use storedesk::clock::Clock;
use storedesk::config::{MailTransport, Mode, Settings};

use crate::engine_tests;
use crate::helpers::{TestApp, error_code, error_field};
use crate::shop::{PAY, REQUEST, Shop, ok, pay, place, prepare};

fn card() -> Value {
    json!({ "method": "CARD", "cardBrand": "VISA", "cardLast4": "4242" })
}

async fn order_state(app: &TestApp, shop: &Shop, order: &str) -> Value {
    ok(
        app,
        &shop.buyer_a,
        "query($id: ID!) { order(id: $id) { status payment { status failureReason } } }",
        json!({ "id": order }),
        "order",
    )
    .await
}

async fn new_order(app: &TestApp, shop: &Shop) -> String {
    place(app, &shop.buyer_a, &shop.store_a, 20_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// While the provider takes its time, every other write goes through (on SQLite a lock held
/// across the call would stop them all), and the order cannot be paid twice or cancelled
/// from under the charge.
pub async fn a_slow_gateway_holds_up_nobody_else(app: TestApp) {
    let shop = Shop::open(&app).await;
    let waiting = new_order(&app, &shop).await;
    let paid = new_order(&app, &shop).await;
    pay(&app, &shop.buyer_a, &paid).await;

    let hold = app.gateway.hold_charges();
    let payment = {
        let (client, url, token) = (
            app.client.clone(),
            app.graphql_url(),
            shop.buyer_a.access.clone(),
        );
        let body = json!({ "query": PAY, "variables": { "id": waiting, "input": card() } });
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    hold.entered().await;

    // Writes by others, on other orders and accounts, go through meanwhile.
    prepare(&app, &shop.seller_a, &paid).await;
    place(&app, &shop.buyer_b, &shop.store_b, 9_000).await;
    app.buyer("newcomer@example.com").await;
    // The attempt is on record and visible as such.
    let state = order_state(&app, &shop, &waiting).await;
    assert_eq!(
        (
            state["status"].as_str(),
            state["payment"]["status"].as_str()
        ),
        (Some("PAYMENT_PENDING"), Some("PENDING"))
    );
    // Neither a second payment nor a cancellation slips in.
    let again = app
        .gql_as(
            Some(&shop.buyer_a.access),
            PAY,
            json!({ "id": waiting, "input": card() }),
        )
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE", "{again}");
    let cancel = app
        .gql_as(
            Some(&shop.buyer_a.access),
            REQUEST,
            json!({ "id": waiting, "reason": "CHANGE_OF_MIND" }),
        )
        .await;
    assert_eq!(error_code(&cancel), "INVALID_STATE", "{cancel}");

    hold.release();
    let answer = payment.await.unwrap();
    assert_eq!(answer["data"]["payOrder"]["status"], "PAID", "{answer}");
    assert_eq!(answer["data"]["payOrder"]["payment"]["status"], "PAID");
}

/// The provider charged but the answer never came back: the attempt stays PENDING (never a
/// false failure, never a lost charge) until the sweep asks the provider.
pub async fn a_charge_whose_answer_was_lost_is_settled_by_the_sweep(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = new_order(&app, &shop).await;
    app.gateway.lose_next_answers(1);
    let answer = ok(
        &app,
        &shop.buyer_a,
        PAY,
        json!({ "id": order, "input": card() }),
        "payOrder",
    )
    .await;
    assert_eq!(answer["status"], "PAYMENT_PENDING", "{answer}");
    assert_eq!(answer["payment"]["status"], "PENDING");
    let again = app
        .gql_as(
            Some(&shop.buyer_a.access),
            PAY,
            json!({ "id": order, "input": card() }),
        )
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE");

    // The sweep gives a slow answer time first …
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.payments_settled, 0);
    // … then asks the provider, which did charge.
    app.clock.advance(Duration::minutes(2));
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.payments_settled, 1);
    let state = order_state(&app, &shop, &order).await;
    assert_eq!(
        (
            state["status"].as_str(),
            state["payment"]["status"].as_str()
        ),
        (Some("PAID"), Some("PAID"))
    );
    assert_eq!(app.gateway.charges_made(), 1, "charged exactly once");
    let settled = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("payment.succeeded"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0].actor_id, None, "settled by the sweep");

    // A declined charge whose answer was lost ends declined, with its reason.
    let declined = new_order(&app, &shop).await;
    app.gateway.lose_next_answers(1);
    let input = json!({ "method": "CARD", "cardBrand": "VISA", "cardLast4": "4242", "simulate": "CARD_EXPIRED" });
    ok(
        &app,
        &shop.buyer_a,
        PAY,
        json!({ "id": declined, "input": input }),
        "payOrder",
    )
    .await;
    app.clock.advance(Duration::minutes(2));
    storedesk::jobs::sweep(&app.state).await;
    let state = order_state(&app, &shop, &declined).await;
    assert_eq!(state["status"], "PAYMENT_FAILED");
    assert_eq!(state["payment"]["failureReason"], "CARD_EXPIRED");
    // … and the buyer pays with another method.
    let retried = pay(&app, &shop.buyer_a, &declined).await;
    assert_eq!(retried["status"], "PAID");
}

/// A crash right after the attempt was recorded: the provider never heard of it, so the
/// sweep fails it and the buyer may pay again.
pub async fn an_attempt_the_provider_never_received_fails_and_can_be_paid_again(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = new_order(&app, &shop).await;
    let now = app.clock.now();
    entity::payment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        order_id: Set(order.parse().unwrap()),
        method: Set(entity::payment::PaymentMethod::Card),
        card_brand: Set(Some("VISA".into())),
        card_last4: Set(Some("4242".into())),
        amount: Set(20_000),
        refund_reserved: Set(0),
        refunded_amount: Set(0),
        status: Set(entity::payment::PaymentStatus::Pending),
        failure_reason: Set(None),
        gateway_reference: Set(None),
        created_at: Set(now),
        paid_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    // The database itself keeps one waiting attempt per order.
    let second = entity::payment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        order_id: Set(order.parse().unwrap()),
        method: Set(entity::payment::PaymentMethod::Points),
        card_brand: Set(None),
        card_last4: Set(None),
        amount: Set(20_000),
        refund_reserved: Set(0),
        refunded_amount: Set(0),
        status: Set(entity::payment::PaymentStatus::Pending),
        failure_reason: Set(None),
        gateway_reference: Set(None),
        created_at: Set(now),
        paid_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&app.state.db)
    .await;
    assert!(second.is_err(), "a second PENDING attempt must be refused");

    app.clock.advance(Duration::minutes(2));
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.payments_settled, 1);
    let state = order_state(&app, &shop, &order).await;
    assert_eq!(state["status"], "PAYMENT_FAILED");
    assert_eq!(state["payment"]["failureReason"], "GATEWAY_ERROR");
    assert_eq!(pay(&app, &shop.buyer_a, &order).await["status"], "PAID");
}

fn production(settings: &mut Settings) {
    settings.mode = Mode::Production;
    settings.mail_transport = MailTransport::Smtp;
    settings.smtp_url = Some("smtp://127.0.0.1:2525".to_owned().into());
}

/// The simulator's outcomes are a development tool, not part of the production API.
pub async fn simulated_outcomes_are_refused_in_production(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = new_order(&app, &shop).await;
    let input = json!({ "method": "CARD", "cardBrand": "VISA", "cardLast4": "4242", "simulate": "CARD_DECLINED" });
    let body = app
        .gql_as(
            Some(&shop.buyer_a.access),
            PAY,
            json!({ "id": order, "input": input }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("VALIDATION", "simulate")
    );
    assert_eq!(app.gateway.charges_made(), 0);
}

engine_tests!(
    a_slow_gateway_holds_up_nobody_else,
    a_charge_whose_answer_was_lost_is_settled_by_the_sweep,
    an_attempt_the_provider_never_received_fails_and_can_be_paid_again,
    simulated_outcomes_are_refused_in_production with production,
);
