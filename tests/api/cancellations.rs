//! Cancellations and returns (DOMAIN.md "Cancellations and returns").

use chrono::Duration;
use serde_json::json;
use storedesk::clock::Clock;

use crate::engine_tests;
use crate::helpers::{TestApp, error_code};
use crate::shop::*;

const APPROVE: &str = "mutation($id: ID!, $note: String) { approveCancellation(requestId: $id, note: $note) {
    id status decidedAt decidedBy { id } overrideReason refund { id amount status } order { id status } } }";
const REJECT: &str =
    "mutation($id: ID!, $reason: String!) { rejectCancellation(requestId: $id, reason: $reason) {
    id status rejectionReason overrideReason order { id status } } }";

pub async fn a_paid_order_is_canceled_at_once_with_a_full_refund(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 25_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let request = &body["data"]["requestCancellation"];
    assert_eq!(request["status"], "COMPLETED", "{body}");
    assert!(request["sellerDeadlineAt"].is_null(), "no seller step");
    assert_eq!(request["refund"]["amount"], 25_000);
    assert_eq!(request["refund"]["status"], "COMPLETED");
    assert_eq!(request["order"]["status"], "CANCELED");
    let seen = order_as(&app, &shop.buyer_a, &order).await;
    assert_eq!(seen["payment"]["status"], "REFUNDED");
    assert_eq!(seen["refundableAmount"], 0);
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec!["order.canceled", "refund.completed"]
    );
    // The request's refund is read with the order's refunds: asking for it on the order
    // page costs no statement of its own.
    let refund_id = request["refund"]["id"].clone();
    let order_page = |requests: &'static str| {
        let (app, buyer, order) = (&app, &shop.buyer_a, &order);
        async move {
            let before = app.state.statements.get();
            let query = format!(
                "query($id: ID!) {{ order(id: $id) {{ refunds {{ id }} cancellationRequests {{ {requests} }} }} }}"
            );
            let body = app
                .gql_as(Some(&buyer.access), &query, json!({ "id": order }))
                .await;
            (app.state.statements.get() - before, body)
        }
    };
    let (without, _) = order_page("id").await;
    let (with, body) = order_page("id refund { id }").await;
    assert_eq!(with, without, "{body}");
    let seen = &body["data"]["order"];
    assert_eq!(seen["refunds"][0]["id"], refund_id, "{body}");
    assert_eq!(
        seen["cancellationRequests"][0]["refund"]["id"], refund_id,
        "{body}"
    );
    // A second request on a canceled order is a clear error.
    let again = request_cancel(&app, &shop.buyer_a, &order).await;
    assert_eq!(error_code(&again), "INVALID_STATE");
    // An unpaid order is canceled without any refund.
    let unpaid = place(&app, &shop.buyer_a, &shop.store_a, 5_000).await;
    let body = request_cancel(&app, &shop.buyer_a, unpaid["id"].as_str().unwrap()).await;
    assert_eq!(body["data"]["requestCancellation"]["status"], "COMPLETED");
    assert!(body["data"]["requestCancellation"]["refund"].is_null());
}

pub async fn a_preparing_order_waits_for_the_seller_who_approves_and_refunds(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 40_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let request = &body["data"]["requestCancellation"];
    assert_eq!(request["status"], "PENDING_SELLER", "{body}");
    // Monday 2026-11-02 18:00 KST + 1 business day.
    assert_eq!(request["sellerDeadlineAt"], "2026-11-03T09:00:00+00:00");
    assert_eq!(request["order"]["status"], "PREPARING");
    let id = request["id"].as_str().unwrap();

    // Only the store's seller (or staff) decides; the other seller cannot even see it.
    assert_eq!(
        fails(&app, Some(&shop.seller_b), APPROVE, json!({ "id": id })).await,
        "NOT_FOUND"
    );
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), APPROVE, json!({ "id": id })).await,
        "FORBIDDEN"
    );
    let approved = ok(
        &app,
        &shop.seller_a,
        APPROVE,
        json!({ "id": id, "note": "재고 확인 후 승인" }),
        "approveCancellation",
    )
    .await;
    assert_eq!(approved["status"], "COMPLETED");
    assert_eq!(approved["decidedBy"]["id"], shop.seller_a.id);
    assert!(approved["overrideReason"].is_null());
    assert_eq!(approved["order"]["status"], "CANCELED");
    assert_eq!(approved["refund"]["amount"], 40_000);
    assert_eq!(approved["refund"]["status"], "COMPLETED");
    // Deciding twice is refused.
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_a),
            REJECT,
            json!({ "id": id, "reason": "늦음" })
        )
        .await,
        "INVALID_STATE"
    );
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec![
            "cancellation.received",
            "order.canceled",
            "refund.completed"
        ]
    );
}

pub async fn a_rejection_needs_a_reason_is_told_to_the_buyer_and_frees_the_order(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 40_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let id = body["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_a),
            REJECT,
            json!({ "id": id, "reason": "  " })
        )
        .await,
        "VALIDATION"
    );
    // Shipping waits until the request is decided.
    assert_eq!(
        fails(
            &app,
            Some(&shop.seller_a),
            SHIP,
            json!({ "id": order, "at": app.clock.now() + Duration::days(2) })
        )
        .await,
        "INVALID_STATE"
    );
    let rejected = ok(
        &app,
        &shop.seller_a,
        REJECT,
        json!({ "id": id, "reason": "이미 출고 준비 완료" }),
        "rejectCancellation",
    )
    .await;
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["rejectionReason"], "이미 출고 준비 완료");
    assert_eq!(rejected["order"]["status"], "PREPARING");
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec!["cancellation.received", "cancellation.rejected"]
    );
    deliver_mail(&app).await;
    assert!(
        sent_mail(&app)
            .iter()
            .map(|m| mail_text(m))
            .any(|m| m.contains("이미 출고 준비 완료"))
    );
    // The buyer rates the outcome once.
    let rate = "mutation($id: ID!, $s: Int!) { rateCancellation(requestId: $id, score: $s, comment: \"아쉽네요\") { rating } }";
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), rate, json!({ "id": id, "s": 6 })).await,
        "VALIDATION"
    );
    assert_eq!(
        ok(
            &app,
            &shop.buyer_a,
            rate,
            json!({ "id": id, "s": 2 }),
            "rateCancellation"
        )
        .await["rating"],
        2
    );
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), rate, json!({ "id": id, "s": 3 })).await,
        "CONFLICT"
    );
    // Shipping is possible again.
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(2),
    )
    .await;
}

pub async fn a_shipped_order_cannot_be_canceled(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(2),
    )
    .await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    assert_eq!(error_code(&body), "INVALID_STATE");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("return"),
        "{body}"
    );
    let body = request_return(&app, &shop.buyer_a, &order, None).await;
    assert_eq!(error_code(&body), "INVALID_STATE", "not delivered yet");
}

pub async fn returns_are_accepted_for_seven_days_after_delivery_and_agents_may_override(
    app: TestApp,
) {
    let mut shop = Shop::open(&app).await;
    let order = delivered_order(&app, &shop, 30_000).await;
    let late_order = delivered_order(&app, &shop, 30_000).await;
    app.clock.advance(Duration::days(7) - Duration::minutes(1));
    shop.sign_in_again(&app).await;
    let body = request_return(&app, &shop.buyer_a, &order, None).await;
    let request = &body["data"]["requestCancellation"];
    assert_eq!(request["status"], "PENDING_SELLER", "{body}");
    assert_eq!(request["kind"], "RETURN");
    let approved = ok(
        &app,
        &shop.seller_a,
        APPROVE,
        json!({ "id": request["id"] }),
        "approveCancellation",
    )
    .await;
    assert_eq!(approved["order"]["status"], "RETURNED");
    assert_eq!(approved["refund"]["amount"], 30_000);

    app.clock.advance(Duration::minutes(2));
    let body = request_return(&app, &shop.buyer_a, &late_order, None).await;
    assert_eq!(error_code(&body), "INVALID_STATE", "{body}");
    // A buyer cannot override; an agent can, with a reason, and it is recorded.
    let body = request_return(&app, &shop.buyer_a, &late_order, Some("제가 우겨요")).await;
    assert_eq!(error_code(&body), "VALIDATION");
    let body = request_return(
        &app,
        &shop.agent,
        &late_order,
        Some("불량품 확인, 예외 승인"),
    )
    .await;
    let request = &body["data"]["requestCancellation"];
    assert_eq!(request["status"], "PENDING_SELLER", "{body}");
    assert_eq!(request["overrideReason"], "불량품 확인, 예외 승인");
}

pub async fn an_order_has_at_most_one_open_request(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    let first = request_cancel(&app, &shop.buyer_a, &order).await;
    let first_id = first["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error_code(&request_cancel(&app, &shop.buyer_a, &order).await),
        "CONFLICT"
    );
    // Someone else's order is not found, not forbidden.
    assert_eq!(
        error_code(&request_cancel(&app, &shop.buyer_b, &order).await),
        "NOT_FOUND"
    );
    // The database refuses a second open request even if the code were bypassed.
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let row =
        entity::cancellation_request::Entity::find_by_id(first_id.parse::<uuid::Uuid>().unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
    let mut copy: entity::cancellation_request::ActiveModel = row.into();
    copy.id = Set(uuid::Uuid::now_v7());
    assert!(
        copy.reset_all().insert(&app.state.db).await.is_err(),
        "unique open request per order"
    );
    // Withdrawn, the order is free for a new request.
    let withdrawn = ok(
        &app,
        &shop.buyer_a,
        "mutation($id: ID!) { withdrawCancellation(requestId: $id) { status } }",
        json!({ "id": first_id }),
        "withdrawCancellation",
    )
    .await;
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    let again = request_cancel(&app, &shop.buyer_a, &order).await;
    assert_eq!(
        again["data"]["requestCancellation"]["status"], "PENDING_SELLER",
        "{again}"
    );
}

pub async fn overdue_requests_are_flagged_and_escalated_to_agents(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let id = body["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let queue = "{ cancellationRequests(filter: { overdue: true }) { totalCount edges { node { id overdue escalatedAt } } } }";
    assert_eq!(
        ok(&app, &shop.agent, queue, json!({}), "cancellationRequests").await["totalCount"],
        0
    );
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    shop.sign_in_again(&app).await;
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.escalated, 1);
    assert_eq!(
        storedesk::jobs::sweep(&app.state).await.escalated,
        0,
        "once"
    );
    let listed = ok(&app, &shop.agent, queue, json!({}), "cancellationRequests").await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["edges"][0]["node"]["id"], id);
    assert_eq!(listed["edges"][0]["node"]["overdue"], true);
    assert!(listed["edges"][0]["node"]["escalatedAt"].is_string());
    // The seller of the other store sees nothing of it.
    assert_eq!(
        ok(
            &app,
            &shop.seller_b,
            queue,
            json!({}),
            "cancellationRequests"
        )
        .await["totalCount"],
        0
    );
    // An agent decides instead of the seller: recorded as an override.
    let approved = ok(
        &app,
        &shop.agent,
        APPROVE,
        json!({ "id": id }),
        "approveCancellation",
    )
    .await;
    assert_eq!(approved["decidedBy"]["id"], shop.agent.id);
    assert!(approved["overrideReason"].is_string());
    let events: Vec<String> = <entity::audit_event::Entity as sea_orm::EntityTrait>::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target_id == Some(id.parse().unwrap()))
        .map(|e| format!("{} {}", e.action, e.details))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("cancellation.escalated")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("cancellation.approved") && e.contains("\"override\":true")),
        "{events:?}"
    );
}

async fn overdue_requests_can_be_approved_automatically(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    app.clock.advance(Duration::days(4));
    storedesk::jobs::sweep(&app.state).await;
    let row = <entity::order::Entity as sea_orm::EntityTrait>::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, entity::order::OrderStatus::Canceled);
    let request = <entity::cancellation_request::Entity as sea_orm::EntityTrait>::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(request.decided_by, None, "a system decision");
    assert!(request.override_reason.is_some());
}

fn auto_approve(settings: &mut storedesk::config::Settings) {
    settings.overdue_decision_action = storedesk::config::OverdueDecisionAction::AutoApprove;
}

mod auto_approval {
    use crate::helpers::{Engine, run_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Engine::Sqlite,
            super::auto_approve,
            super::overdue_requests_can_be_approved_automatically,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Engine::Postgres,
            super::auto_approve,
            super::overdue_requests_can_be_approved_automatically,
        )
        .await;
    }
}

pub async fn a_seller_cancels_on_their_own_and_the_buyer_is_refunded_and_told(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 18_000).await;
    let doc = "mutation($id: ID!) { cancelOrderBySeller(orderId: $id, reason: OUT_OF_STOCK, note: \"품절\") {
        status refundableAmount refunds { amount status } cancellationRequests { status kind } } }";
    assert_eq!(
        fails(&app, Some(&shop.seller_b), doc, json!({ "id": order })).await,
        "NOT_FOUND"
    );
    let canceled = ok(
        &app,
        &shop.seller_a,
        doc,
        json!({ "id": order }),
        "cancelOrderBySeller",
    )
    .await;
    assert_eq!(canceled["status"], "CANCELED");
    let seen = order_as(&app, &shop.buyer_a, &order).await;
    assert_eq!(seen["refunds"][0]["amount"], 18_000);
    assert_eq!(seen["refunds"][0]["status"], "COMPLETED");
    assert_eq!(seen["cancellationRequests"][0]["status"], "COMPLETED");
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec!["order.canceled", "refund.completed"]
    );
    deliver_mail(&app).await;
    assert!(
        sent_mail(&app)
            .iter()
            .map(|m| mail_text(m))
            .any(|m| m.contains("판매자가 다음 주문을 취소했습니다"))
    );
}

engine_tests!(
    every_commerce_change_is_audited_with_actor_and_states,
    a_paid_order_is_canceled_at_once_with_a_full_refund,
    a_preparing_order_waits_for_the_seller_who_approves_and_refunds,
    a_rejection_needs_a_reason_is_told_to_the_buyer_and_frees_the_order,
    a_shipped_order_cannot_be_canceled,
    returns_are_accepted_for_seven_days_after_delivery_and_agents_may_override,
    an_order_has_at_most_one_open_request,
    overdue_requests_are_flagged_and_escalated_to_agents,
    a_seller_cancels_on_their_own_and_the_buyer_is_refunded_and_told,
    sellers_see_business_days_left_and_list_waiting_and_decided_requests_apart,
    sort_deadline_pages_by_the_seller_deadline_not_by_age,
    the_seller_dashboard_counts_one_store_only,
);

/// `sellerDashboard` counts the caller's store in SQL: the other store's seller sees zeros,
/// a request moves from "waiting" to "overdue" as its deadline passes, and today's bucket of
/// the series holds the request and the parcel.
pub async fn the_seller_dashboard_counts_one_store_only(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    request_cancel(&app, &shop.buyer_a, &order).await;
    let _paid = paid_order(&app, &shop, 5_000).await;
    let shipped = preparing_order(&app, &shop, 7_000).await;
    ship(
        &app,
        &shop.seller_a,
        &shipped,
        app.state.clock.now() + Duration::days(2),
    )
    .await;
    let query = "{ sellerDashboard { pendingCancellations pendingReturns decisionsDueToday
        overdueDecisions toPrepare toShip delayedShipments stalledShipments refundsDue
        overdueRefunds days { date claims shipped refunds } } }";
    let mine = ok(&app, &shop.seller_a, query, json!({}), "sellerDashboard").await;
    assert_eq!(mine["pendingCancellations"], 1, "{mine}");
    assert_eq!(mine["overdueDecisions"], 0);
    assert_eq!(mine["toPrepare"], 1);
    assert_eq!(mine["toShip"], 1);
    let days = mine["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = &days[29];
    assert_eq!(
        (today["claims"].as_i64(), today["shipped"].as_i64()),
        (Some(1), Some(1))
    );
    let theirs = ok(&app, &shop.seller_b, query, json!({}), "sellerDashboard").await;
    for field in ["pendingCancellations", "toPrepare", "toShip", "refundsDue"] {
        assert_eq!(theirs[field], 0, "{field}: {theirs}");
    }
    assert!(
        theirs["days"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["claims"] == 0 && d["shipped"] == 0)
    );

    // Past the deadline and the expected date: overdue and late.
    app.clock.advance(Duration::days(14));
    shop.sign_in_again(&app).await;
    let later = ok(&app, &shop.seller_a, query, json!({}), "sellerDashboard").await;
    assert_eq!(later["overdueDecisions"], 1, "{later}");
    assert_eq!(later["decisionsDueToday"], 0);
    assert_eq!(later["delayedShipments"], 1);
}

/// `sort: DEADLINE` follows the stored deadlines (a request's deadline need not follow its
/// age: settings change, agents file requests late), page by page without gaps.
pub async fn sort_deadline_pages_by_the_seller_deadline_not_by_age(app: TestApp) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let shop = Shop::open(&app).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let order = preparing_order(&app, &shop, 10_000).await;
        let body = request_cancel(&app, &shop.buyer_a, &order).await;
        ids.push(
            body["data"]["requestCancellation"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Oldest A, then B, then C; deadlines A +3 days, B +1, C +2.
    let now = app.clock.now();
    for (id, days) in ids.iter().zip([3, 1, 2]) {
        let row =
            entity::cancellation_request::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
        let mut row: entity::cancellation_request::ActiveModel = row.into();
        row.seller_deadline_at = Set(Some(now + Duration::days(days)));
        row.update(&app.state.db).await.unwrap();
    }
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    let list = "query($first: Int, $after: String, $last: Int) {
        cancellationRequests(sort: DEADLINE, filter: { decided: false }, first: $first, after: $after, last: $last) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
    let all = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "first": 10 }),
        "cancellationRequests",
    )
    .await;
    let order: Vec<&str> = all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [b.as_str(), c.as_str(), a.as_str()]);
    // One at a time, each page after the last.
    let mut after = serde_json::Value::Null;
    let mut seen = Vec::new();
    loop {
        let page = ok(
            &app,
            &shop.seller_a,
            list,
            json!({ "first": 1, "after": after }),
            "cancellationRequests",
        )
        .await;
        assert_eq!(page["totalCount"], 3);
        seen.push(page["nodes"][0]["id"].as_str().unwrap().to_owned());
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, [b.clone(), c.clone(), a.clone()]);
    let last = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "last": 1 }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(last["nodes"][0]["id"], a.as_str());
    // The other store's seller gets nothing, and a cursor of theirs is refused.
    let other = ok(
        &app,
        &shop.seller_b,
        list,
        json!({ "first": 10 }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(other["totalCount"], 0);
    let cursor = all["pageInfo"]["endCursor"].clone();
    let code = fails(
        &app,
        Some(&shop.seller_b),
        list,
        json!({ "first": 1, "after": cursor }),
    )
    .await;
    assert_eq!(code, "VALIDATION");
}

/// The seller center's lists: waiting (`decided: false`) and decided requests apart, each
/// waiting one with the business days left to its deadline.
pub async fn sellers_see_business_days_left_and_list_waiting_and_decided_requests_apart(
    app: TestApp,
) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let id = body["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = "query($decided: Boolean) { cancellationRequests(filter: { decided: $decided }) {
        totalCount nodes { id status sellerBusinessDaysLeft } } }";
    let waiting = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "decided": false }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(waiting["totalCount"], 1);
    assert_eq!(waiting["nodes"][0]["id"], id);
    // The deadline is N business days ahead, whatever day of the week the test starts on.
    let days = i64::from(app.state.settings.seller_decision_business_days);
    assert_eq!(waiting["nodes"][0]["sellerBusinessDaysLeft"], days);
    let decided = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "decided": true }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(decided["totalCount"], 0);
    // The other store's seller sees neither list.
    let other = ok(
        &app,
        &shop.seller_b,
        list,
        json!({ "decided": false }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(other["totalCount"], 0);

    ok(
        &app,
        &shop.seller_a,
        APPROVE,
        json!({ "id": id }),
        "approveCancellation",
    )
    .await;
    let waiting = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "decided": false }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(waiting["totalCount"], 0);
    let decided = ok(
        &app,
        &shop.seller_a,
        list,
        json!({ "decided": true }),
        "cancellationRequests",
    )
    .await;
    assert_eq!(decided["totalCount"], 1);
    assert_eq!(
        decided["nodes"][0]["sellerBusinessDaysLeft"],
        serde_json::Value::Null
    );
}

/// Every commerce change leaves an audit event naming the actor and the states before and
/// after, in the same transaction as the change.
pub async fn every_commerce_change_is_audited_with_actor_and_states(app: TestApp) {
    use entity::audit_event;
    use sea_orm::{EntityTrait, QueryOrder};
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 20_000).await;
    let body = request_cancel(&app, &shop.buyer_a, &order).await;
    let id = body["data"]["requestCancellation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        &shop.agent,
        REJECT,
        json!({ "id": id, "reason": "출고됨" }),
        "rejectCancellation",
    )
    .await;
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(1),
    )
    .await;
    deliver(&app, &shop.seller_a, &order).await;
    create_refund(&app, &shop.seller_a, &order, 1_000, "audit").await;
    let events: Vec<audit_event::Model> = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| !e.action.starts_with("auth.") && !e.action.starts_with("account."))
        .collect();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "order.placed",
            "payment.started",
            "payment.succeeded",
            "order.status_changed",
            "cancellation.requested",
            "cancellation.rejected",
            "order.shipped",
            "order.status_changed",
            "refund.requested",
            "refund.completed",
        ],
    );
    let actor = |i: usize| events[i].actor_id.map(|a| a.to_string());
    assert_eq!(actor(1), Some(shop.buyer_a.id.clone()));
    assert_eq!(actor(2), Some(shop.buyer_a.id.clone()));
    assert_eq!(actor(3), Some(shop.seller_a.id.clone()));
    assert_eq!(actor(5), Some(shop.agent.id.clone()));
    assert_eq!(events[3].details["from"], "PAID");
    assert_eq!(events[3].details["to"], "PREPARING");
    assert_eq!(events[5].details["override"], true);
    assert_eq!(events[7].details["to"], "DELIVERED");
    assert!(events.iter().all(|e| e.target_id.is_some()));
}
