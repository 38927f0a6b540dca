//! Support tickets and their conversations, and a table of named counters for people-facing
//! numbers.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Counters {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    RequesterId,
    CreatedBy,
    AssigneeId,
    OrderId,
    Category,
    Channel,
    Subject,
    Status,
    Priority,
    PaymentMethod,
    CardLast4,
    CreatedAt,
    UpdatedAt,
    FirstResponseDueAt,
    ResolutionDueAt,
    FirstRespondedAt,
    PendingSince,
    ResolvedAt,
    ClosedAt,
    SatisfactionScore,
    SatisfactionComment,
    RatedAt,
}

#[derive(DeriveIden)]
enum TicketMessages {
    Table,
    Id,
    TicketId,
    AuthorId,
    Body,
    Internal,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Counters::Table)
                    .col(text(Counters::Name, 32).primary_key())
                    .col(ColumnDef::new(Counters::Value).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(ColumnDef::new(Tickets::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Tickets::Number)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Tickets::RequesterId).uuid().not_null())
                    .col(ColumnDef::new(Tickets::CreatedBy).uuid().not_null())
                    .col(ColumnDef::new(Tickets::AssigneeId).uuid().null())
                    .col(ColumnDef::new(Tickets::OrderId).uuid().null())
                    .col(text(Tickets::Category, 20))
                    .col(text(Tickets::Channel, 10))
                    .col(text(Tickets::Subject, 200))
                    .col(text(Tickets::Status, 10))
                    .col(text(Tickets::Priority, 10))
                    .col(ColumnDef::new(Tickets::PaymentMethod).string_len(20).null())
                    .col(ColumnDef::new(Tickets::CardLast4).string_len(4).null())
                    .col(ts(Tickets::CreatedAt))
                    .col(ts(Tickets::UpdatedAt))
                    .col(ts(Tickets::FirstResponseDueAt))
                    .col(ts(Tickets::ResolutionDueAt))
                    .col(ts_null(Tickets::FirstRespondedAt))
                    .col(ts_null(Tickets::PendingSince))
                    .col(ts_null(Tickets::ResolvedAt))
                    .col(ts_null(Tickets::ClosedAt))
                    .col(
                        ColumnDef::new(Tickets::SatisfactionScore)
                            .small_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Tickets::SatisfactionComment)
                            .string_len(1000)
                            .null(),
                    )
                    .col(ts_null(Tickets::RatedAt))
                    .check(
                        Expr::col(Tickets::Status).is_in(["OPEN", "PENDING", "RESOLVED", "CLOSED"]),
                    )
                    .check(Expr::col(Tickets::Priority).is_in(["LOW", "NORMAL", "HIGH", "URGENT"]))
                    .check(Expr::col(Tickets::Channel).is_in(["WEB", "PHONE", "CHAT", "EMAIL"]))
                    .foreign_key(&mut fk(
                        "fk_tickets_requester",
                        (Tickets::Table, Tickets::RequesterId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_tickets_created_by",
                        (Tickets::Table, Tickets::CreatedBy),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_tickets_assignee",
                        (Tickets::Table, Tickets::AssigneeId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_tickets_order",
                        (Tickets::Table, Tickets::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tickets_status",
            Tickets::Table,
            vec![Tickets::Status.into_iden(), Tickets::Id.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_tickets_requester",
            Tickets::Table,
            vec![Tickets::RequesterId.into_iden(), Tickets::Id.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_tickets_assignee",
            Tickets::Table,
            vec![Tickets::AssigneeId.into_iden(), Tickets::Status.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_tickets_order",
            Tickets::Table,
            vec![Tickets::OrderId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_tickets_first_response_due",
            Tickets::Table,
            vec![
                Tickets::FirstRespondedAt.into_iden(),
                Tickets::FirstResponseDueAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_tickets_resolution_due",
            Tickets::Table,
            vec![
                Tickets::ResolvedAt.into_iden(),
                Tickets::ResolutionDueAt.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketMessages::Table)
                    .col(
                        ColumnDef::new(TicketMessages::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TicketMessages::TicketId).uuid().not_null())
                    .col(ColumnDef::new(TicketMessages::AuthorId).uuid().not_null())
                    .col(ColumnDef::new(TicketMessages::Body).text().not_null())
                    .col(
                        ColumnDef::new(TicketMessages::Internal)
                            .boolean()
                            .not_null(),
                    )
                    .col(ts(TicketMessages::CreatedAt))
                    .foreign_key(
                        &mut fk(
                            "fk_ticket_messages_ticket",
                            (TicketMessages::Table, TicketMessages::TicketId),
                            (Tickets::Table, Tickets::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .take(),
                    )
                    .foreign_key(&mut fk(
                        "fk_ticket_messages_author",
                        (TicketMessages::Table, TicketMessages::AuthorId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ticket_messages_ticket",
            TicketMessages::Table,
            vec![
                TicketMessages::TicketId.into_iden(),
                TicketMessages::Internal.into_iden(),
                TicketMessages::Id.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TicketMessages::Table.into_iden(),
            Tickets::Table.into_iden(),
            Counters::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
