//! Audit events are written with each change, with who, what, where and when.

use entity::account::Role;
use entity::audit_event;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp};

pub async fn each_account_event_leaves_an_audit_record(app: TestApp) {
    let admin = app.staff("audit-admin@example.com", Role::Admin).await;
    let buyer = app.buyer("audit@example.com").await;
    app.try_login("audit@example.com", "wrong password").await;
    let second = app.login("audit@example.com", PASSWORD).await;
    let rotated = app.refresh(&second.refresh).await;
    assert!(rotated["data"]["refreshSession"].is_object());
    app.refresh(&second.refresh).await; // reuse
    app.gql_as(
        Some(&buyer.access),
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
        json!({ "c": PASSWORD, "n": "another good secret" }),
    )
    .await;
    app.gql(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": buyer.refresh }),
    )
    .await;
    app.gql_as(
        Some(&admin.access),
        "mutation { createStaffAccount(input: { email: \"new-agent@example.com\", name: \"N\", role: AGENT, password: \"a good long secret\" }) { id } }",
        json!({}),
    )
    .await;

    let events = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "account.staff_created",
            "auth.login_succeeded",
            "account.registered",
            "auth.login_failed",
            "auth.login_succeeded",
            "auth.refresh_reuse_detected",
            "account.password_changed",
            "auth.logged_out",
            "account.staff_created",
        ]
    );
    let buyer_id: uuid::Uuid = buyer.id.parse().unwrap();
    let failed = &events[3];
    assert_eq!(failed.target_id, Some(buyer_id));
    assert_eq!(failed.details["reason"], "wrong_password");
    assert_eq!(failed.ip.as_deref(), Some("127.0.0.1"));
    let changed = &events[6];
    assert_eq!(changed.actor_id, Some(buyer_id));
    let created = &events[8];
    assert_eq!(created.actor_id, Some(admin.id.parse().unwrap()));
    assert_eq!(created.details["role"], "AGENT");
    assert!(
        events.iter().all(|e| e.created_at == events[0].created_at),
        "the test clock stands still"
    );
}

engine_tests!(each_account_event_leaves_an_audit_record);
