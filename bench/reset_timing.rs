//! Can a caller tell a registered email from an unknown one by how long "forgot password"
//! takes? (SECURITY.md: "same response and similar time".)
//!
//! Starts storedesk on a temporary SQLite database (or `BENCH_DATABASE_URL`) with one
//! account, then sends `requestPasswordReset` for the registered email and for unknown ones,
//! interleaved, and prints both latency distributions. The per-email and per-IP request limits
//! are lifted so every known request takes the full path (token, email, audit). Run with
//! `cargo bench --bench reset_timing`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use serde_json::json;
use storedesk::Application;
use storedesk::config::Settings;

const SAMPLES: usize = 300;

fn percentile(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: std::env::var("BENCH_DATABASE_URL").ok(),
        background_jobs: false,
        reset_requests_per_email: 1_000_000,
        reset_requests_per_ip: 1_000_000,
        ..Settings::default()
    }
    .without_rate_limits();
    let engine = if settings.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let state = storedesk::prepare_state(settings, storedesk::system_clock())
        .await
        .unwrap();
    let app = Application::from_state(state).unwrap();
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let send = |email: String| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let start = Instant::now();
            let body: serde_json::Value = client
                .post(&url)
                .json(&json!({
                    "query": "mutation($e: String!) { requestPasswordReset(email: $e) }",
                    "variables": { "e": email },
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
            start.elapsed()
        }
    };
    let registered = client
        .post(&url)
        .json(&json!({
            "query": "mutation { register(input: { email: \"owner@example.com\", password: \"correct horse battery\", name: \"Owner\" }) { accessToken } }",
        }))
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());
    // Warm both paths up.
    for n in 0..20 {
        send("owner@example.com".into()).await;
        send(format!("warmup{n}@example.com")).await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for n in 0..SAMPLES {
        known.push(send("owner@example.com".into()).await);
        unknown.push(send(format!("nobody{n}@example.com")).await);
    }
    println!("storedesk requestPasswordReset on {engine}, {SAMPLES} requests each, interleaved:");
    for (label, samples) in [
        ("registered email", &mut known),
        ("unknown email", &mut unknown),
    ] {
        println!(
            "{label:<18} median={:.2} ms  p90={:.2} ms  p99={:.2} ms",
            percentile(samples, 0.5),
            percentile(samples, 0.9),
            percentile(samples, 0.99),
        );
    }
}
