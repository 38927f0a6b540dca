//! storedesk: the customer center of an online marketplace.
//!
//! [`Application::build`] wires configuration, database, schema and HTTP server; `main.rs`
//! only parses the command line. Tests build the same application on port 0.

pub mod accounts;
pub mod attachment_store;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod cancellations;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod dataset;
pub mod db;
pub mod error;
pub mod events;
pub mod faq;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod input;
pub mod jobs;
pub mod limits;
pub mod notifications;
pub mod orders;
pub mod pagination;
pub mod payments;
pub mod refunds;
pub mod rows;
pub mod search;
pub mod seed;
pub mod state;
pub mod support_dashboard;
pub mod sweeps;
pub mod telemetry;
pub mod texts;
pub mod tickets;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::accounts::tokens::JwtKeys;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::state::AppState;

/// A built, not yet running, storedesk server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

/// Connects to the database, applies migrations and builds the shared state.
pub async fn prepare_state(settings: Settings, clock: SharedClock) -> anyhow::Result<AppState> {
    settings.validate()?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    let (db, statements) = db::connect_with(
        &settings.effective_database_url(),
        db::PoolSettings::from_settings(&settings),
    )
    .await?;
    db::migrate(&db).await?;
    let keys = JwtKeys::from_settings(&settings)?;
    let state = AppState::new(db, statements, clock, settings, keys)?;
    state
        .faq_index
        .rebuild(&state.db)
        .await
        .map_err(|err| anyhow::anyhow!("cannot build the FAQ search index: {err:?}"))?;
    Ok(state)
}

impl Application {
    /// Builds the server on `settings.bind` (port 0 picks a free port).
    pub async fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let state = prepare_state(settings, clock).await?;
        Self::from_state(state)
    }

    /// Builds the server around prepared state.
    pub fn from_state(state: AppState) -> anyhow::Result<Self> {
        telemetry::metrics();
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("cannot listen on {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        // Built once: building it inside the worker factory would build it per worker.
        let schema = web::Data::new(graphql::build_schema(&state.settings));
        let http_schema = web::Data::new(graphql::build_http_schema(&state.settings));
        let data = web::Data::new(state.clone());
        let workers = state
            .settings
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let settings = state.settings.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(http::shedding::shed))
                .wrap(actix_web::middleware::Compress::default())
                .wrap(http::security_headers())
                .wrap(http::cors(&settings))
                .wrap(actix_web::middleware::from_fn(http::observe::observe))
                .wrap(TracingLogger::<telemetry::RequestSpan>::new())
                .app_data(data.clone())
                .app_data(schema.clone())
                .app_data(http_schema.clone())
                .configure(http::routes)
        })
        .workers(workers.max(1))
        // `run_until_stopped` handles the signals: open WebSockets must be told to go away
        // before the server waits for its connections to end.
        .disable_signals()
        .shutdown_timeout(state.settings.shutdown_timeout_secs)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests inspect the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT (or until `state.shutdown` is cancelled), then stops
    /// gracefully: no new connections, open WebSockets closed with "going away", in-flight
    /// requests given up to `shutdown_timeout_secs` to finish, the outbox worker done with
    /// the message in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state;
        state.events.spawn_listener();
        jobs::spawn_housekeeping(state.clone());
        let outbox = state.settings.background_jobs.then(|| {
            jobs::spawn_sweeps(state.clone());
            notifications::outbox::spawn_worker(state.clone(), state.notifier.clone())
        });
        let handle = self.server.handle();
        let stop = state.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = termination() => tracing::info!("stopping: finishing in-flight requests"),
                () = stop.cancelled() => {}
            }
            stop.cancel();
            handle.stop(true).await;
        });
        let served = self.server.await;
        state.shutdown.cancel();
        if let Some(worker) = outbox
            && let Err(err) = worker.await
        {
            tracing::error!(error = %err, "the outbox worker ended abnormally");
        }
        tracing::info!("stopped");
        served
    }
}

/// Completes on SIGTERM (what process managers send) or SIGINT (Ctrl-C).
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The system clock, shared.
pub fn system_clock() -> SharedClock {
    Arc::new(clock::SystemClock)
}
