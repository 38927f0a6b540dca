//! Injected time: deadlines, token expiry and lockouts read the clock, never the OS directly,
//! so tests move time instead of sleeping.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use tokio::sync::Notify;

/// A future of the clock's: `Send` and owning what it needs.
pub type ClockFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, truncated to microseconds (what PostgreSQL stores), so values round-trip exactly.
    fn now(&self) -> DateTime<Utc>;

    /// Completes once this clock reads `deadline` or later: the system clock sleeps, a manual
    /// clock wakes when a test moves it past the deadline.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> ClockFuture;
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The operating system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> ClockFuture {
        let wait = (deadline - self.now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

#[derive(Debug)]
struct Manual {
    now: Mutex<DateTime<Utc>>,
    moved: Notify,
}

/// A clock that only moves when told to; shared between a test and the server it drives.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Manual>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Manual {
            now: Mutex::new(truncate(start)),
            moved: Notify::new(),
        }))
    }

    fn with_now(&self, change: impl FnOnce(&mut DateTime<Utc>)) {
        {
            let mut now = self
                .0
                .now
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            change(&mut now);
        }
        self.0.moved.notify_waiters();
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.with_now(|now| *now += by);
    }

    /// Sets the clock.
    pub fn set(&self, to: DateTime<Utc>) {
        self.with_now(|now| *now = truncate(to));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> ClockFuture {
        let clock = self.clone();
        Box::pin(async move {
            loop {
                // Registered before reading the time, so a move in between is not missed.
                let moved = clock.0.moved.notified();
                tokio::pin!(moved);
                moved.as_mut().enable();
                if clock.now() >= deadline {
                    return;
                }
                moved.await;
            }
        })
    }
}

/// The clock handle shared by the application.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_moved_past_their_deadline() {
        let clock = ManualClock::new(Utc::now());
        let deadline = clock.now() + Duration::minutes(15);
        let sleeper = tokio::spawn(clock.sleep_until(deadline));
        clock.advance(Duration::minutes(10));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::minutes(6));
        sleeper.await.unwrap();
    }
}
