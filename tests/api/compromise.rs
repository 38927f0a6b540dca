//! Compromise reports (계정 해킹): a stranger who knows an email cannot lock its owner out;
//! the owner can, from the emailed link or while signed in; reports are bounded and reveal
//! nothing.

use chrono::Duration;
use serde_json::{Value, json};
use storedesk::config::Settings;

use crate::account_security::{LOCK, REPORT, link_token, mail_to};
use crate::engine_tests;
use crate::helpers::{PASSWORD, TestApp, error_code, error_field};
use crate::shop::{Shop, ok};

const MY_TICKETS: &str = "{ tickets(filter: { category: ACCOUNT }) { totalCount edges { node {
    id priority status messages(first: 10) { edges { node { body internal origin author { id } } } } } } } }";

async fn report(app: &TestApp, token: Option<&str>, email: &str, text: &str) -> Value {
    app.gql_as(token, REPORT, json!({ "e": email, "d": text }))
        .await
}

/// Someone who is not signed in reports a buyer: nothing is locked, the buyer never sees the
/// stranger's words, and the buyer's mailbox gets the only key to a lock.
pub async fn a_stranger_cannot_lock_anyone_out(app: TestApp) {
    let shop = Shop::open(&app).await;
    let victim = shop.buyer_a.clone();
    let phishing = "긴급! 010-0000-0000 으로 전화하세요 https://evil.example/login";
    let body = report(&app, None, &victim.email, phishing).await;
    assert_eq!(body["data"]["reportAccountCompromise"], true, "{body}");

    // Still signed in, still able to sign in.
    assert_eq!(app.me(&victim.access).await.0, 200);
    app.login(&victim.email, PASSWORD).await;
    assert!(
        mail_to(&app, &victim.email)
            .await
            .iter()
            .all(|(kind, _)| kind != "account.locked")
    );

    // The buyer sees a ticket about their account, with our notice only.
    let mine = ok(&app, &victim, MY_TICKETS, json!({}), "tickets").await;
    assert_eq!(mine["totalCount"], 1, "{mine}");
    let text = mine.to_string();
    assert!(
        !text.contains("evil.example") && !text.contains("010-0000-0000"),
        "{text}"
    );
    let notice = &mine["edges"][0]["node"]["messages"]["edges"][0]["node"];
    assert_eq!(notice["origin"], "SYSTEM", "{mine}");
    assert!(notice["author"].is_null());

    // Agents see the report as what it is: unverified, by nobody we know, HIGH not URGENT.
    let queue = ok(&app, &shop.agent, MY_TICKETS, json!({}), "tickets").await;
    let ticket = &queue["edges"][0]["node"];
    assert_eq!(ticket["priority"], "HIGH");
    let report = &ticket["messages"]["edges"][0]["node"];
    assert_eq!(
        (report["origin"].as_str(), report["internal"].as_bool()),
        (Some("UNVERIFIED_REPORT"), Some(true))
    );
    assert!(report["author"].is_null());
    assert_eq!(report["body"], phishing);

    // The lock link went to the owner's address; it expires after 30 minutes.
    let token = link_token(&app, &victim.email, "account.lock_link").await;
    app.clock.advance(Duration::minutes(31));
    let late = app.gql(LOCK, json!({ "t": token })).await;
    assert_eq!(
        (error_code(&late), error_field(&late)),
        ("VALIDATION", "token")
    );
    assert_eq!(
        app.me(&victim.access).await.0,
        401,
        "the access token expired meanwhile"
    );
    app.login(&victim.email, PASSWORD).await;
}

/// The signed-in owner's report locks at once and opens an URGENT ticket in their words.
pub async fn the_signed_in_owner_locks_at_once(app: TestApp) {
    let shop = Shop::open(&app).await;
    let owner = shop.buyer_a.clone();
    let body = report(
        &app,
        Some(&owner.access),
        &owner.email,
        "모르는 주문이 있어요",
    )
    .await;
    assert_eq!(body["data"]["reportAccountCompromise"], true, "{body}");
    assert_eq!(app.me(&owner.access).await.0, 401);
    assert_eq!(
        error_code(&app.try_login(&owner.email, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    let queue = ok(&app, &shop.agent, MY_TICKETS, json!({}), "tickets").await;
    let ticket = &queue["edges"][0]["node"];
    assert_eq!(ticket["priority"], "URGENT");
    let first = &ticket["messages"]["edges"][0]["node"];
    assert_eq!(first["origin"], "ACCOUNT");
    assert_eq!(first["author"]["id"], owner.id.as_str());
    assert_eq!(first["internal"], false);
    let second = &ticket["messages"]["edges"][1]["node"];
    assert_eq!(
        (second["origin"].as_str(), second["internal"].as_bool()),
        (Some("SYSTEM"), Some(true)),
        "{ticket}"
    );
    assert!(second["author"].is_null());
    // No lock link is needed, so none was sent.
    assert!(
        mail_to(&app, &owner.email)
            .await
            .iter()
            .all(|(kind, _)| kind != "account.lock_link")
    );
}

fn tight_limits(settings: &mut Settings) {
    settings.compromise_reports_per_email = 2;
    settings.compromise_reports_per_account = 1;
}

/// Beyond the limits a reported email answers `RATE_LIMITED` whether it exists or not, and
/// one account gets one ticket and one set of links per window however it is named.
pub async fn reports_are_bounded_and_reveal_nothing(app: TestApp) {
    let shop = Shop::open(&app).await;
    let known = shop.buyer_a.email.clone();
    let mut answers = Vec::new();
    for email in [known.as_str(), "nobody@example.com"] {
        for _ in 0..3 {
            answers.push(report(&app, None, email, "hacked").await);
        }
    }
    let codes: Vec<String> = answers
        .iter()
        .map(|body| {
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("ok")
                .to_owned()
        })
        .collect();
    assert_eq!(
        codes,
        ["ok", "ok", "RATE_LIMITED", "ok", "ok", "RATE_LIMITED"]
    );
    assert_eq!(answers[0], answers[3], "known and unknown answer alike");
    assert_eq!(answers[2], answers[5]);
    // Two accepted reports about one account: one ticket, one link.
    let queue = ok(&app, &shop.agent, MY_TICKETS, json!({}), "tickets").await;
    assert_eq!(queue["totalCount"], 1, "{queue}");
    let links = mail_to(&app, &known)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "account.lock_link")
        .count();
    assert_eq!(links, 1);
}

engine_tests!(
    a_stranger_cannot_lock_anyone_out,
    the_signed_in_owner_locks_at_once,
    reports_are_bounded_and_reveal_nothing with tight_limits,
);
