//! How long does one FAQ search take inside the index, without HTTP or the database?
//!
//! Builds the benchmark dataset's FAQ (`BENCH_FAQ` entries, default 10,000, half Korean and
//! half English) into a temporary SQLite database, rebuilds the index from it, then times
//! `FaqIndex::search` over the load harness's rotating queries, as a customer's search
//! asks it (published entries only). This is the figure behind running the search on the
//! request's own worker rather than the blocking pool: a hand-off there and back costs two
//! thread wake-ups, tens of microseconds on a busy 2-core machine. Run with
//! `cargo bench --bench faq_search`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use storedesk::clock::ManualClock;
use storedesk::config::Settings;
use storedesk::dataset::{self, Size};
use storedesk::faq::index::SearchFilter;
use storedesk_load::scenarios::FAQ_QUERIES;

const ROUNDS: usize = 2_000;

#[tokio::main]
async fn main() {
    let faq: usize = std::env::var("BENCH_FAQ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        background_jobs: false,
        ..Settings::default()
    };
    let clock = ManualClock::new(chrono::Utc::now());
    let state = storedesk::prepare_state(settings, Arc::new(clock))
        .await
        .unwrap();
    let size = Size {
        orders: 10,
        tickets: 10,
        faq,
        accounts: 4,
    };
    dataset::build(&state, size, 7).await.unwrap();
    state.faq_index.rebuild(&state.db).await.unwrap();
    let filter = SearchFilter::default();
    let mut samples = Vec::with_capacity(ROUNDS * FAQ_QUERIES.len());
    let mut hits = 0;
    for round in 0..=ROUNDS {
        for query in FAQ_QUERIES {
            let started = Instant::now();
            let found = state.faq_index.search(query, &filter, 10).await.unwrap();
            let took = started.elapsed();
            // The first round warms the page cache and the allocator.
            if round > 0 {
                samples.push(took);
                hits += found.map_or(0, |found| found.ranked.len());
            }
        }
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "FAQ index search over {faq} entries, {} searches ({:.1} hits each): \
         p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        samples.len(),
        hits as f64 / samples.len() as f64,
        micros(at(0.5)),
        micros(at(0.99)),
        micros(at(1.0)),
    );
}
