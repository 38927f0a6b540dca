//! Public pages the emails link to: choosing a new password from a reset link, and from a
//! recovery link. They are static (the token stays in the browser) and call the public
//! GraphQL API like any client.

use actix_web::HttpResponse;
use actix_web::http::header;

/// The page behind `/reset-password` and `/recover-account` (it reads which from its path).
const SET_PASSWORD: &str = include_str!("pages/set_password.html");

/// A page with a token in its address: nothing is cached, nothing leaks through the
/// referrer, nothing but this page's own script runs, and it may not be framed.
pub async fn set_password() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .body(SET_PASSWORD)
}
