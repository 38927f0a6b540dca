//! SQLite's allocations through mimalloc (`db::allocate_sqlite_with_mimalloc`), as the server
//! chooses at start-up: SQLite accepts the allocator, and a database migrated, written and
//! read through it works.
//!
//! A test binary of its own: SQLite's allocator is chosen once per process, before any other
//! thread has used SQLite, which the other test binaries' parallel tests would break.

#![allow(unsafe_code)]

use sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn sqlite_runs_on_the_allocator_the_server_chooses() {
    // SAFETY: the only test of this binary, and it has not touched SQLite yet.
    let chosen = unsafe { storedesk::db::allocate_sqlite_with_mimalloc() };
    assert_eq!(chosen, Ok(()));

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("storedesk.db").display());
    let (db, _) = storedesk::db::connect(&url).await.unwrap();
    storedesk::db::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();
    // Enough rows, and long enough ones, that SQLite grows its page cache and reallocates.
    db.execute_raw(Statement::from_string(
        backend,
        "CREATE TABLE scratch (n INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_string(
        backend,
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 20000) \
         INSERT INTO scratch SELECT n, printf('%.*c', n % 3000 + 1, '가') FROM k",
    ))
    .await
    .unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS rows, SUM(LENGTH(body)) AS chars FROM scratch",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "rows").unwrap(), 20_000);
    let expected: i64 = (1..=20_000).map(|n| n % 3000 + 1).sum();
    assert_eq!(row.try_get::<i64>("", "chars").unwrap(), expected);
}
