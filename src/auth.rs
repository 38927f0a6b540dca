//! Who is calling: built once per request from the bearer token and checked against the
//! session row and the account status, so revocation and locking take effect at once.

use chrono::{DateTime, Utc};
use entity::account::{self, AccountStatus, Role};
use entity::session;
use uuid::Uuid;

use crate::error::ApiError;

/// The answer to an anonymous caller of something that needs an account.
pub const SIGN_IN_FIRST: &str = "Sign in first.";

/// The answer to a token that does not (or no longer does) name a live session: the same
/// whatever the reason, so it tells a thief nothing.
pub const ACCESS_FAILED: &str = "Invalid or expired access token.";

/// The caller of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthCtx {
    /// No token.
    Anonymous,
    /// A signed-in account with a live session.
    Account {
        /// Account id.
        account_id: Uuid,
        /// Role, read from the database on this request (never from the token or input).
        role: Role,
        /// The session the access token belongs to.
        session_id: Uuid,
    },
}

/// A signed-in caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// Account id.
    pub account_id: Uuid,
    /// Role.
    pub role: Role,
    /// Session id.
    pub session_id: Uuid,
}

impl Caller {
    /// Agents and admins.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Agent | Role::Admin)
    }
}

impl AuthCtx {
    /// The role, if signed in.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Account { role, .. } => Some(*role),
        }
    }

    /// Whether the caller is an agent or admin.
    pub fn is_staff(&self) -> bool {
        self.caller().is_ok_and(|caller| caller.is_staff())
    }

    /// The signed-in caller, or `UNAUTHENTICATED`.
    pub fn caller(&self) -> Result<Caller, ApiError> {
        match *self {
            Self::Anonymous => Err(ApiError::Unauthenticated(SIGN_IN_FIRST)),
            Self::Account {
                account_id,
                role,
                session_id,
            } => Ok(Caller {
                account_id,
                role,
                session_id,
            }),
        }
    }
}

/// Where a request came from, for audit events and throttling.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client IP: the socket peer, or behind trusted proxies the address they vouch for.
    pub ip: Option<String>,
    /// Client user agent, truncated.
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// What the client is throttled by: its IPv4 address or its IPv6 /64.
    pub fn network(&self) -> Option<String> {
        self.ip.as_deref().map(crate::client_ip::throttle_network)
    }
}

/// Whether a session row (with its account) still lets `caller` in at `now`: not revoked,
/// not past its absolute lifetime, the account still active. Subscriptions ask before every
/// message, so a logout, lock or password reset silences them at once.
pub fn session_allows(
    found: Option<&(session::Model, Option<account::Model>)>,
    caller: &Caller,
    now: DateTime<Utc>,
) -> bool {
    matches!(
        found,
        Some((session, Some(account)))
            if session.account_id == caller.account_id
                && session.revoked_at.is_none()
                && now < session.absolute_expires_at
                && account.status == AccountStatus::Active
    )
}
