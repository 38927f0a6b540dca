//! Failed-login counters per normalised email and per client IP, with a temporary lockout
//! that doubles with every further failure (SECURITY.md "Login").

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle::{self, Column};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::config::Settings;

/// The lockout policy, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures per email before lockout.
    pub max_per_email: u32,
    /// Failures per IP before lockout.
    pub max_per_ip: u32,
    /// First lockout.
    pub base: Duration,
    /// Longest lockout.
    pub max: Duration,
    /// Failures older than this are forgotten.
    pub window: Duration,
}

impl ThrottlePolicy {
    /// From the settings.
    pub fn from_settings(settings: &Settings) -> Self {
        let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        Self {
            max_per_email: settings.login_max_failures_per_email.max(1),
            max_per_ip: settings.login_max_failures_per_ip.max(1),
            base: secs(settings.login_lockout_base_secs),
            max: secs(settings.login_lockout_max_secs),
            window: secs(settings.login_failure_window_secs),
        }
    }

    /// Lockout after the `failures`-th failure with threshold `max`: base, doubling, capped.
    pub fn lockout(&self, failures: u32, max: u32) -> Option<Duration> {
        if failures < max {
            return None;
        }
        let doublings = (failures - max).min(20);
        let length = self.base * 2_i32.pow(doublings);
        Some(length.min(self.max))
    }
}

/// The counter key of an email.
pub fn email_key(email: &str) -> String {
    format!("email:{email}")
}

/// The counter of every failed login, whoever and wherever.
pub const GLOBAL_KEY: &str = "global";

/// The counter key of a client IP.
pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// How long the longest lockout among `keys` still runs at `now`; `None` when none is
/// locked out.
pub async fn locked_for(
    conn: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<std::time::Duration>, DbErr> {
    Ok(locked_keys(conn, keys, now)
        .await?
        .into_iter()
        .map(|(_, until)| (until - now).to_std().unwrap_or_default())
        .max())
}

/// Those of `keys` locked out at `now`, with the end of their lockout, read in one
/// statement.
pub async fn locked_keys(
    conn: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, DbErr> {
    let rows = login_throttle::Entity::find()
        .filter(Column::Key.is_in(keys.iter().cloned()))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            row.locked_until
                .filter(|until| *until > now)
                .map(|until| (row.key, until))
        })
        .collect())
}

/// Counts one failure for `key` (call inside a write transaction).
///
/// The row is created if missing and then read under a row lock (`FOR UPDATE` on PostgreSQL;
/// SQLite write transactions are already exclusive), so concurrent failures are all counted.
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    policy: &ThrottlePolicy,
    key: String,
    max: u32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        key: Set(key.clone()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec(conn)
    .await?;
    let Some(row) = login_throttle::Entity::find_by_id(key.clone())
        .lock_exclusive()
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let window_over = row.window_started_at + policy.window < now
        && row.locked_until.is_none_or(|until| until <= now);
    let (failures, window_started_at) = if window_over {
        (1, now)
    } else {
        (row.failures.saturating_add(1), row.window_started_at)
    };
    let locked_until = policy
        .lockout(u32::try_from(failures).unwrap_or(u32::MAX), max)
        .map(|length| now + length);
    login_throttle::Entity::update(login_throttle::ActiveModel {
        key: Set(key),
        failures: Set(failures),
        window_started_at: Set(window_started_at),
        locked_until: Set(locked_until),
        updated_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful login).
pub async fn clear(conn: &impl ConnectionTrait, key: String) -> Result<(), DbErr> {
    login_throttle::Entity::delete_by_id(key).exec(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_at_the_threshold_double_and_cap() {
        let policy = ThrottlePolicy {
            max_per_email: 10,
            max_per_ip: 100,
            base: Duration::minutes(1),
            max: Duration::minutes(15),
            window: Duration::minutes(15),
        };
        assert_eq!(policy.lockout(9, 10), None);
        assert_eq!(policy.lockout(10, 10), Some(Duration::minutes(1)));
        assert_eq!(policy.lockout(11, 10), Some(Duration::minutes(2)));
        assert_eq!(policy.lockout(13, 10), Some(Duration::minutes(8)));
        assert_eq!(policy.lockout(14, 10), Some(Duration::minutes(15)));
        assert_eq!(policy.lockout(1000, 10), Some(Duration::minutes(15)));
    }
}
