//! HTTP routes: GraphQL, health.

pub mod graphql;
pub mod health;

use actix_web::web;

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get)),
        );
}
