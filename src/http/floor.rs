//! The floor of the load benchmarks (BENCHMARKS.md), compiled only with the `bench-floor`
//! feature: the same data as the `order` and `queue` scenarios, fetched with hand-written
//! SQL and answered as JSON without GraphQL, entities or DataLoaders. It keeps the parts
//! every request needs (the token and the session check, agents only), so GraphQL ÷ floor
//! shows what our layers cost and nothing else.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::state::AppState;

/// Registers `/bench/floor/order/{id}` and `/bench/floor/queue`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bench/floor/order/{id}", web::get().to(order))
        .route("/bench/floor/queue", web::get().to(queue));
}

/// `$n` placeholders as the engine spells them (each used once, in order).
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `IN ($1, $2, …)` for `count` values starting at `$first`.
fn list(first: usize, count: usize) -> String {
    let marks: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    format!("({})", marks.join(", "))
}

async fn rows(
    state: &AppState,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, HttpResponse> {
    let backend = state.db.get_database_backend();
    state
        .db
        .query_all_raw(statement(backend, sql, values))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "floor query failed");
            HttpResponse::InternalServerError().finish()
        })
}

/// Rows of `sql` (whose `{keys}` becomes the list of `keys`) by their `key` column; with
/// several rows per key the last one stays.
async fn keyed(
    state: &AppState,
    sql: &str,
    keys: &[Uuid],
    key: &str,
) -> Result<HashMap<Uuid, QueryResult>, HttpResponse> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = sql.replace("{keys}", &list(1, keys.len()));
    let found = rows(state, &sql, keys.iter().map(|&u| u.into()).collect()).await?;
    Ok(found
        .into_iter()
        .filter_map(|row| Some((get::<Uuid>(&row, key)?, row)))
        .collect())
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Option<T> {
    row.try_get::<T>("", column).ok()
}

/// The bearer token's session, checked as every GraphQL request checks it: staff only.
async fn staff(req: &HttpRequest, state: &AppState) -> Result<(), HttpResponse> {
    let refused = || HttpResponse::Unauthorized().finish();
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(refused)?;
    let now = state.clock.now();
    let claims = state.keys.verify(token, now).map_err(|_| refused())?;
    let found = rows(
        state,
        "SELECT s.account_id, s.revoked_at, s.absolute_expires_at, a.status, a.role
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1",
        vec![claims.sid.into()],
    )
    .await?;
    let live = found.first().is_some_and(|row| {
        get::<Uuid>(row, "account_id") == Some(claims.sub)
            && get::<Option<DateTime<Utc>>>(row, "revoked_at")
                .flatten()
                .is_none()
            && get::<DateTime<Utc>>(row, "absolute_expires_at").is_some_and(|end| now < end)
            && get::<String>(row, "status").as_deref() == Some("ACTIVE")
            && matches!(
                get::<String>(row, "role").as_deref(),
                Some("AGENT" | "ADMIN")
            )
    });
    if live { Ok(()) } else { Err(refused()) }
}

fn answer(body: &Json) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.to_string())
}

fn time(row: &QueryResult, column: &str) -> Json {
    get::<Option<DateTime<Utc>>>(row, column)
        .flatten()
        .map_or(Json::Null, |t| json!(t.to_rfc3339()))
}

async fn order(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    match order_json(&req, &path, &state).await {
        Ok(body) => answer(&body),
        Err(response) => response,
    }
}

async fn order_json(req: &HttpRequest, id: &str, state: &AppState) -> Result<Json, HttpResponse> {
    staff(req, state).await?;
    let id = Uuid::parse_str(id).map_err(|_| HttpResponse::NotFound().finish())?;
    let now = state.clock.now();
    let found = rows(
        state,
        "SELECT o.id, o.order_number, o.status, o.total_amount, o.currency, o.placed_at, o.paid_at,
                o.canceled_at, a.name AS buyer_name, a.email AS buyer_email, s.name AS store_name
         FROM orders o JOIN accounts a ON a.id = o.buyer_id JOIN stores s ON s.id = o.store_id
         WHERE o.id = $1",
        vec![id.into()],
    )
    .await?;
    let Some(o) = found.first() else {
        return Err(HttpResponse::NotFound().finish());
    };
    let items = rows(
        state,
        "SELECT product_name, quantity, unit_price, line_total FROM order_items WHERE order_id = $1 ORDER BY position",
        vec![id.into()],
    )
    .await?;
    let payments = rows(
        state,
        "SELECT method, status, amount, refunded_amount, refund_reserved, card_brand, card_last4,
                failure_reason, paid_at FROM payments WHERE order_id = $1 ORDER BY id DESC LIMIT 1",
        vec![id.into()],
    )
    .await?;
    let shipments = rows(
        state,
        "SELECT id, carrier, tracking_number, status, expected_delivery_at, delivered_at, last_event_at
         FROM shipments WHERE order_id = $1",
        vec![id.into()],
    )
    .await?;
    let events = match shipments.first().and_then(|s| get::<Uuid>(s, "id")) {
        Some(shipment) => {
            rows(
                state,
                "SELECT status, description, occurred_at FROM shipment_events WHERE shipment_id = $1 ORDER BY occurred_at, id",
                vec![shipment.into()],
            )
            .await?
        }
        None => Vec::new(),
    };
    let requests = rows(
        state,
        "SELECT c.id, c.kind, c.status, c.reason, c.requested_at, c.seller_deadline_at, c.refund_id,
                r.status AS refund_status
         FROM cancellation_requests c LEFT JOIN refunds r ON r.id = c.refund_id
         WHERE c.order_id = $1 ORDER BY c.id",
        vec![id.into()],
    )
    .await?;
    let refunds = rows(
        state,
        "SELECT id, amount, status, due_at FROM refunds WHERE order_id = $1 ORDER BY created_at",
        vec![id.into()],
    )
    .await?;
    let payment = payments.first();
    let refundable = payment.map_or(0, |p| {
        let paid = matches!(
            get::<String>(p, "status").as_deref(),
            Some("PAID" | "PARTIALLY_REFUNDED")
        );
        if paid {
            get::<i64>(p, "amount").unwrap_or(0) - get::<i64>(p, "refund_reserved").unwrap_or(0)
        } else {
            0
        }
    });
    let open = |status: Option<String>| {
        matches!(
            status.as_deref(),
            Some("REQUESTED" | "PROCESSING" | "FAILED")
        )
    };
    Ok(json!({ "data": { "order": {
        "id": id.to_string(),
        "orderNumber": get::<String>(o, "order_number"),
        "status": get::<String>(o, "status"),
        "totalAmount": get::<i64>(o, "total_amount"),
        "currency": get::<String>(o, "currency"),
        "placedAt": time(o, "placed_at"),
        "paidAt": time(o, "paid_at"),
        "canceledAt": time(o, "canceled_at"),
        "refundableAmount": refundable,
        "buyer": { "displayName": get::<String>(o, "buyer_name"), "account": { "email": get::<String>(o, "buyer_email") } },
        "store": { "name": get::<String>(o, "store_name") },
        "items": items.iter().map(|i| json!({
            "productName": get::<String>(i, "product_name"),
            "quantity": get::<i32>(i, "quantity"),
            "unitPrice": get::<i64>(i, "unit_price"),
            "lineTotal": get::<i64>(i, "line_total"),
        })).collect::<Vec<_>>(),
        "payment": payment.map(|p| json!({
            "method": get::<String>(p, "method"),
            "status": get::<String>(p, "status"),
            "amount": get::<i64>(p, "amount"),
            "refundedAmount": get::<i64>(p, "refunded_amount"),
            "cardBrand": get::<Option<String>>(p, "card_brand").flatten(),
            "cardLast4": get::<Option<String>>(p, "card_last4").flatten(),
            "failureReason": get::<Option<String>>(p, "failure_reason").flatten(),
            "paidAt": time(p, "paid_at"),
        })),
        "shipment": shipments.first().map(|s| {
            let delivered = get::<Option<DateTime<Utc>>>(s, "delivered_at").flatten();
            let expected = get::<DateTime<Utc>>(s, "expected_delivery_at");
            let last = get::<DateTime<Utc>>(s, "last_event_at");
            json!({
                "carrier": get::<String>(s, "carrier"),
                "trackingNumber": get::<String>(s, "tracking_number"),
                "status": get::<String>(s, "status"),
                "expectedDeliveryAt": time(s, "expected_delivery_at"),
                "delayed": delivered.is_none() && expected.is_some_and(|e| e < now),
                "stalled": delivered.is_none() && last.is_some_and(|l| now - l > chrono::Duration::hours(i64::from(state.settings.shipment_stall_hours))),
                "events": events.iter().map(|e| json!({
                    "status": get::<String>(e, "status"),
                    "description": get::<String>(e, "description"),
                    "at": time(e, "occurred_at"),
                })).collect::<Vec<_>>(),
            })
        }),
        "cancellationRequests": requests.iter().map(|c| json!({
            "id": get::<Uuid>(c, "id").map(|u| u.to_string()),
            "kind": get::<String>(c, "kind"),
            "status": get::<String>(c, "status"),
            "reason": get::<String>(c, "reason"),
            "requestedAt": time(c, "requested_at"),
            "sellerDeadlineAt": time(c, "seller_deadline_at"),
            "overdue": get::<String>(c, "status").as_deref() == Some("PENDING_SELLER")
                && get::<Option<DateTime<Utc>>>(c, "seller_deadline_at").flatten().is_some_and(|d| d < now),
            "refund": get::<Option<Uuid>>(c, "refund_id").flatten().map(|r| json!({
                "id": r.to_string(), "status": get::<Option<String>>(c, "refund_status").flatten(),
            })),
        })).collect::<Vec<_>>(),
        "refunds": refunds.iter().map(|r| json!({
            "id": get::<Uuid>(r, "id").map(|u| u.to_string()),
            "amount": get::<i64>(r, "amount"),
            "status": get::<String>(r, "status"),
            "dueAt": time(r, "due_at"),
            "overdue": open(get::<String>(r, "status"))
                && get::<DateTime<Utc>>(r, "due_at").is_some_and(|d| d < now),
        })).collect::<Vec<_>>(),
    } } }))
}

async fn queue(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match queue_json(&req, &state).await {
        Ok(body) => answer(&body),
        Err(response) => response,
    }
}

async fn queue_json(req: &HttpRequest, state: &AppState) -> Result<Json, HttpResponse> {
    staff(req, state).await?;
    let now = state.clock.now();
    let total = rows(
        state,
        "SELECT COUNT(*) AS n FROM tickets WHERE status = 'OPEN'",
        Vec::new(),
    )
    .await?;
    let tickets = rows(
        state,
        "SELECT id, number, subject, status, priority, category, created_at, first_response_due_at,
                resolution_due_at, first_responded_at, requester_id, assignee_id, order_id
         FROM tickets WHERE status = 'OPEN' ORDER BY id DESC LIMIT 51",
        Vec::new(),
    )
    .await?;
    let has_next = tickets.len() > 50;
    let tickets = &tickets[..tickets.len().min(50)];
    let ids: Vec<Uuid> = tickets
        .iter()
        .filter_map(|t| get::<Uuid>(t, "id"))
        .collect();
    let mut people: Vec<Uuid> = tickets
        .iter()
        .flat_map(|t| {
            [
                get::<Uuid>(t, "requester_id"),
                get::<Option<Uuid>>(t, "assignee_id").flatten(),
            ]
        })
        .flatten()
        .collect();
    people.sort_unstable();
    people.dedup();
    let orders: Vec<Uuid> = tickets
        .iter()
        .filter_map(|t| get::<Option<Uuid>>(t, "order_id").flatten())
        .collect();
    let accounts = keyed(
        state,
        "SELECT id, name, email FROM accounts WHERE id IN {keys}",
        &people,
        "id",
    )
    .await?;
    let order_rows = keyed(
        state,
        "SELECT id, order_number FROM orders WHERE id IN {keys}",
        &orders,
        "id",
    )
    .await?;
    let payments = keyed(
        state,
        "SELECT order_id, status FROM payments WHERE order_id IN {keys} ORDER BY id",
        &orders,
        "order_id",
    )
    .await?;
    let shipments = keyed(
        state,
        "SELECT order_id, expected_delivery_at, delivered_at FROM shipments WHERE order_id IN {keys}",
        &orders,
        "order_id",
    )
    .await?;
    let messages = keyed(
        state,
        "SELECT ticket_id, body, created_at, internal FROM ticket_messages WHERE ticket_id IN {keys} ORDER BY id",
        &ids,
        "ticket_id",
    )
    .await?;
    let person = |id: Option<Uuid>, email: bool| {
        id.and_then(|id| accounts.get(&id)).map(|a| {
            if email {
                json!({ "displayName": get::<String>(a, "name"), "account": { "email": get::<String>(a, "email") } })
            } else {
                json!({ "displayName": get::<String>(a, "name") })
            }
        })
    };
    let edges: Vec<Json> = tickets
        .iter()
        .map(|t| {
            let id = get::<Uuid>(t, "id");
            let order = get::<Option<Uuid>>(t, "order_id").flatten();
            let due = get::<DateTime<Utc>>(t, "first_response_due_at");
            let responded = get::<Option<DateTime<Utc>>>(t, "first_responded_at").flatten();
            let resolution = get::<DateTime<Utc>>(t, "resolution_due_at");
            let breached = (responded.is_none() && due.is_some_and(|d| d < now))
                || resolution.is_some_and(|d| d < now);
            json!({ "node": {
                "id": id.map(|u| u.to_string()),
                "number": get::<i64>(t, "number"),
                "subject": get::<String>(t, "subject"),
                "status": get::<String>(t, "status"),
                "priority": get::<String>(t, "priority"),
                "category": get::<String>(t, "category"),
                "createdAt": time(t, "created_at"),
                "firstResponseDueAt": time(t, "first_response_due_at"),
                "slaBreached": breached,
                "requester": person(get::<Uuid>(t, "requester_id"), true),
                "assignee": person(get::<Option<Uuid>>(t, "assignee_id").flatten(), false),
                "order": order.and_then(|o| order_rows.get(&o)).map(|o| {
                    let key = get::<Uuid>(o, "id");
                    let shipment = key.and_then(|k| shipments.get(&k));
                    json!({
                        "orderNumber": get::<String>(o, "order_number"),
                        "payment": key.and_then(|k| payments.get(&k)).map(|p| json!({ "status": get::<String>(p, "status") })),
                        "shipment": shipment.map(|s| json!({
                            "delayed": get::<Option<DateTime<Utc>>>(s, "delivered_at").flatten().is_none()
                                && get::<DateTime<Utc>>(s, "expected_delivery_at").is_some_and(|e| e < now),
                        })),
                    })
                }),
                "lastMessage": id.and_then(|i| messages.get(&i)).map(|m| json!({
                    "body": get::<String>(m, "body"),
                    "createdAt": time(m, "created_at"),
                    "internal": get::<bool>(m, "internal"),
                })),
            } })
        })
        .collect();
    let end_cursor = tickets
        .last()
        .and_then(|t| get::<Uuid>(t, "id"))
        .map(|u| u.to_string());
    Ok(json!({ "data": { "tickets": {
        "totalCount": total.first().and_then(|r| get::<i64>(r, "n")),
        "pageInfo": { "hasNextPage": has_next, "endCursor": end_cursor },
        "edges": edges,
    } } }))
}
