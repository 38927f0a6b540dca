//! Subscriptions to ticket changes: the bus says which ticket changed, and each subscriber
//! reloads it with its own visibility rules before anything is sent.

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::types::{Ticket, TicketViewer};
use super::{presence, service};
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

    /// Agents: who has the ticket open and who is typing, at once and again on every
    /// arrival, departure or change of typing (a viewer who stops sending heartbeats drops
    /// out within `RECHECK` after their 30 seconds).
    async fn ticket_presence(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Vec<TicketViewer>>> + use<>, ApiError> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        if !caller.is_staff() {
            return Err(ApiError::Forbidden);
        }
        let id = parse_id("ticketId", &ticket_id)?;
        let events = state.events.subscribe();
        service::visible_ticket(&state.db, &caller, id).await?;
        Ok(presence_changes(PresenceWatch {
            state: state.clone(),
            caller,
            expires: expiry(ctx),
            ticket_id: id,
            events,
            recheck: tokio::time::interval(presence::RECHECK),
            shown: None,
        }))
    }
}

/// Whether a subscription may still send: its token has not expired and its session is
/// still live (it may have ended by logout, lock or password reset since subscribing).
async fn still_allowed(
    state: &AppState,
    caller: &Caller,
    expires: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    if expires.is_some_and(|expires| state.clock.now() >= expires) {
        return Err(ApiError::Unauthenticated(TOKEN_EXPIRED));
    }
    // Read after the event, like every check, but in one statement with the other
    // subscribers the same event woke.
    let found = state
        .live_loaders
        .sessions
        .load_one(caller.session_id)
        .await
        .map_err(|err| ApiError::internal(anyhow::anyhow!("session check failed: {err}")))?;
    if !accounts::session_allows(found.as_ref(), caller, state.clock.now()) {
        return Err(ApiError::Unauthenticated(accounts::ACCESS_FAILED));
    }
    Ok(())
}

/// Where a presence subscription stands.
struct PresenceWatch {
    state: AppState,
    caller: Caller,
    expires: Option<DateTime<Utc>>,
    ticket_id: Uuid,
    events: Receiver<TicketEvent>,
    recheck: tokio::time::Interval,
    /// What the subscriber was last sent: nothing is sent again until it changes.
    shown: Option<Vec<(Uuid, bool)>>,
}

impl PresenceWatch {
    /// Waits for a reason to look again: a presence event of this ticket, a lag (anything
    /// may have changed), or the periodic check for silent departures. `false` once the bus
    /// is gone.
    async fn wait(&mut self) -> bool {
        loop {
            tokio::select! {
                event = self.events.recv() => match event {
                    Ok(event) if event.ticket_id == self.ticket_id
                        && event.change == TicketChange::PresenceChanged => return true,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => return true,
                    Err(RecvError::Closed) => return false,
                },
                _ = self.recheck.tick() => return true,
            }
        }
    }
}

fn presence_changes(watch: PresenceWatch) -> impl Stream<Item = ApiResult<Vec<TicketViewer>>> {
    async_graphql::futures_util::stream::unfold(Some(watch), |watch| async move {
        let mut watch = watch?;
        loop {
            // The first pass sends at once (the interval's first tick is immediate).
            if !watch.wait().await {
                return None;
            }
            if let Err(err) = still_allowed(&watch.state, &watch.caller, watch.expires).await {
                return Some((Err(err), None));
            }
            let now = watch.state.clock.now();
            let viewers = match presence::current(&watch.state.db, watch.ticket_id, now).await {
                Ok(viewers) => viewers,
                Err(err) => return Some((Err(err.into()), None)),
            };
            let shown: Vec<(Uuid, bool)> = viewers
                .iter()
                .map(|viewer| (viewer.account_id, viewer.typing))
                .collect();
            if watch.shown.as_ref() == Some(&shown) {
                continue;
            }
            watch.shown = Some(shown);
            let viewers = viewers.into_iter().map(TicketViewer).collect();
            return Some((Ok(viewers), Some(watch)));
        }
    })
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
            // The ticket itself did not change; presence has its own subscription.
            if event.change == TicketChange::PresenceChanged {
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
        still_allowed(&self.state, &self.caller, self.expires).await?;
        if self.caller.is_staff() {
            // Staff see every ticket: one read serves every agent the event woke.
            let ticket = self
                .state
                .live_loaders
                .tickets
                .load_one(ticket_id)
                .await
                .map_err(|err| {
                    ApiError::internal(anyhow::anyhow!("ticket reload failed: {err}"))
                })?;
            return Ok(ticket.map(Ticket));
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
