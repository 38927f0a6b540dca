//! `outbox_messages`: notifications written with the change they report, delivered later.

use sea_orm::entity::prelude::*;

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum Channel {
    /// Email.
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// Text message.
    #[sea_orm(string_value = "SMS")]
    Sms,
}

/// Delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum OutboxStatus {
    /// Waiting for (another) attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Handed to the transport.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Gave up after the last attempt.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What it reports, e.g. `cancellation.completed`.
    pub kind: String,
    /// Email or SMS.
    pub channel: Channel,
    /// The account told, if any.
    pub recipient_id: Option<Uuid>,
    /// Email address or phone number.
    pub address: String,
    /// Subject (emails).
    pub subject: String,
    /// Rendered text.
    pub body: String,
    /// Delivery state.
    pub status: OutboxStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// Not before this time.
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds it until then; after that another may take it over.
    pub claimed_until: Option<DateTimeUtc>,
    /// Which claim holds it: renewals and the recorded outcome must name it.
    pub claim_token: Option<Uuid>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: DateTimeUtc,
    /// When it was handed over.
    pub sent_at: Option<DateTimeUtc>,
    /// The order it is about, if any (for the order's timeline).
    pub order_number: Option<String>,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
