//! The console served from the binary: history fallback, caching, the per-response style
//! nonce of its Content-Security-Policy, compression, and the API routes left untouched.
//! They hold for the built console and for the "not built" page alike.

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, ETAG,
    IF_NONE_MATCH,
};
use serde_json::json;

use crate::engine_tests;
use crate::helpers::TestApp;

async fn page(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The nonce of `'nonce-…'` in a policy.
fn policy_nonce(policy: &str) -> String {
    policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_owned()
}

pub async fn the_console_answers_client_routes_under_a_strict_policy(app: TestApp) {
    let first = page(&app, "/queue?view=breached").await;
    assert_eq!(first.status(), 200);
    assert!(header(&first, reqwest::header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&first, CACHE_CONTROL), "no-cache");
    let policy = header(&first, CONTENT_SECURITY_POLICY);
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"),
        "{policy}"
    );
    let nonce = policy_nonce(&policy);
    assert!(nonce.len() >= 22, "{policy}");
    let etag = header(&first, ETAG);
    let body = first.text().await.unwrap();
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the page carries its policy's nonce"
    );
    assert!(!body.contains("__STOREDESK_CSP_NONCE__"));

    let second = page(&app, "/").await;
    assert_eq!(header(&second, ETAG), etag, "one page, one ETag");
    assert_ne!(
        policy_nonce(&header(&second, CONTENT_SECURITY_POLICY)),
        nonce,
        "a nonce per response"
    );

    // Revalidation: 304, and no new policy that would not match the browser's stored copy.
    let revalidated = app
        .client
        .get(format!("{}/tickets/abc", app.address))
        .header(ACCEPT, "text/html")
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert!(revalidated.headers().get(CONTENT_SECURITY_POLICY).is_none());
}

pub async fn assets_are_immutable_and_misses_are_404(app: TestApp) {
    let missing = app.get("/assets/index-deadbeef.js").await;
    assert_eq!(missing.status(), 404);
    assert!(!missing.text().await.unwrap().contains("<html"));

    let index = page(&app, "/").await.text().await.unwrap();
    let asset = index
        .split("/assets/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|name| format!("/assets/{name}"));
    match asset {
        Some(path) => {
            let response = app.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(
                header(&response, CACHE_CONTROL),
                "public, max-age=31536000, immutable"
            );
        }
        // The "console not built" page has no assets; it must say so in both languages.
        None => {
            assert!(!storedesk::http::console::built());
            assert!(
                index.contains("콘솔") && index.contains("console was not built"),
                "{index}"
            );
        }
    }
}

pub async fn pages_are_compressed_for_clients_that_ask(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/", app.address))
        .header(ACCEPT, "text/html")
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_ENCODING), "gzip");
}

pub async fn the_api_routes_keep_their_meaning(app: TestApp) {
    let body = app.gql("{ me { id } }", json!({})).await;
    assert!(body["data"]["me"].is_null(), "{body}");
    assert_eq!(app.get("/healthz").await.status(), 200);
    // Wrong methods on API paths are not the console.
    let refresh = page(&app, "/auth/refresh").await;
    assert_ne!(refresh.status(), 200);
    let attachments = page(&app, "/attachments/").await;
    assert_eq!(attachments.status(), 404);
    let post = app
        .client
        .post(format!("{}/queue", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    // A non-page request to an unknown path is a plain 404.
    let json_client = app
        .client
        .get(format!("{}/no/such/thing", app.address))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json_client.status(), 404);
}

engine_tests!(
    the_console_answers_client_routes_under_a_strict_policy,
    assets_are_immutable_and_misses_are_404,
    pages_are_compressed_for_clients_that_ask,
    the_api_routes_keep_their_meaning,
    the_help_center_is_its_own_page,
);

/// `/help…` answers the help center's own page (smaller than the console's) under the same
/// policy; the file itself is not a route.
pub async fn the_help_center_is_its_own_page(app: TestApp) {
    let help = page(&app, "/help/entries/abc").await;
    assert_eq!(help.status(), 200);
    let policy = header(&help, CONTENT_SECURITY_POLICY);
    assert!(
        policy.contains("script-src 'self';") && policy.contains("'nonce-"),
        "{policy}"
    );
    let help = help.text().await.unwrap();
    if storedesk::http::console::built() {
        assert!(help.contains("/assets/help"), "{help}");
        let console = page(&app, "/queue").await.text().await.unwrap();
        assert!(!console.contains("/assets/help"), "{console}");
    }
    assert_eq!(page(&app, "/help.html").await.status(), 404);
}
