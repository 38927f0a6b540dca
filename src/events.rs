//! Live updates: an in-process broadcast bus of ticket changes, read by GraphQL
//! subscriptions. On PostgreSQL, `NOTIFY` carries every event to the other instances sharing
//! the database, whose `LISTEN` loop puts it on their own bus.
//!
//! Events are published after the change commits and carry only ids and the kind of change;
//! subscribers load what they show with the subscriber's own visibility rules. The bus is not
//! a durable channel: a client that reconnects re-reads the ticket (what must not be lost, the
//! customer's notifications, goes through the outbox).

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// The PostgreSQL channel of storedesk events.
const CHANNEL: &str = "storedesk_events";
/// Events a slow subscriber may fall behind before it skips ahead.
const CAPACITY: usize = 1024;

/// What changed on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketChange {
    /// A ticket was opened.
    Created,
    /// A public reply was added.
    Replied,
    /// An internal note was added: agents only, a customer's subscription never hears of it.
    NoteAdded,
    /// The assignee changed.
    Assigned,
    /// The status changed.
    StatusChanged,
    /// The priority changed.
    PriorityChanged,
    /// The requester rated it.
    Rated,
    /// It missed an SLA target and was escalated (agents only).
    Escalated,
    /// An agent opened or left it, or started or stopped typing (agents only; presence
    /// subscriptions listen for it, ticket-change subscriptions ignore it).
    PresenceChanged,
}

impl TicketChange {
    /// Whether the ticket's requester may be told about this change.
    pub fn visible_to_customer(self) -> bool {
        !matches!(
            self,
            Self::NoteAdded | Self::Escalated | Self::PresenceChanged
        )
    }
}

/// One change on one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// The ticket.
    pub ticket_id: Uuid,
    /// What changed.
    pub change: TicketChange,
}

/// An event as sent between instances: the sending instance ignores its own.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    event: TicketEvent,
}

/// The bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<TicketEvent>,
    origin: Uuid,
    /// Set on PostgreSQL: the pool `NOTIFY` goes through.
    postgres: Option<DatabaseConnection>,
    /// Whether events of the other instances are being received.
    listening: Arc<watch::Sender<bool>>,
}

impl EventBus {
    /// A bus for this process; on PostgreSQL it also notifies the other instances.
    pub fn new(db: &DatabaseConnection) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        let postgres = (db.get_database_backend() == DatabaseBackend::Postgres).then(|| db.clone());
        let (listening, _) = watch::channel(postgres.is_none());
        Self {
            sender,
            origin: Uuid::now_v7(),
            postgres,
            listening: Arc::new(listening),
        }
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TicketEvent> {
        self.sender.subscribe()
    }

    /// How many subscriptions are listening in this process.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Announces a committed change here and to the other instances. Failing to announce
    /// never fails the change: it is logged, and clients see it on their next read.
    pub async fn publish(&self, ticket_id: Uuid, change: TicketChange) {
        let event = TicketEvent { ticket_id, change };
        // No receivers is fine: nobody is watching.
        let _ = self.sender.send(event);
        if let Some(db) = &self.postgres {
            let payload = match serde_json::to_string(&Envelope {
                origin: self.origin,
                event,
            }) {
                Ok(payload) => payload,
                Err(err) => {
                    tracing::error!(error = %err, "could not encode a ticket event");
                    return;
                }
            };
            let notify = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            );
            if let Err(err) = db.execute_raw(notify).await {
                tracing::warn!(error = %err, "could not notify other instances of a ticket event");
            }
        }
    }

    /// On PostgreSQL, listens for the other instances' events for as long as the process
    /// runs, reconnecting after a lost connection. Does nothing on SQLite (one process).
    pub fn spawn_listener(&self) {
        let Some(db) = self.postgres.clone() else {
            return;
        };
        let bus = self.clone();
        tokio::spawn(async move {
            loop {
                let result = bus.listen(&db).await;
                bus.listening.send_replace(false);
                if let Err(err) = result {
                    tracing::warn!(error = %err, "event listener lost its connection; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(&self, db: &DatabaseConnection) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
        listener.listen(CHANNEL).await?;
        self.listening.send_replace(true);
        loop {
            let notification = listener.recv().await?;
            match serde_json::from_str::<Envelope>(notification.payload()) {
                Ok(envelope) if envelope.origin != self.origin => {
                    let _ = self.sender.send(envelope.event);
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "ignored a malformed event"),
            }
        }
    }

    /// Waits until this instance hears the other instances (at once on SQLite). Tests use
    /// it before making a change on a sibling; production never needs to wait.
    pub async fn wait_listening(&self) {
        let mut listening = self.listening.subscribe();
        let _ = listening.wait_for(|ready| *ready).await;
    }
}
