//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// How long `/readyz` waits for the database: probes give up after a second or so, and a
/// database that slow is not ready either.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// The database answers, promptly, and (SQLite) its disk can take writes.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = tokio::time::timeout(READY_WITHIN, crate::db::ping(&state.db)).await;
    if !ping.unwrap_or(false) {
        return unready("database unavailable");
    }
    if let Some(file) = state.settings.sqlite_file()
        && let Some(problem) = disk_problem(&file, state.settings.readiness_min_free_mb)
    {
        return unready(problem);
    }
    HttpResponse::Ok().content_type("text/plain").body("ready")
}

fn unready(reason: &'static str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body(reason)
}

/// Why the file system holding `file` cannot take writes, if it cannot: SQLite answers
/// reads from a full or read-only disk but fails every write, so the instance should leave
/// the load balancer's rotation before its users find out.
fn disk_problem(file: &std::path::Path, min_free_mb: u64) -> Option<&'static str> {
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty())?;
    if crate::db::is_read_only(dir) {
        return Some("database disk is read-only");
    }
    let stats = rustix::fs::statvfs(dir).ok()?;
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    (free < min_free_mb.saturating_mul(1024 * 1024)).then_some("database disk is full")
}
