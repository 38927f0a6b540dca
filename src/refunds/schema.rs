//! Thin GraphQL resolvers of refunds; rules live in `service`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};

use super::service::{self, NewRefund};
use super::types::{Refund, RefundFilter};
use crate::error::{ApiError, ApiResult};
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected};
use crate::graphql::{parse_id, parse_opt_id, request_parts};

/// Refund queries.
#[derive(Default)]
pub struct RefundsQuery;

#[Object]
impl RefundsQuery {
    /// Refunds on orders the caller may see, newest first. `overdue: true` lists refunds past
    /// their legal deadline.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn refunds(
        &self,
        ctx: &Context<'_>,
        filter: Option<RefundFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, Refund, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        let filter = filter.unwrap_or_default();
        let filter = service::RefundFilter {
            status: filter.status.map(Into::into),
            store_id: parse_opt_id("storeId", filter.store_id.as_ref())?,
            overdue: filter.overdue,
            order_id: None,
        };
        let (rows, total) = service::list_refunds(state, &caller, &filter, &page).await?;
        Ok(pagination::connection(rows, total, |row| {
            (row.id, Refund(row))
        }))
    }

    /// One refund, or null when the caller may not see it.
    async fn refund(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Refund>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        match service::visible_refund(&state.db, &caller, id).await {
            Ok(row) => Ok(Some(Refund(row))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// Refund mutations.
#[derive(Default)]
pub struct RefundsMutation;

#[Object]
impl RefundsMutation {
    /// The store's seller or an agent refunds part or all of an order. The same
    /// `idempotencyKey` with the same input answers the same refund; with different input,
    /// `CONFLICT`.
    async fn create_refund(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        amount: i64,
        reason: String,
        idempotency_key: String,
    ) -> ApiResult<Refund> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let input = NewRefund {
            order_id: parse_id("orderId", &order_id)?,
            amount,
            reason,
            idempotency_key,
        };
        Ok(Refund(
            service::create_refund(state, meta, &caller, input).await?,
        ))
    }

    /// Sends a FAILED refund again.
    async fn retry_refund(&self, ctx: &Context<'_>, refund_id: ID) -> ApiResult<Refund> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("refundId", &refund_id)?;
        Ok(Refund(
            service::retry_refund(state, meta, &caller, id).await?,
        ))
    }
}
