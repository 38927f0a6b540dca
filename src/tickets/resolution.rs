//! The resolution that fits a ticket's order, from the seeds' standard answers: a failed
//! payment → another method; a late parcel → carrier check and a new date; an overdue seller
//! decision → escalate; a failed or late refund → retry now. Agents see it next to the order.

use chrono::{DateTime, Duration, Utc};
use entity::cancellation_request::{self, CancellationStatus};
use entity::order::{self, OrderStatus};
use entity::payment::{self, PaymentFailureReason, PaymentStatus};
use entity::refund::{self, RefundStatus};
use entity::shipment;

use crate::cancellations::service::is_overdue as request_overdue;
use crate::orders::service::{is_delayed, is_stalled};
use crate::refunds::service::is_overdue as refund_overdue;

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
/// one.
pub fn suggest(
    context: OrderContext<'_>,
    now: DateTime<Utc>,
    stall_after: Duration,
    locale: &str,
) -> Option<String> {
    let en = locale.starts_with("en");
    let pick = |ko: String, english: String| Some(if en { english } else { ko });
    if let Some(refund) = context
        .refunds
        .iter()
        .find(|r| r.status == RefundStatus::Failed)
    {
        return pick(
            format!(
                "{}원 환불이 결제사에서 실패했습니다. 환불을 다시 시도(retryRefund)하고 고객에게 처리 예정일을 안내하세요.",
                refund.amount
            ),
            format!(
                "A refund of {} won failed at the payment provider. Retry it (retryRefund) and tell the customer when to expect it.",
                refund.amount
            ),
        );
    }
    if context.refunds.iter().any(|r| refund_overdue(r, now)) {
        return pick(
            "환불 법정 기한(3영업일)이 지났습니다. 즉시 환불을 처리하고 지연을 사과하세요.".into(),
            "A refund is past its legal 3-business-day deadline. Complete it now and apologise for the delay.".into(),
        );
    }
    if let Some(payment) = context.payment.filter(|p| {
        p.status == PaymentStatus::Failed && context.order.status == OrderStatus::PaymentFailed
    }) {
        let (ko, english) = match payment.failure_reason {
            Some(PaymentFailureReason::CardExpired) => (
                "카드 유효기간이 만료되어 결제가 실패했습니다. 다른 카드나 계좌이체 등 다른 결제 수단으로 다시 결제하도록 안내하세요.",
                "The card has expired. Ask the customer to pay again with another card or another method such as bank transfer.",
            ),
            Some(PaymentFailureReason::InsufficientFunds) => (
                "잔액 또는 한도 부족으로 결제가 실패했습니다. 다른 카드나 계좌이체로 다시 결제하도록 안내하세요.",
                "Insufficient funds or credit limit. Suggest another card or a bank transfer.",
            ),
            Some(PaymentFailureReason::CardDeclined) => (
                "카드사에서 승인을 거절했습니다. 카드사에 문의하거나 다른 결제 수단을 사용하도록 안내하세요.",
                "The issuer declined the card. Suggest calling the card company or using another payment method.",
            ),
            Some(PaymentFailureReason::InvalidPaymentInfo) => (
                "결제 정보(카드번호, 유효기간 등)가 올바르지 않습니다. 정보를 확인한 뒤 다시 결제하도록 안내하세요.",
                "The payment details were wrong. Ask the customer to check them and pay again.",
            ),
            Some(PaymentFailureReason::GatewayError) | None => (
                "결제 시스템의 일시적인 오류입니다. 잠시 후 다시 시도하거나 다른 결제 수단을 사용하도록 안내하세요.",
                "A temporary payment system error. Suggest trying again shortly or with another method.",
            ),
        };
        return pick(ko.into(), english.into());
    }
    if context.requests.iter().any(|r| request_overdue(r, now)) {
        return pick(
            "판매자의 취소/반품 결정 기한이 지났습니다. 판매자에게 처리를 요청하거나 상담원이 직접 승인 또는 거절하세요.".into(),
            "The seller missed the deadline to decide the cancellation/return. Chase the seller or approve or reject it yourself.".into(),
        );
    }
    if let Some(shipment) = context.shipment {
        if is_delayed(shipment, now) {
            return pick(
                format!(
                    "도착 예정일({})이 지났습니다. 택배사({}, 운송장 {})에 배송 상태를 확인하고 새 도착 예정일을 입력해 고객에게 안내하세요.",
                    shipment.expected_delivery_at.format("%Y-%m-%d"),
                    shipment.carrier,
                    shipment.tracking_number
                ),
                format!(
                    "The expected delivery date ({}) has passed. Check with {} (tracking {}) and set a new expected date; the customer is told.",
                    shipment.expected_delivery_at.format("%Y-%m-%d"),
                    shipment.carrier,
                    shipment.tracking_number
                ),
            );
        }
        if is_stalled(shipment, now, stall_after) {
            return pick(
                format!(
                    "배송 조회가 {} 이후 멈춰 있습니다. 택배사({})에 화물 위치 확인을 요청하세요.",
                    shipment.last_event_at.format("%Y-%m-%d %H:%M UTC"),
                    shipment.carrier
                ),
                format!(
                    "No tracking update since {}. Ask {} to locate the parcel.",
                    shipment.last_event_at.format("%Y-%m-%d %H:%M UTC"),
                    shipment.carrier
                ),
            );
        }
    }
    if let Some(request) = context
        .requests
        .iter()
        .find(|r| r.status == CancellationStatus::PendingSeller)
    {
        let deadline = request
            .seller_deadline_at
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        return pick(
            format!(
                "판매자가 취소/반품 요청을 검토 중입니다(기한 {deadline}). 결정되면 고객에게 자동으로 안내됩니다."
            ),
            format!(
                "The seller is reviewing the cancellation/return request (deadline {deadline}); the customer is told the decision automatically."
            ),
        );
    }
    if context.order.status == OrderStatus::PaymentPending {
        return pick(
            "주문이 결제 대기 중입니다. 결제를 완료하도록 안내하세요.".into(),
            "The order is waiting for payment. Guide the customer through paying.".into(),
        );
    }
    None
}
