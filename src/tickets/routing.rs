//! Automatic assignment: new tickets go round robin to the agents marked available, skipping
//! anyone already holding their cap of OPEN or PENDING tickets. No agent free: the ticket
//! waits in the unassigned queue.

use chrono::{DateTime, Utc};
use entity::account::{self, Role};
use entity::agent_availability;
use entity::ticket::{self, TicketStatus};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Default cap of open tickets per agent.
pub const DEFAULT_MAX_OPEN: i32 = 20;

/// Picks the next available agent under their cap, in round-robin order, and records the
/// pick. Runs in the ticket's transaction; the candidate rows are locked (PostgreSQL), so two
/// tickets created at once cannot both take an agent's last free slot.
pub async fn pick_agent(txn: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<Option<Uuid>> {
    let candidates = agent_availability::Entity::find()
        .filter(agent_availability::Column::Available.eq(true))
        // One lock order for every transaction, so two of them cannot deadlock.
        .order_by_asc(agent_availability::Column::AccountId)
        .lock_exclusive()
        .all(txn)
        .await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.account_id).collect();
    let load: Vec<(Option<Uuid>, i64)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::AssigneeId)
        .column_as(Expr::expr(Func::count(Expr::col(ticket::Column::Id))), "n")
        .filter(ticket::Column::AssigneeId.is_in(ids))
        .filter(ticket::Column::Status.is_in([TicketStatus::Open, TicketStatus::Pending]))
        .group_by(ticket::Column::AssigneeId)
        .into_tuple()
        .all(txn)
        .await?;
    let open_of = |id: Uuid| {
        load.iter()
            .find(|(assignee, _)| *assignee == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    // `ORDER BY last_assigned_at` puts NULLs first on SQLite and last on PostgreSQL: sort
    // here so never-assigned agents come first on both.
    let mut ordered = candidates;
    ordered.sort_by_key(|c| {
        (
            c.last_assigned_at.is_some(),
            c.last_assigned_at,
            c.account_id,
        )
    });
    let Some(chosen) = ordered
        .into_iter()
        .find(|c| open_of(c.account_id) < i64::from(c.max_open_tickets))
    else {
        return Ok(None);
    };
    agent_availability::ActiveModel {
        account_id: Set(chosen.account_id),
        last_assigned_at: Set(Some(now)),
        ..Default::default()
    }
    .update(txn)
    .await?;
    Ok(Some(chosen.account_id))
}

/// Sets whether `agent_id` (the caller, or anyone for an admin) takes new tickets, and their
/// cap.
pub async fn set_availability(
    state: &AppState,
    caller: &Caller,
    agent_id: Option<Uuid>,
    available: bool,
    max_open_tickets: Option<i32>,
) -> ApiResult<agent_availability::Model> {
    let agent_id = agent_id.unwrap_or(caller.account_id);
    if agent_id != caller.account_id && caller.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    if let Some(cap) = max_open_tickets
        && !(1..=500).contains(&cap)
    {
        return Err(ApiError::validation("maxOpenTickets", "Between 1 and 500."));
    }
    account::Entity::find_by_id(agent_id)
        .filter(account::Column::Role.is_in([Role::Agent, Role::Admin]))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Agent"))?;
    let now = state.clock.now();
    let existing = agent_availability::Entity::find_by_id(agent_id)
        .one(&state.db)
        .await?;
    let saved = match existing {
        Some(row) => {
            agent_availability::ActiveModel {
                account_id: Set(agent_id),
                available: Set(available),
                max_open_tickets: Set(max_open_tickets.unwrap_or(row.max_open_tickets)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&state.db)
            .await?
        }
        None => {
            agent_availability::ActiveModel {
                account_id: Set(agent_id),
                available: Set(available),
                max_open_tickets: Set(max_open_tickets.unwrap_or(DEFAULT_MAX_OPEN)),
                last_assigned_at: Set(None),
                updated_at: Set(now),
            }
            .insert(&state.db)
            .await?
        }
    };
    Ok(saved)
}
