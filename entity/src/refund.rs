//! `refunds`: money going back to the buyer from an order's payment.

use sea_orm::entity::prelude::*;

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum RefundStatus {
    /// Recorded, not yet claimed for sending: a failed refund put back for a retry (a new
    /// refund is opened already claimed, `PROCESSING`).
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    /// Claimed by a sender and being sent to the gateway (or waiting for the sweep, once the
    /// claim is stale).
    #[sea_orm(string_value = "PROCESSING")]
    Processing,
    /// The gateway paid it back.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// The gateway refused; it can be retried.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// One refund.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The payment refunded.
    pub payment_id: Uuid,
    /// The cancellation or return that caused it, if any.
    pub cancellation_request_id: Option<Uuid>,
    /// Amount in won.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// Status.
    pub status: RefundStatus,
    /// Who asked.
    pub requested_by: Uuid,
    /// Client-chosen key; unique per requester.
    pub idempotency_key: String,
    /// SHA-256 of the request, to tell a retry from a different request with the same key.
    pub request_fingerprint: String,
    /// Gateway attempts so far.
    pub attempts: i32,
    /// The gateway's id of the refund.
    pub gateway_reference: Option<String>,
    /// Why the last attempt failed.
    pub failure_reason: Option<String>,
    /// When it was asked for.
    pub created_at: DateTimeUtc,
    /// Legal deadline: 3 business days after acceptance.
    pub due_at: DateTimeUtc,
    /// When the money went back.
    pub completed_at: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
