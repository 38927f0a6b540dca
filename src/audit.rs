//! The append-only audit log. Events are written with the same connection (transaction) as
//! the change they record, so there is never a change without its event or the reverse.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::ids;

/// What happened. The dotted names are stable: reports and the console filter on them, and
/// a snapshot test (`src/snapshots/`) shows any change to them in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter)]
pub enum AuditAction {
    /// A buyer or seller signed up.
    AccountRegistered,
    /// A login succeeded.
    LoginSucceeded,
    /// A login failed (unknown email, wrong password, locked out).
    LoginFailed,
    /// A session was ended by its owner (one, or everywhere).
    LoggedOut,
    /// A consumed refresh token was presented again: the session was revoked.
    RefreshReuseDetected,
    /// The owner changed the password.
    PasswordChanged,
    /// An admin created an agent or admin account.
    StaffCreated,
    /// A password reset was requested (details: whether the email is known is not recorded
    /// on the account; unknown emails are kept for review).
    PasswordResetRequested,
    /// A password was set with a reset link.
    PasswordReset,
    /// Someone reported the account compromised.
    CompromiseReported,
    /// The owner confirmed a report from their mailbox (the "lock my account now" link).
    CompromiseConfirmed,
    /// The account was locked (details: reason, by whom).
    AccountLocked,
    /// The account was unlocked (details: reason).
    AccountUnlocked,
    /// An agent verified the owner and sent a recovery link (details: what was verified,
    /// ticket).
    RecoveryStarted,
    /// The owner set a new password with a recovery link; the account is active again.
    RecoveryCompleted,
    /// The sign-in email changed (details: from, to).
    EmailChanged,
    /// The phone number changed (details: from, to).
    PhoneChanged,
    /// The owner ended one of their sessions.
    SessionRevoked,
    /// A buyer placed an order.
    OrderPlaced,
    /// A payment attempt was recorded and sent to the provider.
    PaymentStarted,
    /// A payment attempt was captured.
    PaymentSucceeded,
    /// A payment attempt was declined.
    PaymentFailed,
    /// An order moved between states (details: from, to).
    OrderStatusChanged,
    /// A parcel was handed to a carrier.
    OrderShipped,
    /// A tracking event was recorded.
    ShipmentEventAdded,
    /// The expected delivery date changed (details: before, after).
    DeliveryDateChanged,
    /// A cancellation or return was requested.
    CancellationRequested,
    /// The buyer withdrew a request.
    CancellationWithdrawn,
    /// A request was approved (details: whether an agent overrode the seller).
    CancellationApproved,
    /// A request was rejected.
    CancellationRejected,
    /// A request missed the seller deadline and went to agents.
    CancellationEscalated,
    /// The buyer rated the outcome of a request.
    CancellationRated,
    /// A seller canceled an order on their own.
    OrderCanceledBySeller,
    /// A refund was requested.
    RefundRequested,
    /// A refund went through.
    RefundCompleted,
    /// The gateway refused a refund.
    RefundFailed,
    /// A failed refund was retried.
    RefundRetried,
    /// A ticket was opened.
    TicketCreated,
    /// A reply or internal note was added to a ticket.
    TicketReplied,
    /// A ticket was (un)assigned.
    TicketAssigned,
    /// A ticket changed status.
    TicketStatusChanged,
    /// A ticket changed priority.
    TicketPriorityChanged,
    /// The requester rated a ticket.
    TicketRated,
    /// A ticket missed an SLA target and was escalated (details: target, due time).
    TicketSlaEscalated,
    /// An agent added a FAQ entry.
    FaqEntryCreated,
    /// An agent changed a FAQ entry (details: whether it was published before and after).
    FaqEntryUpdated,
    /// An agent deleted a FAQ entry (details: its question).
    FaqEntryDeleted,
}

impl AuditAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountRegistered => "account.registered",
            Self::LoginSucceeded => "auth.login_succeeded",
            Self::LoginFailed => "auth.login_failed",
            Self::LoggedOut => "auth.logged_out",
            Self::RefreshReuseDetected => "auth.refresh_reuse_detected",
            Self::PasswordChanged => "account.password_changed",
            Self::StaffCreated => "account.staff_created",
            Self::PasswordResetRequested => "account.password_reset_requested",
            Self::PasswordReset => "account.password_reset",
            Self::CompromiseReported => "account.compromise_reported",
            Self::CompromiseConfirmed => "account.compromise_confirmed",
            Self::AccountLocked => "account.locked",
            Self::AccountUnlocked => "account.unlocked",
            Self::RecoveryStarted => "account.recovery_started",
            Self::RecoveryCompleted => "account.recovery_completed",
            Self::EmailChanged => "account.email_changed",
            Self::PhoneChanged => "account.phone_changed",
            Self::SessionRevoked => "auth.session_revoked",
            Self::OrderPlaced => "order.placed",
            Self::PaymentStarted => "payment.started",
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentFailed => "payment.failed",
            Self::OrderStatusChanged => "order.status_changed",
            Self::OrderShipped => "order.shipped",
            Self::ShipmentEventAdded => "shipment.event_added",
            Self::DeliveryDateChanged => "shipment.delivery_date_changed",
            Self::CancellationRequested => "cancellation.requested",
            Self::CancellationWithdrawn => "cancellation.withdrawn",
            Self::CancellationApproved => "cancellation.approved",
            Self::CancellationRejected => "cancellation.rejected",
            Self::CancellationEscalated => "cancellation.escalated",
            Self::CancellationRated => "cancellation.rated",
            Self::OrderCanceledBySeller => "order.canceled_by_seller",
            Self::RefundRequested => "refund.requested",
            Self::RefundCompleted => "refund.completed",
            Self::RefundFailed => "refund.failed",
            Self::RefundRetried => "refund.retried",
            Self::TicketCreated => "ticket.created",
            Self::TicketReplied => "ticket.replied",
            Self::TicketAssigned => "ticket.assigned",
            Self::TicketStatusChanged => "ticket.status_changed",
            Self::TicketPriorityChanged => "ticket.priority_changed",
            Self::TicketRated => "ticket.rated",
            Self::TicketSlaEscalated => "ticket.sla_escalated",
            Self::FaqEntryCreated => "faq.created",
            Self::FaqEntryUpdated => "faq.updated",
            Self::FaqEntryDeleted => "faq.deleted",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Who acted; `None` for anonymous callers and the system.
    pub actor_id: Option<Uuid>,
    /// What happened.
    pub action: AuditAction,
    /// Kind and id of the object acted on.
    pub target: Option<(&'static str, Uuid)>,
    /// Details (reasons, before/after states).
    pub details: Value,
}

impl AuditEvent {
    /// An event about an account.
    pub fn on_account(action: AuditAction, actor_id: Option<Uuid>, account_id: Uuid) -> Self {
        Self {
            actor_id,
            action,
            target: Some(("account", account_id)),
            details: Value::Null,
        }
    }

    /// An event about any object.
    pub fn on(
        action: AuditAction,
        actor_id: Option<Uuid>,
        target: (&'static str, Uuid),
        details: Value,
    ) -> Self {
        Self {
            actor_id,
            action,
            target: Some(target),
            details,
        }
    }

    /// Adds details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `event` using `conn`, normally the transaction of the change it records.
pub async fn record(
    conn: &impl ConnectionTrait,
    meta: &RequestMeta,
    at: DateTime<Utc>,
    event: AuditEvent,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: Set(ids::at(at)),
        actor_id: Set(event.actor_id),
        action: Set(event.action.as_str().to_owned()),
        target_type: Set(event.target.map(|(kind, _)| kind.to_owned())),
        target_id: Set(event.target.map(|(_, id)| id)),
        ip: Set(meta.ip.clone()),
        user_agent: Set(meta.user_agent.clone()),
        details: Set(if event.details.is_null() {
            Value::Object(Default::default())
        } else {
            event.details
        }),
        created_at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::AuditAction;

    #[test]
    fn audit_action_names_are_stable() {
        let names: Vec<&str> = AuditAction::iter().map(AuditAction::as_str).collect();
        insta::assert_snapshot!(names.join("\n"));
    }
}
