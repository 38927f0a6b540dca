//! `TestApp`: a running server with its own database and a clock the test moves.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{TimeZone, Utc};
use futures_util::FutureExt;
use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use serde_json::{Value, json};
use storedesk::Application;
use storedesk::clock::ManualClock;
use storedesk::config::Settings;
use storedesk::payments::SimulatedGateway;
use storedesk::state::AppState;
use tempfile::TempDir;
use tokio::sync::OnceCell;

/// The JWT secret of every test server, so tests can forge tokens.
pub const TEST_JWT_SECRET: [u8; 32] = [42u8; 32];
/// Its key id.
pub const TEST_KID: &str = "test-k1";
/// A password that passes the rules.
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: AppState,
    pub database_url: String,
    /// The payment simulator of this server (tests make refunds fail through it).
    pub gateway: Arc<SimulatedGateway>,
    pg_database: Option<String>,
    /// The server's data dir (mail and SMS files land here).
    _dir: TempDir,
    /// Where the SQLite database file lives.
    _db_dir: Option<TempDir>,
}

/// A signed-in test client.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

/// What a PostgreSQL variant says when it cannot run: a green line must mean the test ran.
const PG_NOT_CONFIGURED: &str = "STOREDESK_TEST_POSTGRES_URL is not set, so the PostgreSQL \
    variant of this test cannot run. Run scripts/test.sh (it sets the local server's URL) or \
    set STOREDESK_TEST_POSTGRES_URL=postgres://user@host:port/db yourself.";

fn pg_admin_url() -> Option<String> {
    std::env::var("STOREDESK_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The PostgreSQL server of the PostgreSQL variants; panics with [`PG_NOT_CONFIGURED`].
fn required_pg_admin_url() -> String {
    pg_admin_url().unwrap_or_else(|| panic!("{PG_NOT_CONFIGURED}"))
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    let mut out = format!("{}/{database}", &base[..cut]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

static PG_CLEANUP: OnceCell<()> = OnceCell::const_new();

/// An empty database of its own: an SQLite file in a temp dir, or a new PostgreSQL database.
pub struct TestDatabase {
    pub url: String,
    pub pg_name: Option<String>,
    pub dir: TempDir,
}

impl TestDatabase {
    /// A new database; on PostgreSQL the test fails when no server is configured.
    pub async fn create(engine: Engine) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match engine {
            Engine::Sqlite => Self {
                url: format!("sqlite://{}", dir.path().join("test.db").display()),
                pg_name: None,
                dir,
            },
            Engine::Postgres => {
                let admin = required_pg_admin_url();
                PG_CLEANUP
                    .get_or_init(|| cleanup_stale_pg_databases(&admin))
                    .await;
                let name = format!(
                    "sdt_{}_{}",
                    std::process::id(),
                    uuid::Uuid::now_v7().simple()
                );
                let db = Database::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                let _ = db.close().await;
                Self {
                    url: with_database(&admin, &name),
                    pg_name: Some(name),
                    dir,
                }
            }
        }
    }

    /// Drops a PostgreSQL database (SQLite files go with the temp dir).
    pub async fn drop_database(&self) {
        drop_pg_database(self.pg_name.clone()).await;
    }
}

async fn drop_pg_database(name: Option<String>) {
    if let (Some(name), Some(admin)) = (name, pg_admin_url())
        && let Ok(db) = Database::connect(&admin).await
    {
        let _ = db
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = db.close().await;
    }
}

/// Whether the test process that created database `name` (`sdt_<pid>_<uuid>`) still runs: a
/// second suite running at the same time on the same server must keep its databases.
fn owner_is_alive(name: &str) -> bool {
    name.strip_prefix("sdt_")
        .and_then(|rest| rest.split('_').next())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Drops databases left behind by earlier runs (a panicking test cannot clean up).
async fn cleanup_stale_pg_databases(admin_url: &str) {
    let db = Database::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    let prefix = format!("sdt_{}_", std::process::id());
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'sdt\\_%'",
        ))
        .await
        .expect("list test databases");
    for row in rows {
        let name: String = row.try_get("", "datname").unwrap();
        if !name.starts_with(&prefix) && !owner_is_alive(&name) {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
    let _ = db.close().await;
}

pub fn test_settings(dir: &TempDir) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        jwt_secret: Some(SecretString::from(STANDARD.encode(TEST_JWT_SECRET))),
        jwt_kid: TEST_KID.into(),
        workers: Some(1),
        hash_concurrency: Some(2),
        // Tests drive the outbox and the sweeps themselves, at the clock they set.
        background_jobs: false,
        ..Settings::default()
    }
    // Tests build their data through the API from one address; the tests of the limits
    // switch them on again.
    .without_rate_limits()
}

impl TestApp {
    /// Starts a server on `engine`.
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with settings adjusted first.
    pub async fn spawn_with(engine: Engine, adjust: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::create(engine).await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap());
        let mut app = Self::start(&database.url, clock, adjust).await;
        app.pg_database = database.pg_name;
        app._db_dir = Some(database.dir);
        app
    }

    /// Another server on this app's database and clock, as a second instance behind a load
    /// balancer would be. Its database is dropped with the first app's.
    pub async fn sibling(&self) -> TestApp {
        self.sibling_with(|_| {}).await
    }

    /// Like [`TestApp::sibling`], with settings adjusted first.
    pub async fn sibling_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(&self.database_url, self.clock.clone(), adjust).await
    }

    async fn start(
        database_url: &str,
        clock: ManualClock,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            storedesk::telemetry::init(storedesk::config::Mode::Development);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = test_settings(&dir);
        settings.database_url = Some(database_url.to_owned());
        adjust(&mut settings);
        let gateway = Arc::new(SimulatedGateway::default());
        let state = storedesk::prepare_state(settings, Arc::new(clock.clone()))
            .await
            .expect("state builds")
            .with_gateway(gateway.clone());
        let app = Application::from_state(state).expect("application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::builder().build().unwrap(),
            clock,
            state,
            database_url: database_url.to_owned(),
            gateway,
            pg_database: None,
            _dir: dir,
            _db_dir: None,
        }
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// Posts a GraphQL document and returns the raw response.
    pub async fn post(&self, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = self.client.post(self.graphql_url()).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Runs a document anonymously.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(None, query, variables).await
    }

    /// Runs a document with an optional bearer token; returns the JSON body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post(token, json!({ "query": query, "variables": variables }))
            .await
            .json()
            .await
            .expect("JSON response")
    }

    pub async fn register(&self, email: &str, role: &str, store_name: Option<&str>) -> Session {
        let body = self
            .gql(
                "mutation($input: RegisterInput!) { register(input: $input) {
                    accessToken refreshToken account { id email } } }",
                json!({ "input": {
                    "email": email, "password": PASSWORD, "name": "Test Person",
                    "role": role, "storeName": store_name
                } }),
            )
            .await;
        session_from(&body, "register")
    }

    pub async fn buyer(&self, email: &str) -> Session {
        self.register(email, "BUYER", None).await
    }

    pub async fn seller(&self, email: &str, store: &str) -> Session {
        self.register(email, "SELLER", Some(store)).await
    }

    /// An agent or admin, created directly through the service (as the CLI does).
    pub async fn staff(&self, email: &str, role: entity::account::Role) -> Session {
        let meta = storedesk::auth::RequestMeta::default();
        storedesk::accounts::service::create_staff(
            &self.state,
            &meta,
            None,
            storedesk::accounts::service::NewStaff {
                email: email.into(),
                name: "Staff Person".into(),
                role,
                password: SecretString::from(PASSWORD.to_owned()),
            },
        )
        .await
        .expect("staff created");
        self.login(email, PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let body = self.try_login(email, password).await;
        session_from(&body, "login")
    }

    pub async fn try_login(&self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
                accessToken refreshToken account { id email } } }",
            json!({ "e": email, "p": password }),
        )
        .await
    }

    /// `me { id }` with `token`: the HTTP status and body.
    pub async fn me(&self, token: &str) -> (u16, Value) {
        let response = self
            .post(Some(token), json!({ "query": "{ me { id email role } }" }))
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { refreshSession(refreshToken: $t) {
                accessToken refreshToken account { id email } } }",
            json!({ "t": refresh_token }),
        )
        .await
    }
}

pub fn session_from(body: &Value, field: &str) -> Session {
    let payload = &body["data"][field];
    assert!(
        payload.is_object(),
        "expected {field} to succeed, got {body}"
    );
    Session {
        id: payload["account"]["id"].as_str().unwrap().to_owned(),
        email: payload["account"]["email"].as_str().unwrap().to_owned(),
        access: payload["accessToken"].as_str().unwrap().to_owned(),
        refresh: payload["refreshToken"].as_str().unwrap().to_owned(),
    }
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {body}"))
}

/// The `extensions.field` of the first error.
pub fn error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

/// Runs `body` against a fresh app on `engine` whose settings `adjust` changed first, then
/// drops its database, even on panic.
pub async fn run_with<F, Fut>(engine: Engine, adjust: impl FnOnce(&mut Settings), body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let app = TestApp::spawn_with(engine, adjust).await;
    let holder = TestAppHandle::from(&app);
    let outcome = AssertUnwindSafe(body(app)).catch_unwind().await;
    holder.teardown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// What teardown needs, kept while the test owns the app.
struct TestAppHandle {
    pg_database: Option<String>,
}

impl From<&TestApp> for TestAppHandle {
    fn from(app: &TestApp) -> Self {
        Self {
            pg_database: app.pg_database.clone(),
        }
    }
}

impl TestAppHandle {
    async fn teardown(self) {
        drop_pg_database(self.pg_database).await;
    }
}

/// Settings for the race tests: several HTTP workers, so racing requests run on different
/// threads at the same moment (one worker would only interleave them at await points).
pub fn several_workers(settings: &mut Settings) {
    settings.workers = Some(4);
}

/// Declares each listed `async fn(Engine)` as a test on SQLite and on PostgreSQL: tests that
/// make their own databases rather than start a server.
#[macro_export]
macro_rules! database_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Engine::Postgres).await;
                }
            )*
        }
    };
}

/// Declares each listed `async fn(TestApp)` as a test on SQLite and on PostgreSQL; a name
/// may be followed by `with adjust`, a `fn(&mut Settings)` applied before the server starts.
#[macro_export]
macro_rules! engine_tests {
    (@adjust) => { |_: &mut storedesk::config::Settings| {} };
    (@adjust $adjust:path) => { $adjust };
    ($($name:ident $(with $adjust:ident)?),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run_with(
                        $crate::helpers::Engine::Sqlite,
                        $crate::engine_tests!(@adjust $(super::$adjust)?),
                        super::$name,
                    )
                    .await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run_with(
                        $crate::helpers::Engine::Postgres,
                        $crate::engine_tests!(@adjust $(super::$adjust)?),
                        super::$name,
                    )
                    .await;
                }
            )*
        }
    };
}

impl TestApp {
    /// Drops this app's PostgreSQL database (tests that spawn apps themselves call it).
    pub async fn teardown(self) {
        drop_pg_database(self.pg_database.clone()).await;
    }

    /// Sets an account's status directly in the database (as a later lock flow would).
    pub async fn set_status(&self, account_id: &str, status: entity::account::AccountStatus) {
        use sea_orm::{ActiveModelTrait, Set};
        entity::account::ActiveModel {
            id: Set(account_id.parse().unwrap()),
            status: Set(status),
            ..Default::default()
        }
        .update(&self.state.db)
        .await
        .unwrap();
    }

    /// A plain GET of a path on this server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// Whether `refreshSession` refuses this token (with `UNAUTHENTICATED`).
    pub async fn refresh_refused(&self, refresh_token: &str) -> bool {
        error_code(&self.refresh(refresh_token).await) == "UNAUTHENTICATED"
    }

    /// `me` without a token.
    pub async fn me_anonymous(&self) -> (u16, Value) {
        let response = self.post(None, json!({ "query": "{ me { id } }" })).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}
