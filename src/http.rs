//! HTTP routes: GraphQL, health, metrics, the auth cookie endpoints, the pages emailed links open, and
//! the console after all of them.

pub mod attachments;
pub mod console;
#[cfg(feature = "bench-floor")]
pub mod floor;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod session_cookie;
pub mod shedding;
pub mod subscriptions;

use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

use crate::config::Settings;

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::render))
        .route("/graphql/ws", web::get().to(subscriptions::ws))
        .route("/attachments/{id}", web::get().to(attachments::download))
        .route("/reset-password", web::get().to(console::token_page))
        .route("/recover-account", web::get().to(console::token_page))
        .route("/lock-account", web::get().to(console::token_page))
        .route("/auth/refresh", web::post().to(session_cookie::refresh))
        .route("/auth/logout", web::post().to(session_cookie::logout))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get)),
        )
        .configure(bench_routes)
        .default_service(web::to(console::serve));
}

/// The benchmark floor's routes, in a build made for benchmarks (`--features bench-floor`).
fn bench_routes(cfg: &mut web::ServiceConfig) {
    #[cfg(feature = "bench-floor")]
    floor::routes(cfg);
    #[cfg(not(feature = "bench-floor"))]
    let _ = cfg;
}

/// CORS for the configured origins only; no origin is allowed by default.
pub fn cors(settings: &Settings) -> Cors {
    settings
        .cors_origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .max_age(600)
}

/// Headers on every response: no MIME sniffing, no framing, no referrer leaks.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}
