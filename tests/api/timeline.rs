//! The order desk: an order's timeline from the audit log and the outbox, scoped like the
//! order, and finding an order by tracking number or (staff) the buyer's email.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TestApp};
use crate::shop::*;

const TIMELINE: &str = "query($id: ID!) { order(id: $id) { timeline(first: 100) {
    at source action fromStatus toStatus amount note carrier trackingNumber isOverride
    channel deliveryStatus actor { displayName role account { email } } } } }";

async fn timeline(app: &TestApp, who: &Session, order: &str) -> Value {
    app.gql_as(Some(&who.access), TIMELINE, json!({ "id": order }))
        .await
}

fn actions(body: &Value) -> Vec<String> {
    body["data"]["order"]["timeline"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|entry| {
            format!(
                "{}:{}",
                entry["source"].as_str().unwrap(),
                entry["action"].as_str().unwrap()
            )
        })
        .collect()
}

pub async fn an_order_timeline_tells_its_story_to_its_parties_only(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 30_000).await;
    let request = request_return(&app, &shop.buyer_a, &order, None).await;
    let request_id = request["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap();
    ok(
        &app,
        &shop.seller_a,
        "mutation($id: ID!) { approveCancellation(requestId: $id, note: \"회수 완료\") { id status } }",
        json!({ "id": request_id }),
        "approveCancellation",
    )
    .await;

    let agent = timeline(&app, &shop.agent, &order).await;
    let seen = actions(&agent);
    for expected in [
        "ORDER:order.placed",
        "PAYMENT:payment.succeeded",
        "ORDER:order.status_changed",
        "SHIPMENT:order.shipped",
        "REQUEST:cancellation.requested",
        "REQUEST:cancellation.approved",
        "REFUND:refund.requested",
        "NOTIFICATION:order.shipped",
        "NOTIFICATION:return.approved",
    ] {
        assert!(
            seen.iter().any(|a| a == expected),
            "{expected} missing from {seen:?}"
        );
    }
    let entries = agent["data"]["order"]["timeline"].as_array().unwrap();
    // Newest first: the placing of the order is the last entry.
    assert_eq!(seen.last().map(String::as_str), Some("ORDER:order.placed"));
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let shipped = entries
        .iter()
        .find(|e| e["action"] == "order.shipped" && e["source"] == "SHIPMENT")
        .unwrap();
    assert_eq!(shipped["carrier"], "CJ대한통운");
    assert_eq!(shipped["trackingNumber"], "6301-2345-6789");
    assert_eq!(shipped["toStatus"], "SHIPPED");
    assert_eq!(shipped["actor"]["role"], "SELLER");
    let approved = entries
        .iter()
        .find(|e| e["action"] == "cancellation.approved")
        .unwrap();
    assert_eq!(approved["note"], "회수 완료");
    assert_eq!(approved["isOverride"], false);
    let placed = entries
        .iter()
        .find(|e| e["action"] == "order.placed")
        .unwrap();
    assert_eq!(placed["amount"], 30_000);
    let notice = entries
        .iter()
        .find(|e| e["source"] == "NOTIFICATION")
        .unwrap();
    assert_eq!(notice["channel"], "EMAIL");
    assert_eq!(notice["deliveryStatus"], "PENDING");
    // A notification shows how and whether it went, never its address or text.
    for notice in entries.iter().filter(|e| e["source"] == "NOTIFICATION") {
        assert!(!notice.to_string().contains("@example.com"), "{notice}");
    }

    // The buyer sees the same story without the support desk's notification log, and the
    // seller's profile without the seller's contact data.
    let buyer = timeline(&app, &shop.buyer_a, &order).await;
    let buyer_seen = actions(&buyer);
    assert!(
        buyer_seen.iter().all(|a| !a.starts_with("NOTIFICATION:")),
        "{buyer_seen:?}"
    );
    assert!(
        buyer_seen
            .iter()
            .any(|a| a == "REQUEST:cancellation.approved")
    );
    assert!(
        !buyer.to_string().contains("seller-a@example.com"),
        "{buyer}"
    );
    let seller = timeline(&app, &shop.seller_a, &order).await;
    assert!(
        !seller.to_string().contains("buyer-a@example.com"),
        "{seller}"
    );
    assert!(!actions(&seller).is_empty());

    // Others do not reach the order, so they do not reach its timeline.
    for stranger in [&shop.buyer_b, &shop.seller_b] {
        let body = timeline(&app, stranger, &order).await;
        assert_eq!(body["data"]["order"], Value::Null, "{body}");
    }
    let too_many = app
        .gql_as(
            Some(&shop.agent.access),
            "query($id: ID!) { order(id: $id) { timeline(first: 500) { action } } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&too_many),
        "VALIDATION",
        "{too_many}"
    );
}

async fn search(app: &TestApp, who: &Session, text: &str) -> Vec<String> {
    let body = app
        .gql_as(
            Some(&who.access),
            "query($s: String!) { orders(filter: { search: $s }) { nodes { id } } }",
            json!({ "s": text }),
        )
        .await;
    body["data"]["orders"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn the_order_desk_finds_orders_by_tracking_number_and_buyer_email(app: TestApp) {
    let shop = Shop::open(&app).await;
    let shipped = delivered_order(&app, &shop, 12_000).await;
    let other = paid_order(&app, &shop, 8_000).await;

    assert_eq!(
        search(&app, &shop.agent, "6301-2345-6789").await,
        vec![shipped.clone()]
    );
    let by_email = search(&app, &shop.agent, "Buyer-A@example.com").await;
    assert!(
        by_email.contains(&shipped) && by_email.contains(&other),
        "{by_email:?}"
    );
    assert!(
        search(&app, &shop.agent, "buyer-b@example.com")
            .await
            .is_empty()
    );

    // The seller finds their parcel by its number, but not their buyers by email.
    assert_eq!(
        search(&app, &shop.seller_a, "6301-2345-6789").await,
        vec![shipped.clone()]
    );
    assert!(
        search(&app, &shop.seller_a, "buyer-a@example.com")
            .await
            .is_empty()
    );
    assert!(
        search(&app, &shop.seller_b, "6301-2345-6789")
            .await
            .is_empty()
    );
}

engine_tests!(
    an_order_timeline_tells_its_story_to_its_parties_only,
    the_order_desk_finds_orders_by_tracking_number_and_buyer_email,
);
