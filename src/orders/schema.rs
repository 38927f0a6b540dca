//! Thin GraphQL resolvers of orders, payments and shipments; rules live in `service`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use entity::order;

use super::parts::{OrderParts, Parts};
use super::service::{self, NewItem, PaymentInput};
use super::types::{
    Order, OrderFilter, PayOrderInput, PlaceOrderInput, SellerDashboard, ShipmentStatus,
};
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{
    AccountById, PaymentByOrder, RequestLoader, ShipmentByOrder, StoreById, loader,
};
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected};
use crate::graphql::{parse_id, parse_opt_id, request_parts};

/// The relations read with an order (buyer, payment, shipment: [`OrderParts`]) that any of
/// `orders` (selections of orders in the document) asks for.
pub fn parts_selected(orders: &[Lookahead<'_>]) -> OrderParts {
    let asked = |part: &str| orders.iter().any(|order| order.field(part).exists());
    OrderParts {
        buyer: asked("buyer"),
        payment: asked("payment"),
        shipment: asked("shipment"),
        store: asked("store"),
    }
}

/// The request's loaders of what [`Parts`] holds.
pub struct PartLoaders<'a> {
    accounts: &'a RequestLoader<AccountById>,
    payments: &'a RequestLoader<PaymentByOrder>,
    shipments: &'a RequestLoader<ShipmentByOrder>,
    stores: &'a RequestLoader<StoreById>,
}

impl<'a> PartLoaders<'a> {
    /// The loaders of the request in `ctx`.
    pub fn of(ctx: &Context<'a>) -> ApiResult<Self> {
        Ok(Self {
            accounts: loader(ctx)?,
            payments: loader(ctx)?,
            shipments: loader(ctx)?,
            stores: loader(ctx)?,
        })
    }

    /// Hands what was read with `order` to the loaders its resolvers use.
    pub fn feed(&self, order: &order::Model, parts: Parts) {
        if let Some(buyer) = parts.buyer {
            self.accounts.feed(order.buyer_id, buyer);
        }
        if let Some(payment) = parts.payment {
            self.payments.feed(order.id, payment);
        }
        if let Some(shipment) = parts.shipment {
            self.shipments.feed(order.id, shipment);
        }
        if let Some(store) = parts.store {
            self.stores.feed(order.store_id, store);
        }
    }

    /// `order` as a GraphQL object, what was read with it fed to the loaders.
    fn order(&self, (order, parts): (order::Model, Parts)) -> Order {
        self.feed(&order, parts);
        Order(order)
    }
}

/// Order queries.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// Orders the caller may see (a buyer their own, a seller their store's, agents all),
    /// newest first.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, Order, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        let filter = filter.unwrap_or_default();
        if filter
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 100)
        {
            return Err(ApiError::validation("search", "At most 100 characters."));
        }
        let filter = service::OrderFilter {
            status: filter.status.map(Into::into),
            store_id: parse_opt_id("storeId", filter.store_id.as_ref())?,
            buyer_id: parse_opt_id("buyerId", filter.buyer_id.as_ref())?,
            search: filter.search,
            delayed: filter.delayed,
            stalled: filter.stalled,
        };
        let connection = ctx.look_ahead();
        let parts = parts_selected(&[
            connection.field("edges").field("node"),
            connection.field("nodes"),
        ]);
        let (rows, total) = service::list_orders(state, &caller, &filter, &page, parts).await?;
        let loaders = PartLoaders::of(ctx)?;
        Ok(pagination::connection(rows, total, |row| {
            (row.0.id, loaders.order(row))
        }))
    }

    /// One order, or null when it does not exist or the caller may not see it.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Order>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        let parts = parts_selected(&[ctx.look_ahead()]);
        let loaders = PartLoaders::of(ctx)?;
        Ok(service::order_by_id(&state.db, &caller, id, parts)
            .await?
            .map(|row| loaders.order(row)))
    }

    /// One order by its people-facing number, with the same visibility as `order`.
    async fn order_by_number(
        &self,
        ctx: &Context<'_>,
        order_number: String,
    ) -> ApiResult<Option<Order>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        if order_number.len() > 40 {
            return Ok(None);
        }
        let parts = parts_selected(&[ctx.look_ahead()]);
        let loaders = PartLoaders::of(ctx)?;
        Ok(
            service::order_by_number(&state.db, &caller, &order_number, parts)
                .await?
                .map(|row| loaders.order(row)),
        )
    }

    /// Sellers: their store's claims, parcels and refunds at a glance, with 30-day series.
    async fn seller_dashboard(&self, ctx: &Context<'_>) -> ApiResult<SellerDashboard> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        Ok(super::dashboard::seller_dashboard(state, &caller)
            .await?
            .into())
    }
}

/// Order mutations.
#[derive(Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    /// A buyer places an order from one store.
    async fn place_order(&self, ctx: &Context<'_>, input: PlaceOrderInput) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let store_id = parse_id("storeId", &input.store_id)?;
        let items: Vec<NewItem> = input
            .items
            .into_iter()
            .map(|item| NewItem {
                product_name: item.product_name,
                quantity: item.quantity,
                unit_price: item.unit_price,
            })
            .collect();
        Ok(Order(
            service::place_order(state, meta, &caller, store_id, &items).await?,
        ))
    }

    /// The buyer pays, or pays again with another method after a failure. A declined payment
    /// is not an error: the order comes back PAYMENT_FAILED with the payment's failure reason.
    async fn pay_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        input: PayOrderInput,
    ) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        let input = PaymentInput {
            method: input.method.into(),
            card_brand: input.card_brand,
            card_last4: input.card_last4,
            simulate: input.simulate.and_then(|outcome| outcome.failure()),
        };
        Ok(Order(
            service::pay_order(state, meta, &caller, order_id, input).await?,
        ))
    }

    /// The seller starts preparing a paid order.
    async fn mark_preparing(&self, ctx: &Context<'_>, order_id: ID) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::mark_preparing(state, meta, &caller, order_id).await?,
        ))
    }

    /// The seller ships the order; the buyer is told the carrier and expected date.
    async fn ship_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        carrier: String,
        tracking_number: String,
        expected_delivery_at: DateTime<Utc>,
    ) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::ship_order(
                state,
                meta,
                &caller,
                order_id,
                &carrier,
                &tracking_number,
                expected_delivery_at,
            )
            .await?,
        ))
    }

    /// Records a carrier tracking event; `DELIVERED` delivers the order.
    async fn add_shipment_event(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        status: ShipmentStatus,
        description: String,
        at: Option<DateTime<Utc>>,
    ) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::add_shipment_event(
                state,
                meta,
                &caller,
                order_id,
                status.into(),
                &description,
                at,
            )
            .await?,
        ))
    }

    /// Marks a shipped order delivered.
    async fn mark_delivered(&self, ctx: &Context<'_>, order_id: ID) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::mark_delivered(state, meta, &caller, order_id).await?,
        ))
    }

    /// Sets a new expected delivery date for a parcel in transit; the buyer is told.
    async fn update_expected_delivery(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        expected_delivery_at: DateTime<Utc>,
        reason: Option<String>,
    ) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::update_expected_delivery(
                state,
                meta,
                &caller,
                order_id,
                expected_delivery_at,
                reason.as_deref(),
            )
            .await?,
        ))
    }

    /// The buyer confirms the purchase (구매확정).
    async fn confirm_purchase(&self, ctx: &Context<'_>, order_id: ID) -> ApiResult<Order> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let order_id = parse_id("orderId", &order_id)?;
        Ok(Order(
            service::confirm_purchase(state, meta, &caller, order_id).await?,
        ))
    }
}
