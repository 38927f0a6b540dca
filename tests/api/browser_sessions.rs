//! Browser sessions: the refresh token in an HttpOnly, SameSite=Strict cookie scoped to
//! `/auth`, traded at `POST /auth/refresh` behind a CSRF header and an Origin check.

use serde_json::{Value, json};
use storedesk::config::{MailTransport, Mode, Settings};

use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp};

const LOGIN: &str = "mutation($e: String!, $p: String!) {
    login(email: $e, password: $p, cookie: true) { accessToken refreshToken account { id } } }";

/// Signs in with `cookie: true`: the answer and its `Set-Cookie`.
async fn browser_login(app: &TestApp, email: &str) -> (Value, String) {
    let response = app
        .post(
            None,
            json!({ "query": LOGIN, "variables": { "e": email, "p": PASSWORD } }),
        )
        .await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("storedesk_refresh="))
        .expect("a session cookie");
    (response.json().await.unwrap(), cookie)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("storedesk_refresh=")
        .to_owned()
}

async fn refresh(
    app: &TestApp,
    cookie: &str,
    csrf: bool,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/auth/refresh", app.address))
        .header("cookie", format!("storedesk_refresh={cookie}"));
    if csrf {
        request = request.header("x-storedesk-csrf", "1");
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

pub async fn a_browser_session_lives_in_an_http_only_cookie(app: TestApp) {
    app.buyer("browser@example.com").await;
    let (body, set_cookie) = browser_login(&app, "browser@example.com").await;
    // No script ever sees the refresh token.
    assert!(body["data"]["login"]["refreshToken"].is_null(), "{body}");
    assert!(body["data"]["login"]["accessToken"].is_string());
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/auth", "Max-Age="] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http in development: {set_cookie}"
    );
    let first = cookie_value(&set_cookie);

    // The cookie buys a new access token and is rotated.
    let response = refresh(&app, &first, true, Some(&app.address)).await;
    assert_eq!(response.status().as_u16(), 200);
    let rotated = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let access = body["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(app.me(&access).await.0, 200);
    let second = cookie_value(&rotated);
    assert_ne!(first, second);

    // A replayed cookie ends the session (and tells the browser to forget it).
    let replay = refresh(&app, &first, true, None).await;
    assert_eq!(replay.status().as_u16(), 401);
    assert!(
        replay.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        refresh(&app, &second, true, None).await.status().as_u16(),
        401
    );
    assert_eq!(app.me(&access).await.0, 401);

    // A browser without the cookie has nothing to refresh: not an error, no token.
    let anonymous = app
        .client
        .post(format!("{}/auth/refresh", app.address))
        .header("x-storedesk-csrf", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 204);
    assert!(anonymous.text().await.unwrap().is_empty());
}

pub async fn other_sites_cannot_use_the_cookie(app: TestApp) {
    app.buyer("csrf@example.com").await;
    let (_, set_cookie) = browser_login(&app, "csrf@example.com").await;
    let cookie = cookie_value(&set_cookie);
    // Without the CSRF header (a plain cross-site form could send the cookie otherwise) …
    assert_eq!(
        refresh(&app, &cookie, false, None).await.status().as_u16(),
        403
    );
    // … or from a page of another site.
    let foreign = refresh(&app, &cookie, true, Some("https://evil.example")).await;
    assert_eq!(foreign.status().as_u16(), 403);
    // The refused attempts spent nothing: the session still refreshes.
    assert_eq!(
        refresh(&app, &cookie, true, None).await.status().as_u16(),
        200
    );
}

pub async fn logging_out_ends_the_session_and_clears_the_cookie(app: TestApp) {
    app.buyer("bye@example.com").await;
    let (body, set_cookie) = browser_login(&app, "bye@example.com").await;
    let access = body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = cookie_value(&set_cookie);
    let response = app
        .client
        .post(format!("{}/auth/logout", app.address))
        .header("cookie", format!("storedesk_refresh={cookie}"))
        .header("x-storedesk-csrf", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(app.me(&access).await.0, 401);
    assert_eq!(
        refresh(&app, &cookie, true, None).await.status().as_u16(),
        401
    );
}

fn production(settings: &mut Settings) {
    settings.mode = Mode::Production;
    settings.mail_transport = MailTransport::Smtp;
    settings.smtp_url = Some("smtp://127.0.0.1:2525".to_owned().into());
}

pub async fn in_production_the_cookie_is_https_only(app: TestApp) {
    app.buyer("secure@example.com").await;
    let (_, set_cookie) = browser_login(&app, "secure@example.com").await;
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

engine_tests!(
    a_browser_session_lives_in_an_http_only_cookie,
    other_sites_cannot_use_the_cookie,
    logging_out_ends_the_session_and_clears_the_cookie,
    in_production_the_cookie_is_https_only with production,
);
