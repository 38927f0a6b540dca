//! Registration, login, password rules, staff accounts and the account list.

use entity::account::{self, AccountStatus, Role};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp, error_code, error_field, several_workers};

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) {
    accessToken account { id email role store { name } } } }";

async fn register_raw(app: &TestApp, input: serde_json::Value) -> serde_json::Value {
    app.gql(REGISTER, json!({ "input": input })).await
}

pub async fn a_buyer_registers_logs_in_and_sees_themself(app: TestApp) {
    let registered = app.buyer("  Min.Ji@Example.COM ").await;
    assert_eq!(registered.email, "min.ji@example.com");
    let session = app.login("MIN.JI@example.com", PASSWORD).await;
    let (status, body) = app.me(&session.access).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["email"], "min.ji@example.com");
    assert_eq!(body["data"]["me"]["role"], "BUYER");
    let (_, anonymous) = app.me_anonymous().await;
    assert!(anonymous["data"]["me"].is_null());
}

pub async fn a_seller_registers_with_their_store(app: TestApp) {
    let body = register_raw(
        &app,
        json!({ "email": "s@example.com", "password": PASSWORD, "name": "S", "role": "SELLER", "storeName": "하늘생활" }),
    )
    .await;
    assert_eq!(body["data"]["register"]["account"]["role"], "SELLER");
    assert_eq!(
        body["data"]["register"]["account"]["store"]["name"],
        "하늘생활"
    );

    let missing = register_raw(
        &app,
        json!({ "email": "s2@example.com", "password": PASSWORD, "name": "S", "role": "SELLER" }),
    )
    .await;
    assert_eq!(
        (error_code(&missing), error_field(&missing)),
        ("VALIDATION", "storeName")
    );
    let buyer_store = register_raw(
        &app,
        json!({ "email": "b@example.com", "password": PASSWORD, "name": "B", "storeName": "x" }),
    )
    .await;
    assert_eq!(
        (error_code(&buyer_store), error_field(&buyer_store)),
        ("VALIDATION", "storeName")
    );
    let taken = register_raw(
        &app,
        json!({ "email": "s3@example.com", "password": PASSWORD, "name": "S", "role": "SELLER", "storeName": "하늘생활" }),
    )
    .await;
    assert_eq!(
        (error_code(&taken), error_field(&taken)),
        ("CONFLICT", "storeName")
    );
}

pub async fn staff_roles_cannot_be_self_registered(app: TestApp) {
    for role in ["AGENT", "ADMIN"] {
        let body = register_raw(
            &app,
            json!({ "email": "x@example.com", "password": PASSWORD, "name": "X", "role": role }),
        )
        .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            ("VALIDATION", "role")
        );
    }
}

pub async fn a_duplicate_email_is_a_conflict_whatever_its_case(app: TestApp) {
    app.buyer("dup@example.com").await;
    let body = register_raw(
        &app,
        json!({ "email": " DUP@example.com", "password": PASSWORD, "name": "D" }),
    )
    .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("CONFLICT", "email")
    );
}

pub async fn bad_emails_are_refused(app: TestApp) {
    for email in [
        "kim@example.com\r\nBcc: victim@example.com",
        "kim\u{0}@example.com",
        "kіm@example.com",
        "not-an-email",
        "",
    ] {
        let body = register_raw(
            &app,
            json!({ "email": email, "password": PASSWORD, "name": "K" }),
        )
        .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            ("VALIDATION", "email"),
            "{email:?}"
        );
    }
}

pub async fn bad_passwords_are_refused_before_hashing(app: TestApp) {
    let megabyte = "a".repeat(1_000_000);
    for password in [
        "short",
        "password123",
        "Qwerty123",
        &"x".repeat(129),
        "with\u{0}nul-byte",
        &megabyte,
    ] {
        let body = register_raw(
            &app,
            json!({ "email": "p@example.com", "password": password, "name": "P" }),
        )
        .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            ("VALIDATION", "password")
        );
    }
    // 128 characters of Hangul are fine: the limit counts characters, not bytes.
    let long_ok = "가".repeat(128);
    let body = register_raw(
        &app,
        json!({ "email": "p@example.com", "password": long_ok, "name": "P" }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
}

pub async fn passwords_are_stored_as_argon2id(app: TestApp) {
    let session = app.buyer("hash@example.com").await;
    let row = account::Entity::find_by_id(session.id.parse::<uuid::Uuid>().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        row.password_hash
    );
    assert!(!row.password_hash.contains(PASSWORD));
}

pub async fn a_weak_stored_hash_is_upgraded_at_login(app: TestApp) {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let session = app.buyer("old@example.com").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let id = session.id.parse::<uuid::Uuid>().unwrap();
    account::ActiveModel {
        id: Set(id),
        password_hash: Set(weak.clone()),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    app.login("old@example.com", PASSWORD).await;
    let row = account::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.password_hash, weak);
    assert!(
        row.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
}

pub async fn every_login_failure_looks_the_same(app: TestApp) {
    app.buyer("known@example.com").await;
    let locked = app.buyer("locked@example.com").await;
    app.set_status(&locked.id, AccountStatus::Locked).await;
    let unknown = app.try_login("nobody@example.com", PASSWORD).await;
    let wrong = app.try_login("known@example.com", "not the password").await;
    let locked = app.try_login("locked@example.com", PASSWORD).await;
    let malformed = app.try_login("not-an-email", PASSWORD).await;
    for body in [&unknown, &wrong, &locked, &malformed] {
        assert_eq!(error_code(body), "UNAUTHENTICATED");
        assert_eq!(
            body["errors"][0]["message"],
            unknown["errors"][0]["message"]
        );
        assert!(body["data"].is_null());
    }
}

pub async fn repeated_failures_lock_the_email_for_a_growing_time(app: TestApp) {
    app.buyer("target@example.com").await;
    for _ in 0..10 {
        let body = app.try_login("target@example.com", "wrong password").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    // Locked now: even the right password gets the same answer.
    let body = app.try_login("target@example.com", PASSWORD).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // That attempt counted too (11 failures): the lockout doubled to 2 minutes.
    app.clock.advance(chrono::Duration::seconds(90));
    assert_eq!(
        error_code(&app.try_login("target@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    // 12 failures: 4 minutes from the last attempt.
    app.clock.advance(chrono::Duration::seconds(241));
    app.login("target@example.com", PASSWORD).await;
    // Success reset the counter: one wrong attempt does not lock again.
    app.try_login("target@example.com", "wrong password").await;
    app.login("target@example.com", PASSWORD).await;
}

pub async fn aliased_logins_in_one_document_count_as_separate_attempts(app: TestApp) {
    app.buyer("alias@example.com").await;
    let fields: String = (0..10)
        .map(|i| format!("a{i}: login(email: \"alias@example.com\", password: \"wrong password\") {{ accessToken }} "))
        .collect();
    let body = app
        .gql(&format!("mutation {{ {fields} }}"), json!({}))
        .await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 10);
    assert_eq!(
        error_code(&app.try_login("alias@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
}

pub async fn many_failures_from_one_ip_lock_that_ip(app: TestApp) {
    // Per-IP threshold is 100 by default; 100 different emails from 127.0.0.1.
    app.buyer("victim@example.com").await;
    for i in 0..100 {
        app.try_login(&format!("spray{i}@example.com"), "wrong password")
            .await;
    }
    assert_eq!(
        error_code(&app.try_login("victim@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    app.clock.advance(chrono::Duration::minutes(16));
    app.login("victim@example.com", PASSWORD).await;
}

pub async fn an_admin_creates_staff_and_others_cannot(app: TestApp) {
    let admin = app.staff("admin@example.com", Role::Admin).await;
    let agent = app.staff("agent@example.com", Role::Agent).await;
    let create = "mutation($input: CreateStaffAccountInput!) { createStaffAccount(input: $input) { email role status } }";
    let input = |email: &str, role: &str| json!({ "input": { "email": email, "name": "New", "role": role, "password": PASSWORD } });

    let body = app
        .gql_as(
            Some(&admin.access),
            create,
            input("New.Agent@example.com", "AGENT"),
        )
        .await;
    assert_eq!(
        body["data"]["createStaffAccount"],
        json!({ "email": "new.agent@example.com", "role": "AGENT", "status": "ACTIVE" })
    );
    app.login("new.agent@example.com", PASSWORD).await;

    let body = app
        .gql_as(Some(&admin.access), create, input("b@example.com", "BUYER"))
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("VALIDATION", "role")
    );
    let body = app
        .gql_as(
            Some(&admin.access),
            create,
            input("agent@example.com", "AGENT"),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("CONFLICT", "email")
    );
    let body = app
        .gql_as(Some(&agent.access), create, input("x@example.com", "ADMIN"))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app.gql(create, input("x@example.com", "ADMIN")).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

pub async fn agents_list_search_and_page_through_accounts(app: TestApp) {
    let agent = app.staff("agent@example.com", Role::Agent).await;
    for i in 0..5 {
        app.buyer(&format!("buyer{i}@example.com")).await;
    }
    app.seller("seller@example.com", "바다마켓").await;
    let list = "query($s: String, $r: Role, $f: Int, $a: String) {
        accounts(search: $s, role: $r, first: $f, after: $a) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { email role store { name owner { account { email } } } } } } }";

    let body = app
        .gql_as(Some(&agent.access), list, json!({ "r": "BUYER", "f": 2 }))
        .await;
    let page = &body["data"]["accounts"];
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    // Newest first.
    assert_eq!(page["edges"][0]["node"]["email"], "buyer4@example.com");
    assert_eq!(page["edges"][1]["node"]["email"], "buyer3@example.com");

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql_as(
                Some(&agent.access),
                list,
                json!({ "r": "BUYER", "f": 2, "a": after }),
            )
            .await;
        let page = &body["data"]["accounts"];
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["email"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 5);
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages must not overlap");

    let body = app
        .gql_as(Some(&agent.access), list, json!({ "s": "SELLER@" }))
        .await;
    let edges = body["data"]["accounts"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["store"]["name"], "바다마켓");
    assert_eq!(
        edges[0]["node"]["store"]["owner"]["account"]["email"],
        "seller@example.com"
    );
    // LIKE wildcards in the search are literal.
    let body = app
        .gql_as(Some(&agent.access), list, json!({ "s": "%" }))
        .await;
    assert_eq!(body["data"]["accounts"]["totalCount"], 0);

    let body = app
        .gql_as(Some(&agent.access), list, json!({ "f": 1_000_000 }))
        .await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED");
    let body = app
        .gql_as(Some(&agent.access), list, json!({ "a": "not-a-cursor" }))
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("VALIDATION", "after")
    );
}

pub async fn a_seller_sees_their_store_and_its_owner(app: TestApp) {
    let seller = app.seller("owner@example.com", "하늘생활").await;
    let body = app
        .gql_as(
            Some(&seller.access),
            "{ me { store { name owner { account { email } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["me"]["store"]["owner"]["account"]["email"],
        "owner@example.com"
    );
}

engine_tests!(
    a_buyer_registers_logs_in_and_sees_themself,
    a_seller_registers_with_their_store,
    staff_roles_cannot_be_self_registered,
    a_duplicate_email_is_a_conflict_whatever_its_case,
    bad_emails_are_refused,
    bad_passwords_are_refused_before_hashing,
    passwords_are_stored_as_argon2id,
    a_weak_stored_hash_is_upgraded_at_login,
    every_login_failure_looks_the_same,
    repeated_failures_lock_the_email_for_a_growing_time,
    aliased_logins_in_one_document_count_as_separate_attempts,
    many_failures_from_one_ip_lock_that_ip,
    an_admin_creates_staff_and_others_cannot,
    agents_list_search_and_page_through_accounts,
    a_seller_sees_their_store_and_its_owner,
    the_account_list_does_not_query_per_row,
    racing_registrations_of_one_email_have_one_winner with several_workers,
    concurrent_failures_are_all_counted with several_workers,
    forwarded_headers_are_ignored_by_default,
    accounts_page_backward_as_well_as_forward,
    me_reuses_the_row_read_by_the_token_check,
);

/// The account list with each seller's store and its owner is a fixed number of statements,
/// whatever the page size: relations load through DataLoaders, not per row.
pub async fn the_account_list_does_not_query_per_row(app: TestApp) {
    let agent = app.staff("n1-agent@example.com", Role::Agent).await;
    for i in 0..60 {
        app.seller(&format!("n1-seller{i}@example.com"), &format!("가게{i}"))
            .await;
    }
    let query = "query($f: Int) { accounts(role: SELLER, first: $f) {
        totalCount edges { node { email store { name owner { account { email store { name } } } } } } } }";
    let mut counts = Vec::new();
    for first in [5, 50] {
        let before = app.state.statements.get();
        let body = app
            .gql_as(Some(&agent.access), query, json!({ "f": first }))
            .await;
        let after = app.state.statements.get();
        assert_eq!(
            body["data"]["accounts"]["edges"].as_array().unwrap().len(),
            first,
            "{body}"
        );
        counts.push(after - before);
    }
    // N+1 would add ~90 statements at first=50 (a store and an owner per row). A DataLoader
    // cuts its batch 1 ms after the first key; in an unoptimised build on a loaded 2-core
    // machine resolving 50 rows can take longer, so a batch may split into a few. That adds a
    // handful of statements, never one per row.
    eprintln!("SQL statements for first=5 and first=50: {counts:?}");
    let growth = counts[1].saturating_sub(counts[0]);
    assert!(
        growth < 10,
        "statements for first=5 vs first=50: {counts:?}"
    );
    assert!(counts[1] < 20, "{counts:?}");
}

/// `me` is answered from the row the token check already read.
pub async fn me_reuses_the_row_read_by_the_token_check(app: TestApp) {
    let session = app.seller("me-once@example.com", "한번가게").await;
    let statements = |query: &'static str| {
        let app = &app;
        let token = session.access.clone();
        async move {
            let before = app.state.statements.get();
            let body = app.gql_as(Some(&token), query, json!({})).await;
            assert!(body["errors"].is_null(), "{body}");
            app.state.statements.get() - before
        }
    };
    // Only the token check.
    assert_eq!(statements("{ me { id email role } }").await, 1);
    // The token check, then the store; the owner is the caller, already loaded.
    assert_eq!(
        statements("{ me { store { name owner { account { email } } } } }").await,
        2
    );
}

/// Racing sign-ups with one email: the unique index decides, exactly one wins, the others
/// answer `CONFLICT` on `email` (never `INTERNAL`).
pub async fn racing_registrations_of_one_email_have_one_winner(app: TestApp) {
    let attempts = (0..6).map(|i| {
        register_raw(
            &app,
            json!({ "email": "race@example.com", "password": PASSWORD, "name": format!("R{i}") }),
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let winners = results
        .iter()
        .filter(|b| b["data"]["register"].is_object())
        .count();
    assert_eq!(winners, 1, "{results:?}");
    for body in results.iter().filter(|b| b["data"].is_null()) {
        assert_eq!(
            (error_code(body), error_field(body)),
            ("CONFLICT", "email"),
            "{body}"
        );
    }
}

/// Concurrent wrong guesses are all counted: the lockout cannot be outrun by parallelism.
pub async fn concurrent_failures_are_all_counted(app: TestApp) {
    app.buyer("parallel@example.com").await;
    let passwords: Vec<String> = (0..10).map(|i| format!("guess number {i}")).collect();
    let guesses = passwords
        .iter()
        .map(|p| app.try_login("parallel@example.com", p));
    futures_util::future::join_all(guesses).await;
    let body = app.try_login("parallel@example.com", PASSWORD).await;
    assert_eq!(
        error_code(&body),
        "UNAUTHENTICATED",
        "10 concurrent failures must lock the email"
    );
}

/// Without a trusted proxy configured, a client cannot choose its IP with forwarded headers:
/// the throttle and the audit log use the socket address.
pub async fn forwarded_headers_are_ignored_by_default(app: TestApp) {
    app.buyer("xff@example.com").await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("x-forwarded-for", "203.0.113.9")
        .header("forwarded", "for=203.0.113.9")
        .json(&json!({ "query": "mutation { login(email: \"xff@example.com\", password: \"wrong password\") { accessToken } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let failure = entity::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "auth.login_failed")
        .unwrap();
    assert_eq!(failure.ip.as_deref(), Some("127.0.0.1"));
    let keys: Vec<String> = entity::login_throttle::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.key)
        .collect();
    assert!(keys.contains(&"ip:127.0.0.1".to_owned()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("203.0.113.9")), "{keys:?}");
}

/// `last`/`before` walk back through the same pages `first`/`after` walked forward.
pub async fn accounts_page_backward_as_well_as_forward(app: TestApp) {
    let agent = app.staff("pager@example.com", Role::Agent).await;
    for i in 0..5 {
        app.buyer(&format!("page{i}@example.com")).await;
    }
    let list = "query($f: Int, $a: String, $l: Int, $b: String) {
        accounts(role: BUYER, first: $f, after: $a, last: $l, before: $b) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { node { email } } } }";
    let emails = |body: &serde_json::Value| -> Vec<String> {
        body["data"]["accounts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    // Newest first: page4, page3 | page2, page1 | page0.
    let first = app
        .gql_as(Some(&agent.access), list, json!({ "f": 2 }))
        .await;
    let after = first["data"]["accounts"]["pageInfo"]["endCursor"].clone();
    let second = app
        .gql_as(Some(&agent.access), list, json!({ "f": 2, "a": after }))
        .await;
    assert_eq!(emails(&second), ["page2@example.com", "page1@example.com"]);
    assert_eq!(
        second["data"]["accounts"]["pageInfo"]["hasPreviousPage"],
        true
    );

    let before = second["data"]["accounts"]["pageInfo"]["startCursor"].clone();
    let back = app
        .gql_as(Some(&agent.access), list, json!({ "l": 2, "b": before }))
        .await;
    assert_eq!(emails(&back), emails(&first));
    assert_eq!(
        back["data"]["accounts"]["pageInfo"]["hasPreviousPage"],
        false
    );
    assert_eq!(back["data"]["accounts"]["pageInfo"]["hasNextPage"], true);

    // `last` alone is the oldest page.
    let oldest = app
        .gql_as(Some(&agent.access), list, json!({ "l": 2 }))
        .await;
    assert_eq!(emails(&oldest), ["page1@example.com", "page0@example.com"]);
    assert_eq!(
        oldest["data"]["accounts"]["pageInfo"]["hasPreviousPage"],
        true
    );

    let mixed = app
        .gql_as(Some(&agent.access), list, json!({ "f": 2, "l": 2 }))
        .await;
    assert_eq!(
        (error_code(&mixed), error_field(&mixed)),
        ("VALIDATION", "last")
    );
    let huge = app
        .gql_as(Some(&agent.access), list, json!({ "l": 101 }))
        .await;
    assert_eq!(error_code(&huge), "LIMIT_EXCEEDED");
}
