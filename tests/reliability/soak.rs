//! The soak: the write load plus agents reading the queue and a live subscriber, for a
//! while, sampling the server from outside every interval.

use std::path::Path;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// One interval's figures.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at_secs: u64,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub rss_mb: f64,
    pub fds: usize,
    pub db_connections: i64,
    pub wal_mb: f64,
}

/// Resident memory of `pid`, in MiB.
pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Open file descriptors of `pid`, and how many of them are the SQLite files.
pub fn fds(pid: u32) -> (usize, usize) {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return (0, 0);
    };
    let targets: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| {
            std::fs::read_link(e.path())
                .map(|t| t.display().to_string())
                .unwrap_or_default()
        })
        .collect();
    let sqlite = targets
        .iter()
        .filter(|t| t.ends_with("storedesk.db"))
        .count();
    (targets.len(), sqlite)
}

/// The server's connections: PostgreSQL counts its backends on the database (less the
/// sampler's own); on SQLite each pooled connection holds the database file open.
pub async fn db_connections(db: &DatabaseConnection, sqlite_files: usize) -> i64 {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
        _ => i64::try_from(sqlite_files).unwrap_or(i64::MAX),
    }
}

/// Size of the SQLite WAL, in MiB (0 on PostgreSQL).
pub fn wal_mb(data_dir: &Path) -> f64 {
    std::fs::metadata(data_dir.join("storedesk.db-wal"))
        .map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0))
}

/// The table of samples, as RELIABILITY.md shows it.
pub fn table(samples: &[Sample], interval: Duration) -> String {
    let mut out = String::from(
        "| at (s) | requests | errors | p50 (ms) | p99 (ms) | RSS (MiB) | fds | DB connections | WAL (MiB) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for s in samples {
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {:.1} |\n",
            s.at_secs,
            s.requests,
            s.errors,
            s.p50_ms,
            s.p99_ms,
            s.rss_mb,
            s.fds,
            s.db_connections,
            s.wal_mb
        ));
    }
    out.push_str(&format!("(one row per {} s)\n", interval.as_secs()));
    out
}
