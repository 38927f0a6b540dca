//! Migrations carry existing data forward: a database made by an earlier version keeps what
//! it knew.

use chrono::{TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::database_tests;
use crate::helpers::{Engine, TestDatabase};

/// Writes an audit event as an earlier version did, straight into the table; returns its id.
async fn record(
    db: &sea_orm::DatabaseConnection,
    account: Option<uuid::Uuid>,
    action: &str,
    details: serde_json::Value,
    at: chrono::DateTime<Utc>,
) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    entity::audit_event::ActiveModel {
        id: Set(id),
        actor_id: Set(account),
        action: Set(action.into()),
        target_type: Set(account.map(|_| "account".into())),
        target_id: Set(account),
        ip: Set(None),
        user_agent: Set(None),
        details: Set(details),
        created_at: Set(at),
    }
    .insert(db)
    .await
    .unwrap();
    id
}

/// Email changes recorded in the audit log before `email_history` existed become history
/// rows, so a compromise report with the replaced address still finds the account.
async fn email_changes_of_the_audit_log_become_email_history(engine: Engine) {
    let database = TestDatabase::create(engine).await;
    let (db, _) = storedesk::db::connect(&database.url).await.unwrap();
    // As `storedesk::db::migrate` does: in one transaction, so one connection sees it all.
    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&*txn, Some(10)).await.unwrap();
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
    record(
        &db,
        Some(id),
        "account.email_changed",
        json!({ "from": "owner@example.com", "to": "thief@evil.example" }),
        at,
    )
    .await;

    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&*txn, None).await.unwrap();
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

/// Audit details that spelled enum values as Rust does (`Card`, `Resolved`) are rewritten to
/// the API's names; other details and other actions are left alone.
async fn old_audit_spellings_become_api_names(engine: Engine) {
    let database = TestDatabase::create(engine).await;
    let (db, _) = storedesk::db::connect(&database.url).await.unwrap();
    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&*txn, Some(16)).await.unwrap();
    txn.commit().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
    let events = [
        (
            "payment.failed",
            json!({ "method": "Card", "failureReason": "CardExpired", "from": "PAYMENT_PENDING" }),
        ),
        (
            "ticket.status_changed",
            json!({ "from": "Resolved", "to": "Closed" }),
        ),
        (
            "ticket.priority_changed",
            json!({ "from": "Normal", "to": "Urgent", "reason": "compromise_confirmed" }),
        ),
        (
            "shipment.event_added",
            json!({ "status": "InTransit", "description": "Hub" }),
        ),
        (
            "account.email_changed",
            json!({ "from": "Card", "to": "x@example.com" }),
        ),
    ];
    let mut ids = Vec::new();
    for (action, details) in events {
        ids.push(record(&db, None, action, details, at).await);
    }

    let txn = storedesk::db::begin_write(&db).await.unwrap();
    Migrator::up(&*txn, None).await.unwrap();
    txn.commit().await.unwrap();
    let mut details = Vec::new();
    for id in ids {
        let event = entity::audit_event::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        details.push(event.details);
    }
    assert_eq!(
        details[0],
        json!({ "method": "CARD", "failureReason": "CARD_EXPIRED", "from": "PAYMENT_PENDING" })
    );
    assert_eq!(details[1], json!({ "from": "RESOLVED", "to": "CLOSED" }));
    assert_eq!(
        details[2],
        json!({ "from": "NORMAL", "to": "URGENT", "reason": "compromise_confirmed" })
    );
    assert_eq!(
        details[3],
        json!({ "status": "IN_TRANSIT", "description": "Hub" })
    );
    // Not an enum detail: untouched.
    assert_eq!(details[4], json!({ "from": "Card", "to": "x@example.com" }));
    let _ = db.close().await;
    database.drop_database().await;
}

database_tests!(
    email_changes_of_the_audit_log_become_email_history,
    old_audit_spellings_become_api_names,
);
