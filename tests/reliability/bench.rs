//! The load harness in miniature, so it never rots: `storedesk bench seed` builds a small
//! dataset, the real binary serves it, and every scenario of `storedesk-load` runs for about
//! a second with a few connections. No timing is asserted: only that each scenario was
//! answered, without a single error.

use std::time::Duration;

use storedesk_load::client::Client;
use storedesk_load::{Item, RunConfig, Scenario, World, run_suite};

use crate::server::{Server, ServerConfig};
use crate::{Engine, RunDatabase};

pub async fn tiny_run(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let database = RunDatabase::create(engine, dir.path()).await;
    let mut config = ServerConfig::new(dir.path(), database.url.clone());
    for limit in [
        "UPLOADS_PER_IP",
        "UPLOADS_PER_ACCOUNT",
        "VOTES_PER_IP",
        "VOTES_PER_ACCOUNT",
        "SEARCHES_PER_IP",
        "SEARCHES_PER_ACCOUNT",
    ] {
        config = config.with(&format!("STOREDESK_RATE_{limit}"), 0);
    }
    let printed = config.run_once(
        &[
            "bench",
            "seed",
            "--orders",
            "400",
            "--tickets",
            "400",
            "--faq",
            "40",
            "--accounts",
            "60",
        ],
        "",
    );
    assert!(printed.contains("dataset built"), "{printed}");
    assert!(
        printed.contains("orders                          400 rows"),
        "{printed}"
    );

    let server = Server::start(&config, 0).await;
    let client = Client::new(&config.base_url(), 4).unwrap();
    let world = std::sync::Arc::new(World::discover(&client, 4).await.unwrap());
    let items: Vec<Item> = Item::all()
        .into_iter()
        .filter(|item| {
            // The floor exists only in a build with the `bench-floor` feature.
            cfg!(feature = "bench-floor")
                || !matches!(
                    item,
                    Item::Alone(Scenario::FloorOrder | Scenario::FloorQueue)
                )
        })
        .collect();
    let run = RunConfig {
        connections: 4,
        duration: Duration::from_millis(800),
        warmup: Duration::from_millis(200),
        server_pid: Some(server.pid()),
    };
    let report = run_suite(&client, &world, &items, &run, 8, "tiny")
        .await
        .unwrap();
    println!("{}", report.table());
    // The rows of one operation (`write-mix · createRefund`) repeat part of their scenario's
    // figures, and a tiny run need not reach every operation.
    for outcome in report.outcomes.iter().filter(|o| o.part_of.is_none()) {
        assert_eq!(
            outcome.errors, 0,
            "{} had errors: {:?}",
            outcome.scenario, outcome.error_samples
        );
        assert!(
            outcome.requests > 0,
            "{} answered nothing",
            outcome.scenario
        );
        assert!(outcome.server_peak_rss_mib.unwrap_or(0.0) > 0.0);
    }
    let (_, log) = server.terminate();
    assert!(!log.contains("panicked"), "{log}");
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dataset_builder_and_every_load_scenario_run_on_sqlite() {
    tiny_run(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dataset_builder_and_every_load_scenario_run_on_postgres() {
    tiny_run(Engine::Postgres).await;
}
