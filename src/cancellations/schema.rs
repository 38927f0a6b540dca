//! Thin GraphQL resolvers of cancellation and return requests; rules live in `service`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};

use super::service::{self, Decider, NewRequest, RequestFilter};
use super::types::{
    CancellationKind, CancellationReason, CancellationRequest, CancellationRequestFilter,
    CancellationRequestSort,
};
use crate::error::ApiResult;
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected};
use crate::graphql::{parse_id, parse_opt_id, request_parts};
use crate::orders::types::Order;

/// Request queries.
#[derive(Default)]
pub struct CancellationsQuery;

#[Object]
impl CancellationsQuery {
    /// Requests on orders the caller may see, newest first or (`sort: DEADLINE`) earliest
    /// seller deadline first. `overdue: true` is the agents' escalation queue.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)] // Relay's four paging arguments, a filter and a sort
    async fn cancellation_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<CancellationRequestFilter>,
        #[graphql(default)] sort: CancellationRequestSort,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, CancellationRequest, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        let filter = filter.unwrap_or_default();
        let filter = RequestFilter {
            status: filter.status.map(Into::into),
            kind: filter.kind.map(Into::into),
            store_id: parse_opt_id("storeId", filter.store_id.as_ref())?,
            overdue: filter.overdue,
            decided: filter.decided,
        };
        let by_deadline = sort == CancellationRequestSort::Deadline;
        let (rows, total) =
            service::list_requests(state, &caller, &filter, by_deadline, &page).await?;
        Ok(pagination::connection(rows, total, |row| {
            (row.id, CancellationRequest(row))
        }))
    }

    /// One request, or null when the caller may not see it.
    async fn cancellation_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<CancellationRequest>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        match service::visible_request(&state.db, &caller, id).await {
            Ok(row) => Ok(Some(CancellationRequest(row))),
            Err(crate::error::ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// Request mutations.
#[derive(Default)]
pub struct CancellationsMutation;

#[Object]
impl CancellationsMutation {
    /// The buyer asks to cancel (or return) an order. A PAID order is canceled and refunded
    /// at once; a PREPARING one waits for the seller; a delivered one may be returned within
    /// the return window (agents may override it with `overrideReason`).
    async fn request_cancellation(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        #[graphql(default_with = "Some(CancellationKind::Cancel)")] kind: Option<CancellationKind>,
        reason: CancellationReason,
        details: Option<String>,
        override_reason: Option<String>,
    ) -> ApiResult<CancellationRequest> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let request = NewRequest {
            order_id: parse_id("orderId", &order_id)?,
            kind: kind.unwrap_or(CancellationKind::Cancel).into(),
            reason: reason.into(),
            details,
            override_reason,
        };
        Ok(CancellationRequest(
            service::request_cancellation(state, meta, &caller, request).await?,
        ))
    }

    /// The buyer takes back a pending request.
    async fn withdraw_cancellation(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
    ) -> ApiResult<CancellationRequest> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("requestId", &request_id)?;
        Ok(CancellationRequest(
            service::withdraw_cancellation(state, meta, &caller, id).await?,
        ))
    }

    /// The seller approves (an agent's approval is recorded as an override).
    async fn approve_cancellation(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        note: Option<String>,
    ) -> ApiResult<CancellationRequest> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("requestId", &request_id)?;
        Ok(CancellationRequest(
            service::approve_cancellation(
                state,
                meta,
                Decider::Person(caller),
                id,
                note.as_deref(),
            )
            .await?,
        ))
    }

    /// The seller rejects with a reason (an agent's rejection is recorded as an override).
    async fn reject_cancellation(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        reason: String,
    ) -> ApiResult<CancellationRequest> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("requestId", &request_id)?;
        Ok(CancellationRequest(
            service::reject_cancellation(state, meta, &caller, id, &reason).await?,
        ))
    }

    /// The seller cancels on their own (e.g. out of stock); the buyer is refunded and told.
    async fn cancel_order_by_seller(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        reason: CancellationReason,
        note: Option<String>,
    ) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::cancel_order_by_seller(
                state,
                meta,
                &caller,
                id,
                reason.into(),
                note.as_deref(),
            )
            .await?,
        ))
    }

    /// The buyer rates the outcome of a decided request (1..=5).
    async fn rate_cancellation(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        score: i32,
        comment: Option<String>,
    ) -> ApiResult<CancellationRequest> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("requestId", &request_id)?;
        Ok(CancellationRequest(
            service::rate_cancellation(state, meta, &caller, id, score, comment.as_deref()).await?,
        ))
    }
}
