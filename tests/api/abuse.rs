//! Abuse limits: volume limits per client network and account answer `RATE_LIMITED` with
//! `Retry-After`; a cap on requests in flight answers `503` at once; a request past its
//! deadline answers `503` and leaves nothing half done.

use chrono::Duration;
use serde_json::{Value, json};
use storedesk::config::Settings;

use crate::attachments::{CREATE, ticket_input, upload};
use crate::engine_tests;
use crate::helpers::{TestApp, error_code};
use crate::shop::{PAY, Shop, ok, place};

fn tight(settings: &mut Settings) {
    // Shop::open signs up four customers; two more may follow.
    settings.rate_registrations_per_ip = 6;
    settings.rate_tickets_per_account = 2;
    settings.rate_replies_per_account = 2;
    settings.rate_uploads_per_account = 2;
    settings.rate_searches_per_ip = 3;
    settings.rate_votes_per_ip = 2;
}

/// `RATE_LIMITED` with when to retry, in the error and in the `Retry-After` header.
async fn refused(app: &TestApp, token: Option<&str>, query: &str, variables: Value) {
    let response = app
        .post(token, json!({ "query": query, "variables": variables }))
        .await;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After on a refusal of {query}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    let in_body = body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert_eq!(in_body, retry_after);
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
}

pub async fn volume_limits_answer_rate_limited_with_retry_after(app: TestApp) {
    let shop = Shop::open(&app).await;
    // Sign-ups per network.
    let register = "mutation($e: String!) { register(input: { email: $e, password: \"correct horse battery\", name: \"새 고객\" }) { accessToken } }";
    for i in 0..2 {
        let body = app
            .gql(register, json!({ "e": format!("new{i}@example.com") }))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    refused(
        &app,
        None,
        register,
        json!({ "e": "one-too-many@example.com" }),
    )
    .await;

    // Tickets and replies per account; another account is not affected.
    let open = "mutation($s: String!) { createTicket(input: { category: OTHER, subject: $s, body: \"문의\" }) { ticket { id } } }";
    let mut tickets = Vec::new();
    for i in 0..2 {
        let created = ok(
            &app,
            &shop.buyer_a,
            open,
            json!({ "s": format!("문의 {i}") }),
            "createTicket",
        )
        .await;
        tickets.push(created["ticket"]["id"].as_str().unwrap().to_owned());
    }
    refused(
        &app,
        Some(&shop.buyer_a.access),
        open,
        json!({ "s": "세 번째" }),
    )
    .await;
    ok(
        &app,
        &shop.buyer_b,
        open,
        json!({ "s": "다른 고객" }),
        "createTicket",
    )
    .await;
    let reply = "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"추가 문의\") { id } }";
    for _ in 0..2 {
        ok(
            &app,
            &shop.buyer_a,
            reply,
            json!({ "t": tickets[0] }),
            "replyToTicket",
        )
        .await;
    }
    refused(
        &app,
        Some(&shop.buyer_a.access),
        reply,
        json!({ "t": tickets[0] }),
    )
    .await;
    // Staff are not limited.
    for _ in 0..5 {
        ok(
            &app,
            &shop.agent,
            reply,
            json!({ "t": tickets[0] }),
            "replyToTicket",
        )
        .await;
    }

    // Attached files per account: three at once is more than the bucket holds.
    let png = storedesk::seed::DEMO_SCREENSHOT.to_vec();
    let files = (0..3)
        .map(|n| {
            let path: &'static str = [
                "variables.i.attachments.0",
                "variables.i.attachments.1",
                "variables.i.attachments.2",
            ][n];
            (path, "shot.png", png.clone())
        })
        .collect();
    let (status, body) = upload(&app, &shop.seller_a, CREATE, ticket_input(3), files).await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");

    // FAQ searches and anonymous votes per network.
    let search = "{ faqSearch(query: \"배송\") { score } }";
    for _ in 0..3 {
        let body = app.gql(search, json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    refused(&app, None, search, json!({})).await;
    let entry = ok(
        &app,
        &shop.agent,
        "mutation { createFaqEntry(input: { category: SHIPPING, audience: ALL, question: \"배송은 얼마나 걸리나요?\", answer: \"보통 2일입니다.\", locale: \"ko\", published: true }) { id } }",
        json!({}),
        "createFaqEntry",
    )
    .await;
    let vote = "mutation($id: ID!) { voteFaq(id: $id, helpful: true) { helpfulCount } }";
    for _ in 0..2 {
        let body = app.gql(vote, json!({ "id": entry["id"] })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    refused(&app, None, vote, json!({ "id": entry["id"] })).await;
}

fn one_at_a_time(settings: &mut Settings) {
    settings.max_in_flight_requests = 1;
}

/// Past the cap a request is refused at once, not queued; health checks still answer.
pub async fn past_the_in_flight_cap_requests_are_refused_at_once(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = place(&app, &shop.buyer_a, &shop.store_a, 10_000).await["id"].clone();
    let hold = app.gateway.hold_charges();
    let paying = {
        let request = app
            .client
            .post(app.graphql_url())
            .bearer_auth(&shop.buyer_a.access)
            .json(&json!({ "query": PAY, "variables": { "id": order,
                "input": { "method": "POINTS" } } }));
        tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
    };
    hold.entered().await;
    let busy = app.post(None, json!({ "query": "{ me { id } }" })).await;
    assert_eq!(busy.status().as_u16(), 503);
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: Value = busy.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    hold.release();
    assert_eq!(paying.await.unwrap(), 200);
    assert_eq!(app.me(&shop.buyer_a.access).await.0, 200);
}

fn short_deadline(settings: &mut Settings) {
    settings.payment_timeout_secs = 30;
    settings.request_timeout_secs = 40;
}

/// A request still running at its deadline answers `503`; what it had committed stays (the
/// payment attempt), what it had not is never half written, and the sweep finishes the rest.
pub async fn a_request_past_its_deadline_answers_503(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = place(&app, &shop.buyer_a, &shop.store_a, 10_000).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hold = app.gateway.hold_charges();
    let paying = {
        let request = app
            .client
            .post(app.graphql_url())
            .bearer_auth(&shop.buyer_a.access)
            .json(&json!({ "query": PAY, "variables": { "id": order,
                "input": { "method": "POINTS" } } }));
        tokio::spawn(async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        })
    };
    hold.entered().await;
    app.clock.advance(Duration::seconds(41));
    let (status, body) = paying.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), "INTERNAL");
    // The attempt was recorded before the call and is still waiting; the sweep settles it.
    app.clock.advance(Duration::minutes(2));
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.payments_settled, 1, "{swept:?}");
    let buyer = app
        .login(&shop.buyer_a.email, crate::helpers::PASSWORD)
        .await;
    let state = ok(
        &app,
        &buyer,
        "query($id: ID!) { order(id: $id) { status payment { status failureReason } } }",
        json!({ "id": order }),
        "order",
    )
    .await;
    assert_eq!(state["payment"]["status"], "FAILED", "{state}");
    assert_eq!(state["status"], "PAYMENT_FAILED");
}

engine_tests!(
    volume_limits_answer_rate_limited_with_retry_after with tight,
    past_the_in_flight_cap_requests_are_refused_at_once with one_at_a_time,
    a_request_past_its_deadline_answers_503 with short_deadline,
);
