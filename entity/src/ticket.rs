//! `tickets`: a customer's question or problem (문의) and its handling.

use sea_orm::entity::prelude::*;

use crate::payment::PaymentMethod;

/// What a ticket is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum TicketCategory {
    /// Orders and payments.
    #[sea_orm(string_value = "ORDER_PAYMENT")]
    OrderPayment,
    /// Shipping.
    #[sea_orm(string_value = "SHIPPING")]
    Shipping,
    /// Sign-in and account security.
    #[sea_orm(string_value = "ACCOUNT")]
    Account,
    /// Cancellations.
    #[sea_orm(string_value = "CANCELLATION")]
    Cancellation,
    /// Refunds.
    #[sea_orm(string_value = "REFUND")]
    Refund,
    /// Returns and exchanges.
    #[sea_orm(string_value = "RETURN_EXCHANGE")]
    ReturnExchange,
    /// Seller settlement (정산).
    #[sea_orm(string_value = "SETTLEMENT")]
    Settlement,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where the contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum TicketChannel {
    /// The help center.
    #[sea_orm(string_value = "WEB")]
    Web,
    /// A phone call logged by an agent.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// A chat logged by an agent.
    #[sea_orm(string_value = "CHAT")]
    Chat,
    /// An email logged by an agent.
    #[sea_orm(string_value = "EMAIL")]
    Email,
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum TicketStatus {
    /// Waiting for support.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Waiting for the customer (the resolution clock pauses).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Support considers it solved; the customer may confirm or reopen.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Done.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// How urgent a ticket is; sets its SLA targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum TicketPriority {
    /// Low.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// Normal.
    #[sea_orm(string_value = "NORMAL")]
    Normal,
    /// High.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// Urgent (e.g. a hacked account).
    #[sea_orm(string_value = "URGENT")]
    Urgent,
}

/// One ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// People-facing number.
    #[sea_orm(unique)]
    pub number: i64,
    /// The customer it is for.
    pub requester_id: Uuid,
    /// Who opened it (the customer, or an agent logging a call); none when storedesk opened it
    /// for an unverified report.
    pub created_by: Option<Uuid>,
    /// The agent working it.
    pub assignee_id: Option<Uuid>,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// Category.
    pub category: TicketCategory,
    /// Channel.
    pub channel: TicketChannel,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: TicketStatus,
    /// Priority.
    pub priority: TicketPriority,
    /// Payment method named by the customer (payment problems without an order).
    pub payment_method: Option<PaymentMethod>,
    /// Last four card digits named by the customer.
    pub card_last4: Option<String>,
    /// Opened.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// First public agent reply due (SLA).
    pub first_response_due_at: DateTimeUtc,
    /// Resolution due (SLA); moved out while the ticket is PENDING.
    pub resolution_due_at: DateTimeUtc,
    /// First public agent reply.
    pub first_responded_at: Option<DateTimeUtc>,
    /// Since when it waits for the customer.
    pub pending_since: Option<DateTimeUtc>,
    /// Resolved.
    pub resolved_at: Option<DateTimeUtc>,
    /// Closed.
    pub closed_at: Option<DateTimeUtc>,
    /// CSAT score 1..=5.
    pub satisfaction_score: Option<i16>,
    /// CSAT comment.
    pub satisfaction_comment: Option<String>,
    /// When it was rated.
    pub rated_at: Option<DateTimeUtc>,
    /// When the missed first-response target was escalated (once).
    pub first_response_escalated_at: Option<DateTimeUtc>,
    /// When the missed resolution target was escalated (once).
    pub resolution_escalated_at: Option<DateTimeUtc>,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
