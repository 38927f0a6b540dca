//! The web console, embedded in the binary (`admin-ui/dist`, or a page saying it was not
//! built; see `build.rs`). Mounted after every API route, it answers:
//!
//! - an embedded file: that file; hashed files under `/assets/` are cached for a year;
//! - any other path under `/assets/`: 404, never `index.html` (a browser holding a stale
//!   chunk name would otherwise try to run HTML as JavaScript);
//! - any other `GET`/`HEAD` that accepts HTML: `index.html`, so client routes survive a
//!   reload. It is revalidated on every load (`no-cache` + a strong ETag) and carries a
//!   Content-Security-Policy whose style nonce is new for every response.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use rust_embed::Embed;

/// The built console, or the placeholder page.
#[derive(Embed)]
#[folder = "$STOREDESK_CONSOLE_DIR"]
struct Console;

/// What Vite writes where the nonce goes (`html.cspNonce` in `admin-ui/vite.config.ts`).
const NONCE_PLACEHOLDER: &str = "__STOREDESK_CSP_NONCE__";

/// Paths owned by the API: a miss there is a 404, not the console.
const API_PREFIXES: [&str; 5] = ["assets/", "graphql", "auth/", "attachments/", "metrics"];

/// Whether this binary carries the real console rather than the "not built" page.
pub fn built() -> bool {
    Console::get("index.html")
        .is_some_and(|index| !String::from_utf8_lossy(&index.data).contains("console-not-built"))
}

/// The default service: a console file, or `index.html` for a client route.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish();
    }
    let path = req.path().trim_start_matches('/');
    if path == GRAPHIQL_PAGE || path == HELP_PAGE {
        // Only through `GET /graphql` in development mode, with the policy its editor needs.
        return not_found();
    }
    if !path.is_empty() && path != "index.html" {
        if let Some(file) = Console::get(path) {
            return asset(path, file);
        }
        if API_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
            return not_found();
        }
    }
    if !accepts_html(&req) {
        return not_found();
    }
    index(&req)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}

/// Whether the client asked for a page (browsers send `text/html`; tools often `*/*`).
fn accepts_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|accept| accept.contains("text/html") || accept.contains("*/*"))
}

fn asset(path: &str, file: rust_embed::EmbeddedFile) -> HttpResponse {
    // Vite names every file under assets/ by its content hash, so it never changes.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag(&file)))
        .body(file.data.into_owned())
}

fn etag(file: &rust_embed::EmbeddedFile) -> String {
    format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]))
}

fn index(req: &HttpRequest) -> HttpResponse {
    page(req, page_for(req.path()), Revalidate::Etag)
}

/// The help center has its own small page (`admin-ui/help.html`): a buyer on a phone
/// downloads none of the console's component library to read an answer.
const HELP_PAGE: &str = "help.html";

/// Which built page serves a client route.
fn page_for(path: &str) -> &'static str {
    let path = path.trim_start_matches('/');
    if path == "help" || path.starts_with("help/") {
        HELP_PAGE
    } else {
        "index.html"
    }
}

/// How a browser may keep a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Revalidate {
    /// Revalidated on every load against a strong ETag.
    Etag,
    /// Never stored: the address carries a token (reset and recovery links).
    NoStore,
}

/// The console's pages that an emailed link opens with a token in its address: never
/// stored by the browser or a proxy, and (like every response) no referrer. The page's
/// script takes the token out of the address bar before anything else runs.
pub async fn token_page(req: HttpRequest) -> HttpResponse {
    page(&req, "index.html", Revalidate::NoStore)
}

fn page(req: &HttpRequest, name: &str, revalidate: Revalidate) -> HttpResponse {
    // Without a built console every route gets the page saying how to build it.
    let Some(file) = Console::get(name).or_else(|| Console::get("index.html")) else {
        return not_found();
    };
    let tag = etag(&file);
    let cached = revalidate == Revalidate::Etag
        && req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|values| values.split(',').any(|value| value.trim() == tag));
    if cached {
        // No policy on the 304: the browser keeps the one stored with its copy, whose nonce
        // matches that copy (a new nonce here would break its styles).
        return HttpResponse::build(StatusCode::NOT_MODIFIED)
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    let nonce = nonce();
    let html = String::from_utf8_lossy(&file.data).replace(NONCE_PLACEHOLDER, &nonce);
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy(req, &nonce)));
    match revalidate {
        Revalidate::Etag => response
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::ETAG, tag)),
        Revalidate::NoStore => response.insert_header((header::CACHE_CONTROL, "no-store")),
    };
    response.body(html)
}

/// GraphiQL's page in the build (`admin-ui/graphiql.html`).
const GRAPHIQL_PAGE: &str = "graphiql.html";

/// GraphiQL, bundled with the console (`GET /graphql` in development mode), or a page
/// saying how to build it when this binary carries no console.
pub fn graphiql(req: &HttpRequest) -> HttpResponse {
    let Some(file) = Console::get(GRAPHIQL_PAGE) else {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; frame-ancestors 'none'",
            ))
            .body(GRAPHIQL_NOT_BUILT);
    };
    // Vite writes the console's nonce placeholder into every page; this one has no nonce
    // (a nonce in `style-src` would switch `'unsafe-inline'` off).
    let html =
        String::from_utf8_lossy(&file.data).replace(&format!(" nonce=\"{NONCE_PLACEHOLDER}\""), "");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, graphiql_policy(req)))
        .body(html)
}

const GRAPHIQL_NOT_BUILT: &str = "<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\">\
<title>GraphiQL</title><h1>GraphiQL이 빌드되지 않았습니다 · GraphiQL was not built</h1>\
<p>GraphiQL은 콘솔과 함께 빌드됩니다: <code>scripts/build-console.sh</code>를 실행한 뒤 \
<code>storedesk</code>를 다시 빌드하세요. API는 <code>POST /graphql</code>로 계속 쓸 수 있습니다.</p>\
<p>GraphiQL is built with the console: run <code>scripts/build-console.sh</code>, then build \
<code>storedesk</code> again. The API still answers <code>POST /graphql</code>.</p></html>";

/// The console's policy, except for styles: the editor (Monaco) writes `<style>` elements at
/// run time and offers no way to give them a nonce, so this development-only page allows
/// inline styles. Scripts stay strictly this origin's files; its language workers too.
fn graphiql_policy(req: &HttpRequest) -> String {
    let host = req.connection_info().host().to_owned();
    format!(
        "default-src 'self'; script-src 'self'; worker-src 'self'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
         connect-src 'self' ws://{host} wss://{host}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'; form-action 'self'"
    )
}

/// 128 random bits, as CSP nonces want.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// Scripts only from this origin (the build has no inline script), styles from this origin
/// or carrying this response's nonce (the component library's runtime `<style>` tags), live
/// updates over this host's WebSocket, and no framing, plugins or foreign form targets.
fn policy(req: &HttpRequest, nonce: &str) -> String {
    let host = req.connection_info().host().to_owned();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data: blob:; font-src 'self' data:; \
         connect-src 'self' ws://{host} wss://{host}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'; form-action 'self'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_script_and_names_the_nonce() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::HOST, "desk.example"))
            .to_http_request();
        let policy = policy(&req, "abc");
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(policy.contains("'nonce-abc'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("wss://desk.example"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
    }

    #[test]
    fn graphiql_runs_no_inline_script() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let policy = graphiql_policy(&req);
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("nonce"), "{policy}");
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(STANDARD.decode(nonce()).map(|b| b.len()).ok(), Some(16));
    }
}
