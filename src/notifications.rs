//! Buyer-facing notifications: written to the outbox in the transaction of the change they
//! report, delivered later by [`outbox::deliver_due`] through a [`transport::Notifier`].
//! A crash between the change and the delivery loses nothing: the row is still there.

pub mod outbox;
pub mod templates;
pub mod transport;

use chrono::{DateTime, NaiveDate, Utc};
use entity::account;
use entity::outbox_message::{self, Channel, OutboxStatus};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::ids;

/// Something a buyer is told. Each kind has a template per locale
/// (`templates/notices/<locale>/<kind>.txt`) that sees the fields by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "notice")]
pub enum Notice {
    /// The seller has a cancellation or return request to decide, by `deadline`.
    RequestReceived {
        /// Order number.
        order_number: String,
        /// Whether it is a return.
        is_return: bool,
        /// Seller deadline (business time zone date).
        deadline: NaiveDate,
    },
    /// The order was canceled (at once, by approval, or by the seller); a refund follows.
    OrderCanceled {
        /// Order number.
        order_number: String,
        /// Refunded amount in won (0 when nothing had been paid).
        refund_amount: i64,
        /// The seller canceled on their own.
        by_seller: bool,
    },
    /// A return was accepted; a refund follows.
    ReturnApproved {
        /// Order number.
        order_number: String,
        /// Refund amount in won.
        refund_amount: i64,
    },
    /// A cancellation or return request was refused.
    RequestRejected {
        /// Order number.
        order_number: String,
        /// Whether it was a return.
        is_return: bool,
        /// The seller's (or agent's) reason.
        reason: String,
    },
    /// Money went back.
    RefundCompleted {
        /// Order number.
        order_number: String,
        /// Amount in won.
        amount: i64,
    },
    /// The parcel left with the carrier.
    OrderShipped {
        /// Order number.
        order_number: String,
        /// Carrier.
        carrier: String,
        /// Tracking number.
        tracking_number: String,
        /// Expected delivery date.
        expected: NaiveDate,
    },
    /// Support answered a ticket.
    TicketReply {
        /// Ticket number.
        number: i64,
        /// Ticket subject.
        subject: String,
        /// The reply.
        body: String,
    },
    /// A "forgot password" link.
    PasswordResetLink {
        /// The link (built from the configured public URL).
        link: String,
        /// Minutes it stays valid.
        minutes: i64,
    },
    /// An account-recovery link, after an agent checked the owner's identity.
    RecoveryLink {
        /// The link (built from the configured public URL).
        link: String,
        /// Minutes it stays valid.
        minutes: i64,
    },
    /// Someone who was not signed in reported the account hacked: only the owner, from
    /// their mailbox, can turn that report into a lock.
    LockAccountLink {
        /// The link (built from the configured public URL).
        link: String,
        /// Minutes it stays valid.
        minutes: i64,
    },
    /// The password was changed (by the owner, a reset or a recovery).
    PasswordChanged,
    /// The account was locked (reported compromised, or by an agent).
    AccountLocked,
    /// The sign-in email or phone changed; sent to the old address.
    ContactChanged {
        /// `email` or `phone`.
        what: &'static str,
        /// The new value, partly masked.
        masked: String,
    },
    /// Agents: a ticket missed an SLA target.
    SlaBreached {
        /// Ticket number.
        number: i64,
        /// Ticket subject.
        subject: String,
        /// Which target: the first response (`true`) or the resolution.
        first_response: bool,
        /// When it was due, in the business time zone.
        due: chrono::NaiveDateTime,
    },
    /// The expected delivery date changed.
    DeliveryDateChanged {
        /// Order number.
        order_number: String,
        /// New expected date.
        expected: NaiveDate,
    },
}

impl Notice {
    /// Stable kind name stored with the message.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RequestReceived { .. } => "cancellation.received",
            Self::OrderCanceled { .. } => "order.canceled",
            Self::ReturnApproved { .. } => "return.approved",
            Self::RequestRejected { .. } => "cancellation.rejected",
            Self::RefundCompleted { .. } => "refund.completed",
            Self::OrderShipped { .. } => "order.shipped",
            Self::DeliveryDateChanged { .. } => "shipment.delivery_date_changed",
            Self::TicketReply { .. } => "ticket.reply",
            Self::SlaBreached { .. } => "ticket.sla_breached",
            Self::PasswordResetLink { .. } => "account.password_reset_link",
            Self::RecoveryLink { .. } => "account.recovery_link",
            Self::LockAccountLink { .. } => "account.lock_link",
            Self::PasswordChanged => "account.password_changed",
            Self::AccountLocked => "account.locked",
            Self::ContactChanged { .. } => "account.contact_changed",
        }
    }

    /// The order the notice is about, if any: its timeline lists what the parties were told.
    pub fn order_number(&self) -> Option<&str> {
        match self {
            Self::RequestReceived { order_number, .. }
            | Self::OrderCanceled { order_number, .. }
            | Self::ReturnApproved { order_number, .. }
            | Self::RequestRejected { order_number, .. }
            | Self::RefundCompleted { order_number, .. }
            | Self::OrderShipped { order_number, .. }
            | Self::DeliveryDateChanged { order_number, .. } => Some(order_number),
            Self::TicketReply { .. }
            | Self::SlaBreached { .. }
            | Self::PasswordResetLink { .. }
            | Self::RecoveryLink { .. }
            | Self::LockAccountLink { .. }
            | Self::PasswordChanged
            | Self::AccountLocked
            | Self::ContactChanged { .. } => None,
        }
    }
}

/// `notice` in `locale`. A template that fails to render is a defect that the tests of every
/// notice in every locale catch; should one slip through, the change it reports fails rather
/// than commit without its notification.
fn rendered(notice: &Notice, locale: &str) -> Result<templates::Rendered, DbErr> {
    templates::render(notice, locale).map_err(|err| {
        DbErr::Custom(format!(
            "the {} notice did not render in {locale}: {err:#}",
            notice.kind()
        ))
    })
}

/// Queues `notice` for `recipient` with `conn` (the transaction of the change): an email,
/// and a text message too when the account has a phone number.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    recipient: &account::Model,
    notice: &Notice,
) -> Result<(), DbErr> {
    let rendered = rendered(notice, &recipient.locale)?;
    insert(
        conn,
        now,
        recipient,
        notice,
        Channel::Email,
        &recipient.email,
        &rendered.subject,
        rendered.body,
    )
    .await?;
    if let Some(phone) = &recipient.phone {
        insert(
            conn,
            now,
            recipient,
            notice,
            Channel::Sms,
            phone,
            &rendered.subject,
            rendered.sms,
        )
        .await?;
    }
    Ok(())
}

/// Queues `notice` for `recipient` as an email to `address` only. Security mail uses it:
/// links go to the one address that was verified, and after a suspected takeover the owner is
/// told at the address they had before it (the phone on file may be the attacker's).
pub async fn enqueue_email(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    recipient: &account::Model,
    address: &str,
    notice: &Notice,
) -> Result<(), DbErr> {
    let rendered = rendered(notice, &recipient.locale)?;
    insert(
        conn,
        now,
        recipient,
        notice,
        Channel::Email,
        address,
        &rendered.subject,
        rendered.body,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    recipient: &account::Model,
    notice: &Notice,
    channel: Channel,
    address: &str,
    subject: &str,
    body: String,
) -> Result<(), DbErr> {
    outbox_message::ActiveModel {
        id: Set(ids::at(now)),
        kind: Set(notice.kind().to_owned()),
        channel: Set(channel),
        recipient_id: Set(Some(recipient.id)),
        address: Set(address.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(body),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        claim_token: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        order_number: Set(notice.order_number().map(str::to_owned)),
    }
    .insert(conn)
    .await?;
    Ok(())
}
