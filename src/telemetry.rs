//! Tracing set-up: readable logs in development, JSON lines in production.
//!
//! Every HTTP request runs inside a span carrying its `request_id` (tracing-actix-web),
//! so every line logged while serving it can be tied to the request.

use tracing_subscriber::EnvFilter;

use crate::config::Mode;

/// Installs the global subscriber. Safe to call more than once (later calls do nothing).
pub fn init(mode: Mode) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let result = match mode {
        Mode::Development => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init(),
        Mode::Production => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init(),
    };
    // A subscriber is already installed (tests): keep it.
    let _ = result;
}
