//! Thin GraphQL resolvers of the accounts domain; rules live in `service`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use secrecy::SecretString;

use super::service::{self, AccountFilter, NewStaff, Registration, SignedIn};
use super::types::{
    Account, AccountStatus, AuditEvent, AuthPayload, CreateStaffAccountInput, RegisterInput, Role,
    SecurityEvent, SessionInfo,
};
use super::{compromise, recovery, security};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{AccountById, load_one};
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected};
use crate::graphql::{parse_id, parse_opt_id, request_parts};
use crate::limits::Action;

impl From<SignedIn> for AuthPayload {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            access_token: signed_in.access_token,
            refresh_token: Some(signed_in.refresh_token),
            access_token_expires_at: signed_in.access_token_expires_at,
            account: signed_in.account,
        }
    }
}

/// The tokens of a new session: all in the answer, or the refresh token as the browser
/// session cookie (see `http::session_cookie`).
fn deliver(
    ctx: &Context<'_>,
    state: &crate::state::AppState,
    signed_in: SignedIn,
    cookie: bool,
) -> AuthPayload {
    if !cookie {
        return signed_in.into();
    }
    ctx.append_http_header(
        "set-cookie",
        crate::http::session_cookie::set_cookie(&state.settings, &signed_in.refresh_token),
    );
    AuthPayload {
        refresh_token: None,
        ..signed_in.into()
    }
}

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account, or null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let (_, auth, _) = request_parts(ctx)?;
        let AuthCtx::Account { account_id, .. } = auth else {
            return Ok(None);
        };
        Ok(load_one::<AccountById>(ctx, *account_id)
            .await?
            .map(Account))
    }

    /// Accounts, newest first (agents and admins).
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Part of the email or name")] search: Option<String>,
        role: Option<Role>,
        status: Option<AccountStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, Account, ConnectionFields>> {
        let (state, _, _) = request_parts(ctx)?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
            return Err(ApiError::validation("search", "At most 100 characters."));
        }
        let filter = AccountFilter {
            search,
            role: role.map(Into::into),
            status: status.map(Into::into),
        };
        let (rows, total) = service::list_accounts(&state.db, &filter, &page).await?;
        Ok(pagination::connection(rows, total, |row| {
            (row.id, Account(row))
        }))
    }

    /// Agents: one account by id (the security desk's account page), or null when there is
    /// no such account.
    async fn account(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Account>> {
        let (_, auth, _) = request_parts(ctx)?;
        if !auth.caller()?.is_staff() {
            return Err(ApiError::Forbidden);
        }
        let id = crate::graphql::parse_id("id", &id)?;
        Ok(load_one::<AccountById>(ctx, id).await?.map(Account))
    }

    /// Agents: the audit trail of an account, newest first: sign-ins with IP and user agent,
    /// password, email and phone changes, locks, recoveries, and what the account did.
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, AuditEvent, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let account_id = parse_id("accountId", &account_id)?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        let (rows, total) = security::account_events(&state.db, &caller, account_id, &page).await?;
        Ok(pagination::connection(rows, total, |row| {
            (row.id, AuditEvent(row))
        }))
    }

    /// Agents: the live sessions of a customer account (devices, IPs, last use); staff
    /// accounts' sessions are for admins.
    async fn account_sessions(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
    ) -> ApiResult<Vec<SessionInfo>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let account_id = parse_id("accountId", &account_id)?;
        Ok(security::reviewed_sessions(state, &caller, account_id)
            .await?
            .into_iter()
            .map(|session| SessionInfo {
                session,
                current: false,
            })
            .collect())
    }

    /// The caller's own security events, newest first.
    #[graphql(complexity = "pagination::complexity(first, None, child_complexity)")]
    async fn my_security_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, SecurityEvent, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let page =
            pagination::PageArgs::parse(first, after.as_deref(), None, None)?.counting_for(ctx);
        let (rows, total) = security::own_events(&state.db, &caller, &page).await?;
        Ok(pagination::connection(rows, total, |row| {
            (row.id, SecurityEvent(row))
        }))
    }

    /// The caller's signed-in devices.
    async fn my_sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<SessionInfo>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        Ok(security::live_sessions(state, caller.account_id)
            .await?
            .into_iter()
            .map(|session| SessionInfo {
                current: session.id == caller.session_id,
                session,
            })
            .collect())
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs up a buyer, or a seller with their store, and signs them in.
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
        #[graphql(desc = "Browsers: set the refresh token as an HttpOnly cookie instead")]
        cookie: Option<bool>,
    ) -> ApiResult<AuthPayload> {
        let (state, auth, meta) = request_parts(ctx)?;
        state.limits.check(Action::Register, auth, meta)?;
        let registration = Registration {
            email: input.email,
            password: SecretString::from(input.password),
            name: input.name,
            phone: input.phone,
            role: input.role.unwrap_or(Role::Buyer).into(),
            store_name: input.store_name,
        };
        let signed_in = service::register(state, meta, registration).await?;
        Ok(deliver(ctx, state, signed_in, cookie.unwrap_or(false)))
    }

    /// Signs in. Every failure answers the same `UNAUTHENTICATED` error.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        #[graphql(desc = "Browsers: set the refresh token as an HttpOnly cookie instead")]
        cookie: Option<bool>,
    ) -> ApiResult<AuthPayload> {
        let (state, _, meta) = request_parts(ctx)?;
        let signed_in = service::login(state, meta, &email, SecretString::from(password)).await?;
        Ok(deliver(ctx, state, signed_in, cookie.unwrap_or(false)))
    }

    /// Exchanges a refresh token for a new access and refresh token. Reusing a spent
    /// refresh token ends the session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> ApiResult<AuthPayload> {
        let (state, _, meta) = request_parts(ctx)?;
        Ok(service::refresh(state, meta, &refresh_token).await?.into())
    }

    /// Ends the session of `refreshToken`, or every session of its account.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
        #[graphql(default_with = "Some(false)")] everywhere: Option<bool>,
    ) -> ApiResult<bool> {
        let (state, _, meta) = request_parts(ctx)?;
        service::logout(state, meta, &refresh_token, everywhere.unwrap_or(false)).await
    }

    /// Changes the caller's password; every other session ends.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> ApiResult<bool> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        service::change_password(
            state,
            meta,
            caller,
            SecretString::from(current_password),
            SecretString::from(new_password),
        )
        .await?;
        Ok(true)
    }

    /// "Forgot password": always `true`. A registered, active account gets a reset link by
    /// email; nothing tells whether the email is registered.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> ApiResult<bool> {
        let (state, _, meta) = request_parts(ctx)?;
        recovery::request_password_reset(state, meta, &email).await?;
        Ok(true)
    }

    /// Sets a new password with the token of a reset link. Every session ends; sign in
    /// again afterwards.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> ApiResult<bool> {
        let (state, _, meta) = request_parts(ctx)?;
        recovery::reset_password(state, meta, &token, SecretString::from(new_password)).await?;
        Ok(true)
    }

    /// "My account was hacked" (계정 해킹): always `true`. From the signed-in owner the
    /// account is locked at once and an URGENT ticket goes to the agents. From anyone else
    /// nothing is locked: a HIGH ticket marked as an unverified report, and a "lock my
    /// account now" link to the account's current and recent addresses.
    async fn report_account_compromise(
        &self,
        ctx: &Context<'_>,
        email: String,
        description: String,
    ) -> ApiResult<bool> {
        let (state, auth, meta) = request_parts(ctx)?;
        compromise::report_compromise(state, meta, auth.caller().ok(), &email, &description)
            .await?;
        Ok(true)
    }

    /// The owner, from the "lock my account now" link of a report: locks the account, signs
    /// out every device and raises the report's ticket to URGENT.
    async fn lock_account_with_token(&self, ctx: &Context<'_>, token: String) -> ApiResult<bool> {
        let (state, _, meta) = request_parts(ctx)?;
        compromise::lock_with_token(state, meta, &token).await?;
        Ok(true)
    }

    /// Agents: locks an account (signs it out everywhere).
    async fn lock_account(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        reason: String,
    ) -> ApiResult<Account> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("accountId", &account_id)?;
        Ok(Account(
            recovery::lock_account(state, meta, &caller, id, &reason).await?,
        ))
    }

    /// Agents: unlocks an account after a false alarm (the reason is audited).
    async fn unlock_account(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        reason: String,
    ) -> ApiResult<Account> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("accountId", &account_id)?;
        Ok(Account(
            recovery::unlock_account(state, meta, &caller, id, &reason).await?,
        ))
    }

    /// Agents: after checking the owner's identity, sends a recovery link to the address the
    /// owner had before any recent change. `verifiedBy` says what was checked.
    async fn start_account_recovery(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        verified_by: String,
        #[graphql(desc = "The ticket this recovery belongs to")] ticket_id: Option<ID>,
    ) -> ApiResult<bool> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("accountId", &account_id)?;
        let ticket = parse_opt_id("ticketId", ticket_id.as_ref())?;
        recovery::start_recovery(state, meta, &caller, id, &verified_by, ticket).await?;
        Ok(true)
    }

    /// The owner, from a recovery link: sets a new password; the account is active again.
    async fn complete_account_recovery(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> ApiResult<bool> {
        let (state, _, meta) = request_parts(ctx)?;
        recovery::complete_recovery(state, meta, &token, SecretString::from(new_password)).await?;
        Ok(true)
    }

    /// Changes the caller's sign-in email (current password required; the old address is
    /// told).
    async fn change_email(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_email: String,
    ) -> ApiResult<Account> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        Ok(Account(
            recovery::change_email(
                state,
                meta,
                &caller,
                SecretString::from(current_password),
                &new_email,
            )
            .await?,
        ))
    }

    /// Changes or (with null) removes the caller's phone number (current password required).
    async fn change_phone(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_phone: Option<String>,
    ) -> ApiResult<Account> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        Ok(Account(
            recovery::change_phone(
                state,
                meta,
                &caller,
                SecretString::from(current_password),
                new_phone.as_deref(),
            )
            .await?,
        ))
    }

    /// Ends one of the caller's sessions (a device they do not recognise).
    async fn revoke_session(&self, ctx: &Context<'_>, session_id: ID) -> ApiResult<bool> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("sessionId", &session_id)?;
        security::revoke_own_session(state, meta, &caller, id).await
    }

    /// Creates an AGENT or ADMIN account (admins only).
    async fn create_staff_account(
        &self,
        ctx: &Context<'_>,
        input: CreateStaffAccountInput,
    ) -> ApiResult<Account> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let staff = NewStaff {
            email: input.email,
            name: input.name,
            role: input.role.into(),
            password: SecretString::from(input.password),
        };
        Ok(Account(
            service::create_staff(state, meta, Some(caller.account_id), staff).await?,
        ))
    }
}
