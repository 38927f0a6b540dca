//! GraphQL types of orders, payments and shipments, built from entity models. Nested
//! relations load through the request's batched loaders (`graphql::loaders`), so a page of
//! orders costs a fixed number of queries whatever its size.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{order, order_item, payment, shipment, shipment_event};

use crate::accounts::types::{PublicProfile, Store};
use crate::cancellations::types::CancellationRequest;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{
    EventsByShipment, ItemsByOrder, PaymentByOrder, RefundsByOrder, RequestsByOrder,
    ShipmentByOrder, StoreById, load_many, load_one,
};
use crate::graphql::request_parts;
use crate::orders::shipments::{is_delayed, is_stalled, stall_after};
use crate::payments::refundable;
use crate::refunds::types::Refund;

/// Where an order is in its life.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::order::OrderStatus")]
pub enum OrderStatus {
    /// Placed, not paid yet.
    PaymentPending,
    /// The last payment attempt failed; pay again with another method.
    PaymentFailed,
    /// Paid (결제완료).
    Paid,
    /// Being prepared (배송준비).
    Preparing,
    /// With the carrier (배송중).
    Shipped,
    /// Delivered (배송완료).
    Delivered,
    /// Purchase confirmed (구매확정).
    Confirmed,
    /// Canceled.
    Canceled,
    /// Returned.
    Returned,
}

/// How a buyer pays.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::payment::PaymentMethod")]
pub enum PaymentMethod {
    /// Card (brand and last 4 digits only).
    Card,
    /// Bank transfer.
    BankTransfer,
    /// Virtual account.
    VirtualAccount,
    /// Mobile carrier billing.
    Mobile,
    /// Points.
    Points,
}

/// State of a payment.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::payment::PaymentStatus")]
pub enum PaymentStatus {
    /// Waiting for the gateway.
    Pending,
    /// Captured.
    Paid,
    /// Declined; see `failureReason`.
    Failed,
    /// Voided.
    Canceled,
    /// Partly refunded.
    PartiallyRefunded,
    /// Fully refunded.
    Refunded,
}

/// Why a payment failed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::payment::PaymentFailureReason")]
pub enum PaymentFailureReason {
    /// The card has expired.
    CardExpired,
    /// Not enough funds.
    InsufficientFunds,
    /// The issuer declined.
    CardDeclined,
    /// Wrong card or account details.
    InvalidPaymentInfo,
    /// The gateway failed.
    GatewayError,
}

/// The outcome the built-in payment simulator should produce.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Captured.
    Success,
    /// Card expired.
    CardExpired,
    /// Insufficient funds.
    InsufficientFunds,
    /// Declined.
    CardDeclined,
    /// Invalid payment details.
    InvalidPaymentInfo,
    /// Gateway failure.
    GatewayError,
}

impl PaymentOutcome {
    /// The failure it stands for (`None`: success).
    pub fn failure(self) -> Option<entity::payment::PaymentFailureReason> {
        use entity::payment::PaymentFailureReason as R;
        match self {
            Self::Success => None,
            Self::CardExpired => Some(R::CardExpired),
            Self::InsufficientFunds => Some(R::InsufficientFunds),
            Self::CardDeclined => Some(R::CardDeclined),
            Self::InvalidPaymentInfo => Some(R::InvalidPaymentInfo),
            Self::GatewayError => Some(R::GatewayError),
        }
    }
}

/// Carrier status of a parcel.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::shipment::ShipmentStatus")]
pub enum ShipmentStatus {
    /// Moving between hubs.
    InTransit,
    /// Out for delivery.
    OutForDelivery,
    /// Delivery failed or held.
    Exception,
    /// Delivered.
    Delivered,
}

/// An order.
pub struct Order(pub order::Model);

#[Object]
impl Order {
    /// The order's id, for arguments (`order(id:)`, `payOrder(orderId:)`); people use
    /// `orderNumber`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// People-facing number (`YYYYMMDD-NNNNNN`).
    async fn order_number(&self) -> &str {
        &self.0.order_number
    }

    /// Where the order is: `PAYMENT_PENDING → PAID → PREPARING → SHIPPED → DELIVERED →
    /// CONFIRMED`, or `PAYMENT_FAILED`, `CANCELED`, `RETURNED`. Only legal moves happen; an
    /// illegal one answers `INVALID_STATE`.
    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }

    /// The buyer (their contact data only for themselves and staff).
    async fn buyer(&self, ctx: &Context<'_>) -> ApiResult<PublicProfile> {
        PublicProfile::load(ctx, self.0.buyer_id).await
    }

    /// The store sold from.
    async fn store(&self, ctx: &Context<'_>) -> ApiResult<Store> {
        load_one::<StoreById>(ctx, self.0.store_id)
            .await?
            .map(Store)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("order without store")))
    }

    /// Lines.
    async fn items(&self, ctx: &Context<'_>) -> ApiResult<Vec<OrderItem>> {
        Ok(load_many::<ItemsByOrder, _>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(OrderItem)
            .collect())
    }

    /// Sum of the lines, in won.
    async fn total_amount(&self) -> i64 {
        self.0.total_amount
    }

    /// Currency of the amounts (`KRW`).
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// When it was placed.
    async fn placed_at(&self) -> DateTime<Utc> {
        self.0.placed_at
    }

    /// When it was paid.
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }

    /// When it was canceled.
    async fn canceled_at(&self) -> Option<DateTime<Utc>> {
        self.0.canceled_at
    }

    /// The newest payment attempt.
    async fn payment(&self, ctx: &Context<'_>) -> ApiResult<Option<Payment>> {
        Ok(load_one::<PaymentByOrder>(ctx, self.0.id)
            .await?
            .map(Payment))
    }

    /// The parcel, once shipped.
    async fn shipment(&self, ctx: &Context<'_>) -> ApiResult<Option<Shipment>> {
        Ok(load_one::<ShipmentByOrder>(ctx, self.0.id)
            .await?
            .map(Shipment))
    }

    /// Cancellation and return requests, oldest first.
    async fn cancellation_requests(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<CancellationRequest>> {
        Ok(load_many::<RequestsByOrder, _>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(CancellationRequest)
            .collect())
    }

    /// Refunds, oldest first.
    async fn refunds(&self, ctx: &Context<'_>) -> ApiResult<Vec<Refund>> {
        Ok(load_many::<RefundsByOrder, _>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Refund)
            .collect())
    }

    /// Support tickets about this order that the caller may see (customers: their own).
    async fn tickets(&self, ctx: &Context<'_>) -> ApiResult<Vec<crate::tickets::types::Ticket>> {
        Ok(
            load_many::<crate::graphql::loaders::TicketsByOrder, _>(ctx, self.0.id)
                .await?
                .into_iter()
                .map(crate::tickets::types::Ticket)
                .collect(),
        )
    }

    /// What can still be refunded: the amount paid less the refunds that are not FAILED.
    async fn refundable_amount(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let payment = load_one::<PaymentByOrder>(ctx, self.0.id).await?;
        Ok(refundable(payment.as_ref()))
    }

    /// Everything that happened to the order, newest first: state changes, payment
    /// attempts, parcel events, requests and decisions, refunds, and (staff only) the
    /// notifications sent about it. Meant for one order at a time (at most 200 entries).
    #[graphql(complexity = "crate::graphql::pagination::complexity(first, None, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
    ) -> ApiResult<Vec<OrderTimelineEntry>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let limit = match first {
            Some(n) if !(1..=200).contains(&n) => {
                return Err(ApiError::validation("first", "Between 1 and 200."));
            }
            Some(n) => u64::try_from(n).unwrap_or(50),
            None => 50,
        };
        Ok(super::timeline::timeline(state, &caller, self.0.id, limit)
            .await?
            .into_iter()
            .map(OrderTimelineEntry)
            .collect())
    }
}

/// What part of an order a timeline entry is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "super::timeline::Source")]
pub enum OrderTimelineSource {
    /// The order itself: placed, status changes, canceled by the seller.
    Order,
    /// A payment attempt.
    Payment,
    /// The parcel: shipped, tracking events, new expected dates.
    Shipment,
    /// A cancellation or return request and its decision.
    Request,
    /// A refund.
    Refund,
    /// A notification to the buyer or seller (staff only).
    Notification,
}

/// One thing that happened to an order.
pub struct OrderTimelineEntry(pub super::timeline::Entry);

impl OrderTimelineEntry {
    fn detail(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.details.get(key).filter(|value| !value.is_null())
    }

    fn text(&self, key: &str) -> Option<String> {
        self.detail(key).and_then(|value| match value {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Some(value.to_string()),
            _ => None,
        })
    }
}

#[Object(serial)]
impl OrderTimelineEntry {
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What part of the order it is about.
    async fn source(&self) -> OrderTimelineSource {
        self.0.source.into()
    }

    /// The stable name of what happened: an audit action (`order.shipped`,
    /// `cancellation.approved`, `refund.failed`, …) or, for notifications, the notice kind
    /// (`order.canceled`, `refund.completed`, …).
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who did it; null for the system (deadline sweeps, the payment provider's answer).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<PublicProfile>> {
        PublicProfile::load_opt(ctx, self.0.actor_id).await
    }

    /// The state before, when the entry is a change of state.
    async fn from_status(&self) -> Option<String> {
        self.text("from")
    }

    /// The state after, when the entry is a change of state.
    async fn to_status(&self) -> Option<String> {
        self.text("to").or_else(|| self.text("status"))
    }

    /// The amount in won (order total, payment, refund).
    async fn amount(&self) -> Option<i64> {
        ["amount", "total"]
            .iter()
            .find_map(|key| self.detail(key).and_then(serde_json::Value::as_i64))
    }

    /// The reason, note or tracking description that came with it (an override's reason
    /// is text; whether an agent decided is `isOverride`).
    async fn note(&self) -> Option<String> {
        ["reason", "note", "description", "override", "failureReason"]
            .iter()
            .find_map(|key| self.detail(key)?.as_str().map(str::to_owned))
    }

    /// The carrier, when a parcel was handed over.
    async fn carrier(&self) -> Option<String> {
        self.text("carrier")
    }

    /// The tracking number, when a parcel was handed over.
    async fn tracking_number(&self) -> Option<String> {
        self.text("trackingNumber")
    }

    /// Whether an agent decided instead of the seller.
    async fn is_override(&self) -> bool {
        self.detail("override").is_some_and(|value| match value {
            serde_json::Value::Bool(flag) => *flag,
            serde_json::Value::String(reason) => !reason.is_empty(),
            _ => false,
        })
    }

    /// Notifications: `EMAIL` or `SMS`.
    async fn channel(&self) -> Option<&'static str> {
        self.0
            .delivery
            .as_ref()
            .map(|delivery| match delivery.channel {
                entity::outbox_message::Channel::Email => "EMAIL",
                entity::outbox_message::Channel::Sms => "SMS",
            })
    }

    /// Notifications: `PENDING`, `SENT` or `FAILED`.
    async fn delivery_status(&self) -> Option<&'static str> {
        self.0
            .delivery
            .as_ref()
            .map(|delivery| match delivery.status {
                entity::outbox_message::OutboxStatus::Pending => "PENDING",
                entity::outbox_message::OutboxStatus::Sent => "SENT",
                entity::outbox_message::OutboxStatus::Failed => "FAILED",
            })
    }
}

/// One line of an order.
pub struct OrderItem(pub order_item::Model);

#[Object(serial)]
impl OrderItem {
    /// The line's id within the order.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Product name as sold.
    async fn product_name(&self) -> &str {
        &self.0.product_name
    }

    /// Quantity.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }

    /// Unit price in won.
    async fn unit_price(&self) -> i64 {
        self.0.unit_price
    }

    /// Quantity × unit price.
    async fn line_total(&self) -> i64 {
        self.0.line_total
    }
}

/// A payment attempt. Only the card brand and last four digits are ever kept.
pub struct Payment(pub payment::Model);

#[Object(serial)]
impl Payment {
    /// The payment attempt's id; an order keeps every attempt, `Order.payment` is the newest.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Method.
    async fn method(&self) -> PaymentMethod {
        self.0.method.into()
    }

    /// `PENDING` while the provider answers; `PAID`, or `FAILED` with `failureReason`; then
    /// `PARTIALLY_REFUNDED` or `REFUNDED` as refunds complete, or `CANCELED`.
    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }

    /// Amount in won.
    async fn amount(&self) -> i64 {
        self.0.amount
    }

    /// Amount refunded so far (completed refunds).
    async fn refunded_amount(&self) -> i64 {
        self.0.refunded_amount
    }

    /// Card brand.
    async fn card_brand(&self) -> Option<&str> {
        self.0.card_brand.as_deref()
    }

    /// Last four digits of the card.
    async fn card_last4(&self) -> Option<&str> {
        self.0.card_last4.as_deref()
    }

    /// Why it failed.
    async fn failure_reason(&self) -> Option<PaymentFailureReason> {
        self.0.failure_reason.map(Into::into)
    }

    /// When it was captured.
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }

    /// When the attempt was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The parcel of an order.
pub struct Shipment(pub shipment::Model);

#[Object(serial)]
impl Shipment {
    /// Carrier.
    async fn carrier(&self) -> &str {
        &self.0.carrier
    }

    /// Tracking number.
    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    /// Latest carrier status.
    async fn status(&self) -> ShipmentStatus {
        self.0.status.into()
    }

    /// When the buyer was told to expect it.
    async fn expected_delivery_at(&self) -> DateTime<Utc> {
        self.0.expected_delivery_at
    }

    /// Handed to the carrier.
    async fn shipped_at(&self) -> DateTime<Utc> {
        self.0.shipped_at
    }

    /// Delivered.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }

    /// Time of the newest tracking event.
    async fn last_event_at(&self) -> DateTime<Utc> {
        self.0.last_event_at
    }

    /// The expected date has passed without delivery.
    async fn delayed(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(is_delayed(&self.0, state.clock.now()))
    }

    /// In transit with no tracking event for longer than the configured time.
    async fn stalled(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(is_stalled(&self.0, state.clock.now(), stall_after(state)))
    }

    /// Tracking events, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> ApiResult<Vec<ShipmentEvent>> {
        Ok(load_many::<EventsByShipment, _>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(ShipmentEvent)
            .collect())
    }
}

/// A tracking event.
pub struct ShipmentEvent(pub shipment_event::Model);

#[Object(serial)]
impl ShipmentEvent {
    /// Status reported.
    async fn status(&self) -> ShipmentStatus {
        self.0.status.into()
    }

    /// What the carrier said.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// One line of a new order.
#[derive(InputObject)]
pub struct OrderItemInput {
    /// Product name.
    pub product_name: String,
    /// Quantity (1..=999).
    pub quantity: i32,
    /// Unit price in won.
    pub unit_price: i64,
}

/// A new order.
#[derive(InputObject)]
pub struct PlaceOrderInput {
    /// The store to buy from.
    pub store_id: ID,
    /// The lines (1..=50).
    pub items: Vec<OrderItemInput>,
}

/// A payment attempt.
#[derive(InputObject)]
pub struct PayOrderInput {
    /// Method.
    pub method: PaymentMethod,
    /// Card brand (cards only).
    pub card_brand: Option<String>,
    /// Last four digits (cards only). A full card number is refused.
    pub card_last4: Option<String>,
    /// Built-in simulator only: the outcome to produce (default SUCCESS).
    pub simulate: Option<PaymentOutcome>,
}

/// Filters of `orders`.
#[derive(InputObject, Default)]
pub struct OrderFilter {
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only this store.
    pub store_id: Option<ID>,
    /// Only this buyer.
    pub buyer_id: Option<ID>,
    /// Part of the order number or of a product name, a whole tracking number, or (staff)
    /// the buyer's whole email.
    pub search: Option<String>,
    /// Only orders whose parcel is late (true) or not late (false).
    pub delayed: Option<bool>,
    /// Only orders whose parcel stalled in transit (true) or not (false).
    pub stalled: Option<bool>,
}

/// One local day of the seller dashboard's series.
#[derive(SimpleObject)]
pub struct SellerDay {
    /// The local calendar date in the business time zone, `YYYY-MM-DD`.
    pub date: String,
    /// Cancellation and return requests the buyers made that day.
    pub claims: u64,
    /// Parcels handed to a carrier that day.
    pub shipped: u64,
    /// Refunds completed that day.
    pub refunds: u64,
}

/// The seller center's dashboard: the caller's own store only.
#[derive(SimpleObject)]
pub struct SellerDashboard {
    /// Cancellation requests waiting for the seller's decision.
    pub pending_cancellations: u64,
    /// Return requests waiting for the seller's decision.
    pub pending_returns: u64,
    /// Waiting requests whose deadline falls later today (business time zone).
    pub decisions_due_today: u64,
    /// Waiting requests past their deadline (the platform may decide them).
    pub overdue_decisions: u64,
    /// Paid orders not yet being prepared.
    pub to_prepare: u64,
    /// Orders being prepared, not yet shipped.
    pub to_ship: u64,
    /// Parcels past their expected delivery date.
    pub delayed_shipments: u64,
    /// Parcels without a tracking event for the configured number of hours.
    pub stalled_shipments: u64,
    /// Refunds of the store not completed yet.
    pub refunds_due: u64,
    /// Refunds past their legal deadline.
    pub overdue_refunds: u64,
    /// The last 30 local days, oldest first, today last.
    pub days: Vec<SellerDay>,
}

impl From<super::dashboard::SellerDashboard> for SellerDashboard {
    fn from(d: super::dashboard::SellerDashboard) -> Self {
        Self {
            pending_cancellations: d.pending_cancellations,
            pending_returns: d.pending_returns,
            decisions_due_today: d.decisions_due_today,
            overdue_decisions: d.overdue_decisions,
            to_prepare: d.to_prepare,
            to_ship: d.to_ship,
            delayed_shipments: d.delayed_shipments,
            stalled_shipments: d.stalled_shipments,
            refunds_due: d.refunds_due,
            overdue_refunds: d.overdue_refunds,
            days: d
                .days
                .into_iter()
                .map(|day| SellerDay {
                    date: day.date.format("%Y-%m-%d").to_string(),
                    claims: day.claims,
                    shipped: day.shipped,
                    refunds: day.refunds,
                })
                .collect(),
        }
    }
}
