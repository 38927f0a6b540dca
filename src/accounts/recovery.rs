//! Password reset, compromised accounts and their recovery (SECURITY.md "Password reset and
//! account recovery", DOMAIN.md "Accounts and security").
//!
//! Reset and recovery links carry a 256-bit token that is stored only as its SHA-256, works
//! once (consumed by a conditional update, so of two racing submissions exactly one wins),
//! expires, and is superseded by a newer link. No answer ever tells whether an email is
//! registered. Links are built from the configured public URL, never from request headers.
//! Agents start a recovery after checking the owner's identity; they never see or set a
//! password or a token.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::account::{self, AccountStatus, Role};
use entity::account_token::{self, TokenPurpose};
use entity::{audit_event, email_history};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use super::passwords;
use super::service::revoke_sessions;
use super::throttle;
use super::tokens;
use super::validation::normalize_email;
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::ACCESS_FAILED;
use crate::auth::{Caller, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::required_text;
use crate::notifications::{self, Notice};
use crate::state::AppState;

/// The one answer for every unusable link: unknown, used, expired, superseded, wrong kind.
pub const LINK_FAILED: &str = "This link is invalid or has expired. Ask for a new one.";
/// How far back a contact change counts as possibly the attacker's.
const CONTACT_CHANGE_LOOKBACK_DAYS: i64 = 30;
/// Security events copied into a compromise ticket for the agent.
const EVENTS_ON_TICKET: u64 = 20;

fn reset_email_key(email: &str) -> String {
    format!("reset-email:{email}")
}

pub(super) fn reset_ip_key(ip: &str) -> String {
    format!("reset-ip:{ip}")
}

pub(super) fn too_many(retry_after: std::time::Duration) -> ApiError {
    ApiError::rate_limited("Too many attempts; try again later.", retry_after)
}

/// Counts one request from the caller's IP; refuses when the IP is over its limit. The limit
/// is the same for every email, so the refusal says nothing about any account.
pub(super) async fn count_ip_request(
    state: &AppState,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(ip) = meta.network() else {
        return Ok(());
    };
    let key = reset_ip_key(&ip);
    if let Some(wait) = throttle::locked_for(&state.db, std::slice::from_ref(&key), now).await? {
        return Err(too_many(wait));
    }
    let txn = db::begin_write(&state.db).await?;
    let max = state.settings.reset_requests_per_ip.max(1);
    throttle::record_failure(&txn, &state.throttle, key, max, now).await?;
    txn.commit().await?;
    Ok(())
}

pub(super) fn link(state: &AppState, path: &str, token: &str) -> String {
    format!(
        "{}/{path}?token={token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

pub(super) fn token_minutes(state: &AppState) -> i64 {
    i64::try_from(state.settings.reset_token_ttl_secs / 60)
        .unwrap_or(30)
        .max(1)
}

/// `m***@example.com`: enough for the owner to recognise, not enough to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Invalidates every outstanding link of `account_id` (of one purpose, or all).
pub(super) async fn supersede_tokens(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    purpose: Option<TokenPurpose>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut update = account_token::Entity::update_many()
        .col_expr(account_token::Column::SupersededAt, Expr::value(now))
        .filter(account_token::Column::AccountId.eq(account_id))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::SupersededAt.is_null());
    if let Some(purpose) = purpose {
        update = update.filter(account_token::Column::Purpose.eq(purpose));
    }
    update.exec(conn).await?;
    Ok(())
}

/// Who issued a token and why: the agent and ticket of a recovery, the ticket of a lock link.
#[derive(Debug, Default)]
pub(super) struct Issuer {
    pub(super) agent: Option<Uuid>,
    pub(super) ticket: Option<Uuid>,
    pub(super) verified_by: Option<String>,
}

/// A new link token for `account` (the older ones of the same purpose stop working).
async fn issue_token(
    conn: &impl ConnectionTrait,
    state: &AppState,
    account: &account::Model,
    purpose: TokenPurpose,
    sent_to: &str,
    issuer: Issuer,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    supersede_tokens(conn, account.id, Some(purpose), now).await?;
    insert_token(conn, state, account, purpose, sent_to, issuer, now).await
}

/// Stores the hash of a new link token for `account`, sent to `sent_to`, and returns the
/// token itself (it exists nowhere else but in the email).
pub(super) async fn insert_token(
    conn: &impl ConnectionTrait,
    state: &AppState,
    account: &account::Model,
    purpose: TokenPurpose,
    sent_to: &str,
    issuer: Issuer,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    let token = tokens::new_opaque_token();
    let ttl = Duration::seconds(i64::try_from(state.settings.reset_token_ttl_secs).unwrap_or(1800));
    account_token::ActiveModel {
        id: Set(ids::at(now)),
        account_id: Set(account.id),
        purpose: Set(purpose),
        token_hash: Set(tokens::hash_token(&token)),
        sent_to: Set(sent_to.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        superseded_at: Set(None),
        issued_by: Set(issuer.agent),
        ticket_id: Set(issuer.ticket),
        verified_by: Set(issuer.verified_by),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The addresses `account_id` gave up within the last 30 days, oldest first.
async fn recent_history(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<Vec<email_history::Model>> {
    Ok(email_history::Entity::find()
        .filter(email_history::Column::AccountId.eq(account_id))
        .filter(
            email_history::Column::ChangedAt
                .gte(now - Duration::days(CONTACT_CHANGE_LOOKBACK_DAYS)),
        )
        .order_by_asc(email_history::Column::ChangedAt)
        .limit(50)
        .all(conn)
        .await?)
}

/// The email the owner had before any change of the last 30 days: after a takeover, the
/// attacker may have put in their own, so warnings and recovery links go to the old one.
pub async fn pre_change_email(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    Ok(recent_history(conn, account.id, now)
        .await?
        .into_iter()
        .next()
        .map_or_else(|| account.email.clone(), |row| row.email))
}

/// The current address of `account` and every address it had in the last 30 days: a
/// "lock my account now" link goes to each, because the owner may only still read one.
pub(super) async fn recent_addresses(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    now: DateTime<Utc>,
) -> ApiResult<Vec<String>> {
    let mut addresses = vec![account.email.clone()];
    for row in recent_history(conn, account.id, now).await? {
        if !addresses.contains(&row.email) {
            addresses.push(row.email);
        }
    }
    Ok(addresses)
}

/// Remembers that `account_id` stopped using `old_email` at `now`.
async fn record_email_change(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    old_email: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    email_history::ActiveModel {
        id: Set(ids::at(now)),
        account_id: Set(account_id),
        email: Set(old_email.to_owned()),
        changed_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// "Forgot password": always `Ok` for a well-formed email. A registered, active account gets
/// a link (unless its email has asked too often); nothing else happens for anyone else, and
/// the work done is the same either way but for the email itself.
pub async fn request_password_reset(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let email = normalize_email("email", email)?;
    count_ip_request(state, meta, now).await?;
    let email_key = reset_email_key(&email);
    let flooded = throttle::locked_for(&state.db, std::slice::from_ref(&email_key), now)
        .await?
        .is_some();
    let txn = db::begin_write(&state.db).await?;
    let max = state.settings.reset_requests_per_email.max(1);
    throttle::record_failure(&txn, &state.throttle, email_key, max, now).await?;
    let account = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let event = match account {
        // Locked accounts recover through an agent: a link to an address an attacker may
        // control would undo the lock.
        Some(account) if account.status == AccountStatus::Active && !flooded => {
            let token = issue_token(
                &txn,
                state,
                &account,
                TokenPurpose::Reset,
                &account.email,
                Issuer::default(),
                now,
            )
            .await?;
            let notice = Notice::PasswordResetLink {
                link: link(state, "reset-password", &token),
                minutes: token_minutes(state),
            };
            notifications::enqueue_email(&txn, now, &account, &account.email, &notice).await?;
            AuditEvent::on_account(AuditAction::PasswordResetRequested, None, account.id)
        }
        Some(account) => AuditEvent::on_account(AuditAction::PasswordResetRequested, None, account.id)
            .with_details(json!({ "sent": false, "reason": if flooded { "too_many_requests" } else { "not_active" } })),
        None => AuditEvent {
            actor_id: None,
            action: AuditAction::PasswordResetRequested,
            target: None,
            details: json!({ "sent": false, "email": email }),
        },
    };
    audit::record(&txn, meta, now, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password from a reset link. Every session ends; the owner is told; the caller
/// is not signed in.
pub async fn reset_password(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    new_password: SecretString,
) -> ApiResult<()> {
    set_password_with_token(state, meta, PasswordLink::Reset, token, new_password).await
}

/// Sets a new password from a recovery link and makes the account active again.
pub async fn complete_recovery(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    new_password: SecretString,
) -> ApiResult<()> {
    set_password_with_token(state, meta, PasswordLink::Recovery, token, new_password).await
}

/// The links that set a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PasswordLink {
    Reset,
    Recovery,
}

impl PasswordLink {
    fn purpose(self) -> TokenPurpose {
        match self {
            Self::Reset => TokenPurpose::Reset,
            Self::Recovery => TokenPurpose::Recovery,
        }
    }
}

/// Refuses a presented link token early: malformed, or from an IP that guessed too often.
pub(super) async fn precheck_token(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::validation("token", LINK_FAILED));
    }
    if let Some(ip) = meta.network()
        && let Some(wait) = throttle::locked_for(&state.db, &[reset_ip_key(&ip)], now).await?
    {
        return Err(too_many(wait));
    }
    Ok(())
}

/// Uses up a link token of `purpose` in `txn`: one conditional update, so of two racing
/// submissions exactly one gets the row. `None` for a token that is unknown, used, expired,
/// superseded or of another purpose; the wrong guess is counted against the caller's IP
/// (tokens are unguessable, so guessing is abuse) and the caller must commit `txn`.
pub(super) async fn consume_token(
    txn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    purpose: TokenPurpose,
    token: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<account_token::Model>> {
    let consumed = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(account_token::Column::Purpose.eq(purpose))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::SupersededAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(now))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    if consumed.is_none()
        && let Some(ip) = meta.network()
    {
        let max = state.settings.reset_requests_per_ip.max(1);
        throttle::record_failure(txn, &state.throttle, reset_ip_key(&ip), max, now).await?;
    }
    Ok(consumed)
}

async fn set_password_with_token(
    state: &AppState,
    meta: &RequestMeta,
    link: PasswordLink,
    token: &str,
    new_password: SecretString,
) -> ApiResult<()> {
    let now = state.clock.now();
    passwords::check_new_password("newPassword", new_password.expose_secret())?;
    precheck_token(state, meta, token, now).await?;
    // Hashed before the transaction, off the async workers, so the row locks are short.
    let password_hash = state.hasher.hash(new_password).await?;
    let txn = db::begin_write(&state.db).await?;
    let Some(used) = consume_token(&txn, state, meta, link.purpose(), token, now).await? else {
        txn.commit().await?;
        return Err(ApiError::validation("token", LINK_FAILED));
    };
    let account = account::Entity::find_by_id(used.account_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::validation("token", LINK_FAILED))?;
    let allowed = match link {
        PasswordLink::Reset => account.status == AccountStatus::Active,
        PasswordLink::Recovery => account.status != AccountStatus::Disabled,
    };
    if !allowed {
        // Locked after the link was sent: dropping the transaction keeps the token unused.
        return Err(ApiError::validation("token", LINK_FAILED));
    }
    let mut update = account::ActiveModel {
        id: Set(account.id),
        password_hash: Set(password_hash),
        password_changed_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let account_before_email = account.email.clone();
    let mut restored_email = None;
    if link == PasswordLink::Recovery {
        update.status = Set(AccountStatus::Active);
        // The link went to the verified address; if an attacker replaced the sign-in email,
        // the owner gets theirs back.
        if used.sent_to != account.email {
            update.email = Set(used.sent_to.clone());
            restored_email = Some(used.sent_to.clone());
        }
    }
    let account = update
        .update(&txn)
        .await
        .map_err(db::conflict_on_duplicate(
            "token",
            "The original email is in use by another account; contact support.",
        ))?;
    if restored_email.is_some() {
        // The address the attacker had put in is history now, like any replaced address.
        record_email_change(&txn, account.id, &account_before_email, now).await?;
    }
    let reason = match link {
        PasswordLink::Reset => "password_reset",
        PasswordLink::Recovery => "account_recovered",
    };
    let revoked = revoke_sessions(&txn, account.id, None, reason, now).await?;
    supersede_tokens(&txn, account.id, None, now).await?;
    throttle::clear(&txn, throttle::email_key(&account.email)).await?;
    let action = match link {
        PasswordLink::Reset => AuditAction::PasswordReset,
        PasswordLink::Recovery => AuditAction::RecoveryCompleted,
    };
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(action, Some(account.id), account.id).with_details(json!({
            "sessionsRevoked": revoked,
            "ticket": used.ticket_id,
            "emailRestored": restored_email.as_deref().map(mask_email),
        })),
    )
    .await?;
    notifications::enqueue_email(&txn, now, &account, &used.sent_to, &Notice::PasswordChanged)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Locks `account` in `txn`: status LOCKED, every session and refresh token revoked, every
/// outstanding link cancelled. The very next request with an old access token fails.
pub(super) async fn lock_in(
    txn: &impl ConnectionTrait,
    account: &account::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    account::ActiveModel {
        id: Set(account.id),
        status: Set(AccountStatus::Locked),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let revoked = revoke_sessions(txn, account.id, None, reason, now).await?;
    supersede_tokens(txn, account.id, None, now).await?;
    Ok(revoked)
}

/// The account's recent security events, as text for the agent's note on the ticket.
pub(super) async fn recent_events_text(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
) -> ApiResult<String> {
    let events = audit_event::Entity::find()
        .filter(
            Condition::any()
                .add(audit_event::Column::TargetId.eq(account_id))
                .add(audit_event::Column::ActorId.eq(account_id)),
        )
        .order_by_desc(audit_event::Column::Id)
        .limit(EVENTS_ON_TICKET)
        .all(conn)
        .await?;
    let mut text = String::from("최근 보안 이벤트 (자동 첨부, 최신순) / Recent security events:\n");
    for event in events {
        text.push_str(&format!(
            "- {} {} ip={} ua={}\n",
            event.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
            event.action,
            event.ip.as_deref().unwrap_or("-"),
            event.user_agent.as_deref().unwrap_or("-"),
        ));
    }
    Ok(text)
}

/// The account signing in with `email` (locked for the caller's transaction).
pub(super) async fn account_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> ApiResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// The account whose email was `email` until a change of the last 30 days: the owner of a
/// hijacked account reports with the address they know, which the attacker replaced. One
/// indexed lookup in the email history.
pub(super) async fn account_by_recent_email(
    conn: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<account::Model>> {
    let Some(change) = email_history::Entity::find()
        .filter(email_history::Column::Email.eq(email))
        .filter(
            email_history::Column::ChangedAt
                .gte(now - Duration::days(CONTACT_CHANGE_LOOKBACK_DAYS)),
        )
        .order_by_desc(email_history::Column::ChangedAt)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(account::Entity::find_by_id(change.account_id)
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// A customer account an agent may act on (admins may act on agents too, nobody on
/// themselves).
async fn target_account(
    conn: &impl ConnectionTrait,
    agent: &Caller,
    account_id: Uuid,
) -> ApiResult<account::Model> {
    let account = account::Entity::find_by_id(account_id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Account"))?;
    let allowed = match account.role {
        Role::Buyer | Role::Seller => true,
        Role::Agent => agent.role == Role::Admin,
        Role::Admin => false,
    };
    if !allowed || account.id == agent.account_id {
        return Err(ApiError::Forbidden);
    }
    Ok(account)
}

/// Agents: locks an account (a suspected takeover reported by phone, say).
pub async fn lock_account(
    state: &AppState,
    meta: &RequestMeta,
    agent: &Caller,
    account_id: Uuid,
    reason: &str,
) -> ApiResult<account::Model> {
    let now = state.clock.now();
    let reason = required_text("reason", reason, 500)?;
    let txn = db::begin_write(&state.db).await?;
    let account = target_account(&txn, agent, account_id).await?;
    if account.status != AccountStatus::Active {
        return Err(ApiError::InvalidState(format!(
            "The account is {}: only an active account can be locked.",
            account.status.api_name()
        )));
    }
    let revoked = lock_in(&txn, &account, "locked_by_agent", now).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(
            AuditAction::AccountLocked,
            Some(agent.account_id),
            account.id,
        )
        .with_details(json!({ "reason": reason, "sessionsRevoked": revoked })),
    )
    .await?;
    let warn_at = pre_change_email(&txn, &account, now).await?;
    notifications::enqueue_email(&txn, now, &account, &warn_at, &Notice::AccountLocked).await?;
    let locked = account::Entity::find_by_id(account.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Account"))?;
    txn.commit().await?;
    Ok(locked)
}

/// Agents: unlocks an account after a false alarm (a reason is required). Revoked sessions
/// stay revoked: the owner signs in again.
pub async fn unlock_account(
    state: &AppState,
    meta: &RequestMeta,
    agent: &Caller,
    account_id: Uuid,
    reason: &str,
) -> ApiResult<account::Model> {
    let now = state.clock.now();
    let reason = required_text("reason", reason, 500)?;
    let txn = db::begin_write(&state.db).await?;
    let account = target_account(&txn, agent, account_id).await?;
    if account.status != AccountStatus::Locked {
        return Err(ApiError::InvalidState("The account is not locked.".into()));
    }
    let unlocked = account::ActiveModel {
        id: Set(account.id),
        status: Set(AccountStatus::Active),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(
            AuditAction::AccountUnlocked,
            Some(agent.account_id),
            account.id,
        )
        .with_details(json!({ "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    Ok(unlocked)
}

/// Agents: after checking the owner's identity (`verified_by`: what was checked, e.g. name,
/// phone, recent order), sends a recovery link to the address the owner had before any
/// recent change. The agent learns neither the token nor the password.
pub async fn start_recovery(
    state: &AppState,
    meta: &RequestMeta,
    agent: &Caller,
    account_id: Uuid,
    verified_by: &str,
    ticket_id: Option<Uuid>,
) -> ApiResult<()> {
    let now = state.clock.now();
    let verified_by = required_text("verifiedBy", verified_by, 500)?;
    let txn = db::begin_write(&state.db).await?;
    let account = target_account(&txn, agent, account_id).await?;
    if account.status != AccountStatus::Locked {
        return Err(ApiError::InvalidState(
            "Recovery is for locked accounts; an active owner can reset the password.".into(),
        ));
    }
    if let Some(ticket_id) = ticket_id {
        entity::ticket::Entity::find_by_id(ticket_id)
            .filter(entity::ticket::Column::RequesterId.eq(account.id))
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::validation("ticketId", "Not a ticket of this account."))?;
    }
    let send_to = pre_change_email(&txn, &account, now).await?;
    let token = issue_token(
        &txn,
        state,
        &account,
        TokenPurpose::Recovery,
        &send_to,
        Issuer {
            agent: Some(agent.account_id),
            ticket: ticket_id,
            verified_by: Some(verified_by.clone()),
        },
        now,
    )
    .await?;
    let notice = Notice::RecoveryLink {
        link: link(state, "recover-account", &token),
        minutes: token_minutes(state),
    };
    notifications::enqueue_email(&txn, now, &account, &send_to, &notice).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(
            AuditAction::RecoveryStarted,
            Some(agent.account_id),
            account.id,
        )
        .with_details(json!({
            "verifiedBy": verified_by,
            "ticket": ticket_id,
            "sentTo": mask_email(&send_to),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Checks the caller's current password for a sensitive change; wrong answers count as
/// failed logins (a stolen access token must not become a guessing oracle).
pub async fn verify_current_password(
    state: &AppState,
    account: &account::Model,
    current: &SecretString,
) -> ApiResult<()> {
    let now = state.clock.now();
    let key = throttle::email_key(&account.email);
    if let Some(wait) = throttle::locked_for(&state.db, std::slice::from_ref(&key), now).await? {
        return Err(too_many(wait));
    }
    let verified = if passwords::plausible(current.expose_secret()) {
        state
            .hasher
            .verify(current.clone(), account.password_hash.clone())
            .await?
    } else {
        passwords::Verified::No
    };
    if verified == passwords::Verified::No {
        let txn = db::begin_write(&state.db).await?;
        let max = state.throttle.max_per_email;
        throttle::record_failure(&txn, &state.throttle, key, max, now).await?;
        txn.commit().await?;
        return Err(ApiError::validation(
            "currentPassword",
            "The current password is not correct.",
        ));
    }
    Ok(())
}

/// Changes the caller's sign-in email (current password required). The old address is told,
/// and the change is audited so a recovery can find the address from before it.
pub async fn change_email(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    current_password: SecretString,
    new_email: &str,
) -> ApiResult<account::Model> {
    let now = state.clock.now();
    let new_email = normalize_email("newEmail", new_email)?;
    let account = account::Entity::find_by_id(caller.account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthenticated(ACCESS_FAILED))?;
    verify_current_password(state, &account, &current_password).await?;
    if new_email == account.email {
        return Err(ApiError::validation(
            "newEmail",
            "This is already your email.",
        ));
    }
    let txn = db::begin_write(&state.db).await?;
    let updated = account::ActiveModel {
        id: Set(account.id),
        email: Set(new_email.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(db::conflict_on_duplicate(
        "newEmail",
        "An account with this email already exists.",
    ))?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::EmailChanged, Some(account.id), account.id)
            .with_details(json!({ "from": account.email, "to": new_email })),
    )
    .await?;
    record_email_change(&txn, account.id, &account.email, now).await?;
    let notice = Notice::ContactChanged {
        what: "email",
        masked: mask_email(&new_email),
    };
    notifications::enqueue_email(&txn, now, &account, &account.email, &notice).await?;
    // Links sent to the old address must not outlive it.
    supersede_tokens(&txn, account.id, None, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Changes (or removes) the caller's phone number (current password required); the owner is
/// told at their email.
pub async fn change_phone(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    current_password: SecretString,
    new_phone: Option<&str>,
) -> ApiResult<account::Model> {
    let now = state.clock.now();
    let new_phone = super::validation::normalize_phone("newPhone", new_phone)?;
    let account = account::Entity::find_by_id(caller.account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthenticated(ACCESS_FAILED))?;
    verify_current_password(state, &account, &current_password).await?;
    let txn = db::begin_write(&state.db).await?;
    let updated = account::ActiveModel {
        id: Set(account.id),
        phone: Set(new_phone.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::PhoneChanged, Some(account.id), account.id)
            .with_details(json!({ "from": account.phone, "to": new_phone })),
    )
    .await?;
    let masked = new_phone
        .as_deref()
        .map(|phone| {
            let tail: String = phone
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("***{tail}")
        })
        .unwrap_or_else(|| "-".into());
    let notice = Notice::ContactChanged {
        what: "phone",
        masked,
    };
    notifications::enqueue_email(&txn, now, &account, &account.email, &notice).await?;
    txn.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_emails_keep_the_first_letter_and_the_domain() {
        assert_eq!(mask_email("minji@example.com"), "m***@example.com");
        assert_eq!(mask_email("not-an-email"), "***");
    }
}
