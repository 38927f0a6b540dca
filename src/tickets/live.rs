//! Subscriptions to ticket changes: the bus says which ticket changed, and each subscriber
//! reloads it with its own visibility rules before anything is sent.

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::service;
use super::types::Ticket;
use crate::accounts::service as accounts;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{TicketChange, TicketEvent};
use crate::graphql::{parse_id, request_parts};
use crate::http::subscriptions::TokenExpiry;

/// What a subscription says when its connection's access token has expired.
const TOKEN_EXPIRED: &str = "The access token expired; reconnect with a fresh one.";
use crate::state::AppState;

/// Ticket subscriptions (over `/graphql/ws`).
#[derive(Default)]
pub struct TicketsSubscription;

#[Subscription]
impl TicketsSubscription {
    /// The ticket each time it changes: replies, status, assignee, priority, rating. Agents
    /// also hear of internal notes; the requester never does.
    async fn ticket_updated(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Ticket>> + use<>, ApiError> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        // Subscribe first, so nothing that happens during the check is missed.
        let events = state.events.subscribe();
        service::visible_ticket(&state.db, &caller, id).await?;
        Ok(changes(
            state.clone(),
            caller,
            expiry(ctx),
            Some(id),
            events,
        ))
    }

    /// Agents: every ticket that was opened or changed, for live queue views.
    async fn ticket_queue_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ApiResult<Ticket>> + use<>, ApiError> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        if !caller.is_staff() {
            return Err(ApiError::Forbidden);
        }
        Ok(changes(
            state.clone(),
            caller,
            expiry(ctx),
            None,
            state.events.subscribe(),
        ))
    }
}

/// When the connection's access token expires.
fn expiry(ctx: &Context<'_>) -> Option<DateTime<Utc>> {
    ctx.data_opt::<TokenExpiry>().map(|expiry| expiry.0)
}

/// Where a subscription stands between two events.
struct Watch {
    state: AppState,
    caller: Caller,
    /// The access token's expiry: nothing is sent after it (the socket closes then too).
    expires: Option<DateTime<Utc>>,
    only: Option<Uuid>,
    events: Receiver<TicketEvent>,
}

impl Watch {
    /// The next event this subscriber may hear of.
    async fn next_event(&mut self) -> Option<TicketEvent> {
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                // Fell behind: the ticket's current state still says everything.
                Err(RecvError::Lagged(_)) => match self.only {
                    Some(ticket_id) => TicketEvent {
                        ticket_id,
                        change: TicketChange::StatusChanged,
                    },
                    None => continue,
                },
                Err(RecvError::Closed) => return None,
            };
            if self.only.is_some_and(|id| id != event.ticket_id) {
                continue;
            }
            if !self.caller.is_staff() && !event.change.visible_to_customer() {
                continue;
            }
            return Some(event);
        }
    }

    /// The ticket as the caller may see it now; `None` when they may not see it any more.
    async fn load(&self, ticket_id: Uuid) -> ApiResult<Option<Ticket>> {
        if self
            .expires
            .is_some_and(|expires| self.state.clock.now() >= expires)
        {
            return Err(ApiError::Unauthenticated(TOKEN_EXPIRED));
        }
        // The session may have ended (logout, lock, password reset) since subscribing.
        if !accounts::session_is_live(&self.state, &self.caller).await? {
            return Err(ApiError::Unauthenticated(accounts::ACCESS_FAILED));
        }
        match service::visible_ticket(&self.state.db, &self.caller, ticket_id).await {
            Ok(ticket) => Ok(Some(Ticket(ticket))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn changes(
    state: AppState,
    caller: Caller,
    expires: Option<DateTime<Utc>>,
    only: Option<Uuid>,
    events: Receiver<TicketEvent>,
) -> impl Stream<Item = ApiResult<Ticket>> {
    let watch = Watch {
        state,
        caller,
        expires,
        only,
        events,
    };
    async_graphql::futures_util::stream::unfold(Some(watch), |watch| async move {
        let mut watch = watch?;
        loop {
            let event = watch.next_event().await?;
            match watch.load(event.ticket_id).await {
                Ok(Some(ticket)) => return Some((Ok(ticket), Some(watch))),
                Ok(None) => continue,
                // The error is the last message; the subscription ends with it.
                Err(err) => return Some((Err(err), None)),
            }
        }
    })
}
