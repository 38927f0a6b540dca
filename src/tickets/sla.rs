//! SLA escalation: a ticket that misses its first-response or resolution target is escalated
//! once per target: stamped, audited, announced to live queue views, and its assignee (or,
//! when nobody holds it, the agents taking tickets) is emailed through the outbox.

use chrono::{DateTime, Utc};
use entity::account::{self, AccountStatus, Role};
use entity::agent_availability;
use entity::ticket::{self, TicketStatus};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::RequestMeta;
use crate::db;
use crate::error::ApiResult;
use crate::events::TicketChange;
use crate::notifications::{self, Notice};
use crate::state::AppState;

/// The two targets of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    FirstResponse,
    Resolution,
}

impl Target {
    fn escalated_column(self) -> ticket::Column {
        match self {
            Self::FirstResponse => ticket::Column::FirstResponseEscalatedAt,
            Self::Resolution => ticket::Column::ResolutionEscalatedAt,
        }
    }

    /// Tickets past this target at `now` and not escalated for it yet. Only tickets still in
    /// the queue count: a ticket answered, resolved or closed has nothing left to escalate.
    fn missed(self, now: DateTime<Utc>) -> Condition {
        let base = Condition::all().add(self.escalated_column().is_null());
        match self {
            Self::FirstResponse => base
                .add(ticket::Column::FirstRespondedAt.is_null())
                .add(ticket::Column::FirstResponseDueAt.lt(now))
                .add(ticket::Column::Status.is_in([TicketStatus::Open, TicketStatus::Pending])),
            // PENDING pauses the resolution clock: only OPEN tickets can miss it.
            Self::Resolution => base
                .add(ticket::Column::ResolvedAt.is_null())
                .add(ticket::Column::ResolutionDueAt.lt(now))
                .add(ticket::Column::Status.eq(TicketStatus::Open)),
        }
    }

    fn due(self, ticket: &ticket::Model) -> DateTime<Utc> {
        match self {
            Self::FirstResponse => ticket.first_response_due_at,
            Self::Resolution => ticket.resolution_due_at,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::Resolution => "resolution",
        }
    }

    /// The sweep of this target's breaches (each keeps its own place).
    fn sweep_name(self) -> &'static str {
        match self {
            Self::FirstResponse => "sla_first_response",
            Self::Resolution => "sla_resolution",
        }
    }
}

/// Who hears of a breach: the assignee; for an unassigned ticket the agents taking tickets,
/// or every active agent when nobody is marked available.
async fn recipients(
    conn: &impl ConnectionTrait,
    ticket: &ticket::Model,
) -> ApiResult<Vec<account::Model>> {
    let active_agents = Condition::all()
        .add(account::Column::Role.is_in([Role::Agent, Role::Admin]))
        .add(account::Column::Status.eq(AccountStatus::Active));
    if let Some(assignee) = ticket.assignee_id {
        return Ok(account::Entity::find_by_id(assignee)
            .filter(active_agents)
            .all(conn)
            .await?);
    }
    let available = account::Entity::find()
        .filter(active_agents.clone())
        .filter(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(agent_availability::Column::AccountId)
                    .from(agent_availability::Entity)
                    .and_where(agent_availability::Column::Available.eq(true))
                    .to_owned(),
            ),
        )
        .all(conn)
        .await?;
    if !available.is_empty() {
        return Ok(available);
    }
    Ok(account::Entity::find()
        .filter(active_agents)
        .filter(account::Column::Role.eq(Role::Agent))
        .all(conn)
        .await?)
}

/// Escalates every breach not escalated yet; returns how many. Each target's batch is one
/// transaction: the stamp, its audit events and the emails commit together, and the stamp
/// (a conditional update) makes a second sweep, or a sweep on another instance, a no-op.
pub async fn escalate_breaches(state: &AppState) -> ApiResult<u32> {
    let now = state.clock.now();
    let mut escalated = 0;
    for target in [Target::FirstResponse, Target::Resolution] {
        let missed = ticket::Entity::find().filter(target.missed(now));
        let escalate = |ticket: ticket::Model| escalate_one(state, target, ticket.id, now);
        escalated += state
            .sweeper()
            .rows(
                target.sweep_name(),
                missed,
                ticket::Column::Id,
                |t| t.id,
                escalate,
            )
            .await?;
    }
    Ok(escalated)
}

/// Escalates one ticket that missed `target` (stamp, audit, emails, live event), unless it
/// was answered or escalated meanwhile; `true` when this pass escalated it.
async fn escalate_one(
    state: &AppState,
    target: Target,
    id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let txn = db::begin_write(&state.db).await?;
    let tickets = ticket::Entity::update_many()
        .col_expr(target.escalated_column(), Expr::value(now))
        .filter(ticket::Column::Id.eq(id))
        .filter(target.missed(now))
        .exec_with_returning(&txn)
        .await?;
    for ticket in &tickets {
        {
            let due = target.due(ticket);
            audit::record(
                &txn,
                &RequestMeta::default(),
                now,
                AuditEvent::on(
                    AuditAction::TicketSlaEscalated,
                    None,
                    ("ticket", ticket.id),
                    json!({ "target": target.name(), "dueAt": due, "assignee": ticket.assignee_id }),
                ),
            )
            .await?;
            let notice = Notice::SlaBreached {
                number: ticket.number,
                subject: ticket.subject.clone(),
                first_response: target == Target::FirstResponse,
                due: state.calendar.local_time(due),
            };
            for agent in recipients(&txn, ticket).await? {
                notifications::enqueue(&txn, now, &agent, &notice).await?;
            }
        }
    }
    txn.commit().await?;
    if tickets.is_empty() {
        return Ok(false);
    }
    state.events.publish(id, TicketChange::Escalated).await;
    Ok(true)
}
