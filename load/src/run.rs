//! The closed-loop runner: connections that each send their next request when the last one
//! is answered, measured after a warm-up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::client::{Client, Failure};
use crate::process::Sampler;
use crate::report::Outcome;
use crate::scenarios::{self, Scenario, WorkerState};
use crate::world::World;

/// How long and how hard to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Connections (each a closed loop).
    pub connections: usize,
    /// Measured time.
    pub duration: Duration,
    /// Time before measuring (caches, pools, the allocator settle).
    pub warmup: Duration,
    /// The server's process id, for its CPU time and memory.
    pub server_pid: Option<u32>,
}

/// Latencies are recorded in microseconds, up to a minute, with three significant digits.
#[allow(clippy::expect_used)]
pub fn histogram() -> Histogram<u64> {
    // Constant bounds that hdrhistogram accepts: this cannot fail.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// What one connection measured.
struct Measured {
    latencies: Histogram<u64>,
    /// The same latencies by [`scenarios::parts`], when the scenario has parts.
    by_part: Vec<Histogram<u64>>,
    errors: u64,
    samples: Vec<String>,
}

/// Runs `scenario` alone.
pub async fn run(
    client: &Client,
    world: &Arc<World>,
    scenario: Scenario,
    config: &RunConfig,
) -> Outcome {
    let mut outcomes = run_together(
        client,
        world,
        &[(scenario, config.connections)],
        config,
        None,
    )
    .await;
    outcomes.remove(0)
}

/// Runs several scenarios at once, each with its own connections; `during` runs alongside
/// over the same window (the live subscribers) and is awaited at the end. One CPU and memory
/// sample covers them all.
pub async fn run_together(
    client: &Client,
    world: &Arc<World>,
    scenarios: &[(Scenario, usize)],
    config: &RunConfig,
    during: Option<tokio::task::JoinHandle<()>>,
) -> Vec<Outcome> {
    let start = Instant::now();
    let measure_from = start + config.warmup;
    let end = measure_from + config.duration;
    let mut groups = Vec::new();
    for &(scenario, connections) in scenarios {
        let mut workers = Vec::new();
        for worker in 0..connections.max(1) {
            let (client, world) = (client.clone(), world.clone());
            workers.push(tokio::spawn(async move {
                drive(scenario, &client, &world, worker, measure_from, end).await
            }));
        }
        groups.push((scenario, connections, workers));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let sampler = config.server_pid.map(Sampler::start);
    tokio::time::sleep_until(end.into()).await;
    let (cpu, rss) = match sampler {
        Some(sampler) => {
            let (cpu, rss) = sampler.finish();
            (cpu, Some(rss))
        }
        None => (None, None),
    };
    let mut outcomes = Vec::new();
    for (scenario, connections, workers) in groups {
        let mut latencies = histogram();
        let parts = scenarios::parts(scenario);
        let mut by_part: Vec<Histogram<u64>> = parts.iter().map(|_| histogram()).collect();
        let mut errors = 0;
        let mut samples = Vec::new();
        for worker in workers {
            match worker.await {
                Ok(measured) => {
                    let _ = latencies.add(&measured.latencies);
                    for (all, one) in by_part.iter_mut().zip(&measured.by_part) {
                        let _ = all.add(one);
                    }
                    errors += measured.errors;
                    samples.extend(measured.samples);
                }
                Err(err) => {
                    errors += 1;
                    samples.push(format!("a connection's task ended: {err}"));
                }
            }
        }
        samples.truncate(3);
        outcomes.push(Outcome::new(
            scenario.name(),
            connections,
            config.duration,
            &latencies,
            errors,
            samples,
            cpu,
            rss,
        ));
        // Each part on a row of its own after the whole: which operation the time goes to.
        for (name, part) in parts.iter().zip(&by_part) {
            let mut outcome = Outcome::new(
                &format!("{} · {name}", scenario.name()),
                connections,
                config.duration,
                part,
                0,
                Vec::new(),
                None,
                None,
            );
            outcome.part_of = Some(scenario.name().to_owned());
            outcomes.push(outcome);
        }
    }
    if let Some(during) = during {
        let _ = during.await;
    }
    outcomes
}

async fn drive(
    scenario: Scenario,
    client: &Client,
    world: &World,
    worker: usize,
    measure_from: Instant,
    end: Instant,
) -> Measured {
    let mut measured = Measured {
        latencies: histogram(),
        by_part: scenarios::parts(scenario)
            .iter()
            .map(|_| histogram())
            .collect(),
        errors: 0,
        samples: Vec::new(),
    };
    let mut state = WorkerState::default();
    let mut iteration = 0u64;
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let part = scenarios::next_part(scenario, &state);
        let result = scenarios::step(scenario, client, world, worker, iteration, &mut state).await;
        iteration += 1;
        if sent < measure_from {
            continue;
        }
        let micros = u64::try_from(sent.elapsed().as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let _ = measured.latencies.record(micros.min(60_000_000));
        if let Some(part) = part.and_then(|part| measured.by_part.get_mut(part)) {
            let _ = part.record(micros.min(60_000_000));
        }
        if let Err(Failure(why)) = result {
            measured.errors += 1;
            if measured.samples.len() < 3 {
                measured.samples.push(why);
            }
        }
    }
    measured
}
