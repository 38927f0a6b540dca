//! `GET /metrics` in the Prometheus text format, and the middleware that feeds it and writes
//! the access log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;

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
            .is_some_and(|given| {
                constant_time_eq(given.as_bytes(), token.expose_secret().as_bytes())
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts requests and their durations by method, route pattern (never the raw path, which
/// would let clients create unbounded series) and status, and writes the access-log line
/// (inside the request span, so it carries the request id).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(req).await?;
    let elapsed = started.elapsed();
    let status_code = response.status().as_u16();
    tracing::info!(
        status = status_code,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request served"
    );
    let status = status_code.to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("storedesk_http_requests_total", &labels).increment(1);
    metrics::histogram!("storedesk_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    Ok(response)
}
