//! A small marketplace for commerce tests: two buyers, two sellers with their stores, an
//! agent, and helpers that walk an order through its life over the public API.

use chrono::{DateTime, Duration, Utc};
use entity::account::Role;
use serde_json::{Value, json};
use storedesk::clock::Clock;
use storedesk::notifications::outbox::{DeliveryReport, deliver_due};

use crate::helpers::{Session, TestApp, error_code};

pub const ORDER_FIELDS: &str = "id orderNumber status totalAmount currency refundableAmount
    payment { method status amount cardBrand cardLast4 failureReason refundedAmount }
    shipment { carrier trackingNumber status expectedDeliveryAt deliveredAt delayed stalled events { status description } }
    cancellationRequests { id status kind }
    refunds { id amount status }";

pub struct Shop {
    pub buyer_a: Session,
    pub buyer_b: Session,
    pub seller_a: Session,
    pub seller_b: Session,
    pub agent: Session,
    pub store_a: String,
    pub store_b: String,
}

impl Shop {
    pub async fn open(app: &TestApp) -> Shop {
        let seller_a = app.seller("seller-a@example.com", "하늘생활").await;
        let seller_b = app.seller("seller-b@example.com", "바다마켓").await;
        let store_a = store_of(app, &seller_a).await;
        let store_b = store_of(app, &seller_b).await;
        Shop {
            buyer_a: app.buyer("buyer-a@example.com").await,
            buyer_b: app.buyer("buyer-b@example.com").await,
            seller_a,
            seller_b,
            agent: app.staff("agent@example.com", Role::Agent).await,
            store_a,
            store_b,
        }
    }
}

async fn store_of(app: &TestApp, seller: &Session) -> String {
    let body = app
        .gql_as(Some(&seller.access), "{ me { store { id } } }", json!({}))
        .await;
    body["data"]["me"]["store"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no store: {body}"))
        .to_owned()
}

/// Runs `document` as `who` and returns `data.<field>`, panicking on errors.
pub async fn ok(
    app: &TestApp,
    who: &Session,
    document: &str,
    variables: Value,
    field: &str,
) -> Value {
    let body = app.gql_as(Some(&who.access), document, variables).await;
    assert!(body["errors"].is_null(), "{field} failed: {body}");
    body["data"][field].clone()
}

/// Runs `document` as `who` and returns the error code.
pub async fn fails(
    app: &TestApp,
    who: Option<&Session>,
    document: &str,
    variables: Value,
) -> String {
    let body = app
        .gql_as(who.map(|s| s.access.as_str()), document, variables)
        .await;
    error_code(&body).to_owned()
}

pub async fn place(app: &TestApp, buyer: &Session, store: &str, unit_price: i64) -> Value {
    ok(
        app,
        buyer,
        &format!(
            "mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{ {ORDER_FIELDS} }} }}"
        ),
        json!({ "input": { "storeId": store, "items": [
            { "productName": "무선 이어폰", "quantity": 2, "unitPrice": unit_price / 2 },
        ] } }),
        "placeOrder",
    )
    .await
}

pub const PAY: &str =
    "mutation($id: ID!, $input: PayOrderInput!) { payOrder(orderId: $id, input: $input) {
    id status payment { method status cardBrand cardLast4 failureReason } } }";

pub async fn pay(app: &TestApp, buyer: &Session, order: &str) -> Value {
    ok(
        app,
        buyer,
        PAY,
        json!({ "id": order, "input": { "method": "CARD", "cardBrand": "VISA", "cardLast4": "4242" } }),
        "payOrder",
    )
    .await
}

pub async fn prepare(app: &TestApp, seller: &Session, order: &str) -> Value {
    ok(
        app,
        seller,
        "mutation($id: ID!) { markPreparing(orderId: $id) { id status } }",
        json!({ "id": order }),
        "markPreparing",
    )
    .await
}

pub const SHIP: &str =
    "mutation($id: ID!, $at: DateTime!) { shipOrder(orderId: $id, carrier: \"CJ대한통운\",
    trackingNumber: \"6301-2345-6789\", expectedDeliveryAt: $at) { id status } }";

pub async fn ship(app: &TestApp, seller: &Session, order: &str, expected: DateTime<Utc>) -> Value {
    ok(
        app,
        seller,
        SHIP,
        json!({ "id": order, "at": expected }),
        "shipOrder",
    )
    .await
}

pub async fn deliver(app: &TestApp, seller: &Session, order: &str) -> Value {
    ok(
        app,
        seller,
        "mutation($id: ID!) { markDelivered(orderId: $id) { id status } }",
        json!({ "id": order }),
        "markDelivered",
    )
    .await
}

/// A paid order of buyer A at store A for `amount` won; returns its id.
pub async fn paid_order(app: &TestApp, shop: &Shop, amount: i64) -> String {
    let order = place(app, &shop.buyer_a, &shop.store_a, amount).await;
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(pay(app, &shop.buyer_a, &id).await["status"], "PAID");
    id
}

/// A PREPARING order of buyer A at store A.
pub async fn preparing_order(app: &TestApp, shop: &Shop, amount: i64) -> String {
    let id = paid_order(app, shop, amount).await;
    prepare(app, &shop.seller_a, &id).await;
    id
}

/// A DELIVERED order of buyer A at store A.
pub async fn delivered_order(app: &TestApp, shop: &Shop, amount: i64) -> String {
    let id = preparing_order(app, shop, amount).await;
    ship(
        app,
        &shop.seller_a,
        &id,
        app.clock.now() + Duration::days(2),
    )
    .await;
    deliver(app, &shop.seller_a, &id).await;
    id
}

pub const REQUEST: &str = "mutation($id: ID!, $kind: CancellationKind, $reason: CancellationReason!, $details: String, $override: String) {
    requestCancellation(orderId: $id, kind: $kind, reason: $reason, details: $details, overrideReason: $override) {
    id kind status sellerDeadlineAt overdue overrideReason refund { id amount status } order { id status } } }";

pub async fn request_cancel(app: &TestApp, who: &Session, order: &str) -> Value {
    app.gql_as(
        Some(&who.access),
        REQUEST,
        json!({ "id": order, "reason": "CHANGE_OF_MIND", "details": "마음이 바뀌었어요" }),
    )
    .await
}

pub async fn request_return(
    app: &TestApp,
    who: &Session,
    order: &str,
    override_reason: Option<&str>,
) -> Value {
    app.gql_as(
        Some(&who.access),
        REQUEST,
        json!({ "id": order, "kind": "RETURN", "reason": "OTHER", "override": override_reason }),
    )
    .await
}

pub async fn order_as(app: &TestApp, who: &Session, order: &str) -> Value {
    ok(
        app,
        who,
        &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"),
        json!({ "id": order }),
        "order",
    )
    .await
}

pub const CREATE_REFUND: &str =
    "mutation($id: ID!, $amount: Int!, $reason: String!, $key: String!) {
    createRefund(orderId: $id, amount: $amount, reason: $reason, idempotencyKey: $key) {
    id amount status dueAt failureReason attempts } }";

pub async fn create_refund(
    app: &TestApp,
    who: &Session,
    order: &str,
    amount: i64,
    key: &str,
) -> Value {
    app.gql_as(
        Some(&who.access),
        CREATE_REFUND,
        json!({ "id": order, "amount": amount, "reason": "부분 환불", "key": key }),
    )
    .await
}

/// Delivers every due outbox message of `app`.
pub async fn deliver_mail(app: &TestApp) -> DeliveryReport {
    deliver_due(&app.state, &app.state.notifier).await.unwrap()
}

/// The `.eml` files the file transport of `app` wrote, as text.
pub fn sent_mail(app: &TestApp) -> Vec<String> {
    let dir = app.state.notifier.mail_dir().expect("file mail transport");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

/// Kinds of the outbox rows written for `email`, oldest first.
pub async fn outbox_kinds(app: &TestApp, email: &str) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Address.eq(email))
        .order_by_asc(entity::outbox_message::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect()
}

/// Decodes an email body (quoted-printable or base64 parts) well enough to search it.
pub fn mail_text(raw: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let (headers, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    out.push_str(headers);
    out.push('\n');
    if let Some(boundary) = headers
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches(|c: char| c == '"' || c.is_whitespace()))
        .map(|b| {
            b.split(['"', ';', '\r', '\n'])
                .next()
                .unwrap_or(b)
                .to_owned()
        })
    {
        // multipart/alternative: decode every part (plain text and HTML).
        for part in body.split(&format!("--{boundary}")).skip(1) {
            let part = part.trim_start_matches("\r\n");
            if part.starts_with("--") {
                break;
            }
            out.push_str(&mail_text(part));
            out.push('\n');
        }
    } else if headers.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined) {
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    } else if headers.contains("quoted-printable") {
        let decoded =
            quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&decoded));
    } else {
        out.push_str(body);
    }
    out
}

/// Last errors of outbox rows that failed an attempt.
pub async fn outbox_errors(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    entity::outbox_message::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.last_error)
        .collect()
}

impl Shop {
    /// Signs everyone in again (after the clock moved past the access token lifetime).
    pub async fn sign_in_again(&mut self, app: &TestApp) {
        for session in [
            &mut self.buyer_a,
            &mut self.buyer_b,
            &mut self.seller_a,
            &mut self.seller_b,
            &mut self.agent,
        ] {
            *session = app.login(&session.email, crate::helpers::PASSWORD).await;
        }
    }
}
