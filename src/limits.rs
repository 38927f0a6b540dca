//! Abuse limits on what anyone can do in volume (SECURITY.md "Client addresses and
//! browsers"): signing up, opening tickets, replying, uploading files, voting on and
//! searching the FAQ, per client network (IPv4 address or IPv6 /64) and per account.
//!
//! These are in memory, per instance (governor's GCRA buckets): behind N instances a client
//! gets at most N times the rate, a bounded factor that is fine for volume limits and costs
//! no database write per request. Limits that protect one account and must hold across
//! instances (failed logins, reset and compromise requests) are counters in the database
//! (`accounts::throttle`). Staff are not limited here: they are few, known, and the busiest
//! of them reply far more than any customer.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::{AuthCtx, RequestMeta};
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

/// Something limited in volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `register`.
    Register,
    /// `createTicket`.
    OpenTicket,
    /// `replyToTicket`.
    Reply,
    /// One attached file.
    Upload,
    /// `voteFaq`.
    Vote,
    /// `faqSearch` (and the suggestions of `createTicket`).
    Search,
}

impl Action {
    fn what(self) -> &'static str {
        match self {
            Self::Register => "sign-ups",
            Self::OpenTicket => "new tickets",
            Self::Reply => "replies",
            Self::Upload => "uploaded files",
            Self::Vote => "votes",
            Self::Search => "searches",
        }
    }
}

type Limiter = Arc<DefaultKeyedRateLimiter<String>>;

/// A bucket of `per_hour` that refills evenly over the hour; `None` when switched off (0).
fn limiter(per_hour: u32) -> Option<Limiter> {
    NonZeroU32::new(per_hour).map(|n| Arc::new(RateLimiter::keyed(Quota::per_hour(n))))
}

/// The limits of one action: per network and per account.
#[derive(Clone, Default)]
struct Pair {
    per_network: Option<Limiter>,
    per_account: Option<Limiter>,
}

/// Every abuse limit of this process; cheap to clone.
#[derive(Clone)]
pub struct AbuseLimits {
    register: Pair,
    open_ticket: Pair,
    reply: Pair,
    upload: Pair,
    vote: Pair,
    search: Pair,
    clock: DefaultClock,
}

impl AbuseLimits {
    /// The limits the settings ask for.
    pub fn from_settings(settings: &Settings) -> Self {
        let pair = |network: u32, account: u32| Pair {
            per_network: limiter(network),
            per_account: limiter(account),
        };
        Self {
            register: pair(settings.rate_registrations_per_ip, 0),
            open_ticket: pair(
                settings.rate_tickets_per_ip,
                settings.rate_tickets_per_account,
            ),
            reply: pair(
                settings.rate_replies_per_ip,
                settings.rate_replies_per_account,
            ),
            upload: pair(
                settings.rate_uploads_per_ip,
                settings.rate_uploads_per_account,
            ),
            vote: pair(settings.rate_votes_per_ip, settings.rate_votes_per_account),
            search: pair(
                settings.rate_searches_per_ip,
                settings.rate_searches_per_account,
            ),
            clock: DefaultClock::default(),
        }
    }

    fn pair(&self, action: Action) -> &Pair {
        match action {
            Action::Register => &self.register,
            Action::OpenTicket => &self.open_ticket,
            Action::Reply => &self.reply,
            Action::Upload => &self.upload,
            Action::Vote => &self.vote,
            Action::Search => &self.search,
        }
    }

    /// Counts one `action` by the caller; `RATE_LIMITED` (with when to retry) beyond a limit.
    pub fn check(&self, action: Action, auth: &AuthCtx, meta: &RequestMeta) -> ApiResult<()> {
        self.check_n(action, auth, meta, 1)
    }

    /// Counts `n` of `action` at once (the files of one message).
    pub fn check_n(
        &self,
        action: Action,
        auth: &AuthCtx,
        meta: &RequestMeta,
        n: u32,
    ) -> ApiResult<()> {
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        if auth.is_staff() {
            return Ok(());
        }
        let pair = self.pair(action);
        let account = auth
            .caller()
            .ok()
            .map(|caller| caller.account_id.to_string());
        let keyed = [
            (pair.per_account.as_ref(), account),
            (pair.per_network.as_ref(), meta.network()),
        ];
        for (limiter, key) in keyed {
            let (Some(limiter), Some(key)) = (limiter, key) else {
                continue;
            };
            let refused = match limiter.check_key_n(&key, n) {
                Ok(Ok(())) => None,
                Ok(Err(not_until)) => Some(not_until.wait_time_from(self.clock.now())),
                // More at once than the bucket ever holds: wait for a full bucket.
                Err(_) => Some(std::time::Duration::from_secs(3600)),
            };
            if let Some(wait) = refused {
                metrics::counter!("storedesk_rate_limited_total", "action" => action.what())
                    .increment(1);
                return Err(ApiError::rate_limited(
                    format!(
                        "Too many {} from you right now; try again in a while.",
                        action.what()
                    ),
                    wait,
                ));
            }
        }
        Ok(())
    }

    /// Forgets the buckets that are full again, so the key sets stay as large as the set of
    /// recently active clients (housekeeping calls it).
    pub fn forget_idle(&self) {
        for pair in [
            &self.register,
            &self.open_ticket,
            &self.reply,
            &self.upload,
            &self.vote,
            &self.search,
        ] {
            for limiter in [&pair.per_network, &pair.per_account].into_iter().flatten() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::account::Role;

    fn meta(ip: &str) -> RequestMeta {
        RequestMeta {
            ip: Some(ip.into()),
            user_agent: None,
        }
    }

    #[test]
    fn a_network_is_refused_beyond_its_bucket_and_staff_never_are() {
        let settings = Settings {
            rate_replies_per_ip: 3,
            rate_replies_per_account: 100,
            ..Settings::default()
        };
        let limits = AbuseLimits::from_settings(&settings);
        let buyer = AuthCtx::Account {
            account_id: uuid::Uuid::now_v7(),
            role: Role::Buyer,
            session_id: uuid::Uuid::now_v7(),
        };
        for _ in 0..3 {
            limits
                .check(Action::Reply, &buyer, &meta("2001:db8::1"))
                .unwrap();
        }
        // A neighbour in the same /64 shares the bucket.
        let refused = limits.check(Action::Reply, &buyer, &meta("2001:db8::2"));
        match refused {
            Err(ApiError::RateLimited {
                retry_after_secs, ..
            }) => assert!((1..=1200).contains(&retry_after_secs)),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        limits
            .check(Action::Reply, &buyer, &meta("2001:db9::1"))
            .unwrap();
        let agent = AuthCtx::Account {
            account_id: uuid::Uuid::now_v7(),
            role: Role::Agent,
            session_id: uuid::Uuid::now_v7(),
        };
        for _ in 0..10 {
            limits
                .check(Action::Reply, &agent, &meta("2001:db8::1"))
                .unwrap();
        }
    }
}
