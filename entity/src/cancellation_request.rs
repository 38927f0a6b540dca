//! `cancellation_requests`: a buyer's request to cancel (취소) or return (반품) an order.

use sea_orm::entity::prelude::*;

/// Cancel before shipping or return after delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum CancellationKind {
    /// Cancel (취소).
    #[sea_orm(string_value = "CANCEL")]
    Cancel,
    /// Return (반품).
    #[sea_orm(string_value = "RETURN")]
    Return,
}

/// Why the buyer asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum CancellationReason {
    /// 단순 변심.
    #[sea_orm(string_value = "CHANGE_OF_MIND")]
    ChangeOfMind,
    /// Paid with the wrong details.
    #[sea_orm(string_value = "WRONG_PAYMENT_INFO")]
    WrongPaymentInfo,
    /// The seller cannot supply it.
    #[sea_orm(string_value = "OUT_OF_STOCK")]
    OutOfStock,
    /// Shipping takes too long.
    #[sea_orm(string_value = "DELIVERY_DELAY")]
    DeliveryDelay,
    /// Anything else (see details).
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum CancellationStatus {
    /// Waiting for the seller's decision.
    #[sea_orm(string_value = "PENDING_SELLER")]
    PendingSeller,
    /// Approved; the order is canceled or returned and the refund is under way.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Refused, with a reason.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Done, refund completed.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// The buyer took it back.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cancellation_requests")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// `order_id` while open, NULL once decided; unique, so one open request per order.
    #[sea_orm(unique)]
    pub open_order_id: Option<Uuid>,
    /// Cancel or return.
    pub kind: CancellationKind,
    /// Reason.
    pub reason: CancellationReason,
    /// Free text from the buyer.
    pub details: Option<String>,
    /// Status.
    pub status: CancellationStatus,
    /// Who filed it (the buyer, or an agent on the buyer's behalf).
    pub requested_by: Uuid,
    /// When.
    pub requested_at: DateTimeUtc,
    /// When the seller must have decided (requests that need a seller).
    pub seller_deadline_at: Option<DateTimeUtc>,
    /// When the sweep escalated it to agents for missing the deadline.
    pub escalated_at: Option<DateTimeUtc>,
    /// When it was decided (approved, rejected, withdrawn, completed at once).
    pub decided_at: Option<DateTimeUtc>,
    /// Who decided.
    pub decided_by: Option<Uuid>,
    /// Note with the decision.
    pub decision_note: Option<String>,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// Set when an agent overrode a rule or decided instead of the seller.
    pub override_reason: Option<String>,
    /// The refund it produced.
    pub refund_id: Option<Uuid>,
    /// The buyer's rating of the outcome, 1..=5.
    pub rating: Option<i16>,
    /// The buyer's comment with the rating.
    pub rating_comment: Option<String>,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
