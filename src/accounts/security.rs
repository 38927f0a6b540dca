//! What an account owner and the agents see of an account's security: its audit trail and
//! its live sessions, and the owner ending one of them.

use chrono::Duration;
use entity::account::{self, Role};
use entity::{audit_event, session};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::service::revoke_session;
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageArgs};
use crate::state::AppState;

/// Action prefixes an owner sees in their own security log: sign-ins and account changes,
/// not the tickets or orders they touched.
const OWNER_VISIBLE: [&str; 2] = ["auth.", "account."];

/// Whether `reviewer` may read the security data (audit trail, sessions) of `account_id`:
/// agents review customers; the security data of staff accounts is for admins. Anything
/// else answers `NOT_FOUND`, like an account that does not exist.
async fn ensure_reviewable(
    conn: &impl ConnectionTrait,
    reviewer: &Caller,
    account_id: Uuid,
) -> ApiResult<()> {
    let mut select = account::Entity::find_by_id(account_id);
    if reviewer.role != Role::Admin {
        select = select.filter(account::Column::Role.is_in([Role::Buyer, Role::Seller]));
    }
    if select.count(conn).await? == 0 {
        return Err(ApiError::NotFound("Account"));
    }
    Ok(())
}

/// Events about `account_id` or done by it, newest first (agents reviewing a takeover).
pub async fn account_events(
    conn: &impl ConnectionTrait,
    reviewer: &Caller,
    account_id: Uuid,
    page: &PageArgs,
) -> ApiResult<(Page<audit_event::Model>, u64)> {
    ensure_reviewable(conn, reviewer, account_id).await?;
    let select = audit_event::Entity::find().filter(
        Condition::any()
            .add(audit_event::Column::TargetId.eq(account_id))
            .add(audit_event::Column::ActorId.eq(account_id)),
    );
    Ok(pagination::fetch_counted(conn, select, audit_event::Column::Id, page).await?)
}

/// The security events of the caller's own account, newest first.
pub async fn own_events(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    page: &PageArgs,
) -> ApiResult<(Page<audit_event::Model>, u64)> {
    let mut kinds = Condition::any();
    for prefix in OWNER_VISIBLE {
        kinds = kinds.add(audit_event::Column::Action.starts_with(prefix));
    }
    let select = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(caller.account_id))
        .filter(audit_event::Column::TargetType.eq("account"))
        .filter(kinds);
    Ok(pagination::fetch_counted(conn, select, audit_event::Column::Id, page).await?)
}

/// The live sessions of `account_id` for an agent or admin reviewing it.
pub async fn reviewed_sessions(
    state: &AppState,
    reviewer: &Caller,
    account_id: Uuid,
) -> ApiResult<Vec<session::Model>> {
    ensure_reviewable(&state.db, reviewer, account_id).await?;
    live_sessions(state, account_id).await
}

/// The live sessions of `account_id`, most recently used first.
pub async fn live_sessions(state: &AppState, account_id: Uuid) -> ApiResult<Vec<session::Model>> {
    let now = state.clock.now();
    let idle = Duration::seconds(
        i64::try_from(state.settings.session_idle_ttl_secs).unwrap_or(i64::MAX / 1000),
    );
    Ok(session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::AbsoluteExpiresAt.gt(now))
        .filter(session::Column::LastUsedAt.gt(now - idle))
        .order_by_desc(session::Column::LastUsedAt)
        .all(&state.db)
        .await?)
}

/// Ends one of the caller's own sessions (a device they do not recognise). Another
/// account's session id answers `NOT_FOUND`.
pub async fn revoke_own_session(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    session_id: Uuid,
) -> ApiResult<bool> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    session::Entity::find_by_id(session_id)
        .filter(session::Column::AccountId.eq(caller.account_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("Session"))?;
    let revoked = revoke_session(&txn, session_id, "revoked_by_owner", now).await?;
    if revoked {
        audit::record(
            &txn,
            meta,
            now,
            AuditEvent::on_account(
                AuditAction::SessionRevoked,
                Some(caller.account_id),
                caller.account_id,
            )
            .with_details(serde_json::json!({ "session": session_id })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(revoked)
}
