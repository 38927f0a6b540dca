//! Migrations carry existing data forward: a database made by an earlier version keeps what
//! it knew.

use chrono::{TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::helpers::{Engine, TestDatabase};

/// Email changes recorded in the audit log before `email_history` existed become history
/// rows, so a compromise report with the replaced address still finds the account.
async fn email_changes_of_the_audit_log_become_email_history(engine: Engine) {
    let database = TestDatabase::create(engine).await;
    let (db, _) = storedesk::db::connect(&database.url).await.unwrap();
    // As `storedesk::db::migrate` does: in one transaction, so one connection sees it all.
    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&txn, Some(10)).await.unwrap();
    txn.commit().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
    let id = uuid::Uuid::now_v7();
    entity::account::ActiveModel {
        id: Set(id),
        email: Set("thief@evil.example".into()),
        name: Set("Owner".into()),
        phone: Set(None),
        role: Set(entity::account::Role::Buyer),
        status: Set(entity::account::AccountStatus::Active),
        password_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$x$y".into()),
        locale: Set("ko".into()),
        created_at: Set(at),
        updated_at: Set(at),
        last_login_at: Set(None),
        password_changed_at: Set(at),
    }
    .insert(&db)
    .await
    .unwrap();
    entity::audit_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        actor_id: Set(Some(id)),
        action: Set("account.email_changed".into()),
        target_type: Set(Some("account".into())),
        target_id: Set(Some(id)),
        ip: Set(None),
        user_agent: Set(None),
        details: Set(json!({ "from": "owner@example.com", "to": "thief@evil.example" })),
        created_at: Set(at),
    }
    .insert(&db)
    .await
    .unwrap();

    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&txn, None).await.unwrap();
    txn.commit().await.unwrap();
    let history = entity::email_history::Entity::find()
        .filter(entity::email_history::Column::AccountId.eq(id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].email, "owner@example.com");
    assert_eq!(history[0].changed_at, at);
    let _ = db.close().await;
    database.drop_database().await;
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn email_changes_of_the_audit_log_become_email_history() {
        super::email_changes_of_the_audit_log_become_email_history(crate::helpers::Engine::Sqlite)
            .await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn email_changes_of_the_audit_log_become_email_history() {
        super::email_changes_of_the_audit_log_become_email_history(
            crate::helpers::Engine::Postgres,
        )
        .await;
    }
}
