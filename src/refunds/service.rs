//! Refund rules: reserve, send to the gateway, record the outcome. No GraphQL here.
//!
//! The invariant "refunds not FAILED never exceed the amount paid" is kept by one
//! conditional UPDATE on the payment row (`refund_reserved + amount <= amount`), backed by a
//! CHECK constraint: however many requests race, the database lets through only what fits.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::cancellation_request::{self, CancellationStatus};
use entity::order;
use entity::payment::{self, PaymentStatus};
use entity::refund::{self, RefundStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::required_text;
use crate::notifications::{self, Notice};
use crate::orders::scope::{buyer_of, lock_visible_order, store_order_ids, visible_order_ids};
use crate::pagination::{self, Page, PageArgs};
use crate::payments::RefundRequest;
use crate::payments::latest_payment;
use crate::state::AppState;

/// A PROCESSING refund untouched this long is taken to be abandoned by a crashed process and
/// sent again (the gateway call is idempotent on the refund id, so it never pays twice).
pub const STALE_PROCESSING: Duration = Duration::minutes(10);

/// Filters of the refund list.
#[derive(Debug, Default, Clone)]
pub struct RefundFilter {
    /// Only this status.
    pub status: Option<RefundStatus>,
    /// Only this store's orders.
    pub store_id: Option<Uuid>,
    /// Only refunds past (or not past) their legal deadline and not completed.
    pub overdue: Option<bool>,
    /// Only this order's.
    pub order_id: Option<Uuid>,
}

/// What a new refund is.
#[derive(Debug, Clone)]
pub struct NewRefund {
    /// The order.
    pub order_id: Uuid,
    /// Amount in won.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// The caller's idempotency key.
    pub idempotency_key: String,
}

fn fingerprint(order_id: Uuid, amount: i64, reason: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(order_id.as_bytes());
    hasher.update(amount.to_be_bytes());
    hasher.update(reason.as_bytes());
    hex::encode(hasher.finalize())
}

/// Reserves `amount` of `payment` for a refund: succeeds only while the refunds not FAILED
/// stay within the amount paid.
async fn reserve(
    conn: &impl ConnectionTrait,
    payment_id: Uuid,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundReserved,
            Expr::col(payment::Column::RefundReserved).add(amount),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(payment_id))
        .filter(
            payment::Column::Status.is_in([PaymentStatus::Paid, PaymentStatus::PartiallyRefunded]),
        )
        .filter(
            Expr::col(payment::Column::RefundReserved)
                .add(amount)
                .lte(Expr::col(payment::Column::Amount)),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

fn nothing_left(payment: Option<&payment::Model>, amount: i64) -> ApiError {
    let left = crate::payments::refundable(payment);
    ApiError::InvalidState(format!(
        "Only {left} won can still be refunded on this order; {amount} asked."
    ))
}

/// Records a refund of `amount` from the order's payment in `txn` (reservation, row, audit),
/// already claimed for sending (`PROCESSING`, first attempt): the caller sends it with
/// [`send_refund`] once the transaction commits. A claim of its own would be one more turn
/// to write for every refund; a refund whose sender died before the provider call is sent
/// again by the sweep once its claim is stale (`STALE_PROCESSING`).
#[allow(clippy::too_many_arguments)]
pub async fn open_refund(
    txn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    requested_by: Uuid,
    order: &order::Model,
    amount: i64,
    reason: &str,
    idempotency_key: String,
    cancellation_request_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> ApiResult<refund::Model> {
    let payment = latest_payment(txn, order.id).await?;
    let Some(paid) = payment.as_ref().filter(|p| {
        matches!(
            p.status,
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        )
    }) else {
        return Err(ApiError::InvalidState(format!(
            "Order {} has no captured payment to refund.",
            order.order_number
        )));
    };
    if !reserve(txn, paid.id, amount, now).await? {
        return Err(nothing_left(payment.as_ref(), amount));
    }
    let due_at = state
        .calendar
        .add_business_days(now, state.settings.refund_business_days);
    let refund = refund::ActiveModel {
        id: Set(ids::at(now)),
        order_id: Set(order.id),
        payment_id: Set(paid.id),
        cancellation_request_id: Set(cancellation_request_id),
        amount: Set(amount),
        reason: Set(reason.to_owned()),
        status: Set(RefundStatus::Processing),
        requested_by: Set(requested_by),
        request_fingerprint: Set(fingerprint(order.id, amount, reason)),
        idempotency_key: Set(idempotency_key),
        attempts: Set(1),
        gateway_reference: Set(None),
        failure_reason: Set(None),
        created_at: Set(now),
        due_at: Set(due_at),
        completed_at: Set(None),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::RefundRequested,
            actor,
            ("refund", refund.id),
            json!({ "order": order.id, "amount": amount, "reason": reason, "dueAt": due_at }),
        ),
    )
    .await?;
    Ok(refund)
}

/// A refund's idempotency key as given: 1 to 200 printable ASCII characters, trimmed.
pub fn check_key(key: &str) -> ApiResult<String> {
    let key = key.trim();
    if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "idempotencyKey",
            "1 to 200 printable ASCII characters.",
        ));
    }
    Ok(key.to_owned())
}

async fn existing_for_key(
    conn: &impl ConnectionTrait,
    requested_by: Uuid,
    key: &str,
    order_id: Uuid,
    amount: i64,
    reason: &str,
) -> ApiResult<Option<refund::Model>> {
    let Some(existing) = refund::Entity::find()
        .filter(refund::Column::RequestedBy.eq(requested_by))
        .filter(refund::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if existing.request_fingerprint != fingerprint(order_id, amount, reason) {
        return Err(ApiError::Conflict {
            field: Some("idempotencyKey"),
            message: "This idempotency key was already used for a different refund.".into(),
        });
    }
    Ok(Some(existing))
}

/// A seller (of the order's store) or an agent refunds part or all of an order's payment.
/// The same idempotency key with the same input answers the refund made the first time.
pub async fn create_refund(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    input: NewRefund,
) -> ApiResult<refund::Model> {
    if input.amount <= 0 {
        return Err(ApiError::validation(
            "amount",
            "The amount must be more than 0 won.",
        ));
    }
    let reason = required_text("reason", &input.reason, 500)?;
    let key = check_key(&input.idempotency_key)?;
    let lookup = |conn| {
        let (key, reason) = (key.clone(), reason.clone());
        async move {
            existing_for_key(
                conn,
                caller.account_id,
                &key,
                input.order_id,
                input.amount,
                &reason,
            )
            .await
        }
    };
    if let Some(existing) = lookup(&state.db).await? {
        // A retried request: the refund must still be one the caller may see.
        crate::orders::scope::visible_order(&state.db, caller, existing.order_id).await?;
        return Ok(existing);
    }
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, input.order_id).await?;
    let opened = open_refund(
        &txn,
        state,
        meta,
        Some(caller.account_id),
        caller.account_id,
        &order,
        input.amount,
        &reason,
        key.clone(),
        None,
        now,
    )
    .await;
    let refund = match opened {
        Ok(refund) => refund,
        Err(ApiError::Internal(cause)) => {
            drop(txn);
            // Two requests with one key raced: the unique index let one in. Answer the
            // winner's refund (or CONFLICT if the inputs differ).
            let unique = cause
                .downcast_ref::<DbErr>()
                .is_some_and(db::is_unique_violation);
            if unique && let Some(existing) = lookup(&state.db).await? {
                return Ok(existing);
            }
            return Err(ApiError::Internal(cause));
        }
        Err(err) => return Err(err),
    };
    match txn.commit().await {
        Ok(()) => {}
        Err(err) if db::is_unique_violation(&err) => {
            if let Some(existing) = lookup(&state.db).await? {
                return Ok(existing);
            }
            return Err(err.into());
        }
        Err(err) => return Err(err.into()),
    }
    send_refund(state, refund.id).await
}

/// Claims a REQUESTED (or abandoned PROCESSING) refund, sends it to the gateway and records
/// the outcome. Returns the refund as it stands afterwards.
pub async fn process_refund(state: &AppState, refund_id: Uuid) -> ApiResult<refund::Model> {
    let now = state.clock.now();
    // One statement, but in its turn to write (`db::begin_write`): left to SQLite's busy
    // handler it could sleep for seconds while write transactions follow each other.
    let txn = db::begin_write(&state.db).await?;
    let claimed = refund::Entity::update_many()
        .col_expr(
            refund::Column::Status,
            Expr::value(RefundStatus::Processing),
        )
        .col_expr(
            refund::Column::Attempts,
            Expr::col(refund::Column::Attempts).add(1),
        )
        .col_expr(refund::Column::UpdatedAt, Expr::value(now))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(
            Condition::any()
                .add(refund::Column::Status.eq(RefundStatus::Requested))
                .add(
                    Condition::all()
                        .add(refund::Column::Status.eq(RefundStatus::Processing))
                        .add(refund::Column::UpdatedAt.lt(now - STALE_PROCESSING)),
                ),
        )
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    txn.commit().await?;
    if !claimed {
        // Someone else is on it, or it is already settled.
        return refund::Entity::find_by_id(refund_id)
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("Refund"));
    }
    send_refund(state, refund_id).await
}

/// Sends a refund this caller holds the claim on (`PROCESSING`: just opened by
/// [`open_refund`], or claimed by [`process_refund`]) and records the outcome. Returns the
/// refund as it stands afterwards.
pub async fn send_refund(state: &AppState, refund_id: Uuid) -> ApiResult<refund::Model> {
    let refund = refund::Entity::find_by_id(refund_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Refund"))?;
    let payment = payment::Entity::find_by_id(refund.payment_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("refund without payment")))?;
    let request = RefundRequest {
        refund_id: refund.id,
        payment_reference: payment.gateway_reference.clone().unwrap_or_default(),
        amount: refund.amount,
    };
    let timeout = state.settings.payment_timeout();
    let Ok(outcome) = tokio::time::timeout(timeout, state.gateway.refund(request)).await else {
        // No answer: the refund stays PROCESSING and the sweep sends it again later with the
        // same id, which the provider uses to never refund twice.
        tracing::warn!(refund = %refund.id, "payment provider did not answer a refund in time");
        return Ok(refund);
    };
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let still_processing = refund::Entity::find_by_id(refund.id)
        .filter(refund::Column::Status.eq(RefundStatus::Processing))
        .lock_exclusive()
        .one(&txn)
        .await?;
    if still_processing.is_none() {
        drop(txn);
        return refund::Entity::find_by_id(refund.id)
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("Refund"));
    }
    let order = order::Entity::find_by_id(refund.order_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("refund without order")))?;
    let updated = match outcome {
        Ok(reference) => complete(&txn, &order, &refund, reference, now).await?,
        Err(failure) => fail(&txn, &refund, failure.0, now).await?,
    };
    txn.commit().await?;
    Ok(updated)
}

async fn complete(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    refund: &refund::Model,
    reference: String,
    now: DateTime<Utc>,
) -> ApiResult<refund::Model> {
    payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundedAmount,
            Expr::col(payment::Column::RefundedAmount).add(refund.amount),
        )
        .col_expr(
            payment::Column::Status,
            Expr::case(
                Expr::col(payment::Column::RefundedAmount)
                    .add(refund.amount)
                    .gte(Expr::col(payment::Column::Amount)),
                Expr::value(PaymentStatus::Refunded),
            )
            .finally(Expr::value(PaymentStatus::PartiallyRefunded))
            .into(),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(refund.payment_id))
        .exec(txn)
        .await?;
    let updated = refund::ActiveModel {
        id: Set(refund.id),
        status: Set(RefundStatus::Completed),
        gateway_reference: Set(Some(reference)),
        failure_reason: Set(None),
        completed_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(txn)
    .await?;
    if let Some(request_id) = refund.cancellation_request_id {
        cancellation_request::Entity::update_many()
            .col_expr(
                cancellation_request::Column::Status,
                Expr::value(CancellationStatus::Completed),
            )
            .filter(cancellation_request::Column::Id.eq(request_id))
            .filter(cancellation_request::Column::Status.eq(CancellationStatus::Approved))
            .exec(txn)
            .await?;
    }
    let buyer = buyer_of(txn, order).await?;
    notifications::enqueue(
        txn,
        now,
        &buyer,
        &Notice::RefundCompleted {
            order_number: order.order_number.clone(),
            amount: refund.amount,
        },
    )
    .await?;
    audit::record(
        txn,
        &RequestMeta::default(),
        now,
        AuditEvent::on(
            AuditAction::RefundCompleted,
            None,
            ("refund", refund.id),
            json!({ "order": order.id, "amount": refund.amount, "from": "PROCESSING", "to": "COMPLETED" }),
        ),
    )
    .await?;
    Ok(updated)
}

async fn fail(
    txn: &impl ConnectionTrait,
    refund: &refund::Model,
    reason: String,
    now: DateTime<Utc>,
) -> ApiResult<refund::Model> {
    // A failed refund no longer counts against the payment; a retry reserves again.
    payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundReserved,
            Expr::col(payment::Column::RefundReserved).sub(refund.amount),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(refund.payment_id))
        .exec(txn)
        .await?;
    let reason: String = reason.chars().take(200).collect();
    let updated = refund::ActiveModel {
        id: Set(refund.id),
        status: Set(RefundStatus::Failed),
        failure_reason: Set(Some(reason.clone())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(txn)
    .await?;
    audit::record(
        txn,
        &RequestMeta::default(),
        now,
        AuditEvent::on(
            AuditAction::RefundFailed,
            None,
            ("refund", refund.id),
            json!({ "order": refund.order_id, "amount": refund.amount, "reason": reason, "from": "PROCESSING", "to": "FAILED" }),
        ),
    )
    .await?;
    Ok(updated)
}

/// Sends a FAILED refund again, if what it asks still fits in the payment.
pub async fn retry_refund(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    refund_id: Uuid,
) -> ApiResult<refund::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let refund = visible_refund(&txn, caller, refund_id).await?;
    lock_visible_order(&txn, caller, refund.order_id).await?;
    if refund.status != RefundStatus::Failed {
        return Err(ApiError::InvalidState(format!(
            "Only FAILED refunds can be retried; this one is {}.",
            refund.status.api_name()
        )));
    }
    if !reserve(&txn, refund.payment_id, refund.amount, now).await? {
        let payment = payment::Entity::find_by_id(refund.payment_id)
            .one(&txn)
            .await?;
        return Err(nothing_left(payment.as_ref(), refund.amount));
    }
    let reopened = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(RefundStatus::Requested))
        .col_expr(refund::Column::UpdatedAt, Expr::value(now))
        .filter(refund::Column::Id.eq(refund.id))
        .filter(refund::Column::Status.eq(RefundStatus::Failed))
        .exec(&txn)
        .await?;
    if reopened.rows_affected != 1 {
        return Err(ApiError::InvalidState(
            "The refund is already being retried.".into(),
        ));
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::RefundRetried,
            Some(caller.account_id),
            ("refund", refund.id),
            json!({ "from": "FAILED", "to": "REQUESTED", "attempts": refund.attempts }),
        ),
    )
    .await?;
    txn.commit().await?;
    process_refund(state, refund.id).await
}

/// One refund `caller` may see, or `NOT_FOUND`.
pub async fn visible_refund(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<refund::Model> {
    refund::Entity::find_by_id(id)
        .filter(refund::Column::OrderId.in_subquery(visible_order_ids(caller)))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Refund"))
}

/// Refunds `caller` may see, newest first.
pub async fn list_refunds(
    state: &AppState,
    caller: &Caller,
    filter: &RefundFilter,
    page: &PageArgs,
) -> ApiResult<(Page<refund::Model>, u64)> {
    let now = state.clock.now();
    let mut condition =
        Condition::all().add(refund::Column::OrderId.in_subquery(visible_order_ids(caller)));
    if let Some(status) = filter.status {
        condition = condition.add(refund::Column::Status.eq(status));
    }
    if let Some(order_id) = filter.order_id {
        condition = condition.add(refund::Column::OrderId.eq(order_id));
    }
    if let Some(store_id) = filter.store_id {
        condition = condition.add(refund::Column::OrderId.in_subquery(store_order_ids(store_id)));
    }
    condition = pagination::with_flag(condition, filter.overdue, overdue(now));
    let select = refund::Entity::find().filter(condition);
    Ok(pagination::fetch_counted(&state.db, select, refund::Column::Id, page).await?)
}

/// Refunds not completed by their legal deadline.
fn overdue(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(refund::Column::Status.ne(RefundStatus::Completed))
        .add(refund::Column::DueAt.lt(now))
}

/// Whether a refund is past its deadline at `now`.
pub fn is_overdue(refund: &refund::Model, now: DateTime<Utc>) -> bool {
    refund.status != RefundStatus::Completed && refund.due_at < now
}

/// Re-drives refunds a crash left REQUESTED or PROCESSING. Returns how many were sent.
pub async fn resume_stuck(state: &AppState) -> ApiResult<u32> {
    let now = state.clock.now();
    let stuck = refund::Entity::find().filter(
        Condition::any()
            .add(
                Condition::all()
                    .add(refund::Column::Status.eq(RefundStatus::Requested))
                    .add(refund::Column::UpdatedAt.lt(now - Duration::minutes(1))),
            )
            .add(
                Condition::all()
                    .add(refund::Column::Status.eq(RefundStatus::Processing))
                    .add(refund::Column::UpdatedAt.lt(now - STALE_PROCESSING)),
            ),
    );
    let resume = |refund: refund::Model| async move {
        process_refund(state, refund.id).await?;
        Ok(true)
    };
    state
        .sweeper()
        .rows("stuck_refunds", stuck, refund::Column::Id, |r| r.id, resume)
        .await
}
