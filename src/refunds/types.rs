//! GraphQL types of refunds.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::refund;

use crate::accounts::types::PublicProfile;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{OrderById, load_one};
use crate::graphql::request_parts;
use crate::orders::types::Order;

/// Where a refund stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::refund::RefundStatus")]
pub enum RefundStatus {
    /// Recorded.
    Requested,
    /// With the gateway.
    Processing,
    /// Paid back.
    Completed,
    /// Refused by the gateway; can be retried.
    Failed,
}

/// Money going back to the buyer.
pub struct Refund(pub refund::Model);

#[Object]
impl Refund {
    /// The refund's id, for `retryRefund`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The order.
    async fn order(&self, ctx: &Context<'_>) -> ApiResult<Order> {
        load_one::<OrderById>(ctx, self.0.order_id)
            .await?
            .map(Order)
            .ok_or(ApiError::NotFound("Order"))
    }

    /// Amount in won.
    async fn amount(&self) -> i64 {
        self.0.amount
    }

    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// `REQUESTED`, `PROCESSING` at the payment provider, then `COMPLETED` or `FAILED` (with
    /// `failureReason`; `retryRefund` tries again).
    async fn status(&self) -> RefundStatus {
        self.0.status.into()
    }

    /// Who asked.
    async fn requested_by(&self, ctx: &Context<'_>) -> ApiResult<PublicProfile> {
        PublicProfile::load(ctx, self.0.requested_by).await
    }

    /// When it was asked for.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Legal deadline (3 business days after acceptance).
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    /// Not completed by its deadline.
    async fn overdue(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(crate::refunds::service::is_overdue(
            &self.0,
            state.clock.now(),
        ))
    }

    /// When the money went back.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// Why the last attempt failed.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    /// Gateway attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
}

/// Filters of `refunds`.
#[derive(InputObject, Default)]
pub struct RefundFilter {
    /// Only this status.
    pub status: Option<RefundStatus>,
    /// Only this store.
    pub store_id: Option<ID>,
    /// Only refunds past (true) or within (false) their deadline and not completed.
    pub overdue: Option<bool>,
}
