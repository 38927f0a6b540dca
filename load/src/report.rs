//! Figures of a run, as a table for people and JSON for tools.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Scenario name (`order-list`, `live`, …).
    pub scenario: String,
    /// Connections it ran with (subscribers for `live`).
    pub connections: usize,
    /// Requests answered in the measured window (events, for `live`).
    pub requests: u64,
    /// Requests per second.
    pub per_second: f64,
    /// Latency percentiles in milliseconds.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Non-`200` answers and answers with `errors`.
    pub errors: u64,
    /// A few of the errors, as answered.
    pub error_samples: Vec<String>,
    /// Server CPU over the window, in per cent of one core (200 is both cores).
    pub server_cpu_percent: Option<f64>,
    /// Peak server RSS over the window, in MiB.
    pub server_peak_rss_mib: Option<f64>,
    /// For a row of one operation of a scenario (`write-mix · createRefund`), the scenario:
    /// its CPU and memory are the whole's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
}

impl Outcome {
    /// Figures from a histogram of microseconds.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: &str,
        connections: usize,
        duration: Duration,
        latencies: &Histogram<u64>,
        errors: u64,
        error_samples: Vec<String>,
        cpu_seconds: Option<f64>,
        peak_rss_mib: Option<f64>,
    ) -> Self {
        let ms = |micros: u64| micros as f64 / 1000.0;
        let seconds = duration.as_secs_f64().max(f64::EPSILON);
        Self {
            scenario: scenario.to_owned(),
            connections,
            requests: latencies.len(),
            per_second: latencies.len() as f64 / seconds,
            p50_ms: ms(latencies.value_at_quantile(0.5)),
            p95_ms: ms(latencies.value_at_quantile(0.95)),
            p99_ms: ms(latencies.value_at_quantile(0.99)),
            max_ms: ms(latencies.max()),
            errors,
            error_samples,
            server_cpu_percent: cpu_seconds.map(|cpu| cpu / seconds * 100.0),
            server_peak_rss_mib: peak_rss_mib,
            part_of: None,
        }
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the run was (engine, dataset size), as given on the command line.
    pub label: String,
    /// Measured seconds per scenario.
    pub duration_secs: f64,
    /// Warm-up seconds per scenario.
    pub warmup_secs: f64,
    /// Figures per scenario.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// A Markdown table of the outcomes.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server CPU % | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for o in &self.outcomes {
            let opt = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"));
            out.push_str(&format!(
                "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {} | {} |\n",
                o.scenario,
                o.connections,
                o.per_second,
                o.p50_ms,
                o.p95_ms,
                o.p99_ms,
                o.max_ms,
                o.errors,
                opt(o.server_cpu_percent),
                opt(o.server_peak_rss_mib),
            ));
        }
        out
    }
}
