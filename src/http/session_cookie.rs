//! Browser sessions (SECURITY.md "Client addresses and browsers"): the console keeps its
//! access token in memory only, and its refresh token travels in a cookie that no script can
//! read (`HttpOnly`), that no other site can make the browser send (`SameSite=Strict`), that
//! goes only to the refresh path (`Path=/auth`), and over HTTPS only in production.
//!
//! `login(…, cookie: true)` and `register(…, cookie: true)` set it (their `refreshToken` is
//! then null); `POST /auth/refresh` trades it for a new access token and a rotated cookie;
//! `POST /auth/logout` ends the session and clears it. Both endpoints want the
//! `X-Storedesk-CSRF: 1` header (a header other sites cannot add without a CORS preflight,
//! which only configured origins pass) and, when the browser names an `Origin`, it must be
//! this server's own.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::ActiveEnum;
use serde_json::json;

use super::graphql::{error_response, request_meta};
use crate::accounts::service::{self as accounts, SignedIn};
use crate::config::{Mode, Settings};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = "storedesk_refresh";
/// The only path the browser sends it to.
pub const PATH: &str = "/auth";
/// The header a same-site script adds to prove the request is its own.
pub const CSRF_HEADER: &str = "x-storedesk-csrf";

fn secure(settings: &Settings) -> bool {
    settings.mode == Mode::Production || settings.public_url.starts_with("https://")
}

/// The `Set-Cookie` that hands a browser `refresh_token`.
pub fn set_cookie(settings: &Settings, refresh_token: &str) -> String {
    let idle = i64::try_from(settings.session_idle_ttl_secs).unwrap_or(i64::MAX / 1000);
    Cookie::build(COOKIE, refresh_token.to_owned())
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(settings))
        .max_age(time::Duration::seconds(idle))
        .finish()
        .to_string()
}

/// The `Set-Cookie` that makes a browser forget the cookie.
pub fn clear_cookie(settings: &Settings) -> String {
    Cookie::build(COOKIE, "")
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(settings))
        .max_age(time::Duration::ZERO)
        .finish()
        .to_string()
}

/// Whether `req` comes from a page of this very site: the CSRF header is present, and the
/// `Origin` (which browsers send on every cross-site POST) is ours when there is one.
fn same_site_request(req: &HttpRequest, settings: &Settings) -> bool {
    let headers = req.headers();
    if headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let public = settings.public_url.trim_end_matches('/');
    let own = req.connection_info();
    let served = format!("{}://{}", own.scheme(), own.host());
    origin == public || origin == served
}

fn refused(
    settings: &Settings,
    status: StatusCode,
    code: ErrorCode,
    message: &str,
) -> HttpResponse {
    let mut response = error_response(status, code, message);
    if let Ok(value) = header::HeaderValue::from_str(&clear_cookie(settings)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn cross_site() -> HttpResponse {
    error_response(
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
        "Send this from the storedesk site itself, with the X-Storedesk-CSRF: 1 header.",
    )
}

/// `POST /auth/refresh`: a new access token for the cookie's session, and a rotated cookie;
/// `204` without a cookie (nobody signed in). A spent cookie (replayed) ends the session, as
/// a spent refresh token does.
pub async fn refresh(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    if !same_site_request(&req, settings) {
        return cross_site();
    }
    let Some(token) = req.cookie(COOKIE).map(|c| c.value().to_owned()) else {
        // Nobody signed in on this browser: nothing to refresh, which is not an error (the
        // console asks on every load, and a 401 here would be noise in every visitor's log).
        return HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let meta = request_meta(&req, &state);
    match accounts::refresh(&state, &meta, &token).await {
        Ok(signed_in) => signed_in_response(settings, signed_in),
        Err(ApiError::Unauthenticated(message)) => refused(
            settings,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        ),
        Err(err) => {
            let code = err.code();
            if let ApiError::Internal(cause) = &err {
                tracing::error!(error = ?cause, "could not refresh a browser session");
            }
            error_response(StatusCode::SERVICE_UNAVAILABLE, code, &err.message())
        }
    }
}

fn signed_in_response(settings: &Settings, signed_in: SignedIn) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::SET_COOKIE,
            set_cookie(settings, &signed_in.refresh_token),
        ))
        .json(json!({
            "accessToken": signed_in.access_token,
            "accessTokenExpiresAt": signed_in.access_token_expires_at,
            "account": {
                "id": signed_in.account.id,
                "name": signed_in.account.name,
                "role": signed_in.account.role.to_value(),
            },
        }))
}

/// `POST /auth/logout` (`?everywhere=true` for every session of the account): ends the
/// cookie's session and clears the cookie.
pub async fn logout(
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let settings = &state.settings;
    if !same_site_request(&req, settings) {
        return cross_site();
    }
    if let Some(token) = req.cookie(COOKIE).map(|c| c.value().to_owned()) {
        let meta = request_meta(&req, &state);
        if let Err(err) = accounts::logout(&state, &meta, &token, query.everywhere).await {
            tracing::warn!(code = err.code().as_str(), "browser logout failed");
        }
    }
    HttpResponse::NoContent()
        .insert_header((header::SET_COOKIE, clear_cookie(settings)))
        .finish()
}

/// The query of `POST /auth/logout`.
#[derive(Debug, serde::Deserialize)]
pub struct LogoutQuery {
    /// End every session of the account, not only this one.
    #[serde(default)]
    pub everywhere: bool,
}
