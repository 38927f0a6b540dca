//! Account security (SECURITY.md "Password reset and account recovery", DOMAIN.md "Accounts
//! and security"): forgot-password links, compromise reports (a stranger's report locks
//! nothing; the owner locks from the emailed link or while signed in), recovery by an agent,
//! contact changes, and what owners see of their sessions and security events.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use storedesk::clock::Clock;

use crate::engine_tests;
use crate::helpers::{PASSWORD, Session, TestApp, error_code, error_field, several_workers};
use crate::shop::*;

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
pub(crate) const REPORT: &str =
    "mutation($e: String!, $d: String!) { reportAccountCompromise(email: $e, description: $d) }";
const RECOVER: &str =
    "mutation($t: String!, $p: String!) { completeAccountRecovery(token: $t, newPassword: $p) }";
pub(crate) const LOCK: &str = "mutation($t: String!) { lockAccountWithToken(token: $t) }";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// Outbox messages to `address`: (kind, body), oldest first.
pub(crate) async fn mail_to(app: &TestApp, address: &str) -> Vec<(String, String)> {
    entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Address.eq(address))
        .order_by_asc(entity::outbox_message::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.kind, m.body))
        .collect()
}

/// The token of the newest link of `kind` sent to `address`.
pub(crate) async fn link_token(app: &TestApp, address: &str, kind: &str) -> String {
    let mail = mail_to(app, address).await;
    let (_, body) = mail
        .iter()
        .rev()
        .find(|(k, _)| k == kind)
        .unwrap_or_else(|| panic!("no {kind} mail to {address}: {mail:?}"));
    let link = body
        .lines()
        .find(|line| line.contains("?token="))
        .unwrap_or_else(|| panic!("no link in {body}"));
    assert!(
        link.starts_with(&app.state.settings.public_url),
        "links come from the configured public URL: {link}"
    );
    link.split("?token=").nth(1).unwrap().trim().to_owned()
}

async fn audit_actions(app: &TestApp, account_id: &str) -> Vec<String> {
    let id: uuid::Uuid = account_id.parse().unwrap();
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::TargetId.eq(id))
        .order_by_asc(entity::audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Value {
    app.gql(RESET, json!({ "t": token, "p": password })).await
}

pub async fn a_reset_request_reveals_nothing_and_links_come_from_configuration(app: TestApp) {
    let buyer = app.buyer("owner@example.com").await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.graphql_url())
                .header("X-Forwarded-Host", "evil.example")
                .header("Host", "evil.example")
                .json(&json!({ "query": REQUEST, "variables": { "e": email } }))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let known = ask("Owner@Example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(known, unknown, "same status and body");
    assert_eq!(known.0, 200);
    assert!(known.1.contains("true"));
    let mail = mail_to(&app, "owner@example.com").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "account.password_reset_link");
    assert!(!mail[0].1.contains("evil.example"), "{}", mail[0].1);
    link_token(&app, "owner@example.com", "account.password_reset_link").await;
    assert!(mail_to(&app, "nobody@example.com").await.is_empty());
    // Delivered as plain text and HTML; the HTML loads nothing and links only to us.
    deliver_mail(&app).await;
    let sent: Vec<String> = sent_mail(&app).iter().map(|m| mail_text(m)).collect();
    assert_eq!(sent.len(), 1);
    let text = &sent[0];
    assert!(
        text.contains("text/plain") && text.contains("text/html"),
        "{text}"
    );
    let public = &app.state.settings.public_url;
    assert!(
        text.contains(&format!("<a href=\"{public}/reset-password?token=")),
        "{text}"
    );
    assert!(!text.contains("<img") && !text.contains("evil.example"));
    // The link opens a page that sets the password through the public API; the page keeps
    // the token to itself (no cache, no referrer, no framing, no foreign scripts).
    for path in ["/reset-password?token=abc", "/recover-account?token=abc"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200);
        let headers = page.headers().clone();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"));
        // The console's own page (its script reads the token), never revalidated or stored.
        assert!(headers.get("etag").is_none());
        let html = page.text().await.unwrap();
        assert!(
            html.contains("<title>") && !html.contains("token="),
            "{html}"
        );
    }
    // Once delivered, the link is gone from the outbox.
    let stored = mail_to(&app, "owner@example.com").await;
    assert!(!stored[0].1.contains("token="), "{}", stored[0].1);
    // Asking changes nothing: the old password still works.
    app.login(&buyer.email, PASSWORD).await;
    let bad = app.gql(REQUEST, json!({ "e": "not an email" })).await;
    assert_eq!(
        (error_code(&bad), error_field(&bad)),
        ("VALIDATION", "email")
    );
}

pub async fn a_reset_link_works_once_expires_and_yields_to_a_newer_one(app: TestApp) {
    let buyer = app.buyer("owner@example.com").await;
    // Someone locked the owner out with wrong guesses; the owner can still reset.
    let max = app.state.settings.login_max_failures_per_email;
    for _ in 0..max {
        app.try_login(&buyer.email, "wrong password!").await;
    }
    assert_eq!(
        error_code(&app.try_login(&buyer.email, PASSWORD).await),
        "UNAUTHENTICATED",
        "locked out"
    );
    app.gql(REQUEST, json!({ "e": buyer.email })).await;
    let first = link_token(&app, &buyer.email, "account.password_reset_link").await;
    // At least 128 random bits, and only a hash of it is stored.
    assert!(first.len() >= 22, "{first}");
    let stored: Vec<String> = entity::account_token::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.token_hash)
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(
        stored
            .iter()
            .all(|hash| hash.len() == 64 && !hash.contains(&first))
    );
    app.gql(REQUEST, json!({ "e": buyer.email })).await;
    let second = link_token(&app, &buyer.email, "account.password_reset_link").await;
    assert_ne!(first, second);
    // The newer link supersedes the older one.
    let old = reset(&app, &first, NEW_PASSWORD).await;
    assert_eq!(
        (error_code(&old), error_field(&old)),
        ("VALIDATION", "token")
    );
    // A weak password is refused without using the link up.
    let weak = reset(&app, &second, "short").await;
    assert_eq!(error_field(&weak), "newPassword");
    let done = reset(&app, &second, NEW_PASSWORD).await;
    assert_eq!(done["data"]["resetPassword"], true, "{done}");
    assert!(
        done["data"]["accessToken"].is_null(),
        "a reset does not sign in"
    );
    // Every old session is over at once; the new password works, the old one does not.
    assert_eq!(app.me(&buyer.access).await.0, 401);
    assert!(app.refresh_refused(&buyer.refresh).await);
    // The lockout was cleared with the reset: the new password works at once.
    app.login(&buyer.email, NEW_PASSWORD).await;
    assert_eq!(
        error_code(&app.try_login(&buyer.email, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    // Used once, never again; the owner was told.
    let again = reset(&app, &second, "yet another passphrase").await;
    assert_eq!(error_field(&again), "token");
    let kinds: Vec<String> = mail_to(&app, &buyer.email)
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("account.password_changed")
    );
    // A link expires after 30 minutes.
    app.gql(REQUEST, json!({ "e": buyer.email })).await;
    let late = link_token(&app, &buyer.email, "account.password_reset_link").await;
    app.clock.advance(Duration::minutes(31));
    assert_eq!(
        error_field(&reset(&app, &late, "late passphrase here").await),
        "token"
    );
    // A reset link is no recovery link, and the reverse.
    app.gql(REQUEST, json!({ "e": buyer.email })).await;
    let fresh = link_token(&app, &buyer.email, "account.password_reset_link").await;
    let wrong_kind = app
        .gql(RECOVER, json!({ "t": fresh, "p": "wrong kind passphrase" }))
        .await;
    assert_eq!(error_field(&wrong_kind), "token");
    let actions = audit_actions(&app, &buyer.id).await;
    assert!(
        actions.contains(&"account.password_reset".to_owned()),
        "{actions:?}"
    );
}

pub async fn two_racing_resets_with_one_link_let_exactly_one_win(app: TestApp) {
    let buyer = app.buyer("owner@example.com").await;
    app.gql(REQUEST, json!({ "e": buyer.email })).await;
    let token = link_token(&app, &buyer.email, "account.password_reset_link").await;
    let attempts = (0..8).map(|n| {
        let app = &app;
        let token = token.clone();
        async move { reset(app, &token, &format!("racing passphrase {n}")).await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results
        .iter()
        .filter(|r| r["data"]["resetPassword"] == true)
        .count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r["data"]["resetPassword"] != true)
            .all(|r| error_field(r) == "token")
    );
}

/// The whole story: a takeover, the report, the lock, the agent's check and the recovery.
pub async fn a_hacked_account_is_locked_reviewed_and_recovered(app: TestApp) {
    let shop = Shop::open(&app).await;
    let owner = shop.buyer_a.clone();
    let original = owner.email.clone();
    // The attacker, signed in with a stolen password, changes the sign-in email.
    let thief = app.login(&original, PASSWORD).await;
    let changed = app
        .gql_as(
            Some(&thief.access),
            "mutation($p: String!, $e: String!) { changeEmail(currentPassword: $p, newEmail: $e) { email } }",
            json!({ "p": PASSWORD, "e": "thief@evil.example" }),
        )
        .await;
    assert_eq!(
        changed["data"]["changeEmail"]["email"], "thief@evil.example",
        "{changed}"
    );
    // The old address heard of the change.
    assert!(
        mail_to(&app, &original)
            .await
            .iter()
            .any(|(kind, body)| kind == "account.contact_changed"
                && body.contains("t***@evil.example"))
    );

    // The owner reports it with the address they know, without signing in.
    let body = app
        .gql(REPORT, json!({ "e": original, "d": "제가 바꾸지 않았는데 이메일이 바뀌었어요. 주문 내역도 이상합니다." }))
        .await;
    assert_eq!(body["data"]["reportAccountCompromise"], true, "{body}");
    // An unknown email gets the same answer.
    let unknown = app
        .gql(REPORT, json!({ "e": "nobody@example.com", "d": "hacked" }))
        .await;
    assert_eq!(unknown, body);
    // A report alone locks nothing: the thief's session still works.
    assert_eq!(app.me(&thief.access).await.0, 200);
    // A HIGH account ticket is in the queue: the report marked unverified and written by
    // nobody we know, and the security events for the agent.
    let queue_query = "{ tickets(filter: { category: ACCOUNT }) { totalCount edges { node {
        id priority requester { id account { status } }
        messages(first: 10) { edges { node { body internal origin author { id } } } } } } } }";
    let queue = ok(&app, &shop.agent, queue_query, json!({}), "tickets").await;
    assert_eq!(queue["totalCount"], 1, "{queue}");
    let ticket = &queue["edges"][0]["node"];
    assert_eq!(ticket["priority"], "HIGH");
    assert_eq!(ticket["requester"]["account"]["status"], "ACTIVE");
    let first = &ticket["messages"]["edges"][0]["node"];
    assert_eq!(first["origin"], "UNVERIFIED_REPORT", "{ticket}");
    assert!(first["author"].is_null(), "{ticket}");
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();
    // A one-time lock link went to the current address and to the one from before the change.
    let token = link_token(&app, &original, "account.lock_link").await;
    let thiefs_token = link_token(&app, "thief@evil.example", "account.lock_link").await;
    assert_ne!(token, thiefs_token);
    let page = app.get("/lock-account").await;
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );

    // The owner follows it: locked, every session dead, signing in refused.
    let locked = app.gql(LOCK, json!({ "t": token })).await;
    assert_eq!(locked["data"]["lockAccountWithToken"], true, "{locked}");
    assert_eq!(app.me(&thief.access).await.0, 401);
    assert_eq!(app.me(&owner.access).await.0, 401);
    assert!(app.refresh_refused(&thief.refresh).await);
    assert_eq!(
        error_code(&app.try_login("thief@evil.example", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    // The link works once, and the report's other link died with it.
    for used in [&token, &thiefs_token] {
        let again = app.gql(LOCK, json!({ "t": used })).await;
        assert_eq!(
            (error_code(&again), error_field(&again)),
            ("VALIDATION", "token")
        );
    }
    // The warning went to the address from before the change, never to the thief's.
    assert!(
        mail_to(&app, &original)
            .await
            .iter()
            .any(|(kind, _)| kind == "account.locked")
    );
    assert!(
        mail_to(&app, "thief@evil.example")
            .await
            .iter()
            .all(|(kind, _)| kind != "account.locked")
    );
    // A reset cannot undo the lock: no link is sent for a locked account.
    let before = mail_to(&app, "thief@evil.example").await.len();
    app.gql(REQUEST, json!({ "e": "thief@evil.example" })).await;
    assert_eq!(mail_to(&app, "thief@evil.example").await.len(), before);

    // The ticket is URGENT now, with the security events for the agent.
    let queue = ok(&app, &shop.agent, queue_query, json!({}), "tickets").await;
    let ticket = &queue["edges"][0]["node"];
    assert_eq!(ticket["priority"], "URGENT", "{ticket}");
    assert_eq!(ticket["requester"]["id"], owner.id.as_str());
    assert_eq!(ticket["requester"]["account"]["status"], "LOCKED");
    let notes = ticket["messages"].to_string();
    assert!(notes.contains("account.email_changed"), "{notes}");

    // The agent reviews the audit trail: logins with IP and agent, the email change.
    let trail = ok(
        &app,
        &shop.agent,
        "query($id: ID!) { auditEvents(accountId: $id, first: 50) { edges { node { action ip details } } } }",
        json!({ "id": owner.id }),
        "auditEvents",
    )
    .await;
    let actions: Vec<&str> = trail["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"account.email_changed") && actions.contains(&"account.locked"));
    // Customers may not read it.
    let denied = app
        .gql_as(
            Some(&shop.buyer_b.access),
            "query($id: ID!) { auditEvents(accountId: $id) { totalCount } }",
            json!({ "id": owner.id }),
        )
        .await;
    assert_eq!(error_code(&denied), "FORBIDDEN");

    // Identity checked, the agent starts the recovery; the link goes to the original address.
    let started = ok(
        &app,
        &shop.agent,
        "mutation($id: ID!, $v: String!, $t: ID) { startAccountRecovery(accountId: $id, verifiedBy: $v, ticketId: $t) }",
        json!({ "id": owner.id, "v": "이름, 휴대폰 번호, 최근 주문번호 확인", "t": ticket_id }),
        "startAccountRecovery",
    )
    .await;
    assert_eq!(started, true);
    let token = link_token(&app, &original, "account.recovery_link").await;
    assert!(
        mail_to(&app, "thief@evil.example")
            .await
            .iter()
            .all(|(kind, _)| kind != "account.recovery_link")
    );
    // The agent sees no token anywhere in the trail.
    let trail = app
        .gql_as(
            Some(&shop.agent.access),
            "query($id: ID!) { auditEvents(accountId: $id, first: 50) { edges { node { details } } } }",
            json!({ "id": owner.id }),
        )
        .await;
    assert!(!trail.to_string().contains(&token));

    // The owner sets a new password: active again, the original email restored.
    let recovered = app
        .gql(RECOVER, json!({ "t": token, "p": NEW_PASSWORD }))
        .await;
    assert_eq!(
        recovered["data"]["completeAccountRecovery"], true,
        "{recovered}"
    );
    let back = app.login(&original, NEW_PASSWORD).await;
    assert_eq!(back.id, owner.id);
    assert_eq!(
        app.gql(RECOVER, json!({ "t": token, "p": "twice passphrase" }))
            .await["errors"][0]["extensions"]["field"],
        "token"
    );

    // Every step records where it came from.
    let report_event = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("account.compromise_reported"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report_event.ip.as_deref(), Some("127.0.0.1"));
    let recovery_event = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("account.recovery_started"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        recovery_event.actor_id.map(|a| a.to_string()),
        Some(shop.agent.id.clone())
    );
    assert_eq!(recovery_event.details["ticket"], ticket_id.as_str());
    // The audit log tells the story in order.
    let story: Vec<String> = audit_actions(&app, &owner.id)
        .await
        .into_iter()
        .filter(|a| {
            [
                "account.email_changed",
                "account.compromise_reported",
                "account.compromise_confirmed",
                "account.locked",
                "account.recovery_started",
                "account.recovery_completed",
                "auth.login_succeeded",
            ]
            .contains(&a.as_str())
        })
        .collect();
    let tail = &story[story.len() - 7..];
    assert_eq!(
        tail,
        [
            "account.email_changed",
            "account.compromise_reported",
            "account.compromise_confirmed",
            "account.locked",
            "account.recovery_started",
            "account.recovery_completed",
            "auth.login_succeeded",
        ],
        "{story:?}"
    );
}

pub async fn agents_lock_and_unlock_with_a_reason(app: TestApp) {
    let shop = Shop::open(&app).await;
    let lock =
        "mutation($id: ID!, $r: String!) { lockAccount(accountId: $id, reason: $r) { status } }";
    let unlock =
        "mutation($id: ID!, $r: String!) { unlockAccount(accountId: $id, reason: $r) { status } }";
    let locked = ok(
        &app,
        &shop.agent,
        lock,
        json!({ "id": shop.buyer_a.id, "r": "전화로 도용 신고 접수" }),
        "lockAccount",
    )
    .await;
    assert_eq!(locked["status"], "LOCKED");
    assert_eq!(app.me(&shop.buyer_a.access).await.0, 401);
    // The security desk's account page reads the account by id.
    let page = ok(
        &app,
        &shop.agent,
        "query($id: ID!) { account(id: $id) { email status } }",
        json!({ "id": shop.buyer_a.id }),
        "account",
    )
    .await;
    assert_eq!(page["status"], "LOCKED");
    assert_eq!(page["email"], shop.buyer_a.email.as_str());
    let unknown = app
        .gql_as(
            Some(&shop.agent.access),
            "{ account(id: \"0190c000-0000-7000-8000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(unknown["data"]["account"], Value::Null, "{unknown}");
    let no_reason = app
        .gql_as(
            Some(&shop.agent.access),
            unlock,
            json!({ "id": shop.buyer_a.id, "r": " " }),
        )
        .await;
    assert_eq!(error_field(&no_reason), "reason");
    let unlocked = ok(
        &app,
        &shop.agent,
        unlock,
        json!({ "id": shop.buyer_a.id, "r": "본인 확인 결과 오인 신고" }),
        "unlockAccount",
    )
    .await;
    assert_eq!(unlocked["status"], "ACTIVE");
    // Customers cannot lock anyone; agents cannot lock themselves.
    assert_eq!(
        fails(
            &app,
            Some(&shop.buyer_b),
            lock,
            json!({ "id": shop.buyer_a.id, "r": "x" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        fails(
            &app,
            Some(&shop.agent),
            lock,
            json!({ "id": shop.agent.id, "r": "x" })
        )
        .await,
        "FORBIDDEN"
    );
}

async fn my_sessions(app: &TestApp, who: &Session) -> Vec<Value> {
    ok(
        app,
        who,
        "{ mySessions { id current ip userAgent } }",
        json!({}),
        "mySessions",
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

pub async fn owners_see_their_devices_and_end_one(app: TestApp) {
    let phone = app.buyer("owner@example.com").await;
    let laptop = app.login(&phone.email, PASSWORD).await;
    let sessions = my_sessions(&app, &laptop).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();
    let revoke = "mutation($id: ID!) { revokeSession(sessionId: $id) }";
    assert_eq!(
        ok(
            &app,
            &laptop,
            revoke,
            json!({ "id": other }),
            "revokeSession"
        )
        .await,
        true
    );
    assert_eq!(app.me(&phone.access).await.0, 401);
    assert_eq!(my_sessions(&app, &laptop).await.len(), 1);
    // Someone else's session is not found.
    let stranger = app.buyer("stranger@example.com").await;
    let mine = my_sessions(&app, &laptop).await[0]["id"].clone();
    assert_eq!(
        fails(&app, Some(&stranger), revoke, json!({ "id": mine })).await,
        "NOT_FOUND"
    );
    // The security log shows sign-ins and the revocation, not other people's events.
    let events = ok(
        &app,
        &laptop,
        "{ mySecurityEvents(first: 20) { edges { node { action ip } } } }",
        json!({}),
        "mySecurityEvents",
    )
    .await;
    let actions: Vec<&str> = events["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"auth.session_revoked"), "{actions:?}");
    assert!(actions.contains(&"auth.login_succeeded"));
    assert!(
        actions
            .iter()
            .all(|a| a.starts_with("auth.") || a.starts_with("account."))
    );
    // Changing the phone needs the current password.
    let change = "mutation($p: String!, $n: String) { changePhone(currentPassword: $p, newPhone: $n) { phone } }";
    let wrong = app
        .gql_as(
            Some(&laptop.access),
            change,
            json!({ "p": "not my password", "n": "010-1234-5678" }),
        )
        .await;
    assert_eq!(error_field(&wrong), "currentPassword");
    let done = ok(
        &app,
        &laptop,
        change,
        json!({ "p": PASSWORD, "n": "010-1234-5678" }),
        "changePhone",
    )
    .await;
    assert!(done["phone"].is_string());
    assert!(
        mail_to(&app, &laptop.email)
            .await
            .iter()
            .any(|(kind, body)| kind == "account.contact_changed" && body.contains("***5678"))
    );
}

/// Agents review customers' audit trails and sessions; those of staff accounts are for
/// admins (an agent's question answers like an unknown account would).
pub async fn staff_security_data_is_for_admins(app: TestApp) {
    let shop = Shop::open(&app).await;
    let admin = app
        .staff("admin@example.com", entity::account::Role::Admin)
        .await;
    let colleague = app
        .staff("colleague@example.com", entity::account::Role::Agent)
        .await;
    let trail = "query($id: ID!) { auditEvents(accountId: $id) { totalCount } }";
    let sessions = "query($id: ID!) { accountSessions(accountId: $id) { id } }";
    for document in [trail, sessions] {
        for (reader, target, allowed) in [
            (&shop.agent, &shop.buyer_a, true),
            (&shop.agent, &shop.seller_a, true),
            (&shop.agent, &admin, false),
            (&shop.agent, &colleague, false),
            (&admin, &colleague, true),
            (&admin, &shop.buyer_a, true),
        ] {
            let body = app
                .gql_as(Some(&reader.access), document, json!({ "id": target.id }))
                .await;
            if allowed {
                assert!(
                    body["errors"].is_null(),
                    "{} → {}: {body}",
                    reader.email,
                    target.email
                );
            } else {
                assert_eq!(
                    error_code(&body),
                    "NOT_FOUND",
                    "{} → {}: {body}",
                    reader.email,
                    target.email
                );
            }
        }
    }
}

/// Lists page by id, so an event's id must carry its time: history written out of order (an
/// import, the demo's seed) still lists newest first.
pub async fn the_audit_trail_lists_by_time_not_by_writing_order(app: TestApp) {
    let agent = app
        .staff("agent@example.com", entity::account::Role::Agent)
        .await;
    let owner = app.buyer("owner@example.com").await;
    let now = app.clock.now();
    app.clock.set(now - Duration::days(3));
    app.login(&owner.email, PASSWORD).await;
    app.clock.set(now);
    let trail = ok(
        &app,
        &agent,
        "query($id: ID!) { auditEvents(accountId: $id, first: 50) { edges { node { createdAt } } } }",
        json!({ "id": owner.id }),
        "auditEvents",
    )
    .await;
    let times: Vec<chrono::DateTime<chrono::Utc>> = trail["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["createdAt"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.len() >= 2, "{trail}");
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(*times.last().unwrap(), now - Duration::days(3));
}

engine_tests!(
    staff_security_data_is_for_admins,
    the_audit_trail_lists_by_time_not_by_writing_order,
    guessing_link_tokens_is_cut_off,
    a_reset_request_reveals_nothing_and_links_come_from_configuration,
    a_reset_link_works_once_expires_and_yields_to_a_newer_one,
    two_racing_resets_with_one_link_let_exactly_one_win with several_workers,
    a_hacked_account_is_locked_reviewed_and_recovered,
    agents_lock_and_unlock_with_a_reason,
    owners_see_their_devices_and_end_one,
);

/// Credential stuffing: many emails, few tries each, under every per-email limit. Past the
/// global ceiling only known devices may sign in.
async fn stuffing_hits_the_global_ceiling(app: TestApp) {
    let owner = app.buyer("owner@example.com").await;
    // An account that never signed in from this machine (created without a client IP).
    storedesk::accounts::service::register(
        &app.state,
        &storedesk::auth::RequestMeta::default(),
        storedesk::accounts::service::Registration {
            email: "elsewhere@example.com".into(),
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
            name: "Elsewhere".into(),
            phone: None,
            role: entity::account::Role::Buyer,
            store_name: None,
        },
    )
    .await
    .unwrap();
    for n in 0..5 {
        app.try_login(&format!("victim{n}@example.com"), "guessed password")
            .await;
    }
    let blocked = app.try_login("elsewhere@example.com", PASSWORD).await;
    assert_eq!(error_code(&blocked), "RATE_LIMITED", "{blocked}");
    // Unknown emails get the same answer: nothing to enumerate.
    let unknown = app.try_login("nobody@example.com", PASSWORD).await;
    assert_eq!(
        unknown["errors"][0]["message"],
        blocked["errors"][0]["message"]
    );
    // The owner on their usual device still signs in.
    app.login(&owner.email, PASSWORD).await;
    // The ceiling lifts with its lockout.
    app.clock.advance(Duration::minutes(2));
    app.login("elsewhere@example.com", PASSWORD).await;
}

mod global_ceiling {
    use crate::helpers::{Engine, run_with};

    fn low_ceiling(settings: &mut storedesk::config::Settings) {
        settings.login_max_failures_global = 5;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn credential_stuffing_hits_the_global_ceiling_on_sqlite() {
        run_with(
            Engine::Sqlite,
            low_ceiling,
            super::stuffing_hits_the_global_ceiling,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn credential_stuffing_hits_the_global_ceiling_on_postgres() {
        run_with(
            Engine::Postgres,
            low_ceiling,
            super::stuffing_hits_the_global_ceiling,
        )
        .await;
    }
}

/// Attempts are bounded: wrong tokens count against the client's IP until it is refused.
async fn guessing_link_tokens_is_cut_off(app: TestApp) {
    let limit = app.state.settings.reset_requests_per_ip;
    for n in 0..limit {
        let guess = reset(&app, &format!("guess-{n}"), NEW_PASSWORD).await;
        assert_eq!(error_field(&guess), "token", "{guess}");
    }
    let refused = reset(&app, "guess-last", NEW_PASSWORD).await;
    assert_eq!(error_code(&refused), "RATE_LIMITED", "{refused}");
    // Reset requests from the same IP are refused too, for every email alike.
    let asked = app.gql(REQUEST, json!({ "e": "anyone@example.com" })).await;
    assert_eq!(error_code(&asked), "RATE_LIMITED");
    // The lockout ends.
    app.clock.advance(Duration::minutes(20));
    let later = reset(&app, "guess-later", NEW_PASSWORD).await;
    assert_eq!(error_field(&later), "token");
}
