//! Attachments (screenshots, receipts, logs) on ticket messages.
//!
//! The type is found from the content, never from the client's claim or the file name, and
//! only images, PDF and plain text are kept. Content is stored once per content (SHA-256), in
//! files under the data dir or in the database ([`AttachmentStore`]); the database row decides who may read them, through the message (internal
//! notes stay internal) and the ticket (its requester and staff).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::{ticket, ticket_attachment, ticket_message};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::service::ticket_scope;
use crate::auth::Caller;
use crate::config::{AttachmentStorage, Settings};
use crate::error::{ApiError, ApiResult};
use crate::payments::contains_card_number;

/// The input field every attachment error names.
const FIELD: &str = "attachments";

/// Types kept, by what the content is: images, PDF and plain text (logs).
const BINARY_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
];
const TEXT_TYPE: &str = "text/plain; charset=utf-8";

/// An upload that passed the checks, ready to store.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Cleaned file name.
    pub file_name: String,
    /// Type found from the content.
    pub content_type: &'static str,
    /// Content.
    pub bytes: Bytes,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// The type of `bytes` if it is one we keep.
fn content_type(bytes: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(bytes) {
        return BINARY_TYPES
            .iter()
            .copied()
            .find(|allowed| *allowed == kind.mime_type());
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    (!text.chars().any(control)).then_some(TEXT_TYPE)
}

/// The name to show and to offer on download: no directories, no control characters, no
/// quotes, at most 255 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(255)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Checks one upload: not empty, not too large, a kept type, no card number in a text file.
pub fn check_upload(
    settings: &Settings,
    file_name: &str,
    bytes: Bytes,
) -> ApiResult<NewAttachment> {
    let name = clean_file_name(file_name);
    if bytes.is_empty() {
        return Err(ApiError::validation(FIELD, format!("{name} is empty.")));
    }
    if bytes.len() > settings.attachment_max_bytes {
        return Err(ApiError::validation(
            FIELD,
            format!(
                "{name} is larger than {} MiB.",
                settings.attachment_max_bytes / (1024 * 1024)
            ),
        ));
    }
    let Some(content_type) = content_type(&bytes) else {
        return Err(ApiError::validation(
            FIELD,
            format!("{name}: only images (PNG, JPEG, GIF, WebP), PDF and text files are accepted."),
        ));
    };
    if content_type == TEXT_TYPE && std::str::from_utf8(&bytes).is_ok_and(contains_card_number) {
        return Err(ApiError::validation(
            FIELD,
            format!("{name} contains a card number: remove it, we never need the full number."),
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(NewAttachment {
        file_name: name,
        content_type,
        bytes,
        sha256,
    })
}

/// At most the configured number of files on one message.
pub fn check_count(settings: &Settings, count: usize) -> ApiResult<()> {
    if count > settings.attachment_max_files {
        return Err(ApiError::validation(
            FIELD,
            format!(
                "At most {} files per message.",
                settings.attachment_max_files
            ),
        ));
    }
    Ok(())
}

/// Checks a message's uploads.
pub fn check_uploads(
    settings: &Settings,
    uploads: Vec<(String, Bytes)>,
) -> ApiResult<Vec<NewAttachment>> {
    check_count(settings, uploads.len())?;
    uploads
        .into_iter()
        .map(|(name, bytes)| check_upload(settings, &name, bytes))
        .collect()
}

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

    /// Stores the content (once: the same content is already there under the same key).
    pub async fn put(&self, attachment: &NewAttachment, now: DateTime<Utc>) -> ApiResult<()> {
        match &self.db {
            Some(db) => put_row(db, attachment, now).await,
            None => self.put_file(attachment).await,
        }
    }

    /// Written to a temporary name and renamed, so a reader never sees half a file.
    async fn put_file(&self, attachment: &NewAttachment) -> ApiResult<()> {
        let path = self.path(&attachment.sha256)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let io =
            |err: std::io::Error| ApiError::internal(anyhow::anyhow!("attachment store: {err}"));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let partial = dir.join(format!(
            ".{}.{}",
            attachment.sha256,
            Uuid::now_v7().simple()
        ));
        tokio::fs::write(&partial, &attachment.bytes)
            .await
            .map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)
    }

    /// Stores every file of a message before its transaction.
    pub async fn put_all(
        &self,
        attachments: &[NewAttachment],
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        for attachment in attachments {
            self.put(attachment, now).await?;
        }
        Ok(())
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

async fn put_row(
    db: &DatabaseConnection,
    attachment: &NewAttachment,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    insert_blob(db, &attachment.sha256, attachment.bytes.to_vec(), now).await?;
    Ok(())
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

/// Records `attachments` uploaded by `uploader` on a message, in the message's transaction.
pub async fn insert_rows(
    conn: &impl ConnectionTrait,
    message: &ticket_message::Model,
    uploader: Uuid,
    now: DateTime<Utc>,
    attachments: &[NewAttachment],
) -> ApiResult<Vec<ticket_attachment::Model>> {
    let mut rows = Vec::with_capacity(attachments.len());
    for attachment in attachments {
        let size = i64::try_from(attachment.bytes.len())
            .map_err(|_| ApiError::validation(FIELD, "File too large."))?;
        rows.push(
            ticket_attachment::ActiveModel {
                id: Set(Uuid::now_v7()),
                ticket_id: Set(message.ticket_id),
                message_id: Set(message.id),
                uploaded_by: Set(uploader),
                file_name: Set(attachment.file_name.clone()),
                content_type: Set(attachment.content_type.to_owned()),
                size_bytes: Set(size),
                sha256: Set(attachment.sha256.clone()),
                created_at: Set(now),
            }
            .insert(conn)
            .await?,
        );
    }
    Ok(rows)
}

/// An attachment `caller` may download: on a ticket they may see, and for customers on a
/// public message only. Anything else is `NOT_FOUND`.
pub async fn visible_attachment(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<ticket_attachment::Model> {
    let mut select = ticket_attachment::Entity::find_by_id(id).filter(
        ticket_attachment::Column::TicketId.in_subquery(
            Query::select()
                .column(ticket::Column::Id)
                .from(ticket::Entity)
                .cond_where(ticket_scope(caller))
                .to_owned(),
        ),
    );
    if !caller.is_staff() {
        select = select.filter(
            ticket_attachment::Column::MessageId.in_subquery(
                Query::select()
                    .column(ticket_message::Column::Id)
                    .from(ticket_message::Entity)
                    .and_where(ticket_message::Column::Internal.eq(false))
                    .to_owned(),
            ),
        );
    }
    select
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\me\\영수증.png"), "영수증.png");
        assert_eq!(clean_file_name("a\r\nb\".txt"), "ab.txt");
        assert_eq!(clean_file_name(".."), "attachment");
        assert_eq!(clean_file_name(".htaccess"), "htaccess");
    }

    #[test]
    fn the_type_comes_from_the_content() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        assert_eq!(content_type(&png), Some("image/png"));
        assert_eq!(content_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            content_type("배송 로그\nline 2\n".as_bytes()),
            Some(TEXT_TYPE)
        );
        // An executable, a zip, and binary noise are refused whatever their names say.
        assert_eq!(content_type(b"MZ\x90\x00\x03\x00\x00\x00"), None);
        assert_eq!(content_type(b"PK\x03\x04\x14\x00\x00\x00"), None);
        assert_eq!(content_type(&[0xff, 0xfe, 0x00, 0x01]), None);
    }
}
