//! Write transactions take turns: many at once all commit (none fails as busy), a turn given
//! up without a commit passes to the next writer, and each SQLite file has turns of its own.

use std::time::Duration;

use entity::cache_revision;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QuerySelect, Set};

use crate::database_tests;
use crate::helpers::{Engine, TestDatabase};

/// A migrated database of its own.
async fn database(engine: Engine) -> (TestDatabase, DatabaseConnection) {
    let database = TestDatabase::create(engine).await;
    let (db, _) = storedesk::db::connect(&database.url).await.unwrap();
    storedesk::db::migrate(&db).await.unwrap();
    (database, db)
}

fn row(name: &str, revision: i64) -> cache_revision::ActiveModel {
    cache_revision::ActiveModel {
        name: Set(name.to_owned()),
        revision: Set(revision),
    }
}

/// Forty writers at once, each reading the counter and writing it back one higher in its own
/// transaction (a read, then writes: what a deferred SQLite transaction fails as busy): every
/// one commits and no increment is lost.
async fn simultaneous_write_transactions_all_commit(engine: Engine) {
    let (database, db) = database(engine).await;
    row("turns", 0).insert(&db).await.unwrap();
    let writers = (0..40).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let txn = storedesk::db::begin_write(&db).await?;
            let seen = cache_revision::Entity::find_by_id("turns")
                .lock_exclusive()
                .one(&txn)
                .await?
                .expect("the counter row")
                .revision;
            row("turns", seen + 1).update(&txn).await?;
            row(&format!("writer-{i}"), seen).insert(&txn).await?;
            txn.commit().await
        })
    });
    for writer in futures_util::future::join_all(writers).await {
        writer
            .expect("the writer ran")
            .expect("the writer committed");
    }
    let counter = cache_revision::Entity::find_by_id("turns")
        .one(&db)
        .await
        .unwrap()
        .expect("the counter row");
    assert_eq!(counter.revision, 40);
    database.drop_database().await;
}

/// A write transaction dropped without a commit (a request that failed half-way) rolls back
/// and lets the next writer in at once.
async fn a_dropped_write_transaction_gives_its_turn_to_the_next(engine: Engine) {
    let (database, db) = database(engine).await;
    let txn = storedesk::db::begin_write(&db).await.unwrap();
    row("dropped", 1).insert(&txn).await.unwrap();
    drop(txn);
    // A guard against a hang, not a wait for a deadline: the turn is free at once.
    let next = tokio::time::timeout(Duration::from_secs(5), storedesk::db::begin_write(&db))
        .await
        .expect("the next writer got its turn")
        .unwrap();
    row("next", 1).insert(&next).await.unwrap();
    next.commit().await.unwrap();
    assert!(
        cache_revision::Entity::find_by_id("dropped")
            .one(&db)
            .await
            .unwrap()
            .is_none(),
        "the dropped transaction rolled back"
    );
    assert!(
        cache_revision::Entity::find_by_id("next")
            .one(&db)
            .await
            .unwrap()
            .is_some()
    );
    database.drop_database().await;
}

/// Turns are per database file: a writer holding one file's turn does not hold up another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sqlite_file_has_turns_of_its_own() {
    let (_first, first_db) = database(Engine::Sqlite).await;
    let (_second, second_db) = database(Engine::Sqlite).await;
    let held = storedesk::db::begin_write(&first_db).await.unwrap();
    let other = tokio::time::timeout(
        Duration::from_secs(5),
        storedesk::db::begin_write(&second_db),
    )
    .await
    .expect("another file's writer is not held up")
    .unwrap();
    other.commit().await.unwrap();
    held.commit().await.unwrap();
}

database_tests!(
    simultaneous_write_transactions_all_commit,
    a_dropped_write_transaction_gives_its_turn_to_the_next,
);
