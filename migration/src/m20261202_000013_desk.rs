//! What the agents' console needs from the database: who is looking at a ticket right now
//! (presence, shared by every instance) and which order a notification was about (the order
//! timeline shows what the buyer and seller were told), and finding a parcel by its
//! tracking number.

use sea_orm_migration::prelude::*;

use crate::columns::{text_null, ts, uuid_col};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketPresence::Table)
                    .col(uuid_col(TicketPresence::TicketId))
                    .col(uuid_col(TicketPresence::AccountId))
                    .col(ColumnDef::new(TicketPresence::Typing).boolean().not_null())
                    .col(ts(TicketPresence::SeenAt))
                    .primary_key(
                        Index::create()
                            .col(TicketPresence::TicketId)
                            .col(TicketPresence::AccountId),
                    )
                    .to_owned(),
            )
            .await?;
        // The sweep of departed viewers reads by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_presence_seen")
                    .table(TicketPresence::Table)
                    .col(TicketPresence::SeenAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(text_null(OutboxMessages::OrderNumber, 20))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_messages_order_number")
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::OrderNumber)
                    .to_owned(),
            )
            .await?;
        // The order desk finds a parcel by the tracking number a customer reads out.
        manager
            .create_index(
                Index::create()
                    .name("ix_shipments_tracking_number")
                    .table(Shipments::Table)
                    .col(Shipments::TrackingNumber)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_shipments_tracking_number")
                    .table(Shipments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_messages_order_number")
                    .table(OutboxMessages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .drop_column(OutboxMessages::OrderNumber)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(TicketPresence::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TicketPresence {
    Table,
    TicketId,
    AccountId,
    Typing,
    SeenAt,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    OrderNumber,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    TrackingNumber,
}
