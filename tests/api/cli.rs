//! The `storedesk` command line against a real database.

use std::io::Write;
use std::process::{Command, Stdio};

use entity::account;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp};

fn storedesk(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_storedesk"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("STOREDESK_DATA_DIR", data_dir.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub async fn create_staff_reads_the_password_from_stdin(app: TestApp) {
    let output = storedesk(
        &app,
        &[
            "create-staff",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--role",
            "ADMIN",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let row = account::Entity::find()
        .filter(account::Column::Email.eq("ops@example.com"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.role, account::Role::Admin);
    app.login("ops@example.com", PASSWORD).await;

    let weak = storedesk(
        &app,
        &[
            "create-staff",
            "--email",
            "w@example.com",
            "--name",
            "W",
            "--role",
            "AGENT",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
}

pub async fn seed_demo_fills_an_empty_database_once(app: TestApp) {
    let output = storedesk(&app, &["seed", "--demo"], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.contains("buyer.minji@storedesk.test"))
        .unwrap();
    let password = line.split_whitespace().last().unwrap();
    app.login("buyer.minji@storedesk.test", password).await;
    for role in ["ADMIN", "AGENT", "SELLER", "BUYER"] {
        assert!(stdout.contains(role), "{stdout}");
    }
    let again = storedesk(&app, &["seed", "--demo"], "");
    assert!(!again.status.success());
}

/// Whatever day the demo starts (here a Monday at 02:00 in Seoul, after a weekend), its queue
/// has tickets about orders past their first-response target, which the console's
/// walkthrough and the browser tests open. Two days and 20 hours back fell on the weekend.
pub async fn the_demo_queue_has_a_breaching_ticket_on_any_day(app: TestApp) {
    use chrono::TimeZone;
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2026, 12, 6, 17, 0, 0).unwrap());
    storedesk::seed::seed_demo(&app.state).await.unwrap();
    let agent = app
        .staff("agent.check@example.com", account::Role::Agent)
        .await;
    let body = app
        .gql_as(
            Some(&agent.access),
            "{ tickets(filter: { slaBreached: true, status: OPEN }, first: 50) {
                edges { node { order { orderNumber } } } } }",
            serde_json::json!({}),
        )
        .await;
    let edges = body["data"]["tickets"]["edges"].as_array().unwrap();
    // Two: the browser tests answer one and open the other.
    let about_orders = edges
        .iter()
        .filter(|edge| !edge["node"]["order"].is_null())
        .count();
    assert!(about_orders >= 2, "{body}");
}

engine_tests!(
    create_staff_reads_the_password_from_stdin,
    seed_demo_fills_an_empty_database_once,
    the_demo_queue_has_a_breaching_ticket_on_any_day
);

#[test]
fn export_schema_prints_the_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_storedesk"))
        .arg("export-schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        storedesk::graphql::sdl()
    );
}

#[test]
fn production_refuses_to_start_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_storedesk"))
        .arg("migrate")
        .env("STOREDESK_MODE", "production")
        .env("STOREDESK_DATA_DIR", dir.path())
        .env_remove("STOREDESK_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("STOREDESK_JWT_SECRET"));
}

/// The server logs one line per request with its request id, and never a query string: a
/// password sent in a GET URL stays out of the logs.
#[test]
fn the_access_log_carries_request_ids_and_no_query_strings() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_storedesk"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("STOREDESK_DATA_DIR", dir.path())
        .env("STOREDESK_MODE", "production")
        .env("STOREDESK_MAIL_TRANSPORT", "smtp")
        .env("STOREDESK_SMTP_URL", "smtp://127.0.0.1:2525")
        .env(
            "STOREDESK_JWT_SECRET",
            "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
        )
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("server log ends before listening")
            .unwrap();
        if line.contains("storedesk is listening") {
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            break value["fields"]["port"].as_u64().unwrap();
        }
    };
    let secret = "Sup3rSecretPassw0rd";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let request_id = runtime.block_on(async {
        let client = reqwest::Client::new();
        let url = format!(
            "http://127.0.0.1:{port}/graphql?query=mutation%7Blogin(email%3A%22a%40b.co%22%2Cpassword%3A%22{secret}%22)%7BaccessToken%7D%7D"
        );
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405);
        response.headers()["x-request-id"].to_str().unwrap().to_owned()
    });
    terminate(&mut child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let log = rest.join("\n");
    assert!(
        !log.contains(secret),
        "password leaked into the log:\n{log}"
    );
    let served = rest
        .iter()
        .find(|line| line.contains("request served") && line.contains(&request_id))
        .unwrap_or_else(|| panic!("no access-log line with the request id:\n{log}"));
    assert!(served.contains("\"status\":405"), "{served}");
}

fn terminate(child: &mut std::process::Child) {
    // SIGTERM: the graceful path production uses.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
