//! GraphQL and HTTP hardening: limits, batching, methods, error shapes, probes.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{TestApp, error_code};

/// A raw POST asking for `application/graphql-response+json`, whose status codes tell
/// request errors apart (under plain `application/json` they answer `200`).
async fn post_raw(app: &TestApp, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.graphql_url())
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn deep_nesting_is_refused(app: TestApp) {
    let mut query = String::from("id");
    for _ in 0..25 {
        query = format!("store {{ owner {{ account {{ {query} }} }} }}");
    }
    let body = app.gql(&format!("{{ me {{ {query} }} }}"), json!({})).await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

pub async fn huge_pages_and_many_aliases_are_refused(app: TestApp) {
    let body = app
        .gql(
            "{ accounts(first: 1000000) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
    let aliases: String = (0..1000).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let body = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
    let directives = "@include(if: true) ".repeat(10);
    let body = app
        .gql(&format!("{{ me {directives} {{ id }} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
}

pub async fn fragment_cycles_and_syntax_errors_are_validation_errors(app: TestApp) {
    let body = app
        .gql("query { me { ...A } } fragment A on Account { store { owner { account { ...B } } } } fragment B on Account { ...A }", json!({}))
        .await;
    // Refused either by the recursion limit or by validation, whichever sees it first.
    assert!(
        ["VALIDATION", "LIMIT_EXCEEDED"].contains(&error_code(&body)),
        "{body}"
    );
    assert!(body["data"].is_null());
    let body = app.gql("{ me { id ", json!({})).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    let body = app.gql("{ noSuchField }", json!({})).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
}

pub async fn batches_are_refused(app: TestApp) {
    let batch = json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" }]);
    let (status, body) = post_raw(&app, serde_json::to_vec(&batch).unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "VALIDATION");
}

pub async fn mutations_over_get_are_refused(app: TestApp) {
    let url = format!(
        "{}?query={}",
        app.graphql_url(),
        urlencode("mutation { logout(refreshToken: \"x\") }")
    );
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "VALIDATION");
    // Queries over GET work.
    let url = format!("{}?query={}", app.graphql_url(), urlencode("{ me { id } }"));
    let body: Value = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["data"]["me"].is_null() && body["errors"].is_null(),
        "{body}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn oversized_bodies_and_queries_are_refused(app: TestApp) {
    let padding = "x".repeat(10 * 1024 * 1024);
    let big =
        serde_json::to_vec(&json!({ "query": "{ me { id } }", "variables": { "pad": padding } }))
            .unwrap();
    let (status, body) = post_raw(&app, big).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED");

    let long_query = format!("{{ me {{ id }} }} # {}", "x".repeat(40 * 1024));
    let (status, body) = post_raw(
        &app,
        serde_json::to_vec(&json!({ "query": long_query })).unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED");

    let (status, body) = post_raw(&app, b"{ not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "VALIDATION");
}

pub async fn internal_errors_do_not_leak_details(app: TestApp) {
    let seller = app.seller("leak@example.com", "새는가게").await;
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("ALTER TABLE stores RENAME TO stores_gone")
        .await
        .unwrap();
    let body = app
        .gql_as(Some(&seller.access), "{ me { store { name } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    let text = body.to_string().to_lowercase();
    for secret in [
        "stores",
        "select",
        "sqlite",
        "postgres",
        "relation",
        "/tmp",
        "no such table",
    ] {
        assert!(!text.contains(secret), "leaked {secret:?}: {body}");
    }
}

pub async fn probes_and_request_ids_work(app: TestApp) {
    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status().as_u16(), 200);
    let graphiql = app.client.get(app.graphql_url()).send().await.unwrap();
    assert_eq!(graphiql.status().as_u16(), 200);
    let policy = graphiql.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = graphiql.text().await.unwrap();
    assert!(page.contains("GraphiQL"), "{page}");
    // Bundled with the console (or a page saying how to build it): nothing from another host.
    assert!(
        !page.contains("https://") && !page.contains("http://"),
        "{page}"
    );
}

/// A NUL character in any argument or variable is refused before anything runs. Found by
/// the API fuzzer: `orderByNumber(orderNumber: "\u0000")` reached PostgreSQL, which cannot
/// store or compare NUL in text, and answered INTERNAL.
pub async fn nul_characters_in_arguments_are_refused(app: TestApp) {
    let buyer = app.buyer("nul@example.com").await;
    for (document, variables) in [
        (
            r#"{ orderByNumber(orderNumber: "\u0000") { id } }"#,
            json!({}),
        ),
        (
            r#"{ orders(filter: { search: "a\u0000b" }) { totalCount } }"#,
            json!({}),
        ),
        (
            "query($n: String!) { orderByNumber(orderNumber: $n) { id } }",
            json!({ "n": "\u{0}" }),
        ),
        (r#"{ faqSearch(query: "배송\u0000") { score } }"#, json!({})),
    ] {
        let body = app.gql_as(Some(&buyer.access), document, variables).await;
        assert_eq!(error_code(&body), "VALIDATION", "{document}: {body}");
    }
    let login = app
        .gql(
            "mutation($e: String!) { login(email: $e, password: \"correct horse battery\") { accessToken } }",
            json!({ "e": "nul@example.com\u{0}" }),
        )
        .await;
    assert_eq!(error_code(&login), "VALIDATION", "{login}");
}

engine_tests!(
    nul_characters_in_arguments_are_refused,
    deep_nesting_is_refused,
    huge_pages_and_many_aliases_are_refused,
    fragment_cycles_and_syntax_errors_are_validation_errors,
    batches_are_refused,
    mutations_over_get_are_refused,
    oversized_bodies_and_queries_are_refused,
    internal_errors_do_not_leak_details,
    probes_and_request_ids_work,
);

/// Production mode: no introspection, no suggestions (no server needed).
#[tokio::test]
async fn production_hides_the_schema() {
    let settings = storedesk::config::Settings {
        mode: storedesk::config::Mode::Production,
        ..storedesk::config::Settings::default()
    };
    let schema = storedesk::graphql::build_schema(&settings);
    let response = schema.execute("{ __schema { types { name } } }").await;
    let data = serde_json::to_value(&response.data).unwrap();
    assert!(
        data["__schema"].is_null() || !response.errors.is_empty(),
        "{data}"
    );
    let response = schema.execute("{ mee { id } }").await;
    assert!(
        !response.errors[0].message.contains("Did you mean"),
        "{}",
        response.errors[0].message
    );

    let dev = storedesk::graphql::build_schema(&storedesk::config::Settings::default());
    let response = dev.execute("{ __schema { types { name } } }").await;
    assert!(response.errors.is_empty());
}

/// The embedded database runs in WAL mode with foreign keys enforced.
#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn(crate::helpers::Engine::Sqlite).await;
    let backend = app.state.db.get_database_backend();
    for (pragma, expected) in [("journal_mode", "wal"), ("foreign_keys", "1")] {
        let row = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("PRAGMA {pragma}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let value: String = row
            .try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
            .unwrap();
        assert_eq!(value, expected, "PRAGMA {pragma}");
    }
}

/// `/metrics` speaks Prometheus; in production it needs the configured bearer token.
#[tokio::test]
async fn metrics_are_exposed_to_operators_only() {
    let app = TestApp::spawn(crate::helpers::Engine::Sqlite).await;
    app.try_login("nobody@example.com", "wrong password").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for metric in [
        "storedesk_http_requests_total",
        "storedesk_http_request_duration_seconds_bucket",
        "storedesk_logins_total",
        "storedesk_graphql_errors_total",
        "storedesk_db_statements_total",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
    assert!(text.contains("route=\"/graphql\""), "{text}");
    // Made-up methods and paths do not become label values (each would be a new series).
    let made_up = reqwest::Method::from_bytes(b"FOOBARMETHOD").unwrap();
    for path in ["/graphql", "/no-such-page-4f2a9"] {
        app.client
            .request(made_up.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
    }
    app.get("/another-made-up-path-77c1").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for invented in ["FOOBARMETHOD", "no-such-page", "another-made-up-path"] {
        assert!(
            !text.contains(invented),
            "{invented} became a label:\n{text}"
        );
    }
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(text.contains("route=\"other\""), "{text}");

    // In production: absent without a configured token, and with one, only for its bearer.
    for token in [None, Some("scrape-me")] {
        let app = TestApp::spawn_with(crate::helpers::Engine::Sqlite, |settings| {
            settings.mode = storedesk::config::Mode::Production;
            settings.mail_transport = storedesk::config::MailTransport::Smtp;
            settings.smtp_url = Some("smtp://127.0.0.1:2525".to_owned().into());
            settings.metrics_token = token.map(|t| secrecy::SecretString::from(t.to_owned()));
        })
        .await;
        let scrape = |bearer: Option<&str>| {
            let mut request = app.client.get(format!("{}/metrics", app.address));
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(scrape(None).await, 404);
        assert_eq!(scrape(Some("guess")).await, 404);
        assert_eq!(scrape(token).await, if token.is_some() { 200 } else { 404 });
    }
}

/// Browsers may call the API only from configured origins; every response carries the
/// security headers.
#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::spawn_with(crate::helpers::Engine::Sqlite, |settings| {
        settings.cors_origins = vec!["https://seller.example.com".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://seller.example.com").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://seller.example.com"
    );
    let refused = preflight("https://evil.example.net").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let response = app.get("/healthz").await;
    assert_eq!(
        response.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(response.headers().get("x-frame-options").unwrap(), "DENY");
}
