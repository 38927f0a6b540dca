//! Account rules: registration, login with throttling, session rotation, logout, password
//! change, staff creation, listing. No GraphQL here.

use chrono::{DateTime, Duration, Utc};
use entity::account::{self, AccountStatus, Role};
use entity::{refresh_token, session, store};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::passwords::{self, Verified};
use super::throttle;
use super::tokens::{self, TokenError};
use super::validation::{normalize_email, normalize_name, normalize_phone};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{ACCESS_FAILED, AuthCtx, Caller, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::pagination::{self, Page, PageArgs};
use crate::state::AppState;

/// The one answer for every failed login, whatever the reason (SECURITY.md "Login").
const LOGIN_FAILED: &str = "Invalid email or password.";
/// The one answer for every refused refresh token.
const REFRESH_FAILED: &str = "Invalid or expired refresh token.";

/// Sign-up input.
#[derive(Debug)]
pub struct Registration {
    /// Email as typed.
    pub email: String,
    /// Password as typed.
    pub password: SecretString,
    /// Display name.
    pub name: String,
    /// Optional phone.
    pub phone: Option<String>,
    /// BUYER or SELLER.
    pub role: Role,
    /// Required for sellers.
    pub store_name: Option<String>,
}

/// Staff creation input.
#[derive(Debug)]
pub struct NewStaff {
    /// Email as typed.
    pub email: String,
    /// Display name.
    pub name: String,
    /// AGENT or ADMIN.
    pub role: Role,
    /// Initial password.
    pub password: SecretString,
}

/// Tokens handed to a client that signed in.
#[derive(Debug)]
pub struct SignedIn {
    /// JWT access token.
    pub access_token: String,
    /// When it expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// Opaque refresh token (shown once, stored hashed).
    pub refresh_token: String,
    /// The account.
    pub account: account::Model,
}

/// Filters of the staff account list.
#[derive(Debug, Default)]
pub struct AccountFilter {
    /// Part of the email or name, case-insensitive.
    pub search: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<AccountStatus>,
}

fn map_unique(err: DbErr) -> ApiError {
    if db::is_unique_violation(&err) {
        let text = err.to_string();
        if text.contains("store") {
            return ApiError::Conflict {
                field: Some("storeName"),
                message: "A store with this name already exists.".into(),
            };
        }
        return email_conflict();
    }
    err.into()
}

fn email_conflict() -> ApiError {
    ApiError::Conflict {
        field: Some("email"),
        message: "An account with this email already exists.".into(),
    }
}

async fn email_taken(conn: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .count(conn)
        .await?
        > 0)
}

/// Inserts an account row (the password is already hashed).
async fn insert_account(
    conn: &impl ConnectionTrait,
    email: String,
    name: String,
    phone: Option<String>,
    role: Role,
    password_hash: String,
    now: DateTime<Utc>,
) -> ApiResult<account::Model> {
    account::ActiveModel {
        id: Set(ids::at(now)),
        email: Set(email),
        name: Set(name),
        phone: Set(phone),
        role: Set(role),
        status: Set(AccountStatus::Active),
        password_hash: Set(password_hash),
        locale: Set("ko".into()),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        password_changed_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(map_unique)
}

/// Opens a session with its first refresh token and signs an access token for it.
async fn start_session(
    conn: &impl ConnectionTrait,
    state: &AppState,
    meta: &RequestMeta,
    account: account::Model,
    now: DateTime<Utc>,
) -> ApiResult<SignedIn> {
    let session_id = ids::at(now);
    let absolute = secs(state.settings.session_absolute_ttl_secs);
    session::ActiveModel {
        id: Set(session_id),
        account_id: Set(account.id),
        created_at: Set(now),
        last_used_at: Set(now),
        absolute_expires_at: Set(now + absolute),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        ip: Set(meta.ip.clone()),
        user_agent: Set(meta.user_agent.clone()),
    }
    .insert(conn)
    .await?;
    let refresh_token = issue_refresh_token(conn, session_id, now).await?;
    let (access_token, access_token_expires_at) = state
        .keys
        .issue(account.id, session_id, now)
        .map_err(ApiError::internal)?;
    Ok(SignedIn {
        access_token,
        access_token_expires_at,
        refresh_token,
        account,
    })
}

async fn issue_refresh_token(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = tokens::new_opaque_token();
    refresh_token::ActiveModel {
        id: Set(ids::at(now)),
        session_id: Set(session_id),
        token_hash: Set(tokens::hash_token(&token)),
        created_at: Set(now),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000))
}

/// Revokes one session if it is still live; `true` when this call revoked it.
pub async fn revoke_session(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every live session of `account_id` except `keep`.
pub async fn revoke_sessions(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut query = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        query = query.filter(session::Column::Id.ne(keep));
    }
    Ok(query.exec(conn).await?.rows_affected)
}

/// Signs up a buyer or a seller (with their store) and signs them in.
pub async fn register(
    state: &AppState,
    meta: &RequestMeta,
    input: Registration,
) -> ApiResult<SignedIn> {
    let email = normalize_email("email", &input.email)?;
    let name = normalize_name("name", &input.name, 100)?;
    let phone = normalize_phone("phone", input.phone.as_deref())?;
    let store_name = match (input.role, input.store_name.as_deref()) {
        (Role::Seller, Some(raw)) => Some(normalize_name("storeName", raw, 60)?),
        (Role::Seller, None) => {
            return Err(ApiError::validation(
                "storeName",
                "Sellers must name their store.",
            ));
        }
        (Role::Buyer, None) => None,
        (Role::Buyer, Some(_)) => {
            return Err(ApiError::validation(
                "storeName",
                "Only sellers have a store.",
            ));
        }
        (Role::Agent | Role::Admin, _) => {
            return Err(ApiError::validation(
                "role",
                "Sign-up is for buyers and sellers.",
            ));
        }
    };
    passwords::check_new_password("password", expose(&input.password))?;
    // Refuse a taken email before spending a hash on it; the unique index still decides races.
    if email_taken(&state.db, &email).await? {
        return Err(email_conflict());
    }
    let password_hash = state.hasher.hash(input.password).await?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let account = insert_account(&txn, email, name, phone, input.role, password_hash, now).await?;
    if let Some(store_name) = store_name {
        store::ActiveModel {
            id: Set(ids::at(now)),
            owner_id: Set(account.id),
            name: Set(store_name),
            created_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(map_unique)?;
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::AccountRegistered, Some(account.id), account.id)
            .with_details(json!({ "role": account.role.to_value() })),
    )
    .await?;
    let signed_in = start_session(&txn, state, meta, account, now).await?;
    txn.commit().await?;
    Ok(signed_in)
}

fn expose(secret: &SecretString) -> &str {
    use secrecy::ExposeSecret;
    secret.expose_secret()
}

/// Why a login failed; recorded in the audit log, never told to the client.
fn failure_reason(
    account: Option<&account::Model>,
    locked_out: bool,
    verified: Verified,
) -> Option<&'static str> {
    match (account, locked_out, verified) {
        (_, true, _) => Some("locked_out"),
        (None, _, _) => Some("unknown_email"),
        (Some(_), _, Verified::No) => Some("wrong_password"),
        (Some(a), _, _) if a.status != AccountStatus::Active => Some("account_not_active"),
        _ => None,
    }
}

/// Whether `ip` had a session of `account` in the last 30 days.
async fn known_device(
    conn: &impl ConnectionTrait,
    account: Option<&account::Model>,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let (Some(account), Some(ip)) = (account, ip) else {
        return Ok(false);
    };
    Ok(session::Entity::find()
        .filter(session::Column::AccountId.eq(account.id))
        .filter(session::Column::Ip.eq(ip))
        .filter(session::Column::CreatedAt.gt(now - Duration::days(30)))
        .count(conn)
        .await?
        > 0)
}

/// Signs in with email and password.
///
/// Unknown email, wrong password, locked-out key and locked or disabled account all answer
/// the same error after a password verification of similar cost.
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    email: &str,
    password: SecretString,
) -> ApiResult<SignedIn> {
    let now = state.clock.now();
    let email = normalize_email("email", email).ok();
    let mut keys = Vec::new();
    if let Some(email) = &email {
        keys.push(throttle::email_key(email));
    }
    if let Some(ip) = meta.network() {
        keys.push(throttle::ip_key(&ip));
    }
    // The caller's own counters and the global one, in one statement.
    let mut all_keys = keys.clone();
    all_keys.push(throttle::GLOBAL_KEY.to_owned());
    let locked = throttle::locked_keys(&state.db, &all_keys, now).await?;
    let locked_out = locked.iter().any(|(key, _)| key != throttle::GLOBAL_KEY);
    let global_ceiling = locked
        .iter()
        .find(|(key, _)| key == throttle::GLOBAL_KEY)
        .map(|(_, until)| (*until - now).to_std().unwrap_or_default());
    let account = match &email {
        Some(email) => {
            account::Entity::find()
                .filter(account::Column::Email.eq(email.as_str()))
                .one(&state.db)
                .await?
        }
        None => None,
    };
    // Credential stuffing spreads over many emails and IPs, under every per-key limit. Past
    // the global ceiling only a known device (an IP that had a session of this account) may
    // try; everyone else gets the same answer at once, before any hashing.
    if let Some(wait) = global_ceiling
        && !known_device(&state.db, account.as_ref(), meta.ip.as_deref(), now).await?
    {
        metrics::counter!("storedesk_logins_total", "outcome" => "global_ceiling").increment(1);
        return Err(ApiError::rate_limited(
            "Too many sign-in attempts right now; try again in a few minutes.",
            wait,
        ));
    }
    let verified = match (&account, passwords::plausible(expose(&password))) {
        (Some(account), true) if !locked_out => {
            state
                .hasher
                .verify(password.clone(), account.password_hash.clone())
                .await?
        }
        (_, plausible) => {
            // Same cost as a real check, but never hash an over-long input.
            let candidate = if plausible {
                password.clone()
            } else {
                SecretString::from("")
            };
            state.hasher.verify_dummy(candidate).await?;
            Verified::No
        }
    };

    let failure = failure_reason(account.as_ref(), locked_out, verified);
    // A weaker stored hash is replaced; hashed before the transaction, so the account row is
    // not held (on SQLite: the whole database) while argon2 runs.
    let rehashed = match (failure, verified) {
        (None, Verified::YesRehash) => Some(state.hasher.hash(password).await?),
        _ => None,
    };
    let txn = db::begin_write(&state.db).await?;
    if let Some(reason) = failure {
        if let Some(email) = &email {
            let max = state.throttle.max_per_email;
            throttle::record_failure(&txn, &state.throttle, throttle::email_key(email), max, now)
                .await?;
        }
        if let Some(ip) = meta.network() {
            let max = state.throttle.max_per_ip;
            throttle::record_failure(&txn, &state.throttle, throttle::ip_key(&ip), max, now)
                .await?;
        }
        let global = Ord::max(state.settings.login_max_failures_global, 1);
        throttle::record_failure(
            &txn,
            &state.throttle,
            throttle::GLOBAL_KEY.to_owned(),
            global,
            now,
        )
        .await?;
        let mut event = AuditEvent {
            actor_id: None,
            action: AuditAction::LoginFailed,
            target: account.as_ref().map(|a| ("account", a.id)),
            details: json!({ "reason": reason }),
        };
        if account.is_none() {
            // Keep what was tried, bounded, so credential stuffing shows up in reviews.
            let tried: String = email
                .clone()
                .unwrap_or_default()
                .chars()
                .take(254)
                .collect();
            event.details = json!({ "reason": reason, "email": tried });
        }
        audit::record(&txn, meta, now, event).await?;
        txn.commit().await?;
        metrics::counter!("storedesk_logins_total", "outcome" => reason).increment(1);
        return Err(ApiError::Unauthenticated(LOGIN_FAILED));
    }
    let Some(account) = account else {
        return Err(ApiError::Unauthenticated(LOGIN_FAILED));
    };

    let mut update = account::ActiveModel {
        id: Set(account.id),
        last_login_at: Set(Some(now)),
        ..Default::default()
    };
    if let Some(hash) = rehashed {
        update.password_hash = Set(hash);
    }
    let account = update.update(&txn).await?;
    if let Some(email) = &email {
        throttle::clear(&txn, throttle::email_key(email)).await?;
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::LoginSucceeded, Some(account.id), account.id),
    )
    .await?;
    let signed_in = start_session(&txn, state, meta, account, now).await?;
    txn.commit().await?;
    metrics::counter!("storedesk_logins_total", "outcome" => "success").increment(1);
    Ok(signed_in)
}

/// Exchanges a refresh token for a new pair (rotation).
///
/// The old token is consumed with a conditional update, so of two racing uses exactly one
/// consumes it. Presenting a consumed token means it was copied: the whole session ends.
pub async fn refresh(state: &AppState, meta: &RequestMeta, token: &str) -> ApiResult<SignedIn> {
    let now = state.clock.now();
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::Unauthenticated(REFRESH_FAILED));
    }
    let Some(presented) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(&state.db)
        .await?
    else {
        return Err(ApiError::Unauthenticated(REFRESH_FAILED));
    };

    let txn = db::begin_write(&state.db).await?;
    let consumed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(presented.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let Some((session, Some(account))) = session::Entity::find_by_id(presented.session_id)
        .find_also_related(account::Entity)
        .one(&txn)
        .await?
    else {
        return Err(ApiError::Unauthenticated(REFRESH_FAILED));
    };

    if !consumed {
        if revoke_session(&txn, session.id, "refresh_reuse", now).await? {
            audit::record(
                &txn,
                meta,
                now,
                AuditEvent {
                    actor_id: None,
                    action: AuditAction::RefreshReuseDetected,
                    target: Some(("session", session.id)),
                    details: json!({ "accountId": account.id }),
                },
            )
            .await?;
        }
        txn.commit().await?;
        tracing::warn!(session_id = %session.id, "refresh token reuse: session revoked");
        return Err(ApiError::Unauthenticated(REFRESH_FAILED));
    }

    let idle_limit = session.last_used_at + secs(state.settings.session_idle_ttl_secs);
    let live = session.revoked_at.is_none()
        && now < session.absolute_expires_at
        && now < idle_limit
        && account.status == AccountStatus::Active;
    if !live {
        // Dropping the transaction rolls back the consumption; nothing else changed.
        return Err(ApiError::Unauthenticated(REFRESH_FAILED));
    }
    session::ActiveModel {
        id: Set(session.id),
        last_used_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let refresh_token = issue_refresh_token(&txn, session.id, now).await?;
    txn.commit().await?;
    let (access_token, access_token_expires_at) = state
        .keys
        .issue(account.id, session.id, now)
        .map_err(ApiError::internal)?;
    Ok(SignedIn {
        access_token,
        access_token_expires_at,
        refresh_token,
        account,
    })
}

/// Ends the session of `token`, or with `everywhere` every session of its account.
///
/// Unknown tokens answer success too: logging out is idempotent and reveals nothing.
pub async fn logout(
    state: &AppState,
    meta: &RequestMeta,
    token: &str,
    everywhere: bool,
) -> ApiResult<bool> {
    let now = state.clock.now();
    if token.is_empty() || token.len() > 256 {
        return Ok(true);
    }
    let Some((_, Some(session))) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_token(token)))
        .find_also_related(session::Entity)
        .one(&state.db)
        .await?
    else {
        return Ok(true);
    };
    let txn = db::begin_write(&state.db).await?;
    let revoked = if everywhere {
        revoke_sessions(&txn, session.account_id, None, "logout_everywhere", now).await?
    } else {
        u64::from(revoke_session(&txn, session.id, "logout", now).await?)
    };
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(
            AuditAction::LoggedOut,
            Some(session.account_id),
            session.account_id,
        )
        .with_details(
            json!({ "sessionId": session.id, "everywhere": everywhere, "revoked": revoked }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Resolves a bearer token to the caller, checking the session row and the account status
/// on every request so revocation and locking apply to the very next request.
///
/// Returns the account row too, so the request need not load it again.
pub async fn authenticate(
    state: &AppState,
    bearer: &str,
) -> Result<(AuthCtx, account::Model), ApiError> {
    let (auth, account, _) = authenticate_until(state, bearer).await?;
    Ok((auth, account))
}

/// Like [`authenticate`], also telling when the access token expires (a WebSocket that
/// authenticated with it is closed then).
pub async fn authenticate_until(
    state: &AppState,
    bearer: &str,
) -> Result<(AuthCtx, account::Model, DateTime<Utc>), ApiError> {
    let now = state.clock.now();
    let claims = state.keys.verify(bearer, now).map_err(|err| {
        if !matches!(err, TokenError::Expired) {
            tracing::info!(reason = %err, "access token refused");
        }
        ApiError::Unauthenticated(ACCESS_FAILED)
    })?;
    let found = session::Entity::find_by_id(claims.sid)
        .find_also_related(account::Entity)
        .one(&state.db)
        .await?;
    match found {
        Some((session, Some(account)))
            if session.account_id == claims.sub
                && session.revoked_at.is_none()
                && now < session.absolute_expires_at
                && account.status == AccountStatus::Active =>
        {
            let auth = AuthCtx::Account {
                account_id: account.id,
                role: account.role,
                session_id: session.id,
            };
            let expires = DateTime::from_timestamp(claims.exp, 0).unwrap_or(now);
            Ok((auth, account, expires))
        }
        _ => Err(ApiError::Unauthenticated(ACCESS_FAILED)),
    }
}

/// Changes the caller's password and ends every other session.
pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    caller: Caller,
    current: SecretString,
    new: SecretString,
) -> ApiResult<()> {
    let now = state.clock.now();
    let account = account::Entity::find_by_id(caller.account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthenticated(ACCESS_FAILED))?;
    passwords::check_new_password("newPassword", expose(&new))?;
    super::recovery::verify_current_password(state, &account, &current).await?;
    if expose(&current) == expose(&new) {
        return Err(ApiError::validation(
            "newPassword",
            "Choose a password different from the current one.",
        ));
    }
    let password_hash = state.hasher.hash(new).await?;
    let txn = db::begin_write(&state.db).await?;
    account::ActiveModel {
        id: Set(account.id),
        password_hash: Set(password_hash),
        password_changed_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let revoked = revoke_sessions(
        &txn,
        account.id,
        Some(caller.session_id),
        "password_changed",
        now,
    )
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::PasswordChanged, Some(account.id), account.id)
            .with_details(json!({ "otherSessionsRevoked": revoked })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates an agent or admin account (by an admin, or by the operator's CLI when `actor` is
/// `None`).
pub async fn create_staff(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    input: NewStaff,
) -> ApiResult<account::Model> {
    let email = normalize_email("email", &input.email)?;
    let name = normalize_name("name", &input.name, 100)?;
    if !matches!(input.role, Role::Agent | Role::Admin) {
        return Err(ApiError::validation(
            "role",
            "Staff accounts are AGENT or ADMIN.",
        ));
    }
    passwords::check_new_password("password", expose(&input.password))?;
    if email_taken(&state.db, &email).await? {
        return Err(email_conflict());
    }
    let password_hash = state.hasher.hash(input.password).await?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let account = insert_account(&txn, email, name, None, input.role, password_hash, now).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on_account(AuditAction::StaffCreated, actor, account.id)
            .with_details(json!({ "role": account.role.to_value() })),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}

/// A page of accounts for staff, newest first, keyset-paginated on the UUIDv7 id, with
/// the number of accounts matching the filter.
pub async fn list_accounts(
    conn: &impl ConnectionTrait,
    filter: &AccountFilter,
    page: &PageArgs,
) -> ApiResult<(Page<account::Model>, u64)> {
    let mut condition = Condition::all();
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", crate::input::escape_like(&search.to_lowercase()));
        condition = condition.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(account::Column::Email)))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(account::Column::Name)))
                        .like(LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    if let Some(role) = filter.role {
        condition = condition.add(account::Column::Role.eq(role));
    }
    if let Some(status) = filter.status {
        condition = condition.add(account::Column::Status.eq(status));
    }
    let select = account::Entity::find().filter(condition);
    Ok(pagination::fetch_counted(conn, select, account::Column::Id, page).await?)
}
