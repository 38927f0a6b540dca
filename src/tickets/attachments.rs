//! Attachments (screenshots, receipts, logs) on ticket messages.
//!
//! The type is found from the content, never from the client's claim or the file name, and
//! only images, PDF and plain text are kept. Content is stored once per content (SHA-256), in
//! files under the data dir or in the database ([`AttachmentStore`]); the database row decides who may read them, through the message (internal
//! notes stay internal) and the ticket (its requester and staff).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::{ticket, ticket_attachment, ticket_message};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::service::ticket_scope;
use crate::attachment_store::AttachmentStore;
use crate::auth::Caller;
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::ids;
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

/// Stores every file of a message in `store` before the message's transaction.
pub async fn put_all(
    store: &AttachmentStore,
    attachments: &[NewAttachment],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    for attachment in attachments {
        store
            .put(&attachment.sha256, &attachment.bytes, now)
            .await?;
    }
    Ok(())
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
                id: Set(ids::at(now)),
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
