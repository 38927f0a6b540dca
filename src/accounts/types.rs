//! GraphQL types of the accounts domain, built from entity models.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::account::{self, AccountStatus as DbStatus, Role as DbRole};
use entity::store;

use crate::error::ApiResult;
use crate::graphql::loaders::{AccountById, StoreByOwner, load_one};
use crate::graphql::request_parts;

/// What an account may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A shopper.
    Buyer,
    /// Owns one store.
    Seller,
    /// Support staff.
    Agent,
    /// Operator.
    Admin,
}

impl From<DbRole> for Role {
    fn from(role: DbRole) -> Self {
        match role {
            DbRole::Buyer => Self::Buyer,
            DbRole::Seller => Self::Seller,
            DbRole::Agent => Self::Agent,
            DbRole::Admin => Self::Admin,
        }
    }
}

impl From<Role> for DbRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Buyer => Self::Buyer,
            Role::Seller => Self::Seller,
            Role::Agent => Self::Agent,
            Role::Admin => Self::Admin,
        }
    }
}

/// Whether an account may sign in.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Normal.
    Active,
    /// Locked (compromise report or agent); recovery unlocks it.
    Locked,
    /// Switched off by an operator.
    Disabled,
}

impl From<DbStatus> for AccountStatus {
    fn from(status: DbStatus) -> Self {
        match status {
            DbStatus::Active => Self::Active,
            DbStatus::Locked => Self::Locked,
            DbStatus::Disabled => Self::Disabled,
        }
    }
}

impl From<AccountStatus> for DbStatus {
    fn from(status: AccountStatus) -> Self {
        match status {
            AccountStatus::Active => Self::Active,
            AccountStatus::Locked => Self::Locked,
            AccountStatus::Disabled => Self::Disabled,
        }
    }
}

/// A person who signs in, with their contact data and sign-in history.
///
/// Only ever handed to the account itself and to staff: every field through which one
/// account reaches another is a [`PublicProfile`] (SECURITY.md "Privacy between parties"),
/// and a test fails when a field of this type appears anywhere else.
pub struct Account(pub account::Model);

#[Object(serial)]
impl Account {
    /// The account's id: opaque and stable, for arguments such as `lockAccount(accountId:)`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Normalised email.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Phone number, if given.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// `ACTIVE`, or `LOCKED` (reported hacked, or locked by an agent: no sign-in until
    /// recovery) or `DISABLED`.
    async fn status(&self) -> AccountStatus {
        self.0.status.into()
    }

    /// Sign-up time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Last successful login.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    /// The store a seller owns.
    async fn store(&self, ctx: &Context<'_>) -> ApiResult<Option<Store>> {
        if self.0.role != DbRole::Seller {
            return Ok(None);
        }
        Ok(load_one::<StoreByOwner>(ctx, self.0.id).await?.map(Store))
    }
}

/// A seller's store.
pub struct Store(pub store::Model);

#[Object(serial)]
impl Store {
    /// The store's id: what `orders(filter: { storeId })` and `placeOrder(input: { storeId })`
    /// take.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Name shown to buyers.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The seller who owns it (their contact data only for themselves and staff).
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<PublicProfile> {
        PublicProfile::load(ctx, self.0.owner_id).await
    }
}

/// What one account shows another party: a name and a role. Email, phone, status and
/// sign-in times stay with `account`, which only the account itself and staff receive.
pub struct PublicProfile(pub account::Model);

impl PublicProfile {
    /// The profile of account `id` (through the request's account loader).
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Self> {
        load_one::<AccountById>(ctx, id)
            .await?
            .map(Self)
            .ok_or(crate::error::ApiError::NotFound("Account"))
    }

    /// Like [`PublicProfile::load`], for an optional account.
    pub async fn load_opt(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> ApiResult<Option<Self>> {
        match id {
            Some(id) => Ok(load_one::<AccountById>(ctx, id).await?.map(Self)),
            None => Ok(None),
        }
    }
}

#[Object(serial)]
impl PublicProfile {
    /// Opaque id of the account.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.name
    }

    /// Buyer, seller, agent or admin.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The whole account (email, phone, status, sign-in times): for the account itself and
    /// for staff; null for everyone else.
    async fn account(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let (_, auth, _) = request_parts(ctx)?;
        let entitled = auth
            .caller()
            .is_ok_and(|caller| caller.account_id == self.0.id || caller.is_staff());
        Ok(entitled.then(|| Account(self.0.clone())))
    }
}

/// Tokens for a signed-in client.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Bearer token for `Authorization`, short-lived.
    pub access_token: String,
    /// Opaque token for `refreshSession`; single use. Null when it was set as the browser
    /// session cookie instead (`cookie: true`), so no script ever holds it.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    #[graphql(skip)]
    /// The account (resolved by `account`).
    pub account: account::Model,
}

#[ComplexObject]
impl AuthPayload {
    /// The signed-in account.
    async fn account(&self) -> Account {
        Account(self.account.clone())
    }
}

/// Sign-up input.
#[derive(InputObject)]
pub struct RegisterInput {
    /// Email; trimmed and lowercased.
    pub email: String,
    /// 8 to 128 characters.
    pub password: String,
    /// Display name.
    pub name: String,
    /// Optional phone for SMS notifications.
    pub phone: Option<String>,
    /// BUYER (default) or SELLER.
    #[graphql(default_with = "Some(Role::Buyer)")]
    pub role: Option<Role>,
    /// Required for sellers: the store to create.
    pub store_name: Option<String>,
}

/// Staff creation input.
#[derive(InputObject)]
pub struct CreateStaffAccountInput {
    /// Sign-in email of the new agent or admin (normalised: trimmed, lowercased); must be
    /// unused.
    pub email: String,
    /// Display name.
    pub name: String,
    /// AGENT or ADMIN.
    pub role: Role,
    /// Initial password (the person should change it).
    pub password: String,
}

/// One entry of the audit log (agents reviewing an account).
pub struct AuditEvent(pub entity::audit_event::Model);

#[Object(serial)]
impl AuditEvent {
    /// The event's id; events are append-only and listed newest first.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened, e.g. `auth.login_succeeded`, `account.email_changed`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who did it (null for anonymous callers and the system).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<Account>> {
        let Some(actor) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(load_one::<AccountById>(ctx, actor).await?.map(Account))
    }

    /// Kind of object acted on (`account`, `ticket`, `order` …).
    async fn target_type(&self) -> Option<&str> {
        self.0.target_type.as_deref()
    }

    /// Id of the object acted on.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|id| ID(id.to_string()))
    }

    /// Client IP.
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }

    /// Client user agent.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// Details (reasons, before and after values).
    async fn details(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.details.clone())
    }

    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A security event of the caller's own account (sign-ins, password and contact changes).
pub struct SecurityEvent(pub entity::audit_event::Model);

#[Object(serial)]
impl SecurityEvent {
    /// The event's id; the owner sees their own sign-in and account events, newest first.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened, e.g. `auth.login_succeeded`, `account.password_reset`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// From which IP.
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }

    /// From which browser or app.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A signed-in device.
pub struct SessionInfo {
    /// The session.
    pub session: entity::session::Model,
    /// Whether it is the one making this request.
    pub current: bool,
}

#[Object(serial)]
impl SessionInfo {
    /// Opaque id (for `revokeSession`).
    async fn id(&self) -> ID {
        ID(self.session.id.to_string())
    }

    /// Signed in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.session.created_at
    }

    /// Last refreshed.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.session.last_used_at
    }

    /// IP at sign-in.
    async fn ip(&self) -> Option<&str> {
        self.session.ip.as_deref()
    }

    /// Browser or app at sign-in.
    async fn user_agent(&self) -> Option<&str> {
        self.session.user_agent.as_deref()
    }

    /// This request's own session.
    async fn current(&self) -> bool {
        self.current
    }
}
