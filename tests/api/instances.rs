//! Several storedesk instances on one database, as behind a load balancer.

use std::sync::Arc;

use serde_json::json;
use storedesk::clock::SystemClock;

use crate::engine_tests;
use crate::helpers::{Engine, PASSWORD, TestApp, TestDatabase, error_code, test_settings};

/// Sessions and lockouts live in the database, so every instance sees them at once.
pub async fn instances_share_sessions_and_lockouts(app: TestApp) {
    let other = app.sibling().await;
    let session = app.buyer("shared@example.com").await;
    assert_eq!(other.me(&session.access).await.0, 200);
    other
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": session.refresh }),
        )
        .await;
    assert_eq!(
        app.me(&session.access).await.0,
        401,
        "logout on one instance ends the session on all"
    );

    for _ in 0..10 {
        app.try_login("shared@example.com", "wrong password").await;
    }
    let body = other.try_login("shared@example.com", PASSWORD).await;
    assert_eq!(
        error_code(&body),
        "UNAUTHENTICATED",
        "the lockout holds on every instance"
    );
}

engine_tests!(instances_share_sessions_and_lockouts);

/// Instances that start together on an empty database migrate it once, without errors.
async fn instances_starting_together_migrate_once(engine: Engine) {
    let database = TestDatabase::create(engine).await;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let starts = dirs.iter().map(|dir| {
        let mut settings = test_settings(dir);
        settings.database_url = Some(database.url.clone());
        storedesk::prepare_state(settings, Arc::new(SystemClock))
    });
    let results = futures_util::future::join_all(starts).await;
    database.drop_database().await;
    for result in results {
        assert!(result.is_ok(), "{:?}", result.err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_instances_starting_together_migrate_once() {
    instances_starting_together_migrate_once(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_instances_starting_together_migrate_once() {
    instances_starting_together_migrate_once(Engine::Postgres).await;
}
