//! Does the agents' dashboard stay fast with a million tickets?
//!
//! Fills a temporary SQLite database (or `BENCH_DATABASE_URL`) with `BENCH_TICKETS` tickets
//! (default 1,000,000) spread over two years, the way a busy help desk looks: the old ones
//! closed and a third of them rated, the last week's still open, pending or resolved. Rows are
//! inserted in bulk (the services would take hours); then `supportDashboard` and the agents'
//! queue views are measured over HTTP. Prints latency percentiles and SQL statements per
//! request. Run with `cargo bench --bench dashboard` (`BENCH_TICKETS=100000` for a quick look).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use entity::account::Role;
use entity::ticket::{self, TicketCategory, TicketChannel, TicketPriority, TicketStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};
use serde_json::{Value, json};
use storedesk::Application;
use storedesk::accounts::service::{self as accounts, NewStaff, Registration};
use storedesk::auth::RequestMeta;
use storedesk::clock::ManualClock;
use storedesk::config::Settings;
use storedesk::state::AppState;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const SAMPLES: usize = 30;
const AGENTS: usize = 20;
/// Rows per INSERT (SQLite allows 32,766 bound values; a ticket has 29 columns).
const CHUNK: usize = 1_000;
/// Rows per transaction.
const TRANSACTION: usize = 50_000;

const DASHBOARD: &str = "{ supportDashboard {
    byStatus { status count } byCategory { category count } byPriority { priority count }
    unassigned slaBreached slaDueWithinHour overdueSellerDecisions delayedShipments
    stalledShipments overdueRefunds csatLast7Days csatLast30Days
    csatByAgent { agent { email } average count } csatByCategory { category average count } } }";
const QUEUE: &str = "query($filter: TicketFilter) { tickets(first: 50, filter: $filter) {
    totalCount edges { node { id number subject status priority slaBreached
    requester { account { email } } assignee { account { email } } lastMessage { body } } } } }";

async fn staff(state: &AppState, email: &str) -> Uuid {
    accounts::create_staff(
        state,
        &RequestMeta::default(),
        None,
        NewStaff {
            email: email.into(),
            name: "Agent".into(),
            role: Role::Agent,
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
        },
    )
    .await
    .unwrap()
    .id
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn ticket_row(
    rng: &mut StdRng,
    number: i64,
    now: DateTime<Utc>,
    requester: Uuid,
    agents: &[Uuid],
) -> ticket::ActiveModel {
    use TicketCategory::*;
    let created = now - Duration::minutes(rng.random_range(0..730 * 24 * 60));
    let age = now - created;
    let status = if age > Duration::days(14) {
        TicketStatus::Closed
    } else {
        pick(
            rng,
            &[
                TicketStatus::Open,
                TicketStatus::Open,
                TicketStatus::Pending,
                TicketStatus::Resolved,
                TicketStatus::Closed,
            ],
        )
    };
    let priority = pick(
        rng,
        &[
            TicketPriority::Low,
            TicketPriority::Normal,
            TicketPriority::Normal,
            TicketPriority::Normal,
            TicketPriority::High,
            TicketPriority::Urgent,
        ],
    );
    let answered = status != TicketStatus::Open || rng.random_bool(0.5);
    let resolved = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    let rated = status == TicketStatus::Closed && rng.random_bool(0.33);
    let assignee =
        (status != TicketStatus::Open || rng.random_bool(0.7)).then(|| pick(rng, agents));
    let first_due = created + Duration::hours(4);
    let resolution_due = created + Duration::days(3);
    ticket::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(number),
        requester_id: Set(requester),
        created_by: Set(Some(requester)),
        assignee_id: Set(assignee),
        order_id: Set(None),
        category: Set(pick(
            rng,
            &[
                OrderPayment,
                Shipping,
                Account,
                Cancellation,
                Refund,
                ReturnExchange,
                Settlement,
                Other,
            ],
        )),
        channel: Set(TicketChannel::Web),
        subject: Set(format!("문의 {number}: 배송이 늦어요")),
        status: Set(status),
        priority: Set(priority),
        payment_method: Set(None),
        card_last4: Set(None),
        created_at: Set(created),
        updated_at: Set(created + Duration::hours(2)),
        first_response_due_at: Set(first_due),
        resolution_due_at: Set(resolution_due),
        first_responded_at: Set(answered.then(|| created + Duration::hours(1))),
        pending_since: Set((status == TicketStatus::Pending).then_some(created)),
        resolved_at: Set(resolved.then(|| created + Duration::days(1))),
        closed_at: Set((status == TicketStatus::Closed).then(|| created + Duration::days(8))),
        satisfaction_score: Set(rated.then(|| rng.random_range(1..=5))),
        satisfaction_comment: Set(None),
        rated_at: Set(rated.then(|| created + Duration::days(2))),
        first_response_escalated_at: Set(None),
        resolution_escalated_at: Set(None),
    }
}

async fn build_dataset(state: &AppState, count: usize, now: DateTime<Utc>) {
    let buyer = accounts::register(
        state,
        &RequestMeta::default(),
        Registration {
            email: "buyer@example.com".into(),
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
            name: "Buyer".into(),
            phone: None,
            role: Role::Buyer,
            store_name: None,
        },
    )
    .await
    .unwrap()
    .account
    .id;
    let mut agents = Vec::new();
    for n in 0..AGENTS {
        agents.push(staff(state, &format!("agent{n}@example.com")).await);
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut number = 1_000;
    let mut left = count;
    while left > 0 {
        let txn = state.db.begin().await.unwrap();
        let in_txn = left.min(TRANSACTION);
        let mut done = 0;
        while done < in_txn {
            let rows: Vec<ticket::ActiveModel> = (0..CHUNK.min(in_txn - done))
                .map(|_| {
                    number += 1;
                    ticket_row(&mut rng, number, now, buyer, &agents)
                })
                .collect();
            done += rows.len();
            ticket::Entity::insert_many(rows).exec(&txn).await.unwrap();
        }
        txn.commit().await.unwrap();
        left -= in_txn;
    }
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    // The login itself goes without a token (an empty bearer is refused).
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn measure(
    label: &str,
    query: &str,
    variables: Value,
    client: &reqwest::Client,
    url: &str,
    state: &AppState,
    token: &str,
) {
    let mut latencies = Vec::with_capacity(SAMPLES);
    let mut statements = 0;
    for _ in 0..SAMPLES {
        let before = state.statements.get();
        let start = Instant::now();
        let body = gql(client, url, token, query, variables.clone()).await;
        latencies.push(start.elapsed());
        statements = state.statements.get() - before;
        assert!(body["errors"].is_null(), "{body}");
    }
    latencies.sort();
    let at =
        |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{label:<36} median={:.1} ms  p90={:.1} ms  max={:.1} ms  statements/request={statements}",
        at(0.5),
        at(0.9),
        at(1.0),
    );
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: std::env::var("BENCH_DATABASE_URL").ok(),
        background_jobs: false,
        ..Settings::default()
    }
    .without_rate_limits();
    let engine = if settings.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let now = Utc::now();
    let clock = ManualClock::new(now);
    let state = storedesk::prepare_state(settings, Arc::new(clock))
        .await
        .unwrap();
    let started = Instant::now();
    build_dataset(&state, count, now).await;
    if engine == "PostgreSQL" {
        // What autovacuum does after a load this size: without statistics the planner
        // cannot tell a range of a few thousand tickets from a table scan.
        use sea_orm::ConnectionTrait;
        state
            .db
            .execute_unprepared("ANALYZE tickets")
            .await
            .unwrap();
    }
    println!(
        "storedesk dashboard on {engine}: {count} tickets inserted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let app = Application::from_state(state.clone()).unwrap();
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = gql(
        &client,
        &url,
        "",
        "mutation { login(email: \"agent0@example.com\", password: \"correct horse battery\") { accessToken } }",
        json!({}),
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {login}"))
        .to_owned();
    let dashboard = gql(&client, &url, &token, DASHBOARD, json!({})).await;
    println!("{}", dashboard["data"]["supportDashboard"]["byStatus"]);
    let m = |label: &'static str, query: &'static str, variables: Value| {
        let (client, url, state, token) =
            (client.clone(), url.clone(), state.clone(), token.clone());
        async move { measure(label, query, variables, &client, &url, &state, &token).await }
    };
    m("supportDashboard", DASHBOARD, json!({})).await;
    m("queue: first 50", QUEUE, json!({})).await;
    m(
        "queue: OPEN, first 50",
        QUEUE,
        json!({ "filter": { "status": "OPEN" } }),
    )
    .await;
    m(
        "queue: unassigned, first 50",
        QUEUE,
        json!({ "filter": { "unassigned": true } }),
    )
    .await;
    m(
        "queue: SLA breached, first 50",
        QUEUE,
        json!({ "filter": { "slaBreached": true } }),
    )
    .await;
}
