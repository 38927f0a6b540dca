//! What every request handler and background job shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::passwords::PasswordHasher;
use crate::accounts::throttle::ThrottlePolicy;
use crate::accounts::tokens::JwtKeys;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::StatementCounter;

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
}

impl AppState {
    /// Wires the state from its parts.
    pub fn new(
        db: DatabaseConnection,
        statements: StatementCounter,
        clock: SharedClock,
        settings: Settings,
        keys: JwtKeys,
    ) -> Self {
        // One core stays free for request handling, so a login flood cannot starve it.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let default_concurrency = cores.saturating_sub(1).max(1);
        let hasher = PasswordHasher::new(
            settings.hash_concurrency.unwrap_or(default_concurrency),
            settings.hash_queue_limit,
        );
        let throttle = ThrottlePolicy::from_settings(&settings);
        Self {
            db,
            statements,
            clock,
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            hasher,
            throttle,
        }
    }
}
