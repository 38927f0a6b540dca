//! Where uploaded files live: content-addressed (by SHA-256), as files under the data dir or
//! as rows of `attachment_blobs`. Ticket attachments are its users; who may read a file is
//! decided by the attachment row, never here.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use uuid::Uuid;

use crate::config::{AttachmentStorage, Settings};
use crate::error::{ApiError, ApiResult};

/// Where attachment content lives: files on disk, one per content, under
/// `<data dir>/attachments/<first 2 hex>/<sha256>`, or rows of `attachment_blobs` when
/// instances share a database but not a disk. Either way content is stored once per
/// SHA-256 and written before the message's transaction, so a failed transaction leaves at
/// most unreferenced content, never a row without its file.
#[derive(Debug, Clone)]
pub struct AttachmentStore {
    root: PathBuf,
    /// The pool to keep content in (`None`: files).
    db: Option<DatabaseConnection>,
}

impl AttachmentStore {
    /// A file store under `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("attachments"),
            db: None,
        }
    }

    /// The store the settings ask for (`auto`: the database on PostgreSQL, files on SQLite).
    pub fn from_settings(settings: &Settings, db: &DatabaseConnection) -> Self {
        let in_database = match settings.attachment_storage {
            AttachmentStorage::Auto => db.get_database_backend() == DbBackend::Postgres,
            AttachmentStorage::Files => false,
            AttachmentStorage::Database => true,
        };
        Self {
            db: in_database.then(|| db.clone()),
            ..Self::new(&settings.data_dir)
        }
    }

    /// Where files are kept (also where a database store looks for content stored before
    /// it was switched on).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, sha256: &str) -> ApiResult<PathBuf> {
        // The key comes from our own rows, but a path is built from it: accept hex only.
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::internal(anyhow::anyhow!(
                "malformed attachment key"
            )));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `content` under its SHA-256 `sha256` (once: the same content is already
    /// there under the same key).
    pub async fn put(&self, sha256: &str, content: &Bytes, now: DateTime<Utc>) -> ApiResult<()> {
        match &self.db {
            Some(db) => {
                // One statement, in its turn to write (see `crate::db::begin_write`).
                let txn = crate::db::begin_write(db).await?;
                insert_blob(&txn, sha256, content.to_vec(), now).await?;
                txn.commit().await?;
                Ok(())
            }
            None => self.put_file(sha256, content).await,
        }
    }

    /// Written to a temporary name and renamed, so a reader never sees half a file.
    async fn put_file(&self, sha256: &str, content: &Bytes) -> ApiResult<()> {
        let path = self.path(sha256)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let io =
            |err: std::io::Error| ApiError::internal(anyhow::anyhow!("attachment store: {err}"));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let partial = dir.join(format!(".{sha256}.{}", Uuid::now_v7().simple()));
        tokio::fs::write(&partial, content).await.map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)
    }

    /// The content stored under `sha256`.
    pub async fn read(&self, sha256: &str) -> ApiResult<Vec<u8>> {
        let path = self.path(sha256)?;
        if let Some(db) = &self.db
            && let Some(content) = read_row(db, sha256).await?
        {
            return Ok(content);
        }
        tokio::fs::read(&path)
            .await
            .map_err(|err| ApiError::internal(anyhow::anyhow!("attachment store: {err}")))
    }
}

/// Stores `content` under `sha256` in `attachment_blobs`; the same content stored twice (or
/// by two instances at once) stays one row.
pub async fn insert_blob(
    db: &impl ConnectionTrait,
    sha256: &str,
    content: Vec<u8>,
    created_at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let insert = Query::insert()
        .into_table(Alias::new("attachment_blobs"))
        .columns([
            Alias::new("sha256"),
            Alias::new("content"),
            Alias::new("created_at"),
        ])
        .values_panic([sha256.into(), content.into(), created_at.into()])
        .on_conflict(
            OnConflict::column(Alias::new("sha256"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

async fn read_row(db: &DatabaseConnection, sha256: &str) -> ApiResult<Option<Vec<u8>>> {
    let select = Query::select()
        .column(Alias::new("content"))
        .from(Alias::new("attachment_blobs"))
        .and_where(Expr::col(Alias::new("sha256")).eq(sha256))
        .to_owned();
    let Some(row) = db.query_one(&select).await? else {
        return Ok(None);
    };
    Ok(Some(row.try_get::<Vec<u8>>("", "content")?))
}
