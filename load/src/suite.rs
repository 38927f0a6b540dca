//! A run of several scenarios one after another, the combined ones included.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use crate::client::Client;
use crate::live;
use crate::report::{Outcome, Report};
use crate::run::{self, RunConfig};
use crate::scenarios::Scenario;
use crate::world::World;

/// What a run is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// One scenario alone.
    Alone(Scenario),
    /// Sign-ins at full concurrency while agents read the queue; both reported.
    LoginStorm,
    /// Subscribed agents while the write mix runs: from a change to its event.
    Live,
}

impl Item {
    /// Everything, in report order.
    pub fn all() -> Vec<Item> {
        let mut items: Vec<Item> = Scenario::ALL.into_iter().map(Item::Alone).collect();
        items.push(Item::LoginStorm);
        items.push(Item::Live);
        items
    }
}

impl FromStr for Item {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "login-storm" => Ok(Item::LoginStorm),
            "live" => Ok(Item::Live),
            other => other.parse().map(Item::Alone),
        }
    }
}

/// Runs `items` in order; `subscribers` is the size of `live`.
pub async fn run_suite(
    client: &Client,
    world: &Arc<World>,
    items: &[Item],
    config: &RunConfig,
    subscribers: usize,
    label: &str,
) -> anyhow::Result<Report> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    for item in items {
        let before = outcomes.len();
        match *item {
            Item::Alone(scenario) => {
                // Sign-ins are argon2-bound: more connections than hashing threads only
                // queue, and the server sheds beyond its hash queue.
                outcomes.push(run::run(client, world, scenario, config).await);
            }
            Item::LoginStorm => {
                let half = (config.connections / 2).max(1);
                let both = run::run_together(
                    client,
                    world,
                    &[(Scenario::Login, half), (Scenario::Queue, half)],
                    config,
                    None,
                )
                .await;
                outcomes.extend(both.into_iter().map(|mut o| {
                    o.scenario = format!("login-storm: {}", o.scenario);
                    o
                }));
            }
            Item::Live => outcomes.extend(live_run(client, world, config, subscribers).await?),
        }
        for done in &outcomes[before..] {
            eprintln!(
                "{:<24} {:>9.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
                done.scenario, done.per_second, done.p50_ms, done.p99_ms, done.errors
            );
        }
    }
    Ok(Report {
        label: label.to_owned(),
        duration_secs: config.duration.as_secs_f64(),
        warmup_secs: config.warmup.as_secs_f64(),
        outcomes,
    })
}

async fn live_run(
    client: &Client,
    world: &Arc<World>,
    config: &RunConfig,
    subscribers: usize,
) -> anyhow::Result<Vec<Outcome>> {
    let sockets = live::subscribe(client.base(), &world.agents, subscribers).await?;
    // The same window as the write mix's, which starts counting right away.
    let measure_from = Instant::now() + config.warmup;
    let (deliveries, listening) =
        live::listen_all(sockets, measure_from, measure_from + config.duration);
    let mut outcomes = run::run_together(
        client,
        world,
        &[(Scenario::WriteMix, config.connections)],
        config,
        Some(listening),
    )
    .await;
    let (latencies, unreadable) = deliveries.take();
    let write = outcomes.remove(0);
    // The write mix's rows by operation follow it.
    for part in &mut outcomes {
        part.scenario = format!("live: {}", part.scenario);
    }
    let mut events = Outcome::new(
        "live",
        subscribers,
        config.duration,
        &latencies,
        unreadable,
        Vec::new(),
        None,
        write.server_peak_rss_mib,
    );
    events.server_cpu_percent = write.server_cpu_percent;
    let mut write = write;
    write.scenario = "live: write-mix".into();
    let mut all = vec![events, write];
    all.extend(outcomes);
    Ok(all)
}
