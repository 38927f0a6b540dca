//! How fast is the order list, and does it stay flat as the table grows and pages go deep?
//!
//! Builds a dataset of `BENCH_ORDERS` orders (default 5,000) through the real services on a
//! temporary SQLite database (or `BENCH_DATABASE_URL`), then measures `orders(first: 50)` with
//! every nested relation: as an agent (first page and a page 40 pages deep), as a seller (store
//! scope), and with the `delayed` filter. Prints latency percentiles and SQL statements per
//! request. Run with `cargo bench --bench orders_list`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Span;
use entity::account::Role;
use entity::cancellation_request::{CancellationKind, CancellationReason};
use entity::payment::PaymentMethod;
use serde_json::{Value, json};
use storedesk::Application;
use storedesk::accounts::service::{self as accounts, NewStaff, Registration};
use storedesk::auth::{Caller, RequestMeta};
use storedesk::cancellations::service::{self as cancellations, NewRequest};
use storedesk::clock::{Clock, ManualClock};
use storedesk::config::Settings;
use storedesk::orders::service::{self as orders, NewItem, PaymentInput};
use storedesk::state::AppState;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const SAMPLES: usize = 200;
const QUERY: &str = "query($f: Int, $a: String, $filter: OrderFilter) {
    orders(first: $f, after: $a, filter: $filter) { totalCount pageInfo { endCursor } edges { node {
    id orderNumber status buyer { account { email } } store { name } items { productName quantity unitPrice }
    payment { status method cardLast4 } refundableAmount
    shipment { carrier trackingNumber delayed stalled events { description } }
    cancellationRequests { status overdue } refunds { amount status } } } } }";

async fn caller(state: &AppState, email: &str, role: Role) -> Caller {
    let meta = RequestMeta::default();
    let signed = accounts::register(
        state,
        &meta,
        Registration {
            email: email.into(),
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
            name: "Bench".into(),
            phone: None,
            role,
            store_name: (role == Role::Seller).then(|| format!("store of {email}")),
        },
    )
    .await
    .unwrap();
    Caller {
        account_id: signed.account.id,
        role,
        session_id: Uuid::nil(),
    }
}

async fn store_id(state: &AppState, seller: &Caller) -> Uuid {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::store::Entity::find()
        .filter(entity::store::Column::OwnerId.eq(seller.account_id))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn build_dataset(state: &AppState, clock: &ManualClock, count: usize) {
    let meta = RequestMeta::default();
    let sellers = [
        caller(state, "seller1@example.com", Role::Seller).await,
        caller(state, "seller2@example.com", Role::Seller).await,
    ];
    let stores = [
        store_id(state, &sellers[0]).await,
        store_id(state, &sellers[1]).await,
    ];
    let mut buyers = Vec::new();
    for i in 0..20 {
        buyers.push(caller(state, &format!("buyer{i}@example.com"), Role::Buyer).await);
    }
    let pay = PaymentInput {
        method: PaymentMethod::Card,
        card_brand: Some("VISA".into()),
        card_last4: Some("4242".into()),
        simulate: None,
    };
    for i in 0..count {
        clock.advance(Span::seconds(30));
        let (seller, store, buyer) = (sellers[i % 2], stores[i % 2], buyers[i % 20]);
        let items: Vec<NewItem> = (0..3)
            .map(|n| NewItem {
                product_name: format!("상품 {n}"),
                quantity: 1 + n,
                unit_price: 9_900,
            })
            .collect();
        let order = orders::place_order(state, &meta, &buyer, store, &items)
            .await
            .unwrap();
        orders::pay_order(state, &meta, &buyer, order.id, pay.clone())
            .await
            .unwrap();
        if i % 3 == 0 {
            continue;
        }
        orders::mark_preparing(state, &meta, &seller, order.id)
            .await
            .unwrap();
        if i % 3 == 1 {
            let expected = clock.now() + Span::days(2);
            orders::ship_order(state, &meta, &seller, order.id, "CJ", "123-456", expected)
                .await
                .unwrap();
        } else {
            cancellations::request_cancellation(
                state,
                &meta,
                &buyer,
                NewRequest {
                    order_id: order.id,
                    kind: CancellationKind::Cancel,
                    reason: CancellationReason::ChangeOfMind,
                    details: None,
                    override_reason: None,
                },
            )
            .await
            .unwrap();
        }
    }
}

async fn login(client: &reqwest::Client, url: &str, email: &str) -> String {
    let body = gql(
        client,
        url,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        json!({ "e": email, "p": PASSWORD }),
    )
    .await;
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn measure(
    label: &str,
    query: &str,
    client: &reqwest::Client,
    url: &str,
    state: &AppState,
    token: &str,
    variables: Value,
) {
    let mut latencies = Vec::with_capacity(SAMPLES);
    let mut statements = 0;
    for _ in 0..SAMPLES {
        let before = state.statements.get();
        let start = Instant::now();
        let body = gql(client, url, Some(token), query, variables.clone()).await;
        latencies.push(start.elapsed());
        statements = state.statements.get() - before;
        assert!(body["errors"].is_null(), "{body}");
    }
    latencies.sort();
    let pick =
        |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{label:<34} median={:.2} ms  p90={:.2} ms  p99={:.2} ms  statements/request={statements}",
        pick(0.5),
        pick(0.9),
        pick(0.99),
    );
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
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
    let clock = ManualClock::new(chrono::Utc::now() - Span::days(30));
    let state = storedesk::prepare_state(settings, Arc::new(clock.clone()))
        .await
        .unwrap();
    let started = Instant::now();
    build_dataset(&state, &clock, count).await;
    println!(
        "storedesk order list on {engine}: {count} orders built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    accounts::create_staff(
        &state,
        &RequestMeta::default(),
        None,
        NewStaff {
            email: "agent@example.com".into(),
            name: "Agent".into(),
            role: Role::Agent,
            password: secrecy::SecretString::from(PASSWORD.to_owned()),
        },
    )
    .await
    .unwrap();
    clock.set(chrono::Utc::now());
    let app = Application::from_state(state.clone()).unwrap();
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let agent = login(&client, &url, "agent@example.com").await;
    let seller = login(&client, &url, "seller1@example.com").await;

    // A cursor 40 pages deep: keyset pagination should cost the same as the first page.
    let mut cursor = Value::Null;
    for _ in 0..40 {
        let body = gql(
            &client,
            &url,
            Some(&agent),
            "query($a: String) { orders(first: 50, after: $a) { pageInfo { endCursor } } }",
            json!({ "a": cursor }),
        )
        .await;
        cursor = body["data"]["orders"]["pageInfo"]["endCursor"].clone();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    measure(
        "agent, first 50",
        QUERY,
        &client,
        &url,
        &state,
        &agent,
        json!({ "f": 50 }),
    )
    .await;
    measure(
        "agent, first 50, 40 pages deep",
        QUERY,
        &client,
        &url,
        &state,
        &agent,
        json!({ "f": 50, "a": cursor }),
    )
    .await;
    measure(
        "seller (store scope), first 50",
        QUERY,
        &client,
        &url,
        &state,
        &seller,
        json!({ "f": 50 }),
    )
    .await;
    measure(
        "agent, delayed parcels, first 50",
        QUERY,
        &client,
        &url,
        &state,
        &agent,
        json!({ "f": 50, "filter": { "delayed": true } }),
    )
    .await;
    measure(
        "agent, first 50, ids only",
        "query($f: Int) { orders(first: $f) { edges { node { id orderNumber } } } }",
        &client,
        &url,
        &state,
        &agent,
        json!({ "f": 50 }),
    )
    .await;
    measure(
        "agent, first 5",
        QUERY,
        &client,
        &url,
        &state,
        &agent,
        json!({ "f": 5 }),
    )
    .await;
}
