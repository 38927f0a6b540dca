//! Presence: which agents have a ticket open and which of them is typing, so two agents do
//! not answer one customer at once. The console sends a heartbeat while the ticket is open
//! and when typing starts or stops; a viewer whose last heartbeat is older than
//! [`LIFETIME`] has left (a closed tab sends nothing). Rows live in the database so every
//! instance sees the same viewers; changes travel on the event bus like ticket changes.
//!
//! Presence is advisory. What prevents a double answer is the stale-reply guard of
//! `replyToTicket(expectedLastMessageId:)`; presence only makes the collision unlikely.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::ticket_presence;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::TicketChange;
use crate::state::AppState;

/// How long a heartbeat keeps an agent on a ticket. The console beats every 10 seconds.
pub const LIFETIME: Duration = Duration::seconds(30);

/// How often a presence subscription looks for viewers who left without saying so.
pub const RECHECK: StdDuration = StdDuration::from_secs(10);

/// What an agent tells about themselves on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// Viewing, and whether typing.
    Viewing {
        /// Writing a reply or note.
        typing: bool,
    },
    /// Closed the ticket.
    Leaving,
}

/// Records `caller`'s heartbeat on `ticket_id` and answers who is on the ticket now. Other
/// viewers hear of it only when something they show changes (someone arrived, left, started
/// or stopped typing), not on every heartbeat.
pub async fn beat(
    state: &AppState,
    caller: &Caller,
    ticket_id: Uuid,
    beat: Beat,
) -> ApiResult<Vec<ticket_presence::Model>> {
    if !caller.is_staff() {
        return Err(ApiError::Forbidden);
    }
    service::visible_ticket(&state.db, caller, ticket_id).await?;
    let now = state.clock.now();
    let before = current(&state.db, ticket_id, now)
        .await?
        .into_iter()
        .find(|row| row.account_id == caller.account_id);
    // One statement, in its turn to write (see `db::begin_write`).
    let txn = db::begin_write(&state.db).await?;
    match beat {
        Beat::Viewing { typing } => {
            ticket_presence::Entity::insert(ticket_presence::ActiveModel {
                ticket_id: Set(ticket_id),
                account_id: Set(caller.account_id),
                typing: Set(typing),
                seen_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    ticket_presence::Column::TicketId,
                    ticket_presence::Column::AccountId,
                ])
                .update_columns([
                    ticket_presence::Column::Typing,
                    ticket_presence::Column::SeenAt,
                ])
                .to_owned(),
            )
            .exec(&txn)
            .await?;
        }
        Beat::Leaving => {
            ticket_presence::Entity::delete_many()
                .filter(ticket_presence::Column::TicketId.eq(ticket_id))
                .filter(ticket_presence::Column::AccountId.eq(caller.account_id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    let changed = match (beat, &before) {
        (Beat::Viewing { typing }, Some(row)) => row.typing != typing,
        (Beat::Viewing { .. }, None) => true,
        (Beat::Leaving, before) => before.is_some(),
    };
    if changed {
        state
            .events
            .publish(ticket_id, TicketChange::PresenceChanged)
            .await;
    }
    Ok(current(&state.db, ticket_id, now).await?)
}

/// The agents on `ticket_id` at `now`, in order of arrival of their latest heartbeat's
/// account (stable: by account id).
pub async fn current(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<ticket_presence::Model>, sea_orm::DbErr> {
    ticket_presence::Entity::find()
        .filter(ticket_presence::Column::TicketId.eq(ticket_id))
        .filter(ticket_presence::Column::SeenAt.gt(now - LIFETIME))
        .order_by_asc(ticket_presence::Column::AccountId)
        .all(conn)
        .await
}

/// Forgets heartbeats long past their lifetime (hourly housekeeping): a viewer who left
/// without saying so is already invisible, this only keeps the table small.
pub async fn purge(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    Ok(ticket_presence::Entity::delete_many()
        .filter(ticket_presence::Column::SeenAt.lt(now - LIFETIME * 10))
        .exec(conn)
        .await?
        .rows_affected)
}
