//! The resolution that fits a ticket's order, from the seeds' standard answers: a failed
//! payment → another method; a late parcel → carrier check and a new date; an overdue seller
//! decision → escalate; a failed or late refund → retry now. Agents see it next to the order.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::cancellation_request::{self, CancellationStatus};
use entity::order::{self, OrderStatus};
use entity::payment::{self, PaymentStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;
use minijinja::context;
use minijinja::value::Value;

use crate::cancellations::service::is_overdue as request_overdue;
use crate::orders::shipments::{is_delayed, is_stalled};
use crate::refunds::service::is_overdue as refund_overdue;
use crate::texts;

/// What is known about the ticket's order.
#[derive(Debug, Clone, Copy)]
pub struct OrderContext<'a> {
    /// The order.
    pub order: &'a order::Model,
    /// Its newest payment attempt.
    pub payment: Option<&'a payment::Model>,
    /// Its shipment.
    pub shipment: Option<&'a shipment::Model>,
    /// Its cancellation and return requests.
    pub requests: &'a [cancellation_request::Model],
    /// Its refunds.
    pub refunds: &'a [refund::Model],
}

/// The suggested next step in Korean (`ko`) or English (`en`), if the order's state calls for
/// one. The texts are templates, `templates/resolutions/<locale>/<situation>.txt`.
pub fn suggest(
    context: OrderContext<'_>,
    now: DateTime<Utc>,
    stall_after: Duration,
    locale: &str,
) -> Option<String> {
    let (situation, values) = situation(context, now, stall_after)?;
    let name = format!(
        "resolutions/{}/{situation}.txt",
        texts::locale_folder(locale)
    );
    match texts::render(&name, values) {
        Ok(text) => Some(text),
        Err(err) => {
            // Advice, not a rule: the agent still sees the order itself.
            tracing::error!(template = %name, "suggested resolution did not render: {err:#}");
            None
        }
    }
}

/// The first situation that calls for a step, most urgent first, with what its text needs.
fn situation(
    context: OrderContext<'_>,
    now: DateTime<Utc>,
    stall_after: Duration,
) -> Option<(&'static str, Value)> {
    if let Some(refund) = context
        .refunds
        .iter()
        .find(|r| r.status == RefundStatus::Failed)
    {
        return Some(("refund_failed", context! { amount => refund.amount }));
    }
    if context.refunds.iter().any(|r| refund_overdue(r, now)) {
        return Some(("refund_overdue", context! {}));
    }
    if let Some(payment) = context.payment.filter(|p| {
        p.status == PaymentStatus::Failed && context.order.status == OrderStatus::PaymentFailed
    }) {
        let reason = payment.failure_reason.map(|reason| reason.api_name());
        return Some(("payment_failed", context! { reason }));
    }
    if context.requests.iter().any(|r| request_overdue(r, now)) {
        return Some(("decision_overdue", context! {}));
    }
    if let Some(shipment) = context.shipment {
        if is_delayed(shipment, now) {
            return Some((
                "parcel_delayed",
                context! {
                    expected => shipment.expected_delivery_at.format("%Y-%m-%d").to_string(),
                    carrier => &shipment.carrier,
                    tracking_number => &shipment.tracking_number,
                },
            ));
        }
        if is_stalled(shipment, now, stall_after) {
            return Some((
                "parcel_stalled",
                context! {
                    last_event_at => shipment.last_event_at.format(UTC_MINUTE).to_string(),
                    carrier => &shipment.carrier,
                },
            ));
        }
    }
    if let Some(request) = context
        .requests
        .iter()
        .find(|r| r.status == CancellationStatus::PendingSeller)
    {
        let deadline = request
            .seller_deadline_at
            .map(|d| d.format(UTC_MINUTE).to_string())
            .unwrap_or_default();
        return Some(("seller_reviewing", context! { deadline }));
    }
    if context.order.status == OrderStatus::PaymentPending {
        return Some(("awaiting_payment", context! {}));
    }
    None
}

/// Times in the suggestions are UTC and say so: agents work across the calendar's time zone.
const UTC_MINUTE: &str = "%Y-%m-%d %H:%M UTC";
