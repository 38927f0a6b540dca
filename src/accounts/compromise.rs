//! "My account was hacked" (계정 해킹, SECURITY.md "Password reset and account recovery").
//!
//! A report locks an account only when it comes from someone who can prove to be the
//! owner. The signed-in owner locks at once. Anyone else (the owner who lost the password,
//! or a stranger who knows the email) opens a HIGH ticket whose first message is an
//! unverified report, and the account's current and recent addresses get a one-time "lock
//! my account now" link; following it locks, signs out every device and raises the ticket to
//! URGENT. Otherwise anybody who knows an email could lock its owner out.
//!
//! Every answer is `true` for a well-formed email, known or not, and the limits (per IP and
//! per reported email, `RATE_LIMITED` beyond) are the same for every email, so nothing says
//! whether an account exists. A flood about one account is dropped silently beyond its own
//! limit, so nobody can bury an owner's inbox in links.

use chrono::{DateTime, Utc};
use entity::ApiName;
use entity::account::{self, AccountStatus, Role};
use entity::account_token::TokenPurpose;
use entity::ticket::{self, TicketCategory, TicketChannel, TicketPriority, TicketStatus};
use entity::ticket_message::{self, MessageOrigin};
use minijinja::value::Value;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

use super::recovery::{
    Issuer, LINK_FAILED, account_by_email, account_by_recent_email, consume_token,
    count_ip_request, insert_token, link, lock_in, mask_email, pre_change_email, precheck_token,
    recent_addresses, recent_events_text, supersede_tokens, token_minutes, too_many,
};
use super::throttle;
use super::validation::normalize_email;
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::TicketChange;
use crate::ids;
use crate::input::required_text;
use crate::notifications::{self, Notice};
use crate::state::AppState;
use crate::texts;
use crate::tickets::service::{TicketRow, insert_ticket, reprioritize};

/// A fixed text of compromise tickets, `templates/tickets/compromise.<which>.txt`.
fn text(which: &str) -> ApiResult<String> {
    texts::render(&format!("tickets/compromise.{which}.txt"), Value::UNDEFINED)
        .map_err(|err| ApiError::internal(anyhow::anyhow!("compromise text {which}: {err:#}")))
}

fn email_key(email: &str) -> String {
    format!("compromise-email:{email}")
}

fn account_key(account_id: Uuid) -> String {
    format!("compromise-account:{account_id}")
}

/// Counts a report about `email`; refuses once that email was reported too often. The same
/// for unknown emails, so the refusal says nothing about registration.
async fn count_email_report(state: &AppState, email: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let key = email_key(email);
    if let Some(wait) = throttle::locked_for(&state.db, std::slice::from_ref(&key), now).await? {
        return Err(too_many(wait));
    }
    let txn = db::begin_write(&state.db).await?;
    let max = state.settings.compromise_reports_per_email.max(1);
    throttle::record_failure(&txn, &state.throttle, key, max, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds a message to a compromise ticket.
async fn add_message(
    txn: &impl ConnectionTrait,
    ticket_id: Uuid,
    author: Option<Uuid>,
    origin: MessageOrigin,
    body: String,
    internal: bool,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    ticket_message::ActiveModel {
        id: Set(ids::at(now)),
        ticket_id: Set(ticket_id),
        author_id: Set(author),
        body: Set(body),
        internal: Set(internal),
        created_at: Set(now),
        origin: Set(origin),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Opens the ACCOUNT ticket of a report about `account`.
async fn open_ticket(
    txn: &impl ConnectionTrait,
    state: &AppState,
    account: &account::Model,
    created_by: Option<Uuid>,
    priority: TicketPriority,
    now: DateTime<Utc>,
) -> ApiResult<ticket::Model> {
    insert_ticket(
        txn,
        state,
        TicketRow {
            requester_id: account.id,
            created_by,
            order_id: None,
            category: TicketCategory::Account,
            channel: TicketChannel::Web,
            subject: text("subject")?,
            priority,
            payment_method: None,
            card_last4: None,
        },
        now,
    )
    .await
}

/// Files a compromise report about the account of `email` (its current address, or one it
/// gave up within 30 days). Always `Ok` for a well-formed email; `reporter` is the caller if
/// signed in.
pub async fn report_compromise(
    state: &AppState,
    meta: &RequestMeta,
    reporter: Option<Caller>,
    email: &str,
    description: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let email = normalize_email("email", email)?;
    let description = required_text("description", description, 2_000)?;
    count_ip_request(state, meta, now).await?;
    count_email_report(state, &email, now).await?;
    let txn = db::begin_write(&state.db).await?;
    let account = match account_by_email(&txn, &email).await? {
        Some(account) => Some(account),
        None => account_by_recent_email(&txn, &email, now).await?,
    };
    let reporter_id = reporter.map(|caller| caller.account_id);
    let target = account.filter(|a| {
        a.status != AccountStatus::Disabled && matches!(a.role, Role::Buyer | Role::Seller)
    });
    let outcome = match target {
        Some(account) if reporter_id == Some(account.id) => {
            Some(lock_reported_by_owner(&txn, state, meta, &account, description, now).await?)
        }
        Some(account) => {
            file_unverified(&txn, state, meta, reporter_id, &account, description, now).await?
        }
        None => None,
    };
    if outcome.is_none() {
        audit::record(
            &txn,
            meta,
            now,
            AuditEvent {
                actor_id: reporter_id,
                action: AuditAction::CompromiseReported,
                target: None,
                details: json!({ "email": email, "acted": false }),
            },
        )
        .await?;
    }
    txn.commit().await?;
    if let Some(ticket) = outcome {
        state.events.publish(ticket, TicketChange::Created).await;
    }
    Ok(())
}

/// The signed-in owner's own report: locked at once, an URGENT ticket with their words and
/// the recent security events, the owner warned at the address from before any recent
/// change. Returns the ticket.
async fn lock_reported_by_owner(
    txn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    account: &account::Model,
    description: String,
    now: DateTime<Utc>,
) -> ApiResult<Uuid> {
    let events = recent_events_text(txn, account.id).await?;
    let revoked = lock_in(txn, account, "compromise_reported", now).await?;
    let ticket = open_ticket(
        txn,
        state,
        account,
        Some(account.id),
        TicketPriority::Urgent,
        now,
    )
    .await?;
    add_message(
        txn,
        ticket.id,
        Some(account.id),
        MessageOrigin::Account,
        description,
        false,
        now,
    )
    .await?;
    add_message(
        txn,
        ticket.id,
        None,
        MessageOrigin::System,
        events,
        true,
        now,
    )
    .await?;
    let warn_at = pre_change_email(txn, account, now).await?;
    notifications::enqueue_email(txn, now, account, &warn_at, &Notice::AccountLocked).await?;
    let owner = Some(account.id);
    for event in [
        AuditEvent::on_account(AuditAction::CompromiseReported, owner, account.id)
            .with_details(json!({ "ticket": ticket.id, "byOwner": true, "verified": true })),
        AuditEvent::on_account(AuditAction::AccountLocked, owner, account.id).with_details(
            json!({ "reason": "compromise_reported", "sessionsRevoked": revoked, "ticket": ticket.id }),
        ),
        AuditEvent::on(
            AuditAction::TicketCreated,
            owner,
            ("ticket", ticket.id),
            json!({ "number": ticket.number, "priority": "URGENT" }),
        ),
    ] {
        audit::record(txn, meta, now, event).await?;
    }
    Ok(ticket.id)
}

/// A report by someone who may not be the owner: nothing is locked. A HIGH ticket with the
/// report (agents only, marked unverified, authored by nobody), and a lock link to every
/// address the account had in the last 30 days. `None` when the account was already locked
/// or has been reported too often (silently: the reporter learns nothing).
async fn file_unverified(
    txn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    reporter_id: Option<Uuid>,
    account: &account::Model,
    description: String,
    now: DateTime<Utc>,
) -> ApiResult<Option<Uuid>> {
    let key = account_key(account.id);
    let flooded = throttle::locked_for(txn, std::slice::from_ref(&key), now)
        .await?
        .is_some();
    let max = state.settings.compromise_reports_per_account.max(1);
    throttle::record_failure(txn, &state.throttle, key, max, now).await?;
    if flooded || account.status != AccountStatus::Active {
        let reason = if flooded {
            "too_many_reports"
        } else {
            "already_locked"
        };
        audit::record(
            txn,
            meta,
            now,
            AuditEvent::on_account(AuditAction::CompromiseReported, reporter_id, account.id)
                .with_details(json!({ "acted": false, "verified": false, "reason": reason })),
        )
        .await?;
        return Ok(None);
    }
    let ticket = open_ticket(txn, state, account, None, TicketPriority::High, now).await?;
    add_message(
        txn,
        ticket.id,
        None,
        MessageOrigin::UnverifiedReport,
        description,
        true,
        now,
    )
    .await?;
    add_message(
        txn,
        ticket.id,
        None,
        MessageOrigin::System,
        text("unverified")?,
        false,
        now,
    )
    .await?;
    let events = recent_events_text(txn, account.id).await?;
    add_message(
        txn,
        ticket.id,
        None,
        MessageOrigin::System,
        events,
        true,
        now,
    )
    .await?;

    supersede_tokens(txn, account.id, Some(TokenPurpose::Lock), now).await?;
    let addresses = recent_addresses(txn, account, now).await?;
    for address in &addresses {
        let token = insert_token(
            txn,
            state,
            account,
            TokenPurpose::Lock,
            address,
            Issuer {
                ticket: Some(ticket.id),
                ..Issuer::default()
            },
            now,
        )
        .await?;
        let notice = Notice::LockAccountLink {
            link: link(state, "lock-account", &token),
            minutes: token_minutes(state),
        };
        notifications::enqueue_email(txn, now, account, address, &notice).await?;
    }
    let sent_to: Vec<String> = addresses.iter().map(|a| mask_email(a)).collect();
    for event in [
        AuditEvent::on_account(AuditAction::CompromiseReported, reporter_id, account.id)
            .with_details(json!({
                "ticket": ticket.id, "byOwner": false, "verified": false, "lockLinksSentTo": sent_to,
            })),
        AuditEvent::on(
            AuditAction::TicketCreated,
            reporter_id,
            ("ticket", ticket.id),
            json!({ "number": ticket.number, "priority": "HIGH", "unverified": true }),
        ),
    ] {
        audit::record(txn, meta, now, event).await?;
    }
    Ok(Some(ticket.id))
}

/// The owner, from the emailed link: locks the account, ends every session and raises the
/// report's ticket to URGENT with the recent security events, exactly as a report from the
/// signed-in owner would. A link works once; every link of the report dies with it.
pub async fn lock_with_token(state: &AppState, meta: &RequestMeta, token: &str) -> ApiResult<()> {
    let now = state.clock.now();
    precheck_token(state, meta, token, now).await?;
    let txn = db::begin_write(&state.db).await?;
    let Some(used) = consume_token(&txn, state, meta, TokenPurpose::Lock, token, now).await? else {
        txn.commit().await?;
        return Err(ApiError::validation("token", LINK_FAILED));
    };
    let account = account::Entity::find_by_id(used.account_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::validation("token", LINK_FAILED))?;
    if account.status == AccountStatus::Disabled {
        return Err(ApiError::validation("token", LINK_FAILED));
    }
    let owner = Some(account.id);
    // Already locked (by an agent meanwhile): the lock stands, the link is spent.
    let revoked = if account.status == AccountStatus::Active {
        Some(lock_in(&txn, &account, "compromise_confirmed", now).await?)
    } else {
        supersede_tokens(&txn, account.id, Some(TokenPurpose::Lock), now).await?;
        None
    };
    let ticket = match used.ticket_id {
        Some(id) => {
            ticket::Entity::find_by_id(id)
                .lock_exclusive()
                .one(&txn)
                .await?
        }
        None => None,
    };
    let ticket = match ticket {
        Some(ticket) if ticket.status != TicketStatus::Closed => {
            let raised = reprioritize(&txn, state, &ticket, TicketPriority::Urgent, now).await?;
            let events = recent_events_text(&txn, account.id).await?;
            add_message(
                &txn,
                ticket.id,
                None,
                MessageOrigin::System,
                format!("{}\n\n{events}", text("confirmed")?),
                true,
                now,
            )
            .await?;
            audit::record(
                &txn,
                meta,
                now,
                AuditEvent::on(
                    AuditAction::TicketPriorityChanged,
                    owner,
                    ("ticket", ticket.id),
                    json!({ "from": ticket.priority.api_name(), "to": TicketPriority::Urgent.api_name(), "reason": "compromise_confirmed" }),
                ),
            )
            .await?;
            Some(raised.id)
        }
        _ => None,
    };
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::CompromiseConfirmed, owner, account.id)
            .with_details(json!({ "ticket": used.ticket_id, "link": mask_email(&used.sent_to) })),
    )
    .await?;
    if let Some(revoked) = revoked {
        audit::record(
            &txn,
            meta,
            now,
            AuditEvent::on_account(AuditAction::AccountLocked, owner, account.id).with_details(
                json!({ "reason": "compromise_confirmed", "sessionsRevoked": revoked, "ticket": used.ticket_id }),
            ),
        )
        .await?;
        let warn_at = pre_change_email(&txn, &account, now).await?;
        notifications::enqueue_email(&txn, now, &account, &warn_at, &Notice::AccountLocked).await?;
    }
    txn.commit().await?;
    if let Some(ticket) = ticket {
        state
            .events
            .publish(ticket, TicketChange::PriorityChanged)
            .await;
    }
    Ok(())
}
