//! GraphQL types of cancellation and return requests.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::cancellation_request;

use crate::accounts::types::PublicProfile;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{OrderById, RefundsByOrder, load_many, load_one};
use crate::graphql::request_parts;
use crate::orders::types::Order;
use crate::refunds::types::Refund;

/// Cancel before shipping or return after delivery.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::cancellation_request::CancellationKind")]
pub enum CancellationKind {
    /// Cancel (취소).
    Cancel,
    /// Return (반품).
    Return,
}

/// Why the buyer asks.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::cancellation_request::CancellationReason")]
pub enum CancellationReason {
    /// Changed their mind.
    ChangeOfMind,
    /// Paid with the wrong details.
    WrongPaymentInfo,
    /// Out of stock.
    OutOfStock,
    /// Delivery takes too long.
    DeliveryDelay,
    /// Anything else.
    Other,
}

/// Where a request stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::cancellation_request::CancellationStatus")]
pub enum CancellationStatus {
    /// Waiting for the seller.
    PendingSeller,
    /// Approved; refund under way.
    Approved,
    /// Rejected with a reason.
    Rejected,
    /// Done.
    Completed,
    /// Withdrawn by the buyer.
    Withdrawn,
}

/// The order of `cancellationRequests`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancellationRequestSort {
    /// Newest request first.
    #[default]
    Newest,
    /// Earliest seller deadline first (requests without a deadline by when they were
    /// asked): the seller center's order of urgency.
    Deadline,
}

/// A cancellation or return request.
pub struct CancellationRequest(pub cancellation_request::Model);

#[Object]
impl CancellationRequest {
    /// The request's id, for `approveCancellation`, `rejectCancellation` and
    /// `withdrawCancellation`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Cancel or return.
    async fn kind(&self) -> CancellationKind {
        self.0.kind.into()
    }

    /// The order.
    async fn order(&self, ctx: &Context<'_>) -> ApiResult<Order> {
        load_one::<OrderById>(ctx, self.0.order_id)
            .await?
            .map(Order)
            .ok_or(ApiError::NotFound("Order"))
    }

    /// Why the buyer asked, from the fixed list the buyer chose from (`details` has their own
    /// words).
    async fn reason(&self) -> CancellationReason {
        self.0.reason.into()
    }

    /// The buyer's details.
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }

    /// `PENDING_SELLER` until the seller (or an agent) decides by `sellerDeadlineAt`; then
    /// `APPROVED` and `COMPLETED` once refunded, `REJECTED` with `rejectionReason`, or
    /// `WITHDRAWN` by the buyer.
    async fn status(&self) -> CancellationStatus {
        self.0.status.into()
    }

    /// When it was asked.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }

    /// Who filed it (the buyer, or an agent for them).
    async fn requested_by(&self, ctx: &Context<'_>) -> ApiResult<Option<PublicProfile>> {
        PublicProfile::load_opt(ctx, Some(self.0.requested_by)).await
    }

    /// When the seller must decide by.
    async fn seller_deadline_at(&self) -> Option<DateTime<Utc>> {
        self.0.seller_deadline_at
    }

    /// Past the seller deadline and still undecided.
    async fn overdue(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(crate::cancellations::service::is_overdue(
            &self.0,
            state.clock.now(),
        ))
    }

    /// Business days to the seller deadline in the marketplace's calendar (holidays skipped),
    /// for a deadline chip: `0` due today, `1` the next business day, negative when that many
    /// business days late (with `overdue` telling whether today's deadline has passed). Null
    /// once decided or without a deadline.
    async fn seller_business_days_left(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        let (state, _, _) = request_parts(ctx)?;
        if self.0.status != cancellation_request::CancellationStatus::PendingSeller {
            return Ok(None);
        }
        Ok(self.0.seller_deadline_at.map(|deadline| {
            state
                .calendar
                .business_days_until(state.clock.now(), deadline)
        }))
    }

    /// When it was escalated to agents for missing the deadline.
    async fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalated_at
    }

    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }

    /// Who decided (null for automatic decisions).
    async fn decided_by(&self, ctx: &Context<'_>) -> ApiResult<Option<PublicProfile>> {
        PublicProfile::load_opt(ctx, self.0.decided_by).await
    }

    /// Note given with the decision.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }

    /// Why it was rejected.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }

    /// Set when an agent decided instead of the seller or overrode a rule.
    async fn override_reason(&self) -> Option<&str> {
        self.0.override_reason.as_deref()
    }

    /// The refund it produced.
    async fn refund(&self, ctx: &Context<'_>) -> ApiResult<Option<Refund>> {
        let Some(id) = self.0.refund_id else {
            return Ok(None);
        };
        // A request's refund is opened for the request's order, so it is one of the order's
        // refunds: read with them, a page that shows both (the order page) reads them in
        // one statement rather than two (BENCHMARKS.md, change 38).
        let refunds = load_many::<RefundsByOrder, _>(ctx, self.0.order_id).await?;
        Ok(refunds
            .into_iter()
            .find(|refund| refund.id == id)
            .map(Refund))
    }

    /// The buyer's rating of the outcome (1..=5).
    async fn rating(&self) -> Option<i16> {
        self.0.rating
    }

    /// The buyer's comment with the rating.
    async fn rating_comment(&self) -> Option<&str> {
        self.0.rating_comment.as_deref()
    }
}

/// Filters of `cancellationRequests`.
#[derive(InputObject, Default)]
pub struct CancellationRequestFilter {
    /// Only this status.
    pub status: Option<CancellationStatus>,
    /// Only this kind.
    pub kind: Option<CancellationKind>,
    /// Only this store.
    pub store_id: Option<ID>,
    /// Only requests past (true) or within (false) the seller deadline and undecided.
    pub overdue: Option<bool>,
    /// Only decided requests (approved, rejected, completed or withdrawn: `true`) or only
    /// those waiting for the seller (`false`).
    pub decided: Option<bool>,
}
