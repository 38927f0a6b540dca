//! Orders, payments and shipments (DOMAIN.md "Orders, payments, shipments").

use chrono::Duration;
use serde_json::{Value, json};
use storedesk::clock::Clock;

use crate::engine_tests;
use crate::helpers::{TestApp, error_field};
use crate::shop::*;

pub async fn an_order_walks_the_main_path_and_refuses_illegal_moves(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = place(&app, &shop.buyer_a, &shop.store_a, 30_000).await;
    assert_eq!(order["status"], "PAYMENT_PENDING");
    assert_eq!(order["totalAmount"], 30_000);
    assert_eq!(order["currency"], "KRW");
    let number = order["orderNumber"].as_str().unwrap();
    // 2026-11-02 09:00 UTC is 18:00 in Korea, same date.
    assert_eq!(number, "20261102-000001");
    let id = order["id"].as_str().unwrap();

    let paid = pay(&app, &shop.buyer_a, id).await;
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["payment"]["cardBrand"], "VISA");
    assert_eq!(paid["payment"]["cardLast4"], "4242");
    assert_eq!(paid["payment"]["status"], "PAID");

    // Shipping before preparing is an illegal move, with the current state in the message.
    let body = app
        .gql_as(
            Some(&shop.seller_a.access),
            SHIP,
            json!({ "id": id, "at": app.clock.now() + Duration::days(2) }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_STATE");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PAID"),
        "{body}"
    );

    assert_eq!(
        prepare(&app, &shop.seller_a, id).await["status"],
        "PREPARING"
    );
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_a),
            "mutation($id: ID!) { markPreparing(orderId: $id) { id } }",
            json!({ "id": id })
        )
        .await,
        "INVALID_STATE"
    );
    ship(
        &app,
        &shop.seller_a,
        id,
        app.clock.now() + Duration::days(2),
    )
    .await;
    assert_eq!(
        deliver(&app, &shop.seller_a, id).await["status"],
        "DELIVERED"
    );
    let confirmed = ok(
        &app,
        &shop.buyer_a,
        "mutation($id: ID!) { confirmPurchase(orderId: $id) { status } }",
        json!({ "id": id }),
        "confirmPurchase",
    )
    .await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    let seen = order_as(&app, &shop.agent, id).await;
    assert_eq!(seen["shipment"]["events"].as_array().unwrap().len(), 1);
    assert!(seen["shipment"]["deliveredAt"].is_string());

    // Numbers run on per day.
    let second = place(&app, &shop.buyer_b, &shop.store_b, 1_000).await;
    assert_eq!(second["orderNumber"], "20261102-000002");
    let by_number = ok(
        &app,
        &shop.buyer_a,
        "query($n: String!) { orderByNumber(orderNumber: $n) { id } }",
        json!({ "n": number }),
        "orderByNumber",
    )
    .await;
    assert_eq!(by_number["id"], id);
}

pub async fn a_failed_payment_keeps_its_reason_and_can_be_retried_with_another_method(
    app: TestApp,
) {
    let shop = Shop::open(&app).await;
    for reason in [
        "CARD_EXPIRED",
        "INSUFFICIENT_FUNDS",
        "CARD_DECLINED",
        "INVALID_PAYMENT_INFO",
        "GATEWAY_ERROR",
    ] {
        let order = place(&app, &shop.buyer_a, &shop.store_a, 12_000).await;
        let id = order["id"].as_str().unwrap();
        let failed = ok(
            &app,
            &shop.buyer_a,
            PAY,
            json!({ "id": id, "input": { "method": "CARD", "cardBrand": "신한", "cardLast4": "1234", "simulate": reason } }),
            "payOrder",
        )
        .await;
        assert_eq!(failed["status"], "PAYMENT_FAILED");
        assert_eq!(failed["payment"]["status"], "FAILED");
        assert_eq!(failed["payment"]["failureReason"], reason);

        let retried = ok(
            &app,
            &shop.buyer_a,
            PAY,
            json!({ "id": id, "input": { "method": "BANK_TRANSFER" } }),
            "payOrder",
        )
        .await;
        assert_eq!(retried["status"], "PAID");
        assert_eq!(retried["payment"]["method"], "BANK_TRANSFER");
        assert!(retried["payment"]["failureReason"].is_null());
        // Paying a paid order again is refused.
        assert_eq!(
            fails(
                &app,
                Some(&shop.buyer_a),
                PAY,
                json!({ "id": id, "input": { "method": "POINTS" } })
            )
            .await,
            "INVALID_STATE"
        );
    }
}

pub async fn full_card_numbers_are_refused_and_never_stored(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = place(&app, &shop.buyer_a, &shop.store_a, 12_000).await;
    let id = order["id"].as_str().unwrap();
    for input in [
        json!({ "method": "CARD", "cardBrand": "VISA", "cardLast4": "4111111111111111" }),
        json!({ "method": "CARD", "cardBrand": "4111 1111 1111 1111", "cardLast4": "1111" }),
        json!({ "method": "CARD", "cardBrand": "VISA" }),
        json!({ "method": "BANK_TRANSFER", "cardLast4": "1111" }),
    ] {
        let body = app
            .gql_as(
                Some(&shop.buyer_a.access),
                PAY,
                json!({ "id": id, "input": input }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
    }
    let body = app
        .gql_as(
            Some(&shop.buyer_a.access),
            REQUEST,
            json!({ "id": id, "reason": "OTHER", "details": "카드번호 4111-1111-1111-1111 로 다시 결제해 주세요" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    assert_eq!(error_field(&body), "details");
    let seen = order_as(&app, &shop.buyer_a, id).await;
    assert!(seen["payment"].is_null());
    assert_eq!(seen["status"], "PAYMENT_PENDING");
}

pub async fn bad_orders_are_refused_with_the_field_named(app: TestApp) {
    let shop = Shop::open(&app).await;
    let place_doc = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }";
    for (items, field) in [
        (json!([]), "items"),
        (
            json!([{ "productName": "x", "quantity": 0, "unitPrice": 100 }]),
            "quantity",
        ),
        (
            json!([{ "productName": "x", "quantity": 1, "unitPrice": -5 }]),
            "unitPrice",
        ),
        (
            json!([{ "productName": " ", "quantity": 1, "unitPrice": 100 }]),
            "productName",
        ),
        (
            json!([{ "productName": "x", "quantity": 1, "unitPrice": 0 }]),
            "items",
        ),
    ] {
        let body = app
            .gql_as(
                Some(&shop.buyer_a.access),
                place_doc,
                json!({ "input": { "storeId": shop.store_a, "items": items } }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        assert_eq!(error_field(&body), field, "{body}");
    }
    let body = app
        .gql_as(
            Some(&shop.buyer_a.access),
            place_doc,
            json!({ "input": { "storeId": "0190c000-0000-7000-8000-000000000000",
                    "items": [{ "productName": "x", "quantity": 1, "unitPrice": 100 }] } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let count = ok(
        &app,
        &shop.agent,
        "{ orders { totalCount } }",
        json!({}),
        "orders",
    )
    .await;
    assert_eq!(count["totalCount"], 0);
}

/// Order ids in `orders(filter:)` as seller A, the agent and seller B.
async fn listed(app: &TestApp, shop: &Shop, filter: serde_json::Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for who in [&shop.seller_a, &shop.agent, &shop.seller_b] {
        let page = ok(
            app,
            who,
            "query($f: OrderFilter) { orders(filter: $f) { edges { node { id } } } }",
            json!({ "f": filter }),
            "orders",
        )
        .await;
        out.push(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
    }
    out
}

pub async fn late_and_stalled_parcels_follow_the_clock_and_are_listed(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let late = preparing_order(&app, &shop, 20_000).await;
    ship(
        &app,
        &shop.seller_a,
        &late,
        app.clock.now() + Duration::days(2),
    )
    .await;
    let fine = preparing_order(&app, &shop, 20_000).await;
    ship(
        &app,
        &shop.seller_a,
        &fine,
        app.clock.now() + Duration::days(10),
    )
    .await;

    assert_eq!(
        listed(&app, &shop, json!({ "delayed": true })).await,
        vec![Vec::<String>::new(); 3]
    );

    app.clock.advance(Duration::days(3) + Duration::hours(1));
    shop.sign_in_again(&app).await;
    let delayed = listed(&app, &shop, json!({ "delayed": true })).await;
    assert_eq!(delayed[0], vec![late.clone()]);
    assert_eq!(delayed[1], vec![late.clone()]);
    assert!(delayed[2].is_empty(), "another seller sees nothing");
    // No event for 72 hours: both parcels have stalled.
    assert_eq!(
        listed(&app, &shop, json!({ "stalled": true })).await[1].len(),
        2
    );
    let seen = order_as(&app, &shop.agent, &late).await;
    assert_eq!(seen["shipment"]["delayed"], true);
    assert_eq!(seen["shipment"]["stalled"], true);

    // A fresh tracking event un-stalls a parcel; delivery clears both flags.
    ok(
        &app,
        &shop.seller_a,
        "mutation($id: ID!) { addShipmentEvent(orderId: $id, status: IN_TRANSIT, description: \"옥천HUB 간선상차\") { id } }",
        json!({ "id": fine }),
        "addShipmentEvent",
    )
    .await;
    assert_eq!(
        listed(&app, &shop, json!({ "stalled": true })).await[1],
        vec![late.clone()]
    );
    ok(
        &app,
        &shop.seller_a,
        "mutation($id: ID!) { addShipmentEvent(orderId: $id, status: DELIVERED, description: \"배송완료\") { status } }",
        json!({ "id": late }),
        "addShipmentEvent",
    )
    .await;
    let seen = order_as(&app, &shop.agent, &late).await;
    assert_eq!(seen["status"], "DELIVERED");
    assert_eq!(seen["shipment"]["delayed"], false);
    assert_eq!(seen["shipment"]["stalled"], false);
    assert!(listed(&app, &shop, json!({ "delayed": true })).await[1].is_empty());
}

pub async fn a_new_expected_delivery_date_is_sent_to_the_buyer(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 20_000).await;
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(2),
    )
    .await;
    let new_date = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 9, 3, 0, 0).unwrap();
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!, $at: DateTime!) { updateExpectedDelivery(orderId: $id, expectedDeliveryAt: $at, reason: \"택배사 물량 폭주\") { id } }",
        json!({ "id": order, "at": new_date }),
        "updateExpectedDelivery",
    )
    .await;
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec!["order.shipped", "shipment.delivery_date_changed"]
    );
    let report = deliver_mail(&app).await;
    assert_eq!(report.sent, 2, "{report:?} {:?}", outbox_errors(&app).await);
    let mail: Vec<String> = sent_mail(&app).iter().map(|m| mail_text(m)).collect();
    assert!(
        mail.iter()
            .any(|m| m.contains("2026년 11월 9일로 변경되었습니다")
                && m.contains("To: buyer-a@example.com")),
        "{mail:?}"
    );
    let seen = order_as(&app, &shop.buyer_a, &order).await;
    assert_eq!(
        seen["shipment"]["expectedDeliveryAt"],
        "2026-11-09T03:00:00+00:00"
    );
}

/// A page of orders, and an order by id or number, reads the buyer, the store, the newest
/// payment and the shipment in the order's own statement: the right rows on every kind of
/// page (the newest of two payment attempts, none where there is none), no statement more
/// than the bare page, and no other buyer's order.
pub async fn a_page_reads_buyer_store_payment_and_shipment_with_its_orders(app: TestApp) {
    let shop = Shop::open(&app).await;
    // Unpaid (no payment, no shipment), failed then paid by transfer (two attempts: the
    // newest shows), shipped, and another buyer's.
    let unpaid = place(&app, &shop.buyer_a, &shop.store_a, 11_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let retried = place(&app, &shop.buyer_a, &shop.store_a, 12_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for input in [
        json!({ "method": "CARD", "cardBrand": "신한", "cardLast4": "1234", "simulate": "CARD_DECLINED" }),
        json!({ "method": "BANK_TRANSFER" }),
    ] {
        ok(
            &app,
            &shop.buyer_a,
            PAY,
            json!({ "id": retried, "input": input }),
            "payOrder",
        )
        .await;
    }
    let shipped = preparing_order(&app, &shop, 13_000).await;
    ship(
        &app,
        &shop.seller_a,
        &shipped,
        app.clock.now() + Duration::days(2),
    )
    .await;
    let other = place(&app, &shop.buyer_b, &shop.store_b, 14_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    pay(&app, &shop.buyer_b, &other).await;

    const PARTS: &str = "id buyer { account { email } } store { name }
        payment { method status failureReason cardLast4 } shipment { carrier trackingNumber }";
    let buyer =
        |session: &crate::helpers::Session| json!({ "account": { "email": session.email } });
    let card =
        json!({ "method": "CARD", "status": "PAID", "failureReason": null, "cardLast4": "4242" });
    let (a, b) = (json!({ "name": "하늘생활" }), json!({ "name": "바다마켓" }));
    let expected = vec![
        json!({ "id": other, "buyer": buyer(&shop.buyer_b), "store": b, "payment": card, "shipment": null }),
        json!({ "id": shipped, "buyer": buyer(&shop.buyer_a), "store": a, "payment": card,
                "shipment": { "carrier": "CJ대한통운", "trackingNumber": "6301-2345-6789" } }),
        json!({ "id": retried, "buyer": buyer(&shop.buyer_a), "store": a, "shipment": null,
                "payment": { "method": "BANK_TRANSFER", "status": "PAID", "failureReason": null, "cardLast4": null } }),
        json!({ "id": unpaid, "buyer": buyer(&shop.buyer_a), "store": a, "payment": null, "shipment": null }),
    ];
    // Each order alone, by id and by number, answers the same.
    for order in &expected {
        let id = order["id"].as_str().unwrap();
        let body = app
            .gql_as(
                Some(&shop.agent.access),
                &format!("query($id: ID!) {{ order(id: $id) {{ orderNumber {PARTS} }} }}"),
                json!({ "id": id }),
            )
            .await;
        let mut alone = body["data"]["order"].clone();
        let number = alone["orderNumber"].take();
        alone.as_object_mut().unwrap().remove("orderNumber");
        assert_eq!(&alone, order, "{body}");
        let by_number = app
            .gql_as(
                Some(&shop.agent.access),
                &format!("query($n: String!) {{ orderByNumber(orderNumber: $n) {{ {PARTS} }} }}"),
                json!({ "n": number }),
            )
            .await;
        assert_eq!(&by_number["data"]["orderByNumber"], order, "{by_number}");
    }
    // Another buyer's order stays out of reach, parts or not.
    let hidden = app
        .gql_as(
            Some(&shop.buyer_a.access),
            &format!("query($id: ID!) {{ order(id: $id) {{ {PARTS} }} }}"),
            json!({ "id": other }),
        )
        .await;
    assert!(hidden["data"]["order"].is_null(), "{hidden}");

    let page = |args: &str, fields: &str| {
        format!("query {{ orders({args}) {{ edges {{ node {{ {fields} }} }} nodes {{ id }} }} }}")
    };
    let nodes = |body: &Value| -> Vec<Value> {
        body["data"]["orders"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|edge| edge["node"].clone())
            .collect()
    };
    // Newest first; then the same rows paged forward by cursor and backward.
    let all = app
        .gql_as(
            Some(&shop.agent.access),
            &page("first: 10", PARTS),
            json!({}),
        )
        .await;
    assert_eq!(nodes(&all), expected, "{all}");
    let after = app
        .gql_as(
            Some(&shop.agent.access),
            &format!(
                "query($c: String) {{ orders(first: 2, after: $c) {{ edges {{ node {{ {PARTS} }} }} }} }}"
            ),
            json!({ "c": cursor_of(&app, &shop, &shipped).await }),
        )
        .await;
    assert_eq!(nodes(&after), expected[2..], "{after}");
    let last = app
        .gql_as(Some(&shop.agent.access), &page("last: 3", PARTS), json!({}))
        .await;
    assert_eq!(nodes(&last), expected[1..], "{last}");
    // Through `nodes` and a fragment, as the console asks.
    let fragment = app
        .gql_as(
            Some(&shop.agent.access),
            &format!("query {{ orders(first: 10) {{ nodes {{ ...O }} }} }} fragment O on Order {{ {PARTS} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        fragment["data"]["orders"]["nodes"],
        json!(expected),
        "{fragment}"
    );
    // Filters whose conditions name order and shipment columns, with those tables joined.
    let tracked = app
        .gql_as(
            Some(&shop.agent.access),
            &page(
                "first: 10, filter: { search: \"6301-2345-6789\", delayed: false }",
                PARTS,
            ),
            json!({}),
        )
        .await;
    assert_eq!(nodes(&tracked), expected[1..2], "{tracked}");
    // A buyer's page holds their own orders with the same parts.
    let mine = app
        .gql_as(
            Some(&shop.buyer_a.access),
            &page("first: 10", PARTS),
            json!({}),
        )
        .await;
    assert_eq!(nodes(&mine).len(), 3, "{mine}");
    assert_eq!(nodes(&mine)[1]["payment"], expected[2]["payment"]);

    let statements = |fields: &'static str| {
        let app = &app;
        let agent = &shop.agent;
        async move {
            let before = app.state.statements.get();
            let body = app
                .gql_as(Some(&agent.access), &page("first: 10", fields), json!({}))
                .await;
            assert_eq!(nodes(&body).len(), 4, "{body}");
            app.state.statements.get() - before
        }
    };
    let bare = statements("id orderNumber").await;
    assert_eq!(statements(PARTS).await, bare);
}

/// The cursor of `order` in the agent's newest-first list.
async fn cursor_of(app: &TestApp, shop: &Shop, order: &str) -> String {
    let body = app
        .gql_as(
            Some(&shop.agent.access),
            "query { orders(first: 10) { edges { cursor node { id } } } }",
            json!({}),
        )
        .await;
    body["data"]["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["id"] == order)
        .unwrap()["cursor"]
        .as_str()
        .unwrap()
        .to_owned()
}

engine_tests!(
    an_order_walks_the_main_path_and_refuses_illegal_moves,
    a_page_reads_buyer_store_payment_and_shipment_with_its_orders,
    a_failed_payment_keeps_its_reason_and_can_be_retried_with_another_method,
    full_card_numbers_are_refused_and_never_stored,
    bad_orders_are_refused_with_the_field_named,
    late_and_stalled_parcels_follow_the_clock_and_are_listed,
    a_new_expected_delivery_date_is_sent_to_the_buyer,
);
