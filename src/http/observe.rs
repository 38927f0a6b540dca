//! What is recorded about every request: the access-log line, the `x-request-id` response
//! header, and the request metrics.

use std::time::Instant;

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing_actix_web::RequestId;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The metrics label of a method: the standard ones by name, anything a client made up as
/// `other` (each new label value would be a new time series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Runs inside the request span (so the log line carries the request id), labels metrics by
/// route pattern (never the raw path, which would let clients create unbounded series), and
/// hands the request id to the client for support conversations.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    // A path no route matches is whatever the client typed: one label for all of them.
    let route = req.match_pattern().unwrap_or_else(|| "other".to_owned());
    let request_id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    tracing::info!(
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request served"
    );
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("storedesk_http_requests_total", &labels).increment(1);
    metrics::histogram!("storedesk_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    Ok(response)
}
