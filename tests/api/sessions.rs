//! Refresh rotation, reuse detection, logout, password change, session limits.

use entity::account::AccountStatus;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp, error_code, session_from, several_workers};

const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const LOGOUT: &str =
    "mutation($t: String!, $e: Boolean) { logout(refreshToken: $t, everywhere: $e) }";

pub async fn refreshing_rotates_both_tokens(app: TestApp) {
    let session = app.buyer("r@example.com").await;
    app.clock.advance(chrono::Duration::minutes(5));
    let body = app.refresh(&session.refresh).await;
    let rotated = session_from(&body, "refreshSession");
    assert_ne!(rotated.refresh, session.refresh);
    assert_ne!(rotated.access, session.access);
    assert_eq!(app.me(&rotated.access).await.0, 200);
    // The rotated token works once more, and so on.
    let again = session_from(&app.refresh(&rotated.refresh).await, "refreshSession");
    assert_eq!(app.me(&again.access).await.0, 200);
}

pub async fn a_replayed_refresh_token_revokes_the_session(app: TestApp) {
    let session = app.buyer("replay@example.com").await;
    let rotated = session_from(&app.refresh(&session.refresh).await, "refreshSession");
    // The first token is presented again: someone copied it.
    let replay = app.refresh(&session.refresh).await;
    assert_eq!(error_code(&replay), "UNAUTHENTICATED");
    // The whole session is dead: the newest access token fails on the very next request...
    let (status, body) = app.me(&rotated.access).await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // ...and so does the newest refresh token.
    assert!(app.refresh_refused(&rotated.refresh).await);
    // Other sessions of the same account are untouched.
    let other = app.login("replay@example.com", PASSWORD).await;
    assert_eq!(app.me(&other.access).await.0, 200);
}

pub async fn concurrent_uses_of_one_refresh_token_have_one_winner(app: TestApp) {
    let session = app.buyer("race@example.com").await;
    let attempts = (0..6).map(|_| app.refresh(&session.refresh));
    let results = futures_util::future::join_all(attempts).await;
    let winners = results
        .iter()
        .filter(|body| body["data"]["refreshSession"].is_object())
        .count();
    assert_eq!(winners, 1, "{results:?}");
    for body in results
        .iter()
        .filter(|body| body["data"]["refreshSession"].is_null())
    {
        assert_eq!(error_code(body), "UNAUTHENTICATED");
    }
}

pub async fn logout_ends_one_session_or_all(app: TestApp) {
    app.buyer("out@example.com").await;
    let a = app.login("out@example.com", PASSWORD).await;
    let b = app.login("out@example.com", PASSWORD).await;
    let c = app.login("out@example.com", PASSWORD).await;
    let body = app.gql(LOGOUT, json!({ "t": a.refresh })).await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_eq!(app.me(&a.access).await.0, 401);
    assert!(app.refresh_refused(&a.refresh).await);
    assert_eq!(app.me(&b.access).await.0, 200);

    let body = app.gql(LOGOUT, json!({ "t": b.refresh, "e": true })).await;
    assert_eq!(body["data"]["logout"], true);
    assert_eq!(app.me(&b.access).await.0, 401);
    assert_eq!(app.me(&c.access).await.0, 401);
    // An unknown token answers the same, revealing nothing.
    let body = app.gql(LOGOUT, json!({ "t": "no-such-token" })).await;
    assert_eq!(body["data"]["logout"], true, "{body}");
}

pub async fn changing_the_password_ends_the_other_sessions(app: TestApp) {
    let here = app.buyer("change@example.com").await;
    let elsewhere = app.login("change@example.com", PASSWORD).await;
    let body = app
        .gql_as(
            Some(&here.access),
            CHANGE,
            json!({ "c": PASSWORD, "n": "a brand new secret" }),
        )
        .await;
    assert_eq!(body["data"]["changePassword"], true, "{body}");
    assert_eq!(app.me(&here.access).await.0, 200);
    assert_eq!(app.me(&elsewhere.access).await.0, 401);
    assert!(app.refresh_refused(&elsewhere.refresh).await);
    assert_eq!(
        error_code(&app.try_login("change@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    app.login("change@example.com", "a brand new secret").await;
}

pub async fn changing_the_password_checks_both_passwords(app: TestApp) {
    let session = app.buyer("check@example.com").await;
    let body = app
        .gql_as(
            Some(&session.access),
            CHANGE,
            json!({ "c": "not my password", "n": "a brand new secret" }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    assert_eq!(body["errors"][0]["extensions"]["field"], "currentPassword");
    let body = app
        .gql_as(
            Some(&session.access),
            CHANGE,
            json!({ "c": PASSWORD, "n": "short" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "newPassword");
    let body = app
        .gql(CHANGE, json!({ "c": PASSWORD, "n": "a brand new secret" }))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

pub async fn a_locked_account_fails_on_the_next_request(app: TestApp) {
    let session = app.buyer("lockme@example.com").await;
    assert_eq!(app.me(&session.access).await.0, 200);
    app.set_status(&session.id, AccountStatus::Locked).await;
    assert_eq!(app.me(&session.access).await.0, 401);
    assert!(app.refresh_refused(&session.refresh).await);
}

pub async fn sessions_end_after_idle_and_absolute_limits(app: TestApp) {
    let idle = app.buyer("idle@example.com").await;
    app.clock.advance(chrono::Duration::days(15));
    assert!(app.refresh_refused(&idle.refresh).await);

    let mut active = app.login("idle@example.com", PASSWORD).await;
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::days(9));
        active = session_from(&app.refresh(&active.refresh).await, "refreshSession");
    }
    // 30 days after sign-in the session ends even though it was used 4 days ago.
    app.clock.advance(chrono::Duration::days(4));
    assert!(app.refresh_refused(&active.refresh).await);
}

pub async fn an_access_token_expires_after_fifteen_minutes(app: TestApp) {
    let session = app.buyer("exp@example.com").await;
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(app.me(&session.access).await.0, 200);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(app.me(&session.access).await.0, 401);
    let fresh = session_from(&app.refresh(&session.refresh).await, "refreshSession");
    assert_eq!(app.me(&fresh.access).await.0, 200);
}

engine_tests!(
    refreshing_rotates_both_tokens,
    a_replayed_refresh_token_revokes_the_session,
    concurrent_uses_of_one_refresh_token_have_one_winner with several_workers,
    logout_ends_one_session_or_all,
    changing_the_password_ends_the_other_sessions,
    changing_the_password_checks_both_passwords,
    a_locked_account_fails_on_the_next_request,
    sessions_end_after_idle_and_absolute_limits,
    an_access_token_expires_after_fifteen_minutes,
    housekeeping_purges_only_long_ended_sessions,
);

/// Housekeeping removes sessions 30 days after they ended (with their refresh tokens) and
/// counters that lock nothing, and keeps live sessions and the audit log.
pub async fn housekeeping_purges_only_long_ended_sessions(app: TestApp) {
    use entity::{audit_event, refresh_token, session};
    use sea_orm::{EntityTrait, PaginatorTrait};
    use storedesk::clock::Clock;
    let ended = app.buyer("ended@example.com").await;
    app.gql(LOGOUT, json!({ "t": ended.refresh })).await;
    app.try_login("ended@example.com", "wrong password").await;
    let audit_before = audit_event::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();

    app.clock.advance(chrono::Duration::days(29));
    let live = app.login("ended@example.com", PASSWORD).await;
    let purged = storedesk::jobs::purge_expired(&app.state.db, &app.state, app.clock.now())
        .await
        .unwrap();
    assert_eq!(purged.sessions, 0, "ended 29 days ago: kept");
    assert_eq!(
        purged.throttle_rows, 2,
        "the IP and global failure counters no longer lock anything"
    );

    app.clock.advance(chrono::Duration::days(2));
    let purged = storedesk::jobs::purge_expired(&app.state.db, &app.state, app.clock.now())
        .await
        .unwrap();
    assert_eq!(purged.sessions, 1);
    assert_eq!(
        session::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
    assert_eq!(
        refresh_token::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.me(&live.access).await.0,
        401,
        "the access token itself expired long ago"
    );
    assert!(app.refresh(&live.refresh).await["data"]["refreshSession"].is_object());
    let audit_after = audit_event::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(audit_after > audit_before, "audit events are never purged");
}
