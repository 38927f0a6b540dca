//! Backups and moves between engines.
//!
//! - [`backup_sqlite`]: a consistent copy of a live SQLite database (`VACUUM INTO`, which
//!   reads one snapshot while writers go on, and writes a compact file).
//! - [`restore_sqlite`]: that copy into an empty data dir, checked before it is put in place.
//! - [`copy_database`]: every row of one database into an empty other one (SQLite to
//!   PostgreSQL when a shop outgrows one machine), ids and timestamps kept, attachment files
//!   moved into the database when the target keeps them there.
//! - [`compare`]: every table of two databases, row by row.
//!
//! PostgreSQL backups are `pg_dump` / `pg_restore`'s job (RELIABILITY.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, Iterable,
    PaginatorTrait, PrimaryKeyToColumn, QueryOrder, Statement, TransactionTrait,
};

use entity::*;

use crate::attachment_store::insert_blob;

/// Rows read and written per round trip.
const BATCH: usize = 500;

/// Writes a consistent copy of the SQLite database behind `db` to `out` (which must not
/// exist). Safe while the server runs.
pub async fn backup_sqlite(db: &DatabaseConnection, out: &Path) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        bail!(
            "storedesk backup copies SQLite databases; for PostgreSQL use pg_dump -Fc (see RELIABILITY.md)"
        );
    }
    if out.exists() {
        bail!("{} exists already; choose a new file", out.display());
    }
    let target = out
        .to_str()
        .context("the backup path must be valid UTF-8")?
        .to_owned();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .context("the backup failed")?;
    Ok(())
}

/// Puts the SQLite backup `file` in place as `database` (a path that must not hold a
/// database yet), after checking the copy's integrity. Migrations run when the server (or
/// `storedesk migrate`) next opens it, so an older backup comes up to date.
pub async fn restore_sqlite(file: &Path, database: &Path) -> anyhow::Result<()> {
    if database.exists() {
        bail!(
            "{} exists: restore into an empty data dir (move the old one aside first)",
            database.display()
        );
    }
    let dir = database.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let partial: PathBuf = dir.join(".restoring.db");
    std::fs::copy(file, &partial)
        .with_context(|| format!("cannot read the backup {}", file.display()))?;
    let check = async {
        let (db, _) = crate::db::connect(&format!("sqlite://{}", partial.display())).await?;
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?
            .context("integrity_check answered nothing")?;
        let verdict: String = row.try_get_by_index(0)?;
        db.close().await?;
        anyhow::Ok(verdict)
    };
    let verdict = check
        .await
        .context("the backup is not a readable SQLite database");
    match verdict {
        Ok(verdict) if verdict == "ok" => {}
        Ok(verdict) => {
            let _ = std::fs::remove_file(&partial);
            bail!("the backup is damaged: {verdict}");
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!(".restoring.db{suffix}")));
    }
    std::fs::rename(&partial, database).context("cannot put the restored database in place")?;
    Ok(())
}

/// How many rows one table has on each side of a copy or comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    /// Table name.
    pub table: String,
    /// Rows in the source (or the first database).
    pub left: u64,
    /// Rows in the target (or the second database).
    pub right: u64,
    /// Every row equal, column by column.
    pub equal: bool,
}

/// Every table, parents before children (the order rows can be inserted in).
macro_rules! for_each_entity {
    ($action:ident, $($args:expr),*) => {
        vec![
            $action::<account::Entity>($($args),*).await?,
            $action::<store::Entity>($($args),*).await?,
            $action::<email_history::Entity>($($args),*).await?,
            $action::<account_token::Entity>($($args),*).await?,
            $action::<session::Entity>($($args),*).await?,
            $action::<refresh_token::Entity>($($args),*).await?,
            $action::<login_throttle::Entity>($($args),*).await?,
            $action::<agent_availability::Entity>($($args),*).await?,
            $action::<faq_entry::Entity>($($args),*).await?,
            $action::<faq_vote::Entity>($($args),*).await?,
            $action::<ticket_macro::Entity>($($args),*).await?,
            $action::<order::Entity>($($args),*).await?,
            $action::<order_item::Entity>($($args),*).await?,
            $action::<payment::Entity>($($args),*).await?,
            $action::<shipment::Entity>($($args),*).await?,
            $action::<shipment_event::Entity>($($args),*).await?,
            $action::<refund::Entity>($($args),*).await?,
            $action::<cancellation_request::Entity>($($args),*).await?,
            $action::<ticket::Entity>($($args),*).await?,
            $action::<ticket_message::Entity>($($args),*).await?,
            $action::<ticket_attachment::Entity>($($args),*).await?,
            $action::<ticket_presence::Entity>($($args),*).await?,
            $action::<audit_event::Entity>($($args),*).await?,
            $action::<outbox_message::Entity>($($args),*).await?,
        ]
    };
}

/// Tables without an entity: (name, key column, integer value column).
const PLAIN_TABLES: &[(&str, &str, &str)] = &[
    ("counters", "name", "value"),
    ("order_number_sequences", "day", "last"),
];

fn ordered<E: EntityTrait>() -> sea_orm::Select<E> {
    E::PrimaryKey::iter().fold(E::find(), |select, key| {
        select.order_by_asc(key.into_column())
    })
}

fn table_name<E: EntityTrait>() -> String {
    E::default().table_name().to_owned()
}

async fn clear_entity<E: EntityTrait>(
    to: &sea_orm::DatabaseTransaction,
) -> Result<u64, sea_orm::DbErr> {
    Ok(E::delete_many().exec(to).await?.rows_affected)
}

async fn copy_entity<E>(
    from: &DatabaseConnection,
    to: &sea_orm::DatabaseTransaction,
) -> Result<TableReport, sea_orm::DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Send + Sync,
{
    // One read of the whole table (a single snapshot), written in batches.
    let mut rows = ordered::<E>().stream(from).await?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut copied = 0;
    loop {
        let next = rows.next().await.transpose()?;
        let done = next.is_none();
        if let Some(row) = next {
            batch.push(row.into_active_model());
        }
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            copied += batch.len() as u64;
            E::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(to)
                .await?;
        }
        if done {
            break;
        }
    }
    Ok(TableReport {
        table: table_name::<E>(),
        left: copied,
        right: copied,
        equal: true,
    })
}

async fn compare_entity<E>(
    left: &DatabaseConnection,
    right: &DatabaseConnection,
) -> Result<TableReport, sea_orm::DbErr>
where
    E: EntityTrait,
    E::Model: PartialEq + Send + Sync,
{
    let mut a = ordered::<E>().stream(left).await?;
    let mut b = ordered::<E>().stream(right).await?;
    let (mut left_rows, mut right_rows, mut equal) = (0, 0, true);
    loop {
        let (x, y) = (a.next().await.transpose()?, b.next().await.transpose()?);
        if x.is_none() && y.is_none() {
            break;
        }
        left_rows += u64::from(x.is_some());
        right_rows += u64::from(y.is_some());
        equal &= x == y;
    }
    Ok(TableReport {
        table: table_name::<E>(),
        left: left_rows,
        right: right_rows,
        equal,
    })
}

async fn plain_rows(
    db: &impl ConnectionTrait,
    table: &str,
    key: &str,
    value: &str,
) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    let select = Query::select()
        .columns([Alias::new(key), Alias::new(value)])
        .from(Alias::new(table))
        .order_by(Alias::new(key), sea_orm::Order::Asc)
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

async fn blob_rows(db: &impl ConnectionTrait) -> Result<Vec<(String, Vec<u8>)>, sea_orm::DbErr> {
    let select = Query::select()
        .columns([Alias::new("sha256"), Alias::new("content")])
        .from(Alias::new("attachment_blobs"))
        .order_by(Alias::new("sha256"), sea_orm::Order::Asc)
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

async fn blob_keys(
    db: &impl ConnectionTrait,
) -> Result<std::collections::BTreeSet<String>, sea_orm::DbErr> {
    let select = Query::select()
        .column(Alias::new("sha256"))
        .from(Alias::new("attachment_blobs"))
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index(0))
        .collect()
}

async fn blob(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<(Vec<u8>, chrono::DateTime<chrono::Utc>)>, sea_orm::DbErr> {
    let select = Query::select()
        .columns([Alias::new("content"), Alias::new("created_at")])
        .from(Alias::new("attachment_blobs"))
        .and_where(Expr::col(Alias::new("sha256")).eq(key))
        .to_owned();
    db.query_one(&select)
        .await?
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .transpose()
}

async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(account::Entity::find().count(db).await? == 0
        && order::Entity::find().count(db).await? == 0
        && ticket::Entity::find().count(db).await? == 0
        && audit_event::Entity::find().count(db).await? == 0)
}

/// Copies every row of `from` into `to`, which must be migrated and empty, in one
/// transaction: a failed copy leaves `to` empty. Attachment content kept as files under
/// `from_attachments` goes into `to`'s `attachment_blobs` when `blobs_in_target` says the
/// target keeps it there. Returns the rows copied per table.
pub async fn copy_database(
    from: &DatabaseConnection,
    to: &DatabaseConnection,
    from_attachments: &Path,
    blobs_in_target: bool,
) -> anyhow::Result<Vec<TableReport>> {
    if !is_empty(to).await? {
        bail!("the target database is not empty: copy into a new, empty database");
    }
    let txn = to.begin().await?;
    // Migrations seed a few rows (the default macros); the source has its own copy of
    // them, possibly edited, so the target starts from nothing.
    let cleared: Vec<u64> = for_each_entity!(clear_entity, &txn);
    tracing::debug!(
        rows = cleared.iter().sum::<u64>(),
        "cleared the seeded rows of the target"
    );
    for table in PLAIN_TABLES.iter().map(|t| t.0).chain(["attachment_blobs"]) {
        txn.execute(&Query::delete().from_table(Alias::new(table)).to_owned())
            .await?;
    }
    let mut report: Vec<TableReport> = for_each_entity!(copy_entity, from, &txn);
    for (table, key, value) in PLAIN_TABLES {
        let rows = plain_rows(from, table, key, value).await?;
        for (k, v) in &rows {
            let insert = Query::insert()
                .into_table(Alias::new(*table))
                .columns([Alias::new(*key), Alias::new(*value)])
                .values_panic([k.clone().into(), (*v).into()])
                .to_owned();
            txn.execute(&insert).await?;
        }
        report.push(TableReport {
            table: (*table).to_owned(),
            left: rows.len() as u64,
            right: rows.len() as u64,
            equal: true,
        });
    }
    // One blob at a time, so a large store never sits in memory whole.
    let mut copied_blobs = 0u64;
    let stored = blob_keys(from).await?;
    for key in &stored {
        if let Some((content, created_at)) = blob(from, key).await? {
            insert_blob(&txn, key, content, created_at).await?;
            copied_blobs += 1;
        }
    }
    if blobs_in_target {
        // Content the source kept as files comes along, so the new instances serve it;
        // it is dated by the first attachment that brought it.
        let mut seen = stored;
        let attachments = ordered::<ticket_attachment::Entity>().all(from).await?;
        for attachment in attachments {
            let key = attachment.sha256;
            if key.len() != 64 || !seen.insert(key.clone()) {
                continue;
            }
            let path = from_attachments.join(&key[..2]).join(&key);
            let content = std::fs::read(&path).with_context(|| {
                format!("attachment {key} is not in {}", from_attachments.display())
            })?;
            insert_blob(&txn, &key, content, attachment.created_at).await?;
            copied_blobs += 1;
        }
    }
    report.push(TableReport {
        table: "attachment_blobs".to_owned(),
        left: copied_blobs,
        right: copied_blobs,
        equal: true,
    });
    txn.commit().await?;
    Ok(report)
}

/// Compares every table of two databases row by row (attachment content included).
pub async fn compare(
    left: &DatabaseConnection,
    right: &DatabaseConnection,
) -> anyhow::Result<Vec<TableReport>> {
    let mut report: Vec<TableReport> = for_each_entity!(compare_entity, left, right);
    for (table, key, value) in PLAIN_TABLES {
        let (a, b) = (
            plain_rows(left, table, key, value).await?,
            plain_rows(right, table, key, value).await?,
        );
        report.push(TableReport {
            table: (*table).to_owned(),
            left: a.len() as u64,
            right: b.len() as u64,
            equal: a == b,
        });
    }
    let (a, b) = (blob_rows(left).await?, blob_rows(right).await?);
    report.push(TableReport {
        table: "attachment_blobs".to_owned(),
        left: a.len() as u64,
        right: b.len() as u64,
        equal: a == b,
    });
    Ok(report)
}

/// Attachment rows whose content is neither in the database nor (if given) under `files`.
pub async fn missing_attachments(
    db: &DatabaseConnection,
    files: Option<&Path>,
) -> anyhow::Result<Vec<String>> {
    let stored = blob_keys(db).await?;
    let mut missing = Vec::new();
    for attachment in ticket_attachment::Entity::find().all(db).await? {
        let key = attachment.sha256;
        if stored.contains(&key) || key.len() != 64 {
            continue;
        }
        if !files.is_some_and(|dir| dir.join(&key[..2]).join(&key).exists()) {
            missing.push(key);
        }
    }
    missing.sort();
    missing.dedup();
    Ok(missing)
}
