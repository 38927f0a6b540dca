//! Load shedding: a cap on requests served at once. Past the cap a request is answered `503`
//! at once (with `Retry-After`) instead of joining a queue that only grows while the server
//! is behind. Health checks and metrics are exempt, so an overloaded instance still tells its
//! orchestrator how it is. (The deadline of each GraphQL request is kept by its handler,
//! `http::graphql`.)

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ErrorCode;
use crate::state::AppState;

/// Paths that are never shed: an orchestrator must reach them when the server is busiest.
const EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// A `503` answer in the shape of a GraphQL error.
pub fn unavailable(code: ErrorCode, message: &str, retry_after: Option<u64>) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE);
    if let Some(secs) = retry_after {
        response.insert_header((header::RETRY_AFTER, secs));
    }
    let mut extensions = json!({ "code": code.as_str() });
    if let Some(secs) = retry_after {
        extensions["retryAfterSeconds"] = json!(secs);
    }
    response.json(json!({ "errors": [{ "message": message, "extensions": extensions }] }))
}

/// The middleware: see the module documentation.
pub async fn shed(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| !EXEMPT.contains(&req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        metrics::counter!("storedesk_requests_shed_total", "reason" => "in_flight").increment(1);
        let response = unavailable(
            ErrorCode::RateLimited,
            "The server is busy; try again in a moment.",
            Some(1),
        );
        return Ok(req.into_response(response).map_into_right_body());
    };
    Ok(next.call(req).await?.map_into_left_body())
}
