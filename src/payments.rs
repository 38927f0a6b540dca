//! The payment gateway boundary and its built-in deterministic simulator, the card-data
//! rules (only a brand and the last four digits are ever accepted or stored), and what is
//! known of an order's payment: its newest attempt, whether one is in flight, and how much
//! can still be refunded.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use entity::payment::{self, PaymentFailureReason, PaymentMethod, PaymentStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

use crate::error::ApiError;

/// What the simulator should answer to a charge; `None` means success.
pub type SimulatedOutcome = Option<PaymentFailureReason>;

/// A charge sent to the gateway.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    /// Our payment id; gateways use it as their idempotency key.
    pub payment_id: Uuid,
    /// Amount in won.
    pub amount: i64,
    /// Method.
    pub method: PaymentMethod,
    /// For the simulator only: the outcome the caller asked for.
    pub simulate: SimulatedOutcome,
}

/// A refund sent to the gateway.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// Our refund id (idempotency key at the gateway: a retry never pays twice).
    pub refund_id: Uuid,
    /// The gateway's reference of the original payment.
    pub payment_reference: String,
    /// Amount in won.
    pub amount: i64,
}

/// Why a charge did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeError {
    /// The provider refused it; nothing was charged.
    Declined(PaymentFailureReason),
    /// No answer (timeout, connection dropped, provider error): the charge may or may not
    /// have happened. The attempt stays PENDING until [`PaymentGateway::charge_status`]
    /// tells.
    Unknown(String),
}

/// What the provider knows of a charge, asked when an attempt was left without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeStatus {
    /// Charged; the provider's reference.
    Charged(String),
    /// Declined.
    Declined(PaymentFailureReason),
    /// The provider never received it.
    NotFound,
}

/// The gateway's answer to a refund it could not make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFailure(pub String);

/// A payment service provider.
#[async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    /// Charges; `Ok` carries the gateway's reference. `request.payment_id` is the
    /// idempotency key: the provider never charges one payment twice.
    async fn charge(&self, request: ChargeRequest) -> Result<String, ChargeError>;
    /// What became of the charge of `payment_id` (for attempts a crash or a lost answer left
    /// PENDING); `Err` when the provider cannot tell now.
    async fn charge_status(&self, payment_id: Uuid) -> Result<ChargeStatus, String>;
    /// Refunds part or all of a payment; `Ok` carries the gateway's reference.
    async fn refund(&self, request: RefundRequest) -> Result<String, RefundFailure>;
}

/// Charges the simulator remembers for [`PaymentGateway::charge_status`] (oldest forgotten
/// first, so a long-running development server does not grow without bound).
const REMEMBERED_CHARGES: usize = 10_000;

/// The outcome of each charge by payment id, and the ids oldest first.
type RememberedCharges = (
    HashMap<Uuid, Result<String, PaymentFailureReason>>,
    VecDeque<Uuid>,
);

/// Holds charges at the gateway until released: a slow provider, for tests.
#[derive(Debug)]
pub struct ChargeHold {
    entered: Notify,
    gate: Semaphore,
}

impl Default for ChargeHold {
    fn default() -> Self {
        Self {
            entered: Notify::new(),
            gate: Semaphore::new(0),
        }
    }
}

impl ChargeHold {
    /// Waits until a charge is waiting at the gateway.
    pub async fn entered(&self) {
        self.entered.notified().await;
    }

    /// Lets one held charge through.
    pub fn release(&self) {
        self.gate.add_permits(1);
    }
}

/// The built-in gateway: deterministic, no network. Charges succeed unless the caller asks
/// for a failure; refunds succeed unless failures were queued with
/// [`SimulatedGateway::fail_next_refunds`] (tests and the demo use that). Tests can also
/// make it slow ([`SimulatedGateway::hold_charges`]) or lose its answers after charging
/// ([`SimulatedGateway::lose_next_answers`]).
#[derive(Debug, Default)]
pub struct SimulatedGateway {
    refunds_to_fail: AtomicU32,
    answers_to_lose: AtomicU32,
    charges_made: AtomicU32,
    hold: Mutex<Option<Arc<ChargeHold>>>,
    charges: Mutex<RememberedCharges>,
}

impl SimulatedGateway {
    /// Makes the next `n` refunds fail.
    pub fn fail_next_refunds(&self, n: u32) {
        self.refunds_to_fail.store(n, Ordering::SeqCst);
    }

    /// The next `n` charges go through, but their answer is lost on the way back (a
    /// connection dropped after the provider charged).
    pub fn lose_next_answers(&self, n: u32) {
        self.answers_to_lose.store(n, Ordering::SeqCst);
    }

    /// From now on every charge waits at the gateway until the returned hold releases it.
    pub fn hold_charges(&self) -> Arc<ChargeHold> {
        let hold = Arc::new(ChargeHold::default());
        *self.hold.lock().unwrap_or_else(|p| p.into_inner()) = Some(hold.clone());
        hold
    }

    /// How many charges the simulator made (declined ones included).
    pub fn charges_made(&self) -> u32 {
        self.charges_made.load(Ordering::SeqCst)
    }

    fn remember(&self, payment_id: Uuid, outcome: Result<String, PaymentFailureReason>) {
        let mut guard = self.charges.lock().unwrap_or_else(|p| p.into_inner());
        let (charges, order) = &mut *guard;
        if charges.insert(payment_id, outcome).is_none() {
            order.push_back(payment_id);
        }
        while order.len() > REMEMBERED_CHARGES {
            if let Some(oldest) = order.pop_front() {
                charges.remove(&oldest);
            }
        }
    }
}

#[async_trait]
impl PaymentGateway for SimulatedGateway {
    async fn charge(&self, request: ChargeRequest) -> Result<String, ChargeError> {
        let hold = self.hold.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(hold) = hold {
            hold.entered.notify_one();
            if let Ok(permit) = hold.gate.acquire().await {
                permit.forget();
            }
        }
        let known = self
            .charges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(&request.payment_id)
            .cloned();
        // The payment id is the idempotency key: a repeated charge answers the first result.
        let outcome = match known {
            Some(outcome) => outcome,
            None => {
                self.charges_made.fetch_add(1, Ordering::SeqCst);
                let outcome = match request.simulate {
                    Some(reason) => Err(reason),
                    None => Ok(format!("sim_pay_{}", request.payment_id.simple())),
                };
                self.remember(request.payment_id, outcome.clone());
                outcome
            }
        };
        let lost = self
            .answers_to_lose
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if lost {
            return Err(ChargeError::Unknown(
                "connection closed before the answer (simulated)".into(),
            ));
        }
        outcome.map_err(ChargeError::Declined)
    }

    async fn charge_status(&self, payment_id: Uuid) -> Result<ChargeStatus, String> {
        let known = self
            .charges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(&payment_id)
            .cloned();
        Ok(match known {
            Some(Ok(reference)) => ChargeStatus::Charged(reference),
            Some(Err(reason)) => ChargeStatus::Declined(reason),
            None => ChargeStatus::NotFound,
        })
    }

    async fn refund(&self, request: RefundRequest) -> Result<String, RefundFailure> {
        let fail = self
            .refunds_to_fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail {
            return Err(RefundFailure(
                "The payment provider refused the refund (simulated).".into(),
            ));
        }
        Ok(format!("sim_ref_{}", request.refund_id.simple()))
    }
}

/// Whether `text` contains something that looks like a full card number: 13–19 digits,
/// possibly grouped by spaces or dashes, that pass the Luhn check. Such input is refused
/// everywhere, so a number pasted into a note never lands in the database or the logs.
///
/// Our own order numbers (`YYYYMMDD-NNNNNN`, 14 digits) are not card numbers, whatever their
/// checksum: one in ten would pass Luhn, and customers and agents quote them all the time.
/// No card scheme groups its digits 8-6.
pub fn contains_card_number(text: &str) -> bool {
    let mut digits: Vec<u32> = Vec::new();
    // Lengths of the digit groups of the current run, and whether a space separated any.
    let mut groups: Vec<usize> = Vec::new();
    let mut spaced = false;
    let mut current = 0usize;
    let check =
        |digits: &mut Vec<u32>, groups: &mut Vec<usize>, spaced: &mut bool, current: &mut usize| {
            if *current > 0 {
                groups.push(*current);
            }
            let order_number = !*spaced && groups.as_slice() == [8, 6];
            let found = !order_number
                && ((13..=19).contains(&digits.len()) && luhn_valid(digits)
                    || digits.len() > 19 && digits.windows(16).any(luhn_valid));
            digits.clear();
            groups.clear();
            *spaced = false;
            *current = 0;
            found
        };
    // A space after a group separates groups only if more digits follow.
    let mut space_pending = false;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            spaced |= space_pending && !digits.is_empty();
            space_pending = false;
            digits.push(d);
            current += 1;
        } else if c == ' ' || c == '-' {
            if current > 0 {
                groups.push(current);
                current = 0;
            }
            space_pending |= c == ' ';
        } else {
            space_pending = false;
            if check(&mut digits, &mut groups, &mut spaced, &mut current) {
                return true;
            }
        }
    }
    check(&mut digits, &mut groups, &mut spaced, &mut current)
}

fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Refuses free text that carries a card number.
pub fn reject_card_numbers(field: &'static str, text: &str) -> Result<(), ApiError> {
    if contains_card_number(text) {
        return Err(ApiError::validation(
            field,
            "Never send a full card number; we only need the last 4 digits.",
        ));
    }
    Ok(())
}

/// Checked card details of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDetails {
    /// Brand, e.g. `VISA`, `신한`.
    pub brand: String,
    /// Exactly four digits.
    pub last4: String,
}

/// Validates the card fields of a payment: required for cards (brand + last 4 digits, never
/// more), absent for other methods.
pub fn card_details(
    method: PaymentMethod,
    brand: Option<&str>,
    last4: Option<&str>,
) -> Result<Option<CardDetails>, ApiError> {
    for (field, value) in [("cardBrand", brand), ("cardLast4", last4)] {
        if let Some(value) = value {
            reject_card_numbers(field, value)?;
        }
    }
    if method != PaymentMethod::Card {
        if brand.is_some() || last4.is_some() {
            return Err(ApiError::validation(
                "cardLast4",
                "Card details only go with the CARD method.",
            ));
        }
        return Ok(None);
    }
    let brand = brand.map(str::trim).unwrap_or_default();
    if brand.is_empty() || brand.chars().count() > 20 || brand.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "cardBrand",
            "Give the card brand (at most 20 characters).",
        ));
    }
    if brand.chars().any(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(
            "cardBrand",
            "The card brand has no digits; send only the brand name.",
        ));
    }
    let last4 = last4.map(str::trim).unwrap_or_default();
    if last4.len() != 4 || !last4.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(
            "cardLast4",
            "Give exactly the last 4 digits of the card, never the full number.",
        ));
    }
    Ok(Some(CardDetails {
        brand: brand.to_owned(),
        last4: last4.to_owned(),
    }))
}

/// Whether `order_id` has a payment attempt still waiting for the provider's answer.
pub async fn has_pending_payment(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Pending))
        .count(conn)
        .await?
        > 0)
}

/// The newest payment attempt of an order.
pub async fn latest_payment(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_desc(payment::Column::Id)
        .one(conn)
        .await
}

/// What can still be refunded from `payment`: the amount less the refunds not FAILED.
pub fn refundable(payment: Option<&payment::Model>) -> i64 {
    match payment {
        Some(p)
            if matches!(
                p.status,
                PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
            ) =>
        {
            p.amount - p.refund_reserved
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_found_in_free_text() {
        assert!(contains_card_number("my card 4111 1111 1111 1111 failed"));
        assert!(contains_card_number("4111-1111-1111-1111"));
        assert!(contains_card_number("5500005555555559"));
        assert!(!contains_card_number(
            "order 20261122-000123, call 010-1234-5678"
        ));
        assert!(!contains_card_number("4111 1111 1111 1112"));
        assert!(!contains_card_number("1234"));
        // An order number whose 14 digits happen to pass Luhn is still an order number…
        assert!(luhn_valid(&[2, 0, 2, 6, 1, 1, 2, 8, 0, 0, 0, 0, 0, 1]));
        assert!(!contains_card_number(
            "정민지님, 주문 20261128-000001 건을 확인했습니다."
        ));
        // …but the same digits grouped as a card would be are refused.
        assert!(contains_card_number("2026 1128 0000 01"));
        assert!(contains_card_number("20261128000001"));
    }

    #[test]
    fn only_brand_and_last_four_digits_are_accepted() {
        let ok = card_details(PaymentMethod::Card, Some("VISA"), Some("1111")).unwrap();
        assert_eq!(ok.unwrap().last4, "1111");
        for (brand, last4) in [
            (Some("VISA"), Some("4111111111111111")),
            (Some("VISA"), Some("11a1")),
            (Some("4111111111111111"), Some("1111")),
            (None, Some("1111")),
            (Some("VISA"), None),
        ] {
            assert!(card_details(PaymentMethod::Card, brand, last4).is_err());
        }
        assert!(card_details(PaymentMethod::BankTransfer, None, Some("1111")).is_err());
        assert_eq!(
            card_details(PaymentMethod::Points, None, None).unwrap(),
            None
        );
    }
}
