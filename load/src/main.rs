//! `storedesk-load`: drives a running storedesk with a fixed concurrency and reports per
//! scenario requests/s, latency percentiles, errors, server CPU and peak RSS, as a Markdown
//! table on standard output and, with `--json`, as JSON. `scripts/bench.sh` builds a
//! dataset, starts the server and runs this.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use storedesk_load::client::Client;
use storedesk_load::{Item, RunConfig, World, run_suite};

#[derive(Parser)]
#[command(name = "storedesk-load", version, about = "Load harness for storedesk")]
struct Cli {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Scenarios, comma-separated (order-list, seller-orders, order, order-by-number,
    /// accounts, queue, ticket, dashboard, faq-search, write-mix, login, floor-order,
    /// floor-queue, healthz, login-storm, live), or `all`.
    #[arg(long, default_value = "all")]
    scenarios: String,
    /// Connections, each a closed loop.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Warm-up seconds per scenario, not measured.
    #[arg(long, default_value_t = 5.0)]
    warmup: f64,
    /// Subscribed agents in `live`.
    #[arg(long, default_value_t = 200)]
    subscribers: usize,
    /// The server's process id: its CPU time and peak RSS are reported.
    #[arg(long)]
    server_pid: Option<u32>,
    /// What this run is (engine, dataset size), for the report.
    #[arg(long, default_value = "")]
    label: String,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let items: Vec<Item> = if cli.scenarios == "all" {
        Item::all()
    } else {
        cli.scenarios
            .split(',')
            .map(|name| name.trim().parse::<Item>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?
    };
    let client = Client::new(&cli.url, cli.connections)?;
    let world = Arc::new(World::discover(&client, cli.connections.min(40)).await?);
    let config = RunConfig {
        connections: cli.connections,
        duration: Duration::from_secs_f64(cli.duration),
        warmup: Duration::from_secs_f64(cli.warmup),
        server_pid: cli.server_pid,
    };
    let report = run_suite(
        &client,
        &world,
        &items,
        &config,
        cli.subscribers,
        &cli.label,
    )
    .await?;
    print!("{}", report.table());
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
