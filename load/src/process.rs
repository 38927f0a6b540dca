//! The server's CPU time and resident memory, read from `/proc/<pid>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// CPU seconds (user + system) the process has used so far.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields are counted after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
}

/// Resident memory in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Samples a process's resident memory every 50 ms until dropped, keeping the peak.
pub struct Sampler {
    peak_kib: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
    cpu_start: Option<f64>,
    pid: u32,
}

impl Sampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let peak_kib = Arc::new(AtomicU64::new(rss_kib(pid).unwrap_or(0)));
        let peak = peak_kib.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tick.tick().await;
                if let Some(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
            }
        });
        Self {
            peak_kib,
            task,
            cpu_start: cpu_seconds(pid),
            pid,
        }
    }

    /// Stops; answers (CPU seconds used since the start, peak RSS in MiB).
    pub fn finish(self) -> (Option<f64>, f64) {
        self.task.abort();
        let cpu = match (self.cpu_start, cpu_seconds(self.pid)) {
            (Some(start), Some(end)) => Some(end - start),
            _ => None,
        };
        (cpu, self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0)
    }
}
