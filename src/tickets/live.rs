//! Subscriptions to ticket changes: the bus says which ticket changed, and each subscriber
//! reloads it with its own visibility rules before anything is sent.

use std::collections::{HashSet, VecDeque};

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

use super::types::{Ticket, TicketViewer};
use super::{presence, service};
use crate::auth::{ACCESS_FAILED, Caller, session_allows};
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
    if !session_allows(found.as_ref(), caller, state.clock.now()) {
        return Err(ApiError::Unauthenticated(ACCESS_FAILED));
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
    backlog: Backlog,
}

/// The tickets a subscriber has yet to be sent, fed by the bus.
///
/// What is sent is a ticket's state at the time of sending, so a subscriber that falls
/// behind sends each changed ticket once rather than once per change: under a burst it
/// catches up instead of falling further behind.
struct Backlog {
    events: Receiver<TicketEvent>,
    /// The one ticket of a `ticketUpdated` subscription; `None` for the queue.
    only: Option<Uuid>,
    /// Whether internal changes (notes, escalations) count.
    staff: bool,
    /// Changed tickets, oldest change first.
    pending: VecDeque<Uuid>,
    /// The same tickets as `pending`, for the membership test.
    queued: HashSet<Uuid>,
}

impl Backlog {
    fn new(events: Receiver<TicketEvent>, only: Option<Uuid>, staff: bool) -> Self {
        Self {
            events,
            only,
            staff,
            pending: VecDeque::new(),
            queued: HashSet::new(),
        }
    }

    /// The next ticket to send; `None` once the bus is gone and nothing is left.
    async fn next(&mut self) -> Option<Uuid> {
        loop {
            // Take in everything already waiting before choosing what to send.
            loop {
                match self.events.try_recv() {
                    Ok(event) => self.note(event),
                    Err(TryRecvError::Lagged(_)) => self.lagged(),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            if let Some(ticket_id) = self.pending.pop_front() {
                self.queued.remove(&ticket_id);
                return Some(ticket_id);
            }
            match self.events.recv().await {
                Ok(event) => self.note(event),
                Err(RecvError::Lagged(_)) => self.lagged(),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Remembers the event's ticket if this subscriber may hear of the change.
    fn note(&mut self, event: TicketEvent) {
        if self.only.is_some_and(|id| id != event.ticket_id) {
            return;
        }
        // The ticket itself did not change; presence has its own subscription.
        if event.change == TicketChange::PresenceChanged {
            return;
        }
        if !self.staff && !event.change.visible_to_customer() {
            return;
        }
        if self.queued.insert(event.ticket_id) {
            self.pending.push_back(event.ticket_id);
        }
    }

    /// Fell behind the bus: a single ticket's current state still says everything; a queue
    /// view misses the skipped tickets until they change again (the bus is not a durable
    /// channel, and the console reloads its page when it reconnects).
    fn lagged(&mut self) {
        if let Some(ticket_id) = self.only {
            self.note(TicketEvent {
                ticket_id,
                change: TicketChange::StatusChanged,
            });
        }
    }
}

impl Watch {
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
    let backlog = Backlog::new(events, only, caller.is_staff());
    let watch = Watch {
        state,
        caller,
        expires,
        backlog,
    };
    async_graphql::futures_util::stream::unfold(Some(watch), |watch| async move {
        let mut watch = watch?;
        loop {
            let ticket_id = watch.backlog.next().await?;
            match watch.load(ticket_id).await {
                Ok(Some(ticket)) => return Some((Ok(ticket), Some(watch))),
                Ok(None) => continue,
                // The error is the last message; the subscription ends with it.
                Err(err) => return Some((Err(err), None)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use tokio::sync::broadcast;

    use super::*;

    fn event(ticket_id: Uuid, change: TicketChange) -> TicketEvent {
        TicketEvent { ticket_id, change }
    }

    #[tokio::test]
    async fn a_backlog_sends_each_changed_ticket_once_in_order_of_first_change() {
        let (bus, events) = broadcast::channel(16);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut backlog = Backlog::new(events, None, true);
        for change in [
            event(a, TicketChange::Created),
            event(b, TicketChange::Created),
            event(a, TicketChange::Replied),
            event(a, TicketChange::PresenceChanged),
            event(b, TicketChange::NoteAdded),
        ] {
            bus.send(change).expect("a receiver");
        }
        assert_eq!(backlog.next().await, Some(a));
        assert_eq!(backlog.next().await, Some(b));
        // Sent tickets are forgotten: a later change sends them again.
        bus.send(event(a, TicketChange::StatusChanged))
            .expect("a receiver");
        assert_eq!(backlog.next().await, Some(a));
        drop(bus);
        assert_eq!(backlog.next().await, None);
    }

    #[tokio::test]
    async fn a_customer_backlog_ignores_internal_changes_and_other_tickets() {
        let (bus, events) = broadcast::channel(16);
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        let mut backlog = Backlog::new(events, Some(mine), false);
        bus.send(event(mine, TicketChange::NoteAdded))
            .expect("a receiver");
        bus.send(event(other, TicketChange::Replied))
            .expect("a receiver");
        bus.send(event(mine, TicketChange::Escalated))
            .expect("a receiver");
        bus.send(event(mine, TicketChange::Replied))
            .expect("a receiver");
        assert_eq!(backlog.next().await, Some(mine));
        drop(bus);
        assert_eq!(backlog.next().await, None);
    }

    #[tokio::test]
    async fn a_ticket_subscription_that_fell_behind_sends_its_ticket_once() {
        let (bus, events) = broadcast::channel(2);
        let mine = Uuid::now_v7();
        let mut backlog = Backlog::new(events, Some(mine), true);
        for _ in 0..5 {
            bus.send(event(Uuid::now_v7(), TicketChange::Replied))
                .expect("a receiver");
        }
        assert_eq!(backlog.next().await, Some(mine));
        drop(bus);
        assert_eq!(backlog.next().await, None);
    }
}
