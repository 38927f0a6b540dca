//! `GET /metrics` in the Prometheus text format.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::config::Mode;
use crate::state::AppState;

/// Renders every metric. Open in development; in production only with the configured token.
pub async fn render(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let allowed = match &state.settings.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            // In constant time: how long a wrong guess takes says nothing about the token.
            .is_some_and(|given| {
                bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes()))
            }),
        None => state.settings.mode == Mode::Development,
    };
    let Some(handle) = crate::telemetry::metrics().filter(|_| allowed) else {
        return HttpResponse::NotFound().finish();
    };
    handle.run_upkeep();
    metrics::counter!("storedesk_db_statements_total").absolute(state.statements.get());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render())
}
