//! `payments`: payment attempts of an order; the newest one is the order's payment.

use sea_orm::entity::prelude::*;

/// How the buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum PaymentMethod {
    /// Credit or debit card (brand and last 4 digits only are kept).
    #[sea_orm(string_value = "CARD")]
    Card,
    /// Bank transfer.
    #[sea_orm(string_value = "BANK_TRANSFER")]
    BankTransfer,
    /// Virtual account (가상계좌).
    #[sea_orm(string_value = "VIRTUAL_ACCOUNT")]
    VirtualAccount,
    /// Mobile carrier billing.
    #[sea_orm(string_value = "MOBILE")]
    Mobile,
    /// Marketplace points.
    #[sea_orm(string_value = "POINTS")]
    Points,
}

/// State of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum PaymentStatus {
    /// Sent to the gateway, no answer yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Captured.
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// Refused by the gateway; see the failure reason.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Voided before capture.
    #[sea_orm(string_value = "CANCELED")]
    Canceled,
    /// Part of the amount was refunded.
    #[sea_orm(string_value = "PARTIALLY_REFUNDED")]
    PartiallyRefunded,
    /// The whole amount was refunded.
    #[sea_orm(string_value = "REFUNDED")]
    Refunded,
}

/// Why a payment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum PaymentFailureReason {
    /// The card has expired.
    #[sea_orm(string_value = "CARD_EXPIRED")]
    CardExpired,
    /// Not enough funds or credit.
    #[sea_orm(string_value = "INSUFFICIENT_FUNDS")]
    InsufficientFunds,
    /// The issuer declined.
    #[sea_orm(string_value = "CARD_DECLINED")]
    CardDeclined,
    /// Wrong card or account details.
    #[sea_orm(string_value = "INVALID_PAYMENT_INFO")]
    InvalidPaymentInfo,
    /// The gateway failed.
    #[sea_orm(string_value = "GATEWAY_ERROR")]
    GatewayError,
}

/// One payment attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order paid for.
    pub order_id: Uuid,
    /// Method.
    pub method: PaymentMethod,
    /// Card brand, for cards.
    pub card_brand: Option<String>,
    /// Last four digits, for cards. Never more of the number.
    pub card_last4: Option<String>,
    /// Amount in won.
    pub amount: i64,
    /// Sum of the refunds that are not FAILED; a check keeps it ≤ `amount`.
    pub refund_reserved: i64,
    /// Sum of the COMPLETED refunds.
    pub refunded_amount: i64,
    /// Status.
    pub status: PaymentStatus,
    /// Set when FAILED.
    pub failure_reason: Option<PaymentFailureReason>,
    /// The gateway's id of the payment.
    pub gateway_reference: Option<String>,
    /// When the attempt started.
    pub created_at: DateTimeUtc,
    /// When it was captured.
    pub paid_at: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
