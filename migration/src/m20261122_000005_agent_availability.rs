//! Which agents take new tickets automatically, and how many open tickets each may hold.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgentAvailability {
    Table,
    AccountId,
    Available,
    MaxOpenTickets,
    LastAssignedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AgentAvailability::Table)
                    .col(
                        ColumnDef::new(AgentAvailability::AccountId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AgentAvailability::Available)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AgentAvailability::MaxOpenTickets)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AgentAvailability::LastAssignedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AgentAvailability::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(AgentAvailability::MaxOpenTickets).gt(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agent_availability_account")
                            .from(AgentAvailability::Table, AgentAvailability::AccountId)
                            .to(Accounts::Table, Accounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AgentAvailability::Table).to_owned())
            .await
    }
}
