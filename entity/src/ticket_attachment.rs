//! `ticket_attachments`: files on a ticket message. The bytes live in the attachment store
//! under their SHA-256; the row says who may see them (through the message and ticket).

use sea_orm::entity::prelude::*;

/// One attached file.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_attachments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The ticket (kept here so access checks need no join through the message).
    pub ticket_id: Uuid,
    /// The message it came with.
    pub message_id: Uuid,
    /// Who uploaded it.
    pub uploaded_by: Uuid,
    /// The file name as given, cleaned of paths and control characters.
    pub file_name: String,
    /// The type found from the content, not the one the client claimed.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the content: its key in the store.
    pub sha256: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
