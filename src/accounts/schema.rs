//! Thin GraphQL resolvers of the accounts domain; rules live in `service`.

use async_graphql::connection::Connection;
use async_graphql::{Context, Object};
use secrecy::SecretString;

use super::service::{self, AccountFilter, NewStaff, Registration, SignedIn};
use super::types::{
    Account, AccountStatus, AuthPayload, CreateStaffAccountInput, RegisterInput, Role,
};
use crate::auth::AuthCtx;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{AccountById, load_one};
use crate::graphql::pagination::{self, ConnectionFields};
use crate::graphql::request_parts;

impl From<SignedIn> for AuthPayload {
    fn from(signed_in: SignedIn) -> Self {
        Self {
            access_token: signed_in.access_token,
            refresh_token: signed_in.refresh_token,
            access_token_expires_at: signed_in.access_token_expires_at,
            account: signed_in.account,
        }
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
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?;
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
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs up a buyer, or a seller with their store, and signs them in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> ApiResult<AuthPayload> {
        let (state, _, meta) = request_parts(ctx)?;
        let registration = Registration {
            email: input.email,
            password: SecretString::from(input.password),
            name: input.name,
            phone: input.phone,
            role: input.role.unwrap_or(Role::Buyer).into(),
            store_name: input.store_name,
        };
        Ok(service::register(state, meta, registration).await?.into())
    }

    /// Signs in. Every failure answers the same `UNAUTHENTICATED` error.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> ApiResult<AuthPayload> {
        let (state, _, meta) = request_parts(ctx)?;
        Ok(
            service::login(state, meta, &email, SecretString::from(password))
                .await?
                .into(),
        )
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
