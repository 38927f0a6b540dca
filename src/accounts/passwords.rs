//! Password rules and argon2id hashing off the async workers.
//!
//! Hashing costs ~19 MiB and tens of milliseconds of CPU; on an async worker it would stall
//! every request scheduled there. Each hash runs on the blocking pool, and a semaphore bounds
//! how many run at once, so a login flood queues here instead of starving other requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::ApiError;

/// Shortest accepted password, in characters.
pub const MIN_LEN: usize = 8;
/// Longest accepted password, in characters; longer input is refused before hashing.
pub const MAX_LEN: usize = 128;

/// A small list of the most common passwords (lowercase), refused outright.
const COMMON: &str = include_str!("common_passwords.txt");

/// Checks a new password against the rules of SECURITY.md: 8..=128 characters, no
/// composition rules, not one of the most common passwords.
pub fn check_new_password(field: &'static str, password: &str) -> Result<(), ApiError> {
    // Bytes first: a 1 MB string is refused without walking it char by char.
    if password.len() > MAX_LEN * 4 || password.chars().count() > MAX_LEN {
        return Err(ApiError::validation(
            field,
            format!("Password must be at most {MAX_LEN} characters."),
        ));
    }
    if password.chars().count() < MIN_LEN {
        return Err(ApiError::validation(
            field,
            format!("Password must be at least {MIN_LEN} characters."),
        ));
    }
    if password.contains('\0') {
        return Err(ApiError::validation(
            field,
            "Password must not contain NUL characters.",
        ));
    }
    let lowered = password.to_lowercase();
    if COMMON.lines().any(|common| common == lowered) {
        return Err(ApiError::validation(
            field,
            "This password is too common; choose another.",
        ));
    }
    Ok(())
}

/// Whether a presented password can be a valid one at all; over-long input is not hashed.
pub fn plausible(password: &str) -> bool {
    !password.is_empty() && password.len() <= MAX_LEN * 4
}

/// argon2id with the crate defaults (m=19456 KiB, t=2, p=1), the OWASP minimum.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or a malformed stored hash).
    No,
    /// Right password, stored parameters current.
    Yes,
    /// Right password, but the stored hash is weaker than today's parameters: re-hash it.
    YesRehash,
}

/// Hashes and verifies passwords on threads of their own with bounded concurrency and a
/// bounded queue: past `max_waiting` callers, more work is refused at once (`RATE_LIMITED`)
/// instead of making every login wait longer and longer.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    dummy_hash: Arc<OnceCell<String>>,
    pool: HashPool,
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads that compute hashes, as many as hashes may run at once; they end when the
/// last handle to the hasher is dropped. Each hash needs 19 MiB: on tokio's blocking pool a
/// login storm spread hashes over many threads, each keeping that memory in an allocator
/// arena of its own, so the server's memory grew with the storm (BENCHMARKS.md). A fixed
/// set of threads reuses the same few buffers.
#[derive(Clone)]
struct HashPool(std::sync::mpsc::Sender<Job>);

impl HashPool {
    fn start(threads: usize) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(jobs) => jobs.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            // Every hasher handle is gone.
                            Err(_) => return,
                        }
                    }
                });
            if let Err(err) = started {
                tracing::error!(error = %err, "cannot start a password hashing thread");
            }
        }
        Self(sender)
    }
}

/// Counts a caller as waiting until it is dropped (also when its request is cancelled).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordHasher {
    /// At most `concurrency` hashes at once and `max_waiting` callers queued.
    pub fn new(concurrency: usize, max_waiting: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            dummy_hash: Arc::new(OnceCell::new()),
            pool: HashPool::start(concurrency.max(1)),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
                let _waiting = Waiting(&self.waiting);
                if queued >= self.max_waiting {
                    metrics::counter!("storedesk_password_hash_shed_total").increment(1);
                    return Err(ApiError::rate_limited(
                        "The server is busy; try again in a moment.",
                        std::time::Duration::from_secs(1),
                    ));
                }
                self.permits.acquire().await.map_err(ApiError::internal)?
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        self.pool
            .0
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| ApiError::internal(anyhow::anyhow!("no password hashing thread runs")))?;
        result.await.map_err(ApiError::internal)
    }

    /// A PHC string (`$argon2id$v=19$...`) for `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, ApiError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing failed: {e}")))
        })
        .await?
    }

    /// Verifies `password` against a stored PHC string.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: String,
    ) -> Result<Verified, ApiError> {
        self.run(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Verified::No;
            };
            if argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_err()
            {
                return Verified::No;
            }
            if is_weaker_than_current(&parsed) {
                Verified::YesRehash
            } else {
                Verified::Yes
            }
        })
        .await
    }

    /// Burns the same time as a real verification, for unknown emails, so timing does not
    /// tell whether an account exists.
    pub async fn verify_dummy(&self, password: SecretString) -> Result<(), ApiError> {
        let stored = self
            .dummy_hash
            .get_or_try_init(|| self.hash(SecretString::from("storedesk-dummy-password")))
            .await?
            .clone();
        self.verify(password, stored).await.map(|_| ())
    }
}

fn is_weaker_than_current(parsed: &PasswordHash<'_>) -> bool {
    if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
        return true;
    }
    let Ok(params) = Params::try_from(parsed) else {
        return true;
    };
    let current = Params::default();
    params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits_are_in_characters_not_bytes() {
        assert!(check_new_password("p", "가나다라마바사아").is_ok());
        assert!(check_new_password("p", "short").is_err());
        assert!(check_new_password("p", &"x".repeat(129)).is_err());
        assert!(check_new_password("p", &"녕".repeat(128)).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(check_new_password("p", "Password123").is_err());
        assert!(check_new_password("p", "QWERTY123").is_err());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_v19_and_verify() {
        let hasher = PasswordHasher::new(1, 8);
        let hash = hasher
            .hash(SecretString::from("correct horse"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            hasher
                .verify(SecretString::from("correct horse"), hash.clone())
                .await
                .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            hasher
                .verify(SecretString::from("wrong horse"), hash)
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_recovers() {
        let hasher = PasswordHasher::new(1, 1);
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let queued = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash(SecretString::from("first in line")).await }
        });
        while hasher.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = hasher.hash(SecretString::from("one too many")).await;
        assert!(matches!(refused, Err(ApiError::RateLimited { .. })));
        drop(held);
        assert!(queued.await.unwrap().is_ok());
        assert_eq!(hasher.waiting.load(Ordering::SeqCst), 0);
        assert!(
            hasher
                .hash(SecretString::from("after the rush"))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn weaker_stored_hashes_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let hash = weak
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let hasher = PasswordHasher::new(1, 8);
        assert_eq!(
            hasher
                .verify(SecretString::from("correct horse"), hash)
                .await
                .unwrap(),
            Verified::YesRehash
        );
    }
}
