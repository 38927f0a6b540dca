//! Public pages the emails link to: choosing a new password from a reset or recovery link,
//! and confirming a compromise report ("lock my account now"). They are static (the token
//! stays in the browser) and call the public GraphQL API like any client.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The page behind `/reset-password` and `/recover-account` (it reads which from its path).
const SET_PASSWORD: &str = include_str!("pages/set_password.html");
/// The page behind `/lock-account`.
const LOCK_ACCOUNT: &str = include_str!("pages/lock_account.html");

/// A static page with the Content-Security-Policy that lets exactly its own inline script
/// and style run (by their hashes), nothing else.
struct Page {
    html: &'static str,
    csp: String,
}

/// `'sha256-…'` of every `<tag>…</tag>` block of `html`.
fn hashes(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    html.split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split(close.as_str()).next())
        .map(|block| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(block))))
        .collect()
}

impl Page {
    fn new(html: &'static str) -> Self {
        let csp = format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
            hashes(html, "script").join(" "),
            hashes(html, "style").join(" "),
        );
        Self { html, csp }
    }

    /// A page with a token in its address: nothing is cached, nothing leaks through the
    /// referrer, nothing but this page's own script runs, and it may not be framed.
    fn respond(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_SECURITY_POLICY, self.csp.as_str()))
            .body(self.html)
    }
}

static SET_PASSWORD_PAGE: LazyLock<Page> = LazyLock::new(|| Page::new(SET_PASSWORD));
static LOCK_ACCOUNT_PAGE: LazyLock<Page> = LazyLock::new(|| Page::new(LOCK_ACCOUNT));

/// `/reset-password` and `/recover-account`.
pub async fn set_password() -> HttpResponse {
    SET_PASSWORD_PAGE.respond()
}

/// `/lock-account`: opening it changes nothing (mail scanners follow links); its button
/// calls `lockAccountWithToken`.
pub async fn lock_account() -> HttpResponse {
    LOCK_ACCOUNT_PAGE.respond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_hash_of_each_inline_block_and_nothing_unsafe() {
        let page = Page::new("<style>a{}</style><script>go()</script>");
        let script = format!("'sha256-{}'", STANDARD.encode(Sha256::digest("go()")));
        assert!(
            page.csp.contains(&format!("script-src {script};")),
            "{}",
            page.csp
        );
        assert!(!page.csp.contains("unsafe-inline"));
        for page in [&*SET_PASSWORD_PAGE, &*LOCK_ACCOUNT_PAGE] {
            assert_eq!(page.csp.matches("'sha256-").count(), 2, "{}", page.csp);
        }
    }
}
