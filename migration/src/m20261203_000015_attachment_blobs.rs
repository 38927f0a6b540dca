//! Attachment content in the database, for instances that share a PostgreSQL database but
//! not a disk: what one instance stores, every other can serve. One row per content
//! (SHA-256), as the file store keeps one file per content.

use sea_orm_migration::prelude::*;

use crate::columns::ts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttachmentBlobs::Table)
                    .col(
                        ColumnDef::new(AttachmentBlobs::Sha256)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AttachmentBlobs::Content).blob().not_null())
                    .col(ts(AttachmentBlobs::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttachmentBlobs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AttachmentBlobs {
    Table,
    Sha256,
    Content,
    CreatedAt,
}
