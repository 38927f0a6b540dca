//! Order rules: placing, paying, shipping, tracking, listing, and the caller's scope.
//! No GraphQL here.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::order::{self, OrderStatus};
use entity::payment::{self, PaymentFailureReason, PaymentMethod, PaymentStatus};
use entity::shipment::{self, ShipmentStatus};
use entity::{account, cancellation_request, order_item, shipment_event, store};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryResult, QuerySelect, QueryTrait, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::parts::{OrderParts, Parts, join_order_parts, orders_table, read_order_parts};
use super::scope::{buyer_of, lock_visible_order, order_scope};
use super::shipments::{delayed_shipments, shipment_orders, stall_after, stalled_shipments};
use super::status::allowed_from;
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::config::Mode;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::{optional_text, required_text};
use crate::notifications::{self, Notice};
use crate::pagination::{self, Page, PageArgs};
use crate::payments::{
    ChargeError, ChargeRequest, ChargeStatus, card_details, has_pending_payment,
};
use crate::rows::Columns;
use crate::state::AppState;

/// Largest number of lines in one order.
pub const MAX_ITEMS: usize = 50;
/// Largest quantity of one line.
pub const MAX_QUANTITY: i32 = 999;
/// Largest unit price in won.
pub const MAX_UNIT_PRICE: i64 = 100_000_000;

/// One line of a new order.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Product name.
    pub product_name: String,
    /// Quantity.
    pub quantity: i32,
    /// Unit price in won.
    pub unit_price: i64,
}

/// A payment attempt.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    /// Method.
    pub method: PaymentMethod,
    /// Card brand (cards only).
    pub card_brand: Option<String>,
    /// Last four digits (cards only).
    pub card_last4: Option<String>,
    /// Simulator only: the failure to produce.
    pub simulate: Option<PaymentFailureReason>,
}

/// Filters of the order list.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only this store.
    pub store_id: Option<Uuid>,
    /// Only this buyer.
    pub buyer_id: Option<Uuid>,
    /// Part of the order number or of a product name.
    pub search: Option<String>,
    /// Only orders whose parcel is (or is not) late.
    pub delayed: Option<bool>,
    /// Only orders whose parcel has (or has not) stalled.
    pub stalled: Option<bool>,
}

/// The error for an order that cannot make a move.
pub fn cannot(order: &order::Model, what: &str) -> ApiError {
    ApiError::InvalidState(format!(
        "Order {} is {}: it cannot {what}.",
        order.order_number,
        order.status.api_name()
    ))
}

/// Moves `order` to `next` if it is still in a state that allows it. The condition is in the
/// UPDATE, so of two racing moves only one changes the row; the loser gets `INVALID_STATE`
/// with the state the winner left.
pub async fn transition(
    conn: &impl ConnectionTrait,
    order: &order::Model,
    next: OrderStatus,
    now: DateTime<Utc>,
    what: &str,
) -> ApiResult<order::Model> {
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(next))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.is_in(allowed_from(next).iter().copied()));
    match next {
        OrderStatus::Paid => update = update.col_expr(order::Column::PaidAt, Expr::value(now)),
        OrderStatus::Canceled => {
            update = update.col_expr(order::Column::CanceledAt, Expr::value(now));
        }
        _ => {}
    }
    if update.exec(conn).await?.rows_affected == 1 {
        let mut moved = order.clone();
        moved.status = next;
        moved.updated_at = now;
        return Ok(moved);
    }
    let current = order::Entity::find_by_id(order.id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Order"))?;
    Err(cannot(&current, what))
}

/// Records an order's move from `from` to `to` in the audit log.
pub async fn audit_move(
    conn: &impl ConnectionTrait,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    from: &order::Model,
    to: OrderStatus,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::OrderStatusChanged,
            actor,
            ("order", from.id),
            json!({ "orderNumber": from.order_number, "from": from.status.api_name(), "to": to.api_name() }),
        ),
    )
    .await
}

/// The next order number of the business day of `now`: `YYYYMMDD-NNNNNN`. The counter row
/// is upserted in the order's transaction, so numbers are unique and gap-free per day.
async fn next_order_number(
    conn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    #[derive(sea_orm::DeriveIden)]
    enum OrderNumberSequences {
        Table,
        Day,
        Last,
    }
    let day = state.calendar.local_date(now).format("%Y%m%d").to_string();
    let insert = Query::insert()
        .into_table(OrderNumberSequences::Table)
        .columns([OrderNumberSequences::Day, OrderNumberSequences::Last])
        .values_panic([day.clone().into(), 1_i64.into()])
        .on_conflict(
            OnConflict::column(OrderNumberSequences::Day)
                .value(
                    OrderNumberSequences::Last,
                    Expr::col((OrderNumberSequences::Table, OrderNumberSequences::Last)).add(1),
                )
                .to_owned(),
        )
        .returning_col(OrderNumberSequences::Last)
        .to_owned();
    let row = conn
        .query_one(&insert)
        .await?
        .ok_or_else(|| DbErr::Custom("order number sequence returned no row".into()))?;
    let last: i64 = row.try_get_by_index(0)?;
    Ok(format!("{day}-{last:06}"))
}

fn check_items(items: &[NewItem]) -> ApiResult<(Vec<NewItem>, i64)> {
    if items.is_empty() {
        return Err(ApiError::validation(
            "items",
            "An order needs at least one item.",
        ));
    }
    if items.len() > MAX_ITEMS {
        return Err(ApiError::validation(
            "items",
            format!("At most {MAX_ITEMS} items per order."),
        ));
    }
    let mut total: i64 = 0;
    let mut checked = Vec::with_capacity(items.len());
    for item in items {
        let product_name = required_text("productName", &item.product_name, 200)?;
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(ApiError::validation(
                "quantity",
                format!("Quantity is between 1 and {MAX_QUANTITY}."),
            ));
        }
        if !(0..=MAX_UNIT_PRICE).contains(&item.unit_price) {
            return Err(ApiError::validation(
                "unitPrice",
                format!("Unit price is between 0 and {MAX_UNIT_PRICE} won."),
            ));
        }
        total += i64::from(item.quantity) * item.unit_price;
        checked.push(NewItem {
            product_name,
            quantity: item.quantity,
            unit_price: item.unit_price,
        });
    }
    if total <= 0 {
        return Err(ApiError::validation(
            "items",
            "The order total must be more than 0 won.",
        ));
    }
    Ok((checked, total))
}

/// Places an order of `items` from `store_id` for the calling buyer.
pub async fn place_order(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    store_id: Uuid,
    items: &[NewItem],
) -> ApiResult<order::Model> {
    let (items, total) = check_items(items)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let store = store::Entity::find_by_id(store_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Store"))?;
    let order = order::ActiveModel {
        id: Set(ids::at(now)),
        order_number: Set(next_order_number(&txn, state, now).await?),
        buyer_id: Set(caller.account_id),
        store_id: Set(store.id),
        status: Set(OrderStatus::PaymentPending),
        total_amount: Set(total),
        currency: Set("KRW".into()),
        placed_at: Set(now),
        paid_at: Set(None),
        canceled_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let rows = items
        .iter()
        .enumerate()
        .map(|(position, item)| order_item::ActiveModel {
            id: Set(ids::at(now)),
            order_id: Set(order.id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            product_name: Set(item.product_name.clone()),
            quantity: Set(item.quantity),
            unit_price: Set(item.unit_price),
            line_total: Set(i64::from(item.quantity) * item.unit_price),
        });
    order_item::Entity::insert_many(rows).exec(&txn).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::OrderPlaced,
            Some(caller.account_id),
            ("order", order.id),
            json!({ "orderNumber": order.order_number, "store": store.id, "total": total }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

/// A buyer pays (again, after a failure). The attempt is recorded PENDING and committed
/// before the gateway is called, and settled in a second transaction: no lock is held while
/// the provider thinks (on SQLite that lock would stop every write), and a charge whose
/// answer is lost, or whose settlement fails to commit, stays on record as PENDING until the
/// sweep asks the provider ([`settle_stuck_payments`]). A second attempt while one is
/// PENDING answers `INVALID_STATE`.
pub async fn pay_order(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
    input: PaymentInput,
) -> ApiResult<order::Model> {
    if input.simulate.is_some() && state.settings.mode == Mode::Production {
        return Err(ApiError::validation(
            "simulate",
            "Simulated outcomes exist only in development mode.",
        ));
    }
    let card = card_details(
        input.method,
        input.card_brand.as_deref(),
        input.card_last4.as_deref(),
    )?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if !matches!(
        order.status,
        OrderStatus::PaymentPending | OrderStatus::PaymentFailed
    ) {
        return Err(cannot(&order, "be paid again"));
    }
    if has_pending_payment(&txn, order.id).await? {
        return Err(payment_in_flight(&order));
    }
    let payment_id = ids::at(now);
    payment::ActiveModel {
        id: Set(payment_id),
        order_id: Set(order.id),
        method: Set(input.method),
        card_brand: Set(card.as_ref().map(|c| c.brand.clone())),
        card_last4: Set(card.as_ref().map(|c| c.last4.clone())),
        amount: Set(order.total_amount),
        refund_reserved: Set(0),
        refunded_amount: Set(0),
        status: Set(PaymentStatus::Pending),
        failure_reason: Set(None),
        gateway_reference: Set(None),
        created_at: Set(now),
        paid_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    // The partial unique index: one PENDING attempt per order, whatever raced.
    .map_err(db::conflict_on_duplicate(
        "orderId",
        "A payment for this order is being confirmed.",
    ))
    .map_err(|err| match err {
        ApiError::Conflict { .. } => payment_in_flight(&order),
        other => other,
    })?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::PaymentStarted,
            Some(caller.account_id),
            ("order", order.id),
            json!({ "payment": payment_id, "method": input.method.api_name(), "amount": order.total_amount }),
        ),
    )
    .await?;
    txn.commit().await?;

    let request = ChargeRequest {
        payment_id,
        amount: order.total_amount,
        method: input.method,
        simulate: input.simulate,
    };
    let timeout = state.settings.payment_timeout();
    let outcome = match tokio::time::timeout(timeout, state.gateway.charge(request)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(ChargeError::Unknown(format!(
            "no answer within {}s",
            timeout.as_secs()
        ))),
    };
    let settlement = match outcome {
        Ok(reference) => Settlement::Paid(reference),
        Err(ChargeError::Declined(reason)) => Settlement::Failed(reason),
        Err(ChargeError::Unknown(cause)) => {
            // Charged or not, nobody knows yet: the attempt stays PENDING for the sweep, and
            // the buyer sees "being confirmed" rather than a failure that may be false.
            tracing::warn!(%payment_id, %cause, "payment answer lost; left PENDING for the sweep");
            return order::Entity::find_by_id(order.id)
                .one(&state.db)
                .await?
                .ok_or(ApiError::NotFound("Order"));
        }
    };
    settle(state, meta, Some(caller.account_id), payment_id, settlement).await
}

fn payment_in_flight(order: &order::Model) -> ApiError {
    ApiError::InvalidState(format!(
        "A payment for order {} is being confirmed; wait for its result.",
        order.order_number
    ))
}

/// How a PENDING attempt ends.
#[derive(Debug, Clone)]
enum Settlement {
    /// Charged; the provider's reference.
    Paid(String),
    /// Declined.
    Failed(PaymentFailureReason),
}

/// Settles a PENDING attempt and moves its order, in one transaction with the audit event.
/// An attempt someone else settled meanwhile (the sweep, or the request itself) is left as
/// it is: the update only applies while the row is still PENDING.
async fn settle(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    payment_id: Uuid,
    settlement: Settlement,
) -> ApiResult<order::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let payment = payment::Entity::find_by_id(payment_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Payment"))?;
    let order = order::Entity::find_by_id(payment.order_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Order"))?;
    let (status, failure_reason, reference) = match &settlement {
        Settlement::Paid(reference) => (PaymentStatus::Paid, None, Some(reference.clone())),
        Settlement::Failed(reason) => (PaymentStatus::Failed, Some(*reason), None),
    };
    let paid = matches!(settlement, Settlement::Paid(_));
    let settled = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(status))
        .col_expr(payment::Column::FailureReason, Expr::value(failure_reason))
        .col_expr(payment::Column::GatewayReference, Expr::value(reference))
        .col_expr(payment::Column::PaidAt, Expr::value(paid.then_some(now)))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(payment_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Pending))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !settled {
        return Ok(order);
    }
    let next = if paid {
        OrderStatus::Paid
    } else {
        OrderStatus::PaymentFailed
    };
    let moved = transition(&txn, &order, next, now, "be paid").await?;
    let action = if paid {
        AuditAction::PaymentSucceeded
    } else {
        AuditAction::PaymentFailed
    };
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            action,
            actor,
            ("order", order.id),
            json!({
                "payment": payment_id,
                "method": payment.method.api_name(),
                "failureReason": failure_reason.map(|r| r.api_name()),
                "from": order.status.api_name(),
                "to": next.api_name(),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Settles payment attempts left PENDING by a lost answer or a crash, by asking the provider
/// what became of them. An attempt the provider never received failed (the buyer may pay
/// again); one the provider cannot tell about now waits for the next sweep. One failing
/// attempt is logged and skipped.
pub async fn settle_stuck_payments(state: &AppState) -> ApiResult<u32> {
    let now = state.clock.now();
    // Give a slow answer time to arrive before asking.
    let grace = Duration::seconds(
        i64::try_from(state.settings.payment_timeout_secs.saturating_mul(2)).unwrap_or(60),
    )
    .max(Duration::minutes(1));
    let stuck = payment::Entity::find()
        .filter(payment::Column::Status.eq(PaymentStatus::Pending))
        .filter(payment::Column::CreatedAt.lt(now - grace));
    let settle_one = |attempt: payment::Model| async move {
        let timeout = state.settings.payment_timeout();
        let status = tokio::time::timeout(timeout, state.gateway.charge_status(attempt.id)).await;
        let settlement = match status {
            Ok(Ok(ChargeStatus::Charged(reference))) => Settlement::Paid(reference),
            Ok(Ok(ChargeStatus::Declined(reason))) => Settlement::Failed(reason),
            Ok(Ok(ChargeStatus::NotFound)) => {
                Settlement::Failed(PaymentFailureReason::GatewayError)
            }
            Ok(Err(cause)) => {
                tracing::warn!(payment = %attempt.id, %cause, "provider cannot tell about a pending payment yet");
                return Ok(false);
            }
            Err(_) => {
                tracing::warn!(payment = %attempt.id, "provider did not answer about a pending payment");
                return Ok(false);
            }
        };
        settle(state, &RequestMeta::default(), None, attempt.id, settlement).await?;
        Ok(true)
    };
    state
        .sweeper()
        .rows(
            "pending_payments",
            stuck,
            payment::Column::Id,
            |p| p.id,
            settle_one,
        )
        .await
}

/// Whether `order` has a cancellation or return request waiting for the seller.
pub async fn has_open_request(conn: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    Ok(cancellation_request::Entity::find()
        .filter(cancellation_request::Column::OpenOrderId.eq(order_id))
        .count(conn)
        .await?
        > 0)
}

/// The seller starts preparing a paid order (배송준비).
pub async fn mark_preparing(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
) -> ApiResult<order::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    let moved = transition(&txn, &order, OrderStatus::Preparing, now, "be prepared").await?;
    audit_move(
        &txn,
        meta,
        Some(caller.account_id),
        &order,
        moved.status,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

fn check_tracking(carrier: &str, tracking_number: &str) -> ApiResult<(String, String)> {
    let carrier = required_text("carrier", carrier, 60)?;
    let tracking = tracking_number.trim();
    if tracking.is_empty()
        || tracking.len() > 60
        || !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ApiError::validation(
            "trackingNumber",
            "Letters, digits and dashes, at most 60.",
        ));
    }
    Ok((carrier, tracking.to_owned()))
}

/// The seller hands the parcel to a carrier (배송중) and the buyer is told.
pub async fn ship_order(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
    carrier: &str,
    tracking_number: &str,
    expected_delivery_at: DateTime<Utc>,
) -> ApiResult<order::Model> {
    let (carrier, tracking_number) = check_tracking(carrier, tracking_number)?;
    let now = state.clock.now();
    if expected_delivery_at < now {
        return Err(ApiError::validation(
            "expectedDeliveryAt",
            "The expected delivery cannot be in the past.",
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if order.status == OrderStatus::Preparing && has_open_request(&txn, order.id).await? {
        return Err(ApiError::InvalidState(format!(
            "Order {} has a cancellation request waiting: approve or reject it before shipping.",
            order.order_number
        )));
    }
    let moved = transition(&txn, &order, OrderStatus::Shipped, now, "be shipped").await?;
    let shipment = shipment::ActiveModel {
        id: Set(ids::at(now)),
        order_id: Set(order.id),
        carrier: Set(carrier.clone()),
        tracking_number: Set(tracking_number.clone()),
        status: Set(ShipmentStatus::InTransit),
        expected_delivery_at: Set(expected_delivery_at),
        shipped_at: Set(now),
        delivered_at: Set(None),
        last_event_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    shipment_event::ActiveModel {
        id: Set(ids::at(now)),
        shipment_id: Set(shipment.id),
        status: Set(ShipmentStatus::InTransit),
        description: Set(format!("Handed to {carrier}")),
        occurred_at: Set(now),
        recorded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let buyer = buyer_of(&txn, &order).await?;
    notifications::enqueue(
        &txn,
        now,
        &buyer,
        &Notice::OrderShipped {
            order_number: order.order_number.clone(),
            carrier: carrier.clone(),
            tracking_number: tracking_number.clone(),
            expected: state.calendar.local_date(expected_delivery_at),
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::OrderShipped,
            Some(caller.account_id),
            ("order", order.id),
            json!({
                "from": order.status.api_name(), "to": moved.status.api_name(),
                "carrier": carrier, "trackingNumber": tracking_number,
                "expectedDeliveryAt": expected_delivery_at,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

async fn shipment_of(
    conn: &impl ConnectionTrait,
    order: &order::Model,
) -> ApiResult<shipment::Model> {
    shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order.id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| cannot(order, "be tracked before it ships"))
}

async fn deliver(
    txn: &impl ConnectionTrait,
    meta: &RequestMeta,
    actor: Uuid,
    order: &order::Model,
    shipment: &shipment::Model,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<order::Model> {
    let moved = transition(txn, order, OrderStatus::Delivered, now, "be delivered").await?;
    shipment::ActiveModel {
        id: Set(shipment.id),
        status: Set(ShipmentStatus::Delivered),
        delivered_at: Set(Some(at)),
        last_event_at: Set(Ord::max(shipment.last_event_at, at)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(txn)
    .await?;
    audit_move(txn, meta, Some(actor), order, moved.status, now).await?;
    Ok(moved)
}

/// Records a tracking event; a `DELIVERED` event delivers the order.
#[allow(clippy::too_many_arguments)]
pub async fn add_shipment_event(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
    status: ShipmentStatus,
    description: &str,
    at: Option<DateTime<Utc>>,
) -> ApiResult<order::Model> {
    let description = required_text("description", description, 500)?;
    let now = state.clock.now();
    let at = at.unwrap_or(now);
    if at > now + Duration::minutes(5) {
        return Err(ApiError::validation(
            "at",
            "An event cannot be in the future.",
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if order.status != OrderStatus::Shipped {
        return Err(cannot(&order, "get tracking events (it is not in transit)"));
    }
    let shipment = shipment_of(&txn, &order).await?;
    if at < shipment.shipped_at {
        return Err(ApiError::validation(
            "at",
            "An event cannot be before shipping.",
        ));
    }
    shipment_event::ActiveModel {
        id: Set(ids::at(now)),
        shipment_id: Set(shipment.id),
        status: Set(status),
        description: Set(description.clone()),
        occurred_at: Set(at),
        recorded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::ShipmentEventAdded,
            Some(caller.account_id),
            ("order", order.id),
            json!({ "status": status.api_name(), "description": description, "at": at }),
        ),
    )
    .await?;
    let result = if status == ShipmentStatus::Delivered {
        deliver(&txn, meta, caller.account_id, &order, &shipment, at, now).await?
    } else {
        shipment::ActiveModel {
            id: Set(shipment.id),
            status: Set(status),
            last_event_at: Set(Ord::max(shipment.last_event_at, at)),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        order
    };
    txn.commit().await?;
    Ok(result)
}

/// Marks a shipped order delivered (배송완료).
pub async fn mark_delivered(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
) -> ApiResult<order::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if order.status != OrderStatus::Shipped {
        return Err(cannot(&order, "be delivered"));
    }
    let shipment = shipment_of(&txn, &order).await?;
    let moved = deliver(&txn, meta, caller.account_id, &order, &shipment, now, now).await?;
    txn.commit().await?;
    Ok(moved)
}

/// Sets a new expected delivery date for a parcel in transit; the buyer is told.
pub async fn update_expected_delivery(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
    expected_delivery_at: DateTime<Utc>,
    reason: Option<&str>,
) -> ApiResult<order::Model> {
    let reason = optional_text("reason", reason, 500)?;
    let now = state.clock.now();
    if expected_delivery_at < now {
        return Err(ApiError::validation(
            "expectedDeliveryAt",
            "The expected delivery cannot be in the past.",
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if order.status != OrderStatus::Shipped {
        return Err(cannot(
            &order,
            "get a new delivery date (it is not in transit)",
        ));
    }
    let shipment = shipment_of(&txn, &order).await?;
    if shipment.expected_delivery_at == expected_delivery_at {
        return Ok(order);
    }
    shipment::ActiveModel {
        id: Set(shipment.id),
        expected_delivery_at: Set(expected_delivery_at),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let buyer = buyer_of(&txn, &order).await?;
    notifications::enqueue(
        &txn,
        now,
        &buyer,
        &Notice::DeliveryDateChanged {
            order_number: order.order_number.clone(),
            expected: state.calendar.local_date(expected_delivery_at),
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::DeliveryDateChanged,
            Some(caller.account_id),
            ("order", order.id),
            json!({
                "before": shipment.expected_delivery_at,
                "after": expected_delivery_at,
                "reason": reason,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

/// The buyer confirms the purchase (구매확정).
pub async fn confirm_purchase(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
) -> ApiResult<order::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if has_open_request(&txn, order.id).await? {
        return Err(ApiError::InvalidState(format!(
            "Order {} has a return request waiting: withdraw it first.",
            order.order_number
        )));
    }
    let moved = transition(&txn, &order, OrderStatus::Confirmed, now, "be confirmed").await?;
    audit_move(
        &txn,
        meta,
        Some(caller.account_id),
        &order,
        moved.status,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Orders `caller` may see, newest first, one keyset page, with the total; each with the
/// relations `parts` names read in the same statement.
pub async fn list_orders(
    state: &AppState,
    caller: &Caller,
    filter: &OrderFilter,
    page: &PageArgs,
    parts: OrderParts,
) -> ApiResult<(Page<(order::Model, Parts)>, u64)> {
    let now = state.clock.now();
    let mut condition = order_scope(caller);
    if let Some(status) = filter.status {
        condition = condition.add(order::Column::Status.eq(status));
    }
    if let Some(store_id) = filter.store_id {
        condition = condition.add(order::Column::StoreId.eq(store_id));
    }
    if let Some(buyer_id) = filter.buyer_id {
        condition = condition.add(order::Column::BuyerId.eq(buyer_id));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", crate::input::escape_like(search));
        let mut any = Condition::any()
            // A tracking number is matched whole: parcels are looked up by the number a
            // customer reads out.
            .add(order::Column::Id.in_subquery(shipment_orders(
                Condition::all().add(shipment::Column::TrackingNumber.eq(search)),
            )));
        // Only staff find orders by the buyer's email: for a seller that would tell which
        // address belongs to which customer.
        if caller.is_staff() && search.contains('@') {
            any = any.add(
                order::Column::BuyerId.in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .and_where(account::Column::Email.eq(search.to_lowercase()))
                        .to_owned(),
                ),
            );
        }
        condition = condition.add(
            any.add(
                Expr::col((order::Entity, order::Column::OrderNumber))
                    .like(LikeExpr::new(pattern.clone()).escape('\\')),
            )
            .add(
                order::Column::Id.in_subquery(
                    Query::select()
                        .column(order_item::Column::OrderId)
                        .from(order_item::Entity)
                        .and_where(
                            Expr::col(order_item::Column::ProductName)
                                .like(LikeExpr::new(pattern).escape('\\')),
                        )
                        .to_owned(),
                ),
            ),
        );
    }
    for (flag, shipments) in [
        (filter.delayed, delayed_shipments(now)),
        (filter.stalled, stalled_shipments(now - stall_after(state))),
    ] {
        let orders =
            Condition::all().add(order::Column::Id.in_subquery(shipment_orders(shipments)));
        condition = pagination::with_flag(condition, flag, orders);
    }
    let select = order::Entity::find().filter(condition);
    let total =
        pagination::count_if_asked(&state.db, page, select.clone(), order::Column::Id).await?;
    let rows = pagination::fetch_newest_first_as(
        &state.db,
        with_parts(select, state.db.get_database_backend(), parts),
        order::Column::Id,
        page,
        |row| read_with_parts(row, parts),
    )
    .await?;
    Ok((rows, total))
}

/// `select` with the relations `parts` names joined.
fn with_parts(
    mut select: Select<order::Entity>,
    backend: DbBackend,
    parts: OrderParts,
) -> Select<order::Entity> {
    join_order_parts(
        QueryTrait::query(&mut select),
        backend,
        orders_table(),
        parts,
    );
    select
}

fn read_with_parts(row: &QueryResult, parts: OrderParts) -> Result<(order::Model, Parts), DbErr> {
    // By position: the select's own columns first (a plain `find()`), then the joins'.
    let mut columns = Columns::new(row);
    let order = columns.model::<order::Model>()?;
    Ok((order, read_order_parts(&mut columns, parts)?))
}

/// One order by its number, if `caller` may see it, with the relations `parts` names read
/// in the same statement.
pub async fn order_by_number(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    order_number: &str,
    parts: OrderParts,
) -> ApiResult<Option<(order::Model, Parts)>> {
    let select = order::Entity::find()
        .filter(order::Column::OrderNumber.eq(order_number.trim()))
        .filter(order_scope(caller));
    Ok(one_order(conn, select, parts).await?)
}

/// One order by id, if `caller` may see it; `parts` as in [`order_by_number`].
pub async fn order_by_id(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    parts: OrderParts,
) -> ApiResult<Option<(order::Model, Parts)>> {
    let select = order::Entity::find_by_id(id).filter(order_scope(caller));
    Ok(one_order(conn, select, parts).await?)
}

async fn one_order(
    conn: &impl ConnectionTrait,
    select: Select<order::Entity>,
    parts: OrderParts,
) -> Result<Option<(order::Model, Parts)>, DbErr> {
    let backend = conn.get_database_backend();
    let statement = with_parts(select, backend, parts).limit(1).build(backend);
    conn.query_one_raw(statement)
        .await?
        .map(|row| read_with_parts(&row, parts))
        .transpose()
}
