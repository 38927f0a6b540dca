//! What every request handler and background job shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::passwords::PasswordHasher;
use crate::accounts::throttle::ThrottlePolicy;
use crate::accounts::tokens::JwtKeys;
use crate::attachment_store::AttachmentStore;
use crate::calendar::BusinessCalendar;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::StatementCounter;
use crate::events::EventBus;
use crate::faq::index::FaqIndex;
use crate::notifications::transport::Notifier;
use crate::payments::{PaymentGateway, SimulatedGateway};

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub db: DatabaseConnection,
    /// Statements run through `db`.
    pub statements: StatementCounter,
    /// The injected clock.
    pub clock: SharedClock,
    /// Settings.
    pub settings: Arc<Settings>,
    /// JWT keys.
    pub keys: Arc<JwtKeys>,
    /// Password hashing pool.
    pub hasher: PasswordHasher,
    /// Login lockout policy.
    pub throttle: ThrottlePolicy,
    /// Business days for deadlines.
    pub calendar: BusinessCalendar,
    /// The payment service provider.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Email and SMS transports of the outbox worker.
    pub notifier: Notifier,
    /// FAQ search index (rebuilt from the database at start-up).
    pub faq_index: FaqIndex,
    /// Live ticket events for subscriptions.
    pub events: EventBus,
    /// Where ticket attachments are kept.
    pub attachments: AttachmentStore,
    /// Where each deadline sweep resumes.
    pub sweep_cursors: crate::sweeps::SweepCursors,
    /// Volume limits per client network and account.
    pub limits: crate::limits::AbuseLimits,
    /// Requests being served (the in-flight cap).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the process is asked to stop: open WebSockets close with "going
    /// away" and background workers finish what they hold.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// Parsed GraphQL documents by their text.
    pub documents: crate::graphql::documents::DocumentCache,
    /// The agents' dashboard, shared for a few seconds.
    pub dashboard: crate::support_dashboard::DashboardCache,
    /// The loaders every subscription shares.
    pub live_loaders: crate::graphql::loaders::SharedLoaders,
}

impl AppState {
    /// Wires the state from its parts. The gateway is the built-in simulator until a
    /// provider is plugged in with [`AppState::with_gateway`].
    pub fn new(
        db: DatabaseConnection,
        statements: StatementCounter,
        clock: SharedClock,
        settings: Settings,
        keys: JwtKeys,
    ) -> anyhow::Result<Self> {
        // One core stays free for request handling, so a login flood cannot starve it.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let default_concurrency = cores.saturating_sub(1).max(1);
        let hasher = PasswordHasher::new(
            settings.hash_concurrency.unwrap_or(default_concurrency),
            settings.hash_queue_limit,
        );
        let throttle = ThrottlePolicy::from_settings(&settings);
        let calendar = BusinessCalendar::from_settings(&settings);
        let notifier = Notifier::from_settings(&settings)?;
        let attachments = AttachmentStore::from_settings(&settings, &db);
        let limits = crate::limits::AbuseLimits::from_settings(&settings);
        let faq_index = FaqIndex::new(&settings.data_dir)?;
        let in_flight = Arc::new(tokio::sync::Semaphore::new(settings.max_in_flight_requests));
        Ok(Self {
            statements,
            clock,
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            hasher,
            throttle,
            calendar,
            gateway: Arc::new(SimulatedGateway::default()),
            notifier,
            faq_index,
            events: EventBus::new(&db),
            attachments,
            sweep_cursors: crate::sweeps::SweepCursors::default(),
            limits,
            in_flight,
            shutdown: tokio_util::sync::CancellationToken::new(),
            documents: Default::default(),
            dashboard: Default::default(),
            live_loaders: crate::graphql::loaders::SharedLoaders::new(&db),
            db,
        })
    }

    /// What a deadline sweep needs of this instance.
    pub fn sweeper(&self) -> crate::sweeps::Sweeper<'_> {
        crate::sweeps::Sweeper {
            db: &self.db,
            batch: self.settings.sweep_batch(),
            cursors: &self.sweep_cursors,
        }
    }

    /// The same state with another payment gateway.
    pub fn with_gateway(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateway = gateway;
        self
    }
}
