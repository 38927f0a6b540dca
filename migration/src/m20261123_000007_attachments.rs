//! Ticket attachments: files on a message, stored by content hash outside the database.

use sea_orm_migration::prelude::*;

use crate::columns::{fk, index, text, ts, uuid_col, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TicketMessages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TicketAttachments {
    Table,
    Id,
    TicketId,
    MessageId,
    UploadedBy,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketAttachments::Table)
                    .col(uuid_pk(TicketAttachments::Id))
                    .col(uuid_col(TicketAttachments::TicketId))
                    .col(uuid_col(TicketAttachments::MessageId))
                    .col(uuid_col(TicketAttachments::UploadedBy))
                    .col(text(TicketAttachments::FileName, 255))
                    .col(text(TicketAttachments::ContentType, 100))
                    .col(
                        ColumnDef::new(TicketAttachments::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(TicketAttachments::Sha256, 64))
                    .col(ts(TicketAttachments::CreatedAt))
                    .check(Expr::col(TicketAttachments::SizeBytes).gt(0))
                    .foreign_key(&mut fk(
                        "fk_ticket_attachments_ticket",
                        (TicketAttachments::Table, TicketAttachments::TicketId),
                        (Tickets::Table, Tickets::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_attachments_message",
                        (TicketAttachments::Table, TicketAttachments::MessageId),
                        (TicketMessages::Table, TicketMessages::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_attachments_uploader",
                        (TicketAttachments::Table, TicketAttachments::UploadedBy),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ticket_attachments_message",
            TicketAttachments::Table,
            vec![TicketAttachments::MessageId.into_iden()],
        )
        .await?;
        index(
            manager,
            "ix_ticket_attachments_ticket",
            TicketAttachments::Table,
            vec![TicketAttachments::TicketId.into_iden()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketAttachments::Table).to_owned())
            .await
    }
}
