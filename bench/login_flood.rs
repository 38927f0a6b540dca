//! Does a login flood delay other requests?
//!
//! Starts storedesk on a temporary SQLite database, then measures `me` latency twice: on an
//! idle server, and while 50 clients log in as fast as they can (every login costs an argon2id
//! hash). Run with `cargo bench --bench login_flood`; figures go to standard output.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use storedesk::Application;
use storedesk::config::Settings;

const FLOODERS: usize = 50;
const SAMPLES: usize = 400;
const PASSWORD: &str = "correct horse battery";

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

async fn register(client: &reqwest::Client, url: &str, email: &str) -> String {
    let body = gql(
        client,
        url,
        None,
        "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
        json!({ "i": { "email": email, "password": PASSWORD, "name": "Bench" } }),
    )
    .await;
    body["data"]["register"]["accessToken"]
        .as_str()
        .expect("registered")
        .to_owned()
}

async fn sample_me(client: &reqwest::Client, url: &str, token: &str) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        let body = gql(client, url, Some(token), "{ me { id email } }", json!({})).await;
        latencies.push(start.elapsed());
        assert!(body["data"]["me"].is_object(), "{body}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies.sort();
    latencies
}

fn report(label: &str, latencies: &[Duration]) {
    let pick =
        |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{label:<28} n={:<4} median={:.2} ms  p90={:.2} ms  p99={:.2} ms  max={:.2} ms",
        latencies.len(),
        pick(0.5),
        pick(0.9),
        pick(0.99),
        pick(1.0)
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        // High enough that the flood is never throttled: we measure hashing load, not lockouts.
        login_max_failures_per_ip: 1_000_000,
        // BENCH_HASH_CONCURRENCY compares against other bounds (default: cores - 1).
        hash_concurrency: std::env::var("BENCH_HASH_CONCURRENCY")
            .ok()
            .and_then(|v| v.parse().ok()),
        ..Settings::default()
    }
    .without_rate_limits();
    let app = Application::build(settings, storedesk::system_clock())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();

    let token = register(&client, &url, "watcher@example.com").await;
    let mut emails = Vec::new();
    for i in 0..FLOODERS {
        let email = format!("flood{i}@example.com");
        register(&client, &url, &email).await;
        emails.push(email);
    }

    let idle = sample_me(&client, &url, &token).await;

    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicU64::new(0));
    let mut flooders = Vec::new();
    for email in emails {
        let (client, url, stop, logins) =
            (client.clone(), url.clone(), stop.clone(), logins.clone());
        flooders.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let body = gql(
                    &client,
                    &url,
                    None,
                    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                    json!({ "e": email, "p": PASSWORD }),
                )
                .await;
                assert!(body["data"]["login"].is_object(), "{body}");
                logins.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the flood fill the hashing queue before sampling.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let flooded = sample_me(&client, &url, &token).await;
    let elapsed = started.elapsed();
    let done = logins.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.await.unwrap();
    }

    let bound =
        std::env::var("BENCH_HASH_CONCURRENCY").unwrap_or_else(|_| "cores - 1 (default)".into());
    println!(
        "storedesk login flood: {FLOODERS} login loops, {SAMPLES} `me` requests per phase, hash concurrency {bound}"
    );
    report("me, idle server", &idle);
    report("me, during login flood", &flooded);
    println!(
        "logins completed during the flood phase: {done} in {:.1} s ({:.1}/s)",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64()
    );
}
