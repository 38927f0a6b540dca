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

engine_tests!(
    create_staff_reads_the_password_from_stdin,
    seed_demo_fills_an_empty_database_once
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
