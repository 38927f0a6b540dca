//! The payment gateway boundary and its built-in deterministic simulator, plus the card-data
//! rules: only a brand and the last four digits are ever accepted or stored.

use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use entity::payment::{PaymentFailureReason, PaymentMethod};
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

/// The gateway's answer to a refund it could not make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFailure(pub String);

/// A payment service provider.
#[async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    /// Charges; `Ok` carries the gateway's reference, `Err` why it was declined.
    async fn charge(&self, request: ChargeRequest) -> Result<String, PaymentFailureReason>;
    /// Refunds part or all of a payment; `Ok` carries the gateway's reference.
    async fn refund(&self, request: RefundRequest) -> Result<String, RefundFailure>;
}

/// The built-in gateway: deterministic, no network. Charges succeed unless the caller asks
/// for a failure; refunds succeed unless failures were queued with
/// [`SimulatedGateway::fail_next_refunds`] (tests and the demo use that).
#[derive(Debug, Default)]
pub struct SimulatedGateway {
    refunds_to_fail: AtomicU32,
}

impl SimulatedGateway {
    /// Makes the next `n` refunds fail.
    pub fn fail_next_refunds(&self, n: u32) {
        self.refunds_to_fail.store(n, Ordering::SeqCst);
    }
}

#[async_trait]
impl PaymentGateway for SimulatedGateway {
    async fn charge(&self, request: ChargeRequest) -> Result<String, PaymentFailureReason> {
        match request.simulate {
            Some(reason) => Err(reason),
            None => Ok(format!("sim_pay_{}", request.payment_id.simple())),
        }
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
pub fn contains_card_number(text: &str) -> bool {
    let mut digits: Vec<u32> = Vec::new();
    let check = |digits: &mut Vec<u32>| {
        let found = (13..=19).contains(&digits.len()) && luhn_valid(digits)
            || digits.len() > 19 && digits.windows(16).any(luhn_valid);
        digits.clear();
        found
    };
    for c in text.chars() {
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            digits.push(d);
        } else if c == ' ' || c == '-' {
            continue;
        } else if check(&mut digits) {
            return true;
        }
    }
    check(&mut digits)
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
