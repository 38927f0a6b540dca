//! Cancellation and return rules of DOMAIN.md "Cancellations and returns". No GraphQL here.
//!
//! - `PAID` (or unpaid): canceled at once, full refund, no seller step.
//! - `PREPARING`: the seller approves or rejects by a deadline; overdue requests escalate.
//! - `SHIPPED`: no cancellation; the buyer returns it after delivery.
//! - Delivered: return within the return window (7 days); agents may override with a reason.
//! - One open request per order, enforced by a unique column as well as here.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::cancellation_request::{
    self, CancellationKind, CancellationReason, CancellationStatus,
};
use entity::order::{self, OrderStatus};
use entity::shipment;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::config::OverdueDecisionAction;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::{optional_text, required_text};
use crate::notifications::{self, Notice};
use crate::orders::scope::{buyer_of, lock_visible_order, store_order_ids, visible_order_ids};
use crate::orders::service::{cannot, has_open_request, transition};
use crate::pagination::{self, Page, PageArgs};
use crate::payments::{has_pending_payment, latest_payment, refundable};
use crate::refunds::service::{open_refund, send_refund};
use crate::state::AppState;

/// A new request.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// The order.
    pub order_id: Uuid,
    /// Cancel or return.
    pub kind: CancellationKind,
    /// Reason.
    pub reason: CancellationReason,
    /// Free text.
    pub details: Option<String>,
    /// Agents only: why a rule (the return window) is overridden.
    pub override_reason: Option<String>,
}

/// Filters of the request list.
#[derive(Debug, Default, Clone)]
pub struct RequestFilter {
    /// Only this status.
    pub status: Option<CancellationStatus>,
    /// Only this kind.
    pub kind: Option<CancellationKind>,
    /// Only this store's orders.
    pub store_id: Option<Uuid>,
    /// Only requests past (or within) the seller deadline and still undecided.
    pub overdue: Option<bool>,
    /// Only decided requests (`true`) or only those waiting for the seller (`false`).
    pub decided: Option<bool>,
}

/// Who decides a request.
#[derive(Debug, Clone, Copy)]
pub enum Decider {
    /// A signed-in seller or agent.
    Person(Caller),
    /// The overdue sweep (auto-approval).
    System,
}

impl Decider {
    fn actor(self) -> Option<Uuid> {
        match self {
            Self::Person(caller) => Some(caller.account_id),
            Self::System => None,
        }
    }

    fn is_override(self) -> bool {
        match self {
            Self::Person(caller) => caller.is_staff(),
            Self::System => true,
        }
    }
}

fn already_open(order: &order::Model) -> ApiError {
    ApiError::Conflict {
        field: Some("orderId"),
        message: format!(
            "Order {} already has an open cancellation or return request.",
            order.order_number
        ),
    }
}

fn kind_name(kind: CancellationKind) -> &'static str {
    match kind {
        CancellationKind::Cancel => "CANCEL",
        CancellationKind::Return => "RETURN",
    }
}

/// What a new request does, given the order's state.
enum Route {
    /// Cancel now (no seller step), refunding what was paid.
    CancelNow,
    /// Ask the seller.
    AskSeller,
}

async fn route(
    conn: &impl ConnectionTrait,
    state: &AppState,
    caller: &Caller,
    order: &order::Model,
    request: &NewRequest,
    now: DateTime<Utc>,
) -> ApiResult<Route> {
    use OrderStatus::*;
    match (request.kind, order.status) {
        (CancellationKind::Cancel, PaymentPending | PaymentFailed)
            if has_pending_payment(conn, order.id).await? =>
        {
            // The provider may be charging right now: canceling would leave a charge without
            // an order to refund it against.
            Err(ApiError::InvalidState(format!(
                "A payment for order {} is being confirmed; cancel once it has a result.",
                order.order_number
            )))
        }
        (CancellationKind::Cancel, PaymentPending | PaymentFailed | Paid) => Ok(Route::CancelNow),
        (CancellationKind::Cancel, Preparing) => Ok(Route::AskSeller),
        (CancellationKind::Cancel, Shipped) => Err(ApiError::InvalidState(format!(
            "Order {} has shipped and can no longer be canceled. Once it arrives, you can return it.",
            order.order_number
        ))),
        (CancellationKind::Cancel, Delivered | Confirmed) => Err(ApiError::InvalidState(format!(
            "Order {} was delivered: ask for a return instead.",
            order.order_number
        ))),
        (CancellationKind::Return, Delivered | Confirmed) => {
            let delivered_at = shipment::Entity::find()
                .filter(shipment::Column::OrderId.eq(order.id))
                .one(conn)
                .await?
                .and_then(|s| s.delivered_at)
                .unwrap_or(order.updated_at);
            let window_ends =
                delivered_at + Duration::days(i64::from(state.settings.return_window_days));
            if now > window_ends {
                let overridden = caller.is_staff() && request.override_reason.is_some();
                if !overridden {
                    return Err(ApiError::InvalidState(format!(
                        "The {}-day return period of order {} ended at {}. An agent can review exceptions.",
                        state.settings.return_window_days,
                        order.order_number,
                        window_ends.to_rfc3339()
                    )));
                }
            }
            Ok(Route::AskSeller)
        }
        (CancellationKind::Return, _) => Err(cannot(order, "be returned before delivery")),
        (CancellationKind::Cancel, Canceled | Returned) => Err(cannot(order, "be canceled")),
    }
}

/// A buyer (or an agent for them) asks to cancel or return an order.
pub async fn request_cancellation(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    request: NewRequest,
) -> ApiResult<cancellation_request::Model> {
    let details = optional_text("details", request.details.as_deref(), 1000)?;
    let override_reason =
        optional_text("overrideReason", request.override_reason.as_deref(), 1000)?;
    if override_reason.is_some() && !caller.is_staff() {
        return Err(ApiError::validation(
            "overrideReason",
            "Only agents can override the rules.",
        ));
    }
    let request = NewRequest {
        details,
        override_reason,
        ..request
    };
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, request.order_id).await?;
    if has_open_request(&txn, order.id).await? {
        return Err(already_open(&order));
    }
    let route = route(&txn, state, caller, &order, &request, now).await?;
    let id = ids::at(now);
    let mut row = cancellation_request::ActiveModel {
        id: Set(id),
        order_id: Set(order.id),
        open_order_id: Set(None),
        kind: Set(request.kind),
        reason: Set(request.reason),
        details: Set(request.details.clone()),
        status: Set(CancellationStatus::PendingSeller),
        requested_by: Set(caller.account_id),
        requested_at: Set(now),
        seller_deadline_at: Set(None),
        escalated_at: Set(None),
        decided_at: Set(None),
        decided_by: Set(None),
        decision_note: Set(None),
        rejection_reason: Set(None),
        override_reason: Set(request.override_reason.clone()),
        refund_id: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
    };
    let buyer = buyer_of(&txn, &order).await?;
    let mut refund_to_process = None;
    match route {
        Route::AskSeller => {
            let deadline = state
                .calendar
                .add_business_days(now, state.settings.seller_decision_business_days);
            row.open_order_id = Set(Some(order.id));
            row.seller_deadline_at = Set(Some(deadline));
            row.insert(&txn).await.map_err(|err| {
                if db::is_unique_violation(&err) {
                    already_open(&order)
                } else {
                    err.into()
                }
            })?;
            notifications::enqueue(
                &txn,
                now,
                &buyer,
                &Notice::RequestReceived {
                    order_number: order.order_number.clone(),
                    is_return: request.kind == CancellationKind::Return,
                    deadline: state.calendar.local_date(deadline),
                },
            )
            .await?;
        }
        Route::CancelNow => {
            let moved = transition(&txn, &order, OrderStatus::Canceled, now, "be canceled").await?;
            crate::orders::service::audit_move(
                &txn,
                meta,
                Some(caller.account_id),
                &order,
                moved.status,
                now,
            )
            .await?;
            let refund = refund_everything(&txn, state, meta, None, &order, id, now).await?;
            row.status = Set(settled_status(refund.as_ref()));
            row.refund_id = Set(refund.as_ref().map(|r| r.id));
            row.decided_at = Set(Some(now));
            row.insert(&txn).await?;
            notifications::enqueue(
                &txn,
                now,
                &buyer,
                &Notice::OrderCanceled {
                    order_number: order.order_number.clone(),
                    refund_amount: refund.as_ref().map_or(0, |r| r.amount),
                    by_seller: false,
                },
            )
            .await?;
            refund_to_process = refund.map(|r| r.id);
        }
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::CancellationRequested,
            Some(caller.account_id),
            ("cancellation_request", id),
            json!({
                "order": order.id,
                "kind": kind_name(request.kind),
                "orderStatus": order.status.api_name(),
                "override": request.override_reason,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    if let Some(refund_id) = refund_to_process {
        send_refund(state, refund_id).await?;
    }
    reload(state, id).await
}

/// Opens a refund of everything still refundable on `order`, if anything was paid.
async fn refund_everything(
    txn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    order: &order::Model,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<Option<entity::refund::Model>> {
    let payment = latest_payment(txn, order.id).await?;
    let amount = refundable(payment.as_ref());
    if amount <= 0 {
        return Ok(None);
    }
    let refund = open_refund(
        txn,
        state,
        meta,
        actor,
        order.buyer_id,
        order,
        amount,
        "Cancellation/return accepted",
        format!("cancellation:{request_id}"),
        Some(request_id),
        now,
    )
    .await?;
    Ok(Some(refund))
}

/// Where an accepted request stands: APPROVED while its refund is under way (COMPLETED once
/// the money is back), COMPLETED at once when nothing was paid.
fn settled_status(refund: Option<&entity::refund::Model>) -> CancellationStatus {
    if refund.is_some() {
        CancellationStatus::Approved
    } else {
        CancellationStatus::Completed
    }
}

/// One request `caller` may see, or `NOT_FOUND`.
pub async fn visible_request(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<cancellation_request::Model> {
    cancellation_request::Entity::find_by_id(id)
        .filter(cancellation_request::Column::OrderId.in_subquery(visible_order_ids(caller)))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Cancellation request"))
}

/// Closes a PENDING_SELLER request with `changes`, only if it is still pending: of two racing
/// decisions exactly one wins; the other gets `INVALID_STATE`.
async fn decide(
    conn: &impl ConnectionTrait,
    request: &cancellation_request::Model,
    status: CancellationStatus,
    decider: Decider,
    now: DateTime<Utc>,
    set: impl FnOnce(
        sea_orm::UpdateMany<cancellation_request::Entity>,
    ) -> sea_orm::UpdateMany<cancellation_request::Entity>,
) -> ApiResult<()> {
    let update = cancellation_request::Entity::update_many()
        .col_expr(cancellation_request::Column::Status, Expr::value(status))
        .col_expr(
            cancellation_request::Column::OpenOrderId,
            Expr::value(None::<Uuid>),
        )
        .col_expr(cancellation_request::Column::DecidedAt, Expr::value(now))
        .col_expr(
            cancellation_request::Column::DecidedBy,
            Expr::value(decider.actor()),
        )
        .filter(cancellation_request::Column::Id.eq(request.id))
        .filter(cancellation_request::Column::Status.eq(CancellationStatus::PendingSeller));
    if set(update).exec(conn).await?.rows_affected == 1 {
        return Ok(());
    }
    let current = cancellation_request::Entity::find_by_id(request.id)
        .one(conn)
        .await?
        .map_or(request.status, |r| r.status);
    Err(ApiError::InvalidState(format!(
        "The request is already {}: it cannot be decided again.",
        current.api_name()
    )))
}

/// The seller (or an agent, recorded as an override) approves a pending request: the order
/// is canceled or returned and refunded in full.
pub async fn approve_cancellation(
    state: &AppState,
    meta: &RequestMeta,
    decider: Decider,
    request_id: Uuid,
    note: Option<&str>,
) -> ApiResult<cancellation_request::Model> {
    let note = optional_text("note", note, 1000)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let request = match decider {
        Decider::Person(caller) => visible_request(&txn, &caller, request_id).await?,
        Decider::System => cancellation_request::Entity::find_by_id(request_id)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("Cancellation request"))?,
    };
    let order = order::Entity::find_by_id(request.order_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Order"))?;
    let override_reason = decider.is_override().then(|| {
        note.clone()
            .unwrap_or_else(|| "Decided by support instead of the seller.".into())
    });
    decide(
        &txn,
        &request,
        CancellationStatus::Approved,
        decider,
        now,
        |u| {
            u.col_expr(
                cancellation_request::Column::DecisionNote,
                Expr::value(note.clone()),
            )
            .col_expr(
                cancellation_request::Column::OverrideReason,
                Expr::value(override_reason.clone().or(request.override_reason.clone())),
            )
        },
    )
    .await?;
    let (next, what) = match request.kind {
        CancellationKind::Cancel => (OrderStatus::Canceled, "be canceled"),
        CancellationKind::Return => (OrderStatus::Returned, "be returned"),
    };
    let moved = transition(&txn, &order, next, now, what).await?;
    crate::orders::service::audit_move(&txn, meta, decider.actor(), &order, moved.status, now)
        .await?;
    let refund =
        refund_everything(&txn, state, meta, decider.actor(), &order, request.id, now).await?;
    cancellation_request::ActiveModel {
        id: Set(request.id),
        status: Set(settled_status(refund.as_ref())),
        refund_id: Set(refund.as_ref().map(|r| r.id)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let buyer = buyer_of(&txn, &order).await?;
    let amount = refund.as_ref().map_or(0, |r| r.amount);
    let notice = match request.kind {
        CancellationKind::Cancel => Notice::OrderCanceled {
            order_number: order.order_number.clone(),
            refund_amount: amount,
            by_seller: false,
        },
        CancellationKind::Return => Notice::ReturnApproved {
            order_number: order.order_number.clone(),
            refund_amount: amount,
        },
    };
    notifications::enqueue(&txn, now, &buyer, &notice).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::CancellationApproved,
            decider.actor(),
            ("cancellation_request", request.id),
            json!({
                "from": "PENDING_SELLER", "to": "APPROVED",
                "override": decider.is_override(),
                "system": matches!(decider, Decider::System),
                "note": note,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    if let Some(refund) = refund {
        send_refund(state, refund.id).await?;
    }
    reload(state, request.id).await
}

async fn reload(state: &AppState, id: Uuid) -> ApiResult<cancellation_request::Model> {
    cancellation_request::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Cancellation request"))
}

/// The seller (or an agent, recorded as an override) rejects a pending request with a reason.
pub async fn reject_cancellation(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    request_id: Uuid,
    reason: &str,
) -> ApiResult<cancellation_request::Model> {
    let reason = required_text("reason", reason, 1000)?;
    let now = state.clock.now();
    let decider = Decider::Person(*caller);
    let txn = db::begin_write(&state.db).await?;
    let request = visible_request(&txn, caller, request_id).await?;
    let order = lock_visible_order(&txn, caller, request.order_id).await?;
    let override_reason = caller
        .is_staff()
        .then(|| "Decided by support instead of the seller.".to_owned());
    decide(
        &txn,
        &request,
        CancellationStatus::Rejected,
        decider,
        now,
        |u| {
            u.col_expr(
                cancellation_request::Column::RejectionReason,
                Expr::value(reason.clone()),
            )
            .col_expr(
                cancellation_request::Column::OverrideReason,
                Expr::value(override_reason.or(request.override_reason.clone())),
            )
        },
    )
    .await?;
    let buyer = buyer_of(&txn, &order).await?;
    notifications::enqueue(
        &txn,
        now,
        &buyer,
        &Notice::RequestRejected {
            order_number: order.order_number.clone(),
            is_return: request.kind == CancellationKind::Return,
            reason: reason.clone(),
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::CancellationRejected,
            Some(caller.account_id),
            ("cancellation_request", request.id),
            json!({ "from": "PENDING_SELLER", "to": "REJECTED", "override": caller.is_staff(), "reason": reason }),
        ),
    )
    .await?;
    txn.commit().await?;
    reload(state, request.id).await
}

/// The buyer takes back a pending request.
pub async fn withdraw_cancellation(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    request_id: Uuid,
) -> ApiResult<cancellation_request::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let request = visible_request(&txn, caller, request_id).await?;
    decide(
        &txn,
        &request,
        CancellationStatus::Withdrawn,
        Decider::Person(*caller),
        now,
        |u| u,
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::CancellationWithdrawn,
            Some(caller.account_id),
            ("cancellation_request", request.id),
            json!({ "from": "PENDING_SELLER", "to": "WITHDRAWN" }),
        ),
    )
    .await?;
    txn.commit().await?;
    reload(state, request.id).await
}

/// The seller cancels on their own (e.g. out of stock): the order is canceled, the buyer
/// refunded and told. A pending buyer request is approved by the same stroke.
pub async fn cancel_order_by_seller(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    order_id: Uuid,
    reason: CancellationReason,
    note: Option<&str>,
) -> ApiResult<order::Model> {
    let note = optional_text("note", note, 1000)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let order = lock_visible_order(&txn, caller, order_id).await?;
    if !matches!(order.status, OrderStatus::Paid | OrderStatus::Preparing) {
        return Err(cannot(&order, "be canceled by the seller"));
    }
    let open = cancellation_request::Entity::find()
        .filter(cancellation_request::Column::OpenOrderId.eq(order.id))
        .one(&txn)
        .await?;
    let request_id = match open {
        Some(open) => {
            decide(
                &txn,
                &open,
                CancellationStatus::Approved,
                Decider::Person(*caller),
                now,
                |u| {
                    u.col_expr(
                        cancellation_request::Column::DecisionNote,
                        Expr::value(note.clone()),
                    )
                },
            )
            .await?;
            open.id
        }
        None => {
            let id = ids::at(now);
            cancellation_request::ActiveModel {
                id: Set(id),
                order_id: Set(order.id),
                open_order_id: Set(None),
                kind: Set(CancellationKind::Cancel),
                reason: Set(reason),
                details: Set(note.clone()),
                status: Set(CancellationStatus::Approved),
                requested_by: Set(caller.account_id),
                requested_at: Set(now),
                seller_deadline_at: Set(None),
                escalated_at: Set(None),
                decided_at: Set(Some(now)),
                decided_by: Set(Some(caller.account_id)),
                decision_note: Set(note.clone()),
                rejection_reason: Set(None),
                override_reason: Set(None),
                refund_id: Set(None),
                rating: Set(None),
                rating_comment: Set(None),
            }
            .insert(&txn)
            .await?;
            id
        }
    };
    let moved = transition(&txn, &order, OrderStatus::Canceled, now, "be canceled").await?;
    let refund = refund_everything(
        &txn,
        state,
        meta,
        Some(caller.account_id),
        &order,
        request_id,
        now,
    )
    .await?;
    cancellation_request::ActiveModel {
        id: Set(request_id),
        refund_id: Set(refund.as_ref().map(|r| r.id)),
        status: Set(settled_status(refund.as_ref())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let buyer = buyer_of(&txn, &order).await?;
    notifications::enqueue(
        &txn,
        now,
        &buyer,
        &Notice::OrderCanceled {
            order_number: order.order_number.clone(),
            refund_amount: refund.as_ref().map_or(0, |r| r.amount),
            by_seller: true,
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::OrderCanceledBySeller,
            Some(caller.account_id),
            ("order", order.id),
            json!({
                "from": order.status.api_name(), "to": moved.status.api_name(),
                "reason": reason.api_name(), "note": note, "request": request_id,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    if let Some(refund) = refund {
        send_refund(state, refund.id).await?;
    }
    Ok(moved)
}

/// The buyer rates the outcome of a decided request (1..=5), once.
pub async fn rate_cancellation(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    request_id: Uuid,
    score: i32,
    comment: Option<&str>,
) -> ApiResult<cancellation_request::Model> {
    if !(1..=5).contains(&score) {
        return Err(ApiError::validation(
            "score",
            "The score is between 1 and 5.",
        ));
    }
    let comment = optional_text("comment", comment, 1000)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let request = visible_request(&txn, caller, request_id).await?;
    if request.status == CancellationStatus::PendingSeller {
        return Err(ApiError::InvalidState(
            "The request is not decided yet: rate it once it is.".into(),
        ));
    }
    let rated = cancellation_request::Entity::update_many()
        .col_expr(
            cancellation_request::Column::Rating,
            Expr::value(i16::try_from(score).unwrap_or(5)),
        )
        .col_expr(
            cancellation_request::Column::RatingComment,
            Expr::value(comment.clone()),
        )
        .filter(cancellation_request::Column::Id.eq(request.id))
        .filter(cancellation_request::Column::Rating.is_null())
        .exec(&txn)
        .await?;
    if rated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            field: Some("requestId"),
            message: "This request was already rated.".into(),
        });
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::CancellationRated,
            Some(caller.account_id),
            ("cancellation_request", request.id),
            json!({ "score": score, "comment": comment }),
        ),
    )
    .await?;
    txn.commit().await?;
    reload(state, request.id).await
}

/// Requests past their seller deadline and still pending.
fn overdue(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(cancellation_request::Column::Status.eq(CancellationStatus::PendingSeller))
        .add(cancellation_request::Column::SellerDeadlineAt.lt(now))
}

/// Whether a request is overdue at `now`.
pub fn is_overdue(request: &cancellation_request::Model, now: DateTime<Utc>) -> bool {
    request.status == CancellationStatus::PendingSeller
        && request
            .seller_deadline_at
            .is_some_and(|deadline| deadline < now)
}

/// Requests `caller` may see, newest first or earliest deadline first.
pub async fn list_requests(
    state: &AppState,
    caller: &Caller,
    filter: &RequestFilter,
    by_deadline: bool,
    page: &PageArgs,
) -> ApiResult<(Page<cancellation_request::Model>, u64)> {
    let now = state.clock.now();
    let mut condition = Condition::all()
        .add(cancellation_request::Column::OrderId.in_subquery(visible_order_ids(caller)));
    if let Some(status) = filter.status {
        condition = condition.add(cancellation_request::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(cancellation_request::Column::Kind.eq(kind));
    }
    if let Some(store_id) = filter.store_id {
        condition = condition
            .add(cancellation_request::Column::OrderId.in_subquery(store_order_ids(store_id)));
    }
    condition = pagination::with_flag(condition, filter.overdue, overdue(now));
    condition = pagination::with_flag(
        condition,
        filter.decided,
        Condition::all()
            .add(cancellation_request::Column::Status.ne(CancellationStatus::PendingSeller)),
    );
    let select = cancellation_request::Entity::find().filter(condition);
    if !by_deadline {
        return Ok(pagination::fetch_counted(
            &state.db,
            select,
            cancellation_request::Column::Id,
            page,
        )
        .await?);
    }
    let total = pagination::count_if_asked(
        &state.db,
        page,
        select.clone(),
        cancellation_request::Column::Id,
    )
    .await?;
    let cursor = match page.cursor {
        Some(id) => {
            let row = cancellation_request::Entity::find_by_id(id)
                .filter(
                    cancellation_request::Column::OrderId.in_subquery(visible_order_ids(caller)),
                )
                .one(&state.db)
                .await?
                .ok_or_else(|| {
                    ApiError::validation(pagination::cursor_field(page), "Invalid cursor.")
                })?;
            Some((deadline_key(&row), row.id))
        }
        None => None,
    };
    let rows = pagination::fetch_by_key(
        &state.db,
        select,
        deadline_key_expr(),
        cancellation_request::Column::Id,
        cursor,
        page,
    )
    .await?;
    Ok((rows, total))
}

/// What `sort: DEADLINE` orders by: the seller deadline, or the request time without one.
fn deadline_key(request: &cancellation_request::Model) -> DateTime<Utc> {
    request.seller_deadline_at.unwrap_or(request.requested_at)
}

/// [`deadline_key`] in SQL.
fn deadline_key_expr() -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Func::coalesce([
        Expr::col(cancellation_request::Column::SellerDeadlineAt),
        Expr::col(cancellation_request::Column::RequestedAt),
    ])
    .into()
}

/// The overdue sweep: requests past the seller deadline are escalated to agents (flagged
/// once, audited) and, if configured, approved on the seller's behalf. Returns how many
/// were escalated.
pub async fn escalate_overdue(state: &AppState) -> ApiResult<u32> {
    let now = state.clock.now();
    let due = cancellation_request::Entity::find()
        .filter(overdue(now))
        .filter(cancellation_request::Column::EscalatedAt.is_null());
    let escalate = |request: cancellation_request::Model| escalate_one(state, request, now);
    state
        .sweeper()
        .rows(
            "seller_deadlines",
            due,
            cancellation_request::Column::Id,
            |r| r.id,
            escalate,
        )
        .await
}

/// Escalates one overdue request (and approves it when so configured); `true` when this
/// pass escalated it.
async fn escalate_one(
    state: &AppState,
    request: cancellation_request::Model,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    {
        let txn = db::begin_write(&state.db).await?;
        let flagged = cancellation_request::Entity::update_many()
            .col_expr(cancellation_request::Column::EscalatedAt, Expr::value(now))
            .filter(cancellation_request::Column::Id.eq(request.id))
            .filter(cancellation_request::Column::EscalatedAt.is_null())
            .filter(cancellation_request::Column::Status.eq(CancellationStatus::PendingSeller))
            .exec(&txn)
            .await?;
        if flagged.rows_affected == 1 {
            audit::record(
                &txn,
                &RequestMeta::default(),
                now,
                AuditEvent::on(
                    AuditAction::CancellationEscalated,
                    None,
                    ("cancellation_request", request.id),
                    json!({ "deadline": request.seller_deadline_at }),
                ),
            )
            .await?;
        }
        txn.commit().await?;
        if flagged.rows_affected == 1
            && state.settings.overdue_decision_action == OverdueDecisionAction::AutoApprove
        {
            match approve_cancellation(
                state,
                &RequestMeta::default(),
                Decider::System,
                request.id,
                Some("Approved automatically: the seller did not decide in time."),
            )
            .await
            {
                Ok(_) | Err(ApiError::InvalidState(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(flagged.rows_affected == 1)
    }
}
