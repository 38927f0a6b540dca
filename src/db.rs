//! Database connection: SQLite (default, WAL, foreign keys on) or PostgreSQL.

mod sqlite_memory;

pub use sqlite_memory::allocate_sqlite_with_mimalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Counts the SQL statements a connection pool has run: tests use it to prove that list
/// queries do not grow with the page size (no N+1).
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// How the pool behaves: sizes and the timeouts that make requests fail fast, instead of
/// hanging, while the database is away.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Connections at most (`None`: 8 on SQLite, 16 on PostgreSQL).
    pub max_connections: Option<u32>,
    /// Longest wait for a pooled connection.
    pub acquire_timeout: Duration,
    /// Longest one statement may run on PostgreSQL (`None`: no limit).
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
        }
    }
}

impl PoolSettings {
    /// The pool the settings describe.
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            max_connections: settings.database_max_connections,
            acquire_timeout: Duration::from_secs(settings.database_acquire_timeout_secs),
            statement_timeout: (settings.database_statement_timeout_secs > 0)
                .then(|| Duration::from_secs(settings.database_statement_timeout_secs)),
        }
    }
}

/// Opens a pool for `url` with the default pool settings. SQLite files are created on first
/// use.
pub async fn connect(url: &str) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    connect_with(url, PoolSettings::default()).await
}

/// Opens a pool for `url`.
pub async fn connect_with(
    url: &str,
    pool: PoolSettings,
) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(pool.acquire_timeout)
        .acquire_timeout(pool.acquire_timeout)
        // A connection that died with the server (a PostgreSQL restart) is found out before
        // a request gets it, so the pool heals by itself once the database is back.
        .test_before_acquire(true);
    if url.starts_with("sqlite:") {
        if let Some(refused) = read_only_disk(&sqlite_dir(url)) {
            bail!("cannot open the database: {refused}");
        }
        options
            .max_connections(pool.max_connections.unwrap_or(8))
            .min_connections(1)
            // An SQLite connection is a file in this process: nothing can drop it the way a
            // restarted server drops a socket. The ping would be a round trip to the
            // connection's worker thread before every statement (BENCHMARKS.md).
            .test_before_acquire(false);
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Writers queue on SQLite's lock instead of failing at once.
                .busy_timeout(Duration::from_secs(10))
                // Readers that never pause keep a checkpoint from reaching the end of the
                // WAL, which then grows; this truncates it back after each checkpoint that
                // does, so it stays bounded under constant load.
                .pragma("journal_size_limit", "67108864")
                // 512 KiB of page cache per connection instead of SQLite's 2 MiB: the
                // kernel's page cache holds the file anyway, and at a million rows the
                // larger caches only added memory (idle 53-55 → 45-49 MiB, the same
                // request rates within this machine's spread; BENCHMARKS.md).
                .pragma("cache_size", "-512")
                // A statement's rows come from the connection's worker thread through a
                // channel of this many; at sqlx's 50 a page of 50 (read with one more, to
                // know whether there is a next) and a loader's batch of items filled it, and
                // the worker parked until the request's thread drained it: two more thread
                // hand-offs per statement (BENCHMARKS.md, change 31). We read every result
                // whole, so the bound only caps what one statement buffers.
                .row_buffer_size(256)
        });
        let dir = Arc::new(sqlite_dir(url));
        options.map_sqlx_sqlite_pool_opts(move |pool| {
            let dir = dir.clone();
            pool.before_acquire(|conn, _| Box::pin(async move { Ok(outside_transaction(conn)) }))
                .after_connect(move |_, _| {
                    let refused = read_only_disk(&dir);
                    Box::pin(async move { refused.map_or(Ok(()), Err) })
                })
        });
    } else {
        options
            .max_connections(pool.max_connections.unwrap_or(16))
            .min_connections(1);
        options.map_sqlx_postgres_pool_opts(|pool| {
            pool.before_acquire(|conn, _| Box::pin(async move { Ok(outside_transaction(conn)) }))
        });
        if let Some(timeout) = pool.statement_timeout {
            let millis = timeout.as_millis().to_string();
            options.map_sqlx_postgres_opts(move |opts| {
                opts.options([("statement_timeout", millis.as_str())])
            });
        }
    }
    let mut db = connect_with_retry(options)
        .await
        .with_context(|| format!("cannot connect to the database ({})", redact_url(url)))?;
    let counter = StatementCounter::default();
    let count = counter.0.clone();
    db.set_metric_callback(move |_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// Whether a pooled connection is outside any transaction, as it must be when handed out.
///
/// A failed write can leave the driver's idea of the transaction apart from the database's:
/// SQLite rolls a transaction back by itself on a full disk, the ROLLBACK sent when the
/// request gives up then fails ("no transaction is active"), and the driver still counts the
/// transaction open. Reused, such a connection turns the next request's BEGIN into a
/// SAVEPOINT of a transaction that is not there: its reads come from an old snapshot (rows
/// just written look missing) and its writes fail as busy. It is closed instead; the pool
/// opens a fresh one.
fn outside_transaction<C: sea_orm::sqlx::Connection>(conn: &mut C) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("closing a pooled connection left inside a transaction");
    }
    clean
}

/// The directory of an SQLite database URL's file.
fn sqlite_dir(url: &str) -> std::path::PathBuf {
    crate::config::sqlite_file(url)
        .as_deref()
        .and_then(std::path::Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf()
}

/// Whether the file system holding `dir` is mounted read-only.
pub fn is_read_only(dir: &std::path::Path) -> bool {
    rustix::fs::statvfs(dir)
        .is_ok_and(|fs| fs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

/// Refuses a new SQLite connection while the database's disk is read-only.
///
/// SQLite would open the file read-only instead, and such a handle never becomes writable;
/// worse, connections of one process share the WAL index, so one read-only handle makes the
/// ones opened after it read-only too, and writes would fail long after the disk is repaired.
/// Refused, the pool keeps the connections it has (they fail writes while the disk is
/// read-only and work again afterwards) and a server does not start on such a disk.
fn read_only_disk(dir: &std::path::Path) -> Option<sea_orm::sqlx::Error> {
    is_read_only(dir).then(|| {
        sea_orm::sqlx::Error::Configuration(
            format!(
                "the disk holding the database ({}) is read-only",
                dir.display()
            )
            .into(),
        )
    })
}

/// Opens the pool, waiting out SQLite's "database is locked" at connect time: switching a
/// new connection to WAL needs the lock that another instance's migration transaction holds
/// while several instances start together on one file.
async fn connect_with_retry(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let mut attempt = 0u32;
    loop {
        match Database::connect(options.clone()).await {
            Err(err) if attempt < 20 && err.to_string().contains("database is locked") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt.min(10)))).await;
            }
            other => return other,
        }
    }
}

/// Arbitrary constant naming storedesk's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK: i64 = 0x5354_4F52_4544_534B; // "STOREDSK"

/// Applies pending migrations, once, even when several instances start together.
///
/// The migrations run in one transaction that first takes a lock: a PostgreSQL advisory lock,
/// or SQLite's write lock (`BEGIN IMMEDIATE`). A second instance waits, then finds nothing
/// pending; a failed migration leaves no half-applied schema (DDL is transactional on both).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = begin_write(db)
        .await
        .context("cannot start the migration transaction")?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await
            .context("cannot take the migration lock")?;
    }
    Migrator::up(&*txn, None)
        .await
        .context("database migration failed")?;
    txn.commit().await.context("cannot commit the migrations")?;
    Ok(())
}

/// How long a writer waits for this process's turn to write to an SQLite file: as long as
/// SQLite's own busy timeout, which it would otherwise have waited out.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// This process's turn to write, per SQLite file.
///
/// SQLite lets one transaction write at a time. Left to SQLite, a writer that finds the lock
/// taken holds its pooled connection and sleeps in the busy handler (1, 2, 5, 10 … 100 ms at
/// a time) however soon the lock is free: under a burst of writes the writers sleep more than
/// they work, and the connections they hold are missing to every reader meanwhile. Write
/// transactions of this process queue here instead, in order, without a connection, and each
/// goes the moment the one before commits. Lone write statements take their turn too (a
/// refund's claim, an outbox outcome, a heartbeat): while transactions follow each other,
/// SQLite's lock is free only for an instant between one's commit and the next one's begin,
/// and a statement left to the busy handler slept through those instants for seconds under
/// load (BENCHMARKS.md, change 22). Other processes on the file (a CLI command) meet the busy
/// handler.
static WRITE_TURNS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>,
> = std::sync::LazyLock::new(Default::default);

fn write_turn(db: &DatabaseConnection) -> Arc<tokio::sync::Mutex<()>> {
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let mut turns = WRITE_TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(file).or_default().clone()
}

/// A transaction that will write (from [`begin_write`]). On SQLite it holds this process's
/// turn to write until it commits or is dropped (dropping rolls back).
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTxn {
    /// Commits, then gives the turn to the next writer.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

/// Starts a transaction that will write.
///
/// On SQLite it first waits for this process's turn to write (see `WRITE_TURNS`), then
/// begins with `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes can fail
/// with `SQLITE_BUSY` when another writer got there first, instead of waiting its turn.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let turn = tokio::time::timeout(WRITE_TURN_TIMEOUT, write_turn(db).lock_owned())
                .await
                .map_err(|_| DbErr::Custom("database is locked: no turn to write".into()))?;
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?;
            Ok(WriteTxn {
                txn,
                _turn: Some(turn),
            })
        }
        _ => Ok(WriteTxn {
            txn: db.begin().await?,
            _turn: None,
        }),
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Whether `err` is a unique-constraint violation (duplicate key), on either engine.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Maps a unique-constraint violation to `CONFLICT` on `field` with `message` (a racing
/// duplicate, a taken email); any other database error stays internal.
pub fn conflict_on_duplicate(
    field: &'static str,
    message: &'static str,
) -> impl FnOnce(DbErr) -> crate::error::ApiError {
    move |err| {
        if is_unique_violation(&err) {
            crate::error::ApiError::Conflict {
                field: Some(field),
                message: message.into(),
            }
        } else {
            err.into()
        }
    }
}

/// Cheap liveness check of the database, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}
