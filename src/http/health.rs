//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// How long `/readyz` waits for the database: probes give up after a second or so, and a
/// database that slow is not ready either.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// The database answers, promptly.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = tokio::time::timeout(READY_WITHIN, crate::db::ping(&state.db)).await;
    if ping.unwrap_or(false) {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable")
    }
}
