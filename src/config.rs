//! Typed settings from defaults, an optional TOML file, and the environment.
//!
//! Environment names are `STOREDESK_<FIELD>` (for example `STOREDESK_BIND`), plus the
//! conventional `DATABASE_URL`. Later sources win: defaults < file < environment < CLI flags.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Development or production behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Safe local defaults: generated secrets, GraphiQL, introspection, readable logs.
    Development,
    /// Refuses to start without configured secrets; JSON logs; no introspection.
    Production,
}

/// All settings of a storedesk process. `Debug` never shows secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Database URL; `None` means an SQLite file in the data dir.
    pub database_url: Option<String>,
    /// Where the SQLite file, the generated development JWT key, mail and SMS files and
    /// attachment files live.
    pub data_dir: PathBuf,
    /// Development or production.
    pub mode: Mode,
    /// Base URL of the public site, used for links in emails. Never taken from a request.
    pub public_url: String,
    /// HS256 signing secret (base64, at least 32 bytes once decoded). Required in production.
    #[serde(serialize_with = "ser_secret_opt")]
    pub jwt_secret: Option<SecretString>,
    /// Key id of `jwt_secret`, written into the `kid` header.
    pub jwt_kid: String,
    /// Older keys still accepted until their tokens expire: `kid:base64secret,kid2:...`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub jwt_previous_keys: Option<SecretString>,
    /// `iss` claim of access tokens.
    pub jwt_issuer: String,
    /// `aud` claim of access tokens.
    pub jwt_audience: String,
    /// Lifetime of an access token in seconds (at most 900).
    pub access_token_ttl_secs: u64,
    /// A session unused (no refresh) for this long ends.
    pub session_idle_ttl_secs: u64,
    /// A session ends this long after sign-in whatever its use.
    pub session_absolute_ttl_secs: u64,
    /// GraphQL introspection; defaults to on in development, must be off in production.
    pub introspection: Option<bool>,
    /// How many password hashes may be computed at once (defaults to cores − 1, at least 1).
    pub hash_concurrency: Option<usize>,
    /// Callers that may wait for a password hash; beyond, logins answer `RATE_LIMITED` at once.
    pub hash_queue_limit: usize,
    /// Failures per email before a temporary lockout.
    pub login_max_failures_per_email: u32,
    /// Failures per client IP before a temporary lockout (higher: many people share an IP).
    pub login_max_failures_per_ip: u32,
    /// Failed logins across all accounts before only known devices may sign in (credential
    /// stuffing spreads over many emails and IPs, under every per-key limit).
    pub login_max_failures_global: u32,
    /// First lockout length in seconds; it doubles with every further failure.
    pub login_lockout_base_secs: u64,
    /// Longest lockout in seconds.
    pub login_lockout_max_secs: u64,
    /// Failures older than this (seconds) are forgotten.
    pub login_failure_window_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted GraphQL query text in bytes.
    pub max_query_bytes: usize,
    /// Networks of the reverse proxies in front of storedesk (CIDRs, e.g. `10.0.0.0/8`).
    /// Only a request from one of them has its `X-Forwarded-For` read: the client is then the
    /// right-most entry that is not a trusted proxy. Empty: the socket peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Replaced by `trusted_proxies`; kept only so that an old configuration saying `true`
    /// fails loudly instead of silently treating the proxy as every client.
    #[serde(skip_serializing)]
    pub trust_forwarded_headers: Option<bool>,
    /// HTTP worker threads (defaults to the number of cores).
    pub workers: Option<usize>,
    /// Browser origins (e.g. `https://seller.example.com`) allowed to call the API from
    /// another site. Empty: same-origin only. Tokens travel in headers, never cookies, so
    /// allowing an origin does not expose users to CSRF.
    pub cors_origins: Vec<String>,
    /// Bearer token required by `/metrics`. Without one, `/metrics` is open in development
    /// and absent in production.
    #[serde(serialize_with = "ser_secret_opt")]
    pub metrics_token: Option<SecretString>,
    /// Offset of the marketplace's business time zone from UTC in minutes (Korea: 540).
    /// Business days, order-number dates and delivery dates are counted in it.
    pub business_utc_offset_minutes: i32,
    /// Public holidays (no business day), as `YYYY-MM-DD` dates of the business time zone.
    pub business_holidays: Vec<NaiveDate>,
    /// Business days a seller has to decide a cancellation or return request.
    pub seller_decision_business_days: u32,
    /// What happens to a request whose seller deadline passed: flagged to agents, or also
    /// approved automatically.
    pub overdue_decision_action: OverdueDecisionAction,
    /// Business days within which an accepted cancellation or return must be refunded.
    pub refund_business_days: u32,
    /// Days after delivery in which a buyer may return an order (청약철회: 7).
    pub return_window_days: u32,
    /// A parcel in transit with no tracking event for this many hours counts as stalled.
    pub shipment_stall_hours: u32,
    /// The agents' dashboard is computed at most once per this many seconds and shared by
    /// every agent (0: computed for every request).
    pub dashboard_max_age_secs: u64,
    /// How mail leaves: `file` writes `.eml` files under `<data dir>/mail/`, `smtp` uses
    /// `smtp_url`.
    pub mail_transport: MailTransport,
    /// SMTP server, e.g. `smtp://user:pass@mail.example.com:587?tls=required`.
    #[serde(serialize_with = "ser_secret_opt")]
    pub smtp_url: Option<SecretString>,
    /// Sender of every email.
    pub mail_from: String,
    /// Longest one SMTP delivery may take, connection included (seconds). A send cut off
    /// after the server has the message counts as failed and is retried: the copy carries
    /// the same Message-ID.
    pub smtp_timeout_secs: u64,
    /// Run the outbox delivery worker and the deadline sweeps in this process.
    pub background_jobs: bool,
    /// Pause between outbox polls when nothing is due, in milliseconds.
    pub outbox_poll_ms: u64,
    /// Attempts before a message is given up (status FAILED).
    pub outbox_max_attempts: u32,
    /// How long a claim on a message lasts unless renewed; a worker renews it every third
    /// of this while its transport works, so only a worker that died (or lost the database
    /// for this long) lets another take the message over.
    pub outbox_lease_secs: u64,
    /// Connections in the database pool (default: 8 on SQLite, 16 on PostgreSQL).
    pub database_max_connections: Option<u32>,
    /// Longest a request waits for a pooled connection before it fails (seconds): with the
    /// database gone, requests answer `INTERNAL` after this instead of hanging.
    pub database_acquire_timeout_secs: u64,
    /// Longest one SQL statement may run on PostgreSQL (seconds; 0 for no limit). SQLite
    /// has no statement timeout; a writer waits at most `busy_timeout` (10 s) for the lock.
    pub database_statement_timeout_secs: u64,
    /// Pause between deadline sweeps, in seconds.
    pub sweep_interval_secs: u64,
    /// Rows each sweep takes on per pass; the rest wait for the next pass, so a backlog
    /// (after an outage, say) never becomes one huge transaction or an unbounded read.
    pub sweep_batch: u64,
    /// Support opens at this hour on business days (business time zone).
    pub business_opens_hour: u32,
    /// Support closes at this hour on business days.
    pub business_closes_hour: u32,
    /// First-response targets in business minutes, by priority.
    pub sla_first_response_minutes: PriorityMinutes,
    /// Resolution targets in business minutes, by priority.
    pub sla_resolution_minutes: PriorityMinutes,
    /// RESOLVED tickets without a customer reply close after this many days.
    pub ticket_auto_close_days: u32,
    /// How long a password-reset or recovery link works (at most 30 minutes).
    pub reset_token_ttl_secs: u64,
    /// Reset requests per email before they are ignored for a while (no email is sent).
    pub reset_requests_per_email: u32,
    /// Reset and compromise requests, and wrong tokens, per client IP before `RATE_LIMITED`.
    pub reset_requests_per_ip: u32,
    /// Compromise reports naming one email before further reports of it answer
    /// `RATE_LIMITED` (the same for unknown emails, so it reveals nothing).
    pub compromise_reports_per_email: u32,
    /// Reports about one account that open a ticket and mail lock links; beyond, reports are
    /// recorded but nothing is sent (nobody can bury an owner's inbox in links).
    pub compromise_reports_per_account: u32,
    /// How long the payment provider may take to answer a charge (seconds); beyond, the
    /// attempt stays PENDING and the sweep asks the provider later.
    pub payment_timeout_secs: u64,
    /// Sign-ups per client network per hour (0: no limit). The `rate_*` limits are buckets
    /// that refill evenly over the hour, per instance; staff are not limited.
    pub rate_registrations_per_ip: u32,
    /// New tickets per client network per hour.
    pub rate_tickets_per_ip: u32,
    /// New tickets per account per hour.
    pub rate_tickets_per_account: u32,
    /// Replies per client network per hour.
    pub rate_replies_per_ip: u32,
    /// Replies per account per hour.
    pub rate_replies_per_account: u32,
    /// Attached files per client network per hour.
    pub rate_uploads_per_ip: u32,
    /// Attached files per account per hour.
    pub rate_uploads_per_account: u32,
    /// FAQ votes per client network per hour.
    pub rate_votes_per_ip: u32,
    /// FAQ votes per account per hour.
    pub rate_votes_per_account: u32,
    /// FAQ searches per client network per hour.
    pub rate_searches_per_ip: u32,
    /// FAQ searches per account per hour.
    pub rate_searches_per_account: u32,
    /// Requests served at once; beyond, `503` at once instead of an ever-longer queue
    /// (health checks and metrics are not counted).
    pub max_in_flight_requests: usize,
    /// Longest a request may take to be served (seconds); beyond, `503`. Outbound calls
    /// have shorter timeouts of their own (SMTP `smtp_timeout_secs`, the payment provider
    /// `payment_timeout_secs`).
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long in-flight requests may take to finish before the process ends
    /// anyway (seconds).
    pub shutdown_timeout_secs: u64,
    /// On SQLite, `/readyz` answers `503` when the database's file system has less than
    /// this many MiB free (or is read-only): writes are about to fail there.
    pub readiness_min_free_mb: u64,
    /// Where attachment content is kept (`auto`, `files` or `database`).
    pub attachment_storage: AttachmentStorage,
    /// Largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// Most attachments on one message.
    pub attachment_max_files: usize,
}

/// A number of minutes per ticket priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMinutes {
    /// LOW.
    pub low: u32,
    /// NORMAL.
    pub normal: u32,
    /// HIGH.
    pub high: u32,
    /// URGENT.
    pub urgent: u32,
}

/// What the sweep does with a request whose seller missed the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueDecisionAction {
    /// Flag it (`overdue`, `escalatedAt`) so agents decide.
    Flag,
    /// Approve it on the seller's behalf, recorded as a system decision.
    AutoApprove,
}

/// Where attachment content is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentStorage {
    /// `database` on PostgreSQL (instances may run on several machines), `files` on SQLite
    /// (one machine).
    Auto,
    /// Files under `<data dir>/attachments/`: every instance must share that directory.
    Files,
    /// Rows of the `attachment_blobs` table: every instance sees them.
    Database,
}

/// How email is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// RFC 5322 files under `<data dir>/mail/` (SMS as text under `<data dir>/sms/`).
    File,
    /// An SMTP server (`smtp_url`).
    Smtp,
}

fn ser_secret_opt<S: serde::Serializer>(
    value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./storedesk-data"),
            mode: Mode::Development,
            public_url: "http://127.0.0.1:8080".into(),
            jwt_secret: None,
            jwt_kid: "k1".into(),
            jwt_previous_keys: None,
            jwt_issuer: "storedesk".into(),
            jwt_audience: "storedesk-api".into(),
            access_token_ttl_secs: 900,
            session_idle_ttl_secs: 14 * 24 * 3600,
            session_absolute_ttl_secs: 30 * 24 * 3600,
            introspection: None,
            hash_concurrency: None,
            hash_queue_limit: 64,
            login_max_failures_per_email: 10,
            login_max_failures_per_ip: 100,
            login_max_failures_global: 1000,
            login_lockout_base_secs: 60,
            login_lockout_max_secs: 15 * 60,
            login_failure_window_secs: 15 * 60,
            max_body_bytes: 2 * 1024 * 1024,
            max_query_bytes: 32 * 1024,
            trusted_proxies: Vec::new(),
            trust_forwarded_headers: None,
            workers: None,
            metrics_token: None,
            cors_origins: Vec::new(),
            business_utc_offset_minutes: 9 * 60,
            business_holidays: Vec::new(),
            seller_decision_business_days: 1,
            overdue_decision_action: OverdueDecisionAction::Flag,
            refund_business_days: 3,
            return_window_days: 7,
            shipment_stall_hours: 72,
            dashboard_max_age_secs: 5,
            mail_transport: MailTransport::File,
            smtp_url: None,
            mail_from: "storedesk <no-reply@storedesk.invalid>".into(),
            smtp_timeout_secs: 30,
            background_jobs: true,
            outbox_poll_ms: 1000,
            outbox_max_attempts: 8,
            outbox_lease_secs: 300,
            database_max_connections: None,
            database_acquire_timeout_secs: 5,
            database_statement_timeout_secs: 30,
            sweep_interval_secs: 60,
            sweep_batch: 200,
            business_opens_hour: 9,
            business_closes_hour: 18,
            sla_first_response_minutes: PriorityMinutes {
                low: 9 * 60,
                normal: 4 * 60,
                high: 60,
                urgent: 30,
            },
            sla_resolution_minutes: PriorityMinutes {
                low: 5 * 9 * 60,
                normal: 3 * 9 * 60,
                high: 9 * 60,
                urgent: 4 * 60,
            },
            ticket_auto_close_days: 7,
            reset_token_ttl_secs: 1800,
            reset_requests_per_email: 5,
            reset_requests_per_ip: 30,
            payment_timeout_secs: 30,
            compromise_reports_per_email: 5,
            compromise_reports_per_account: 3,
            rate_registrations_per_ip: 20,
            rate_tickets_per_ip: 30,
            rate_tickets_per_account: 10,
            rate_replies_per_ip: 300,
            rate_replies_per_account: 120,
            rate_uploads_per_ip: 100,
            rate_uploads_per_account: 60,
            rate_votes_per_ip: 120,
            rate_votes_per_account: 120,
            rate_searches_per_ip: 1200,
            rate_searches_per_account: 600,
            max_in_flight_requests: 256,
            request_timeout_secs: 60,
            shutdown_timeout_secs: 30,
            readiness_min_free_mb: 64,
            attachment_storage: AttachmentStorage::Auto,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachment_max_files: 5,
        }
    }
}

impl Settings {
    /// Reads defaults, then `file` (if given and present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                bail!("configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        let settings: Settings = figment
            .merge(Env::prefixed("STOREDESK_").ignore(&["config"]))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract()
            .context("invalid configuration")?;
        Ok(settings)
    }

    /// The largest `POST /graphql` body: the plain limit, plus room for a full set of
    /// attachments when the request is a multipart upload.
    pub fn max_upload_body_bytes(&self) -> usize {
        self.max_body_bytes.saturating_add(
            self.attachment_max_bytes
                .saturating_mul(self.attachment_max_files),
        )
    }

    /// Checks values that cannot be expressed in types; production refuses unsafe set-ups.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.access_token_ttl_secs == 0 || self.access_token_ttl_secs > 900 {
            bail!("access_token_ttl_secs must be between 1 and 900");
        }
        if self.session_idle_ttl_secs == 0 || self.session_absolute_ttl_secs == 0 {
            bail!("session lifetimes must be positive");
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            bail!("public_url must be an http(s) URL");
        }
        for origin in &self.cors_origins {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['*', ' '])
                && origin.matches('/').count() == 2;
            if !valid {
                bail!(
                    "cors_origins entries must be exact origins like https://shop.example.com, got {origin:?}"
                );
            }
        }
        if self.trust_forwarded_headers == Some(true) {
            bail!(
                "STOREDESK_TRUST_FORWARDED_HEADERS was replaced by STOREDESK_TRUSTED_PROXIES: list your proxies' networks, e.g. [\"10.0.0.0/8\"]"
            );
        }
        if !(-14 * 60..=14 * 60).contains(&self.business_utc_offset_minutes) {
            bail!("business_utc_offset_minutes must be within ±14 hours");
        }
        if self.reset_token_ttl_secs == 0 || self.reset_token_ttl_secs > 1800 {
            bail!("reset_token_ttl_secs must be between 1 and 1800 (30 minutes)");
        }
        if self.attachment_max_bytes == 0 || self.attachment_max_files == 0 {
            bail!("attachment_max_bytes and attachment_max_files must be positive");
        }
        if self.mail_transport == MailTransport::Smtp && self.smtp_url.is_none() {
            bail!("mail_transport = smtp needs STOREDESK_SMTP_URL");
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("mail_from must be a mailbox like `Name <address@example.com>`");
        }
        if self.business_opens_hour >= self.business_closes_hour || self.business_closes_hour > 24 {
            bail!("business hours must open before they close, within one day");
        }
        if self.max_in_flight_requests == 0 {
            bail!("max_in_flight_requests must be positive");
        }
        if self.request_timeout_secs <= self.payment_timeout_secs {
            // A request cut short while the provider is still charging leaves the attempt
            // for the sweep: safe, but the buyer should hear the answer instead.
            bail!("request_timeout_secs must be longer than payment_timeout_secs");
        }
        if self.outbox_max_attempts == 0 || self.outbox_lease_secs < 3 {
            bail!("outbox_max_attempts must be positive and outbox_lease_secs at least 3");
        }
        if self.smtp_timeout_secs == 0 || self.database_acquire_timeout_secs == 0 {
            bail!("smtp_timeout_secs and database_acquire_timeout_secs must be positive");
        }
        if self.database_max_connections == Some(0) {
            bail!("database_max_connections must be positive");
        }
        if self.mode == Mode::Production {
            if self.jwt_secret.is_none() {
                bail!("production mode requires STOREDESK_JWT_SECRET");
            }
            if self.introspection == Some(true) {
                bail!("production mode refuses to start with introspection on");
            }
            if self.mail_transport == MailTransport::File {
                // Buyers would never hear about their cancellations and refunds.
                bail!(
                    "production mode sends real mail: set STOREDESK_MAIL_TRANSPORT=smtp and STOREDESK_SMTP_URL"
                );
            }
            if self.database_url.is_none() {
                tracing::warn!("production mode on the embedded SQLite file: one instance only");
            }
        }
        Ok(())
    }

    /// The same settings with every volume limit (`rate_*`) switched off: for test suites and
    /// benchmarks that create data in bulk through the API from one address.
    pub fn without_rate_limits(mut self) -> Self {
        for limit in [
            &mut self.rate_registrations_per_ip,
            &mut self.rate_tickets_per_ip,
            &mut self.rate_tickets_per_account,
            &mut self.rate_replies_per_ip,
            &mut self.rate_replies_per_account,
            &mut self.rate_uploads_per_ip,
            &mut self.rate_uploads_per_account,
            &mut self.rate_votes_per_ip,
            &mut self.rate_votes_per_account,
            &mut self.rate_searches_per_ip,
            &mut self.rate_searches_per_account,
        ] {
            *limit = 0;
        }
        self
    }

    /// Rows a sweep takes on per pass (at least one).
    pub fn sweep_batch(&self) -> u64 {
        self.sweep_batch.max(1)
    }

    /// How long a payment provider call may take.
    pub fn payment_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.payment_timeout_secs.max(1))
    }

    /// Whether GraphQL introspection (and "did you mean" suggestions) are on.
    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(self.mode == Mode::Development)
    }

    /// The database URL, defaulting to `<data_dir>/storedesk.db`.
    /// The SQLite database file, when the database is SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        sqlite_file(&self.effective_database_url())
    }

    /// The database URL in use (the SQLite file in the data dir unless one is configured).
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("storedesk.db").display()),
        }
    }
}

/// The file of an SQLite database URL (`None` for other engines and in-memory databases).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    (path != ":memory:").then(|| std::path::PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_secrets() {
        let settings = Settings {
            jwt_secret: Some(SecretString::from(
                "c3VwZXItc2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZw==".to_owned(),
            )),
            jwt_previous_keys: Some(SecretString::from("old:b2xkLXNlY3JldA==".to_owned())),
            ..Settings::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("c3VwZXItc2VjcmV0"), "{debug}");
        assert!(!debug.contains("b2xkLXNlY3JldA"), "{debug}");
    }

    #[test]
    fn production_refuses_missing_secrets_and_introspection() {
        let mut settings = Settings {
            mode: Mode::Production,
            ..Settings::default()
        };
        assert!(settings.validate().is_err());
        settings.jwt_secret = Some(SecretString::from("x".repeat(44)));
        assert!(settings.validate().is_err(), "mail files in production");
        settings.mail_transport = MailTransport::Smtp;
        settings.smtp_url = Some(SecretString::from("smtps://mail.example.com".to_owned()));
        assert!(settings.validate().is_ok());
        assert!(!settings.introspection_enabled());
        settings.introspection = Some(true);
        assert!(settings.validate().is_err());
    }

    #[test]
    fn access_tokens_live_at_most_fifteen_minutes() {
        let settings = Settings {
            access_token_ttl_secs: 3600,
            ..Settings::default()
        };
        assert!(settings.validate().is_err());
    }

    #[test]
    fn a_toml_file_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storedesk.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\npublic_url = \"https://help.example.com\"\n",
        )
        .unwrap();
        let settings = Settings::load(Some(&path)).unwrap();
        assert_eq!(settings.public_url, "https://help.example.com");
        if std::env::var("STOREDESK_BIND").is_err() {
            assert_eq!(settings.bind, "0.0.0.0:9000");
        }
        assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
    }

    #[test]
    fn the_default_database_is_a_file_in_the_data_dir() {
        let settings = Settings {
            data_dir: PathBuf::from("/srv/sd"),
            ..Settings::default()
        };
        assert_eq!(
            settings.effective_database_url(),
            "sqlite:///srv/sd/storedesk.db"
        );
    }
}
