//! CSAT figures read the ratings of the last 7 and 30 days: without an index on `rated_at`
//! every dashboard load scanned every ticket ever (2.9 s at a million tickets). The index
//! covers the grouped columns too, so those statements never touch the table.

use sea_orm_migration::prelude::*;

use crate::columns::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    RatedAt,
    SatisfactionScore,
    AssigneeId,
    Category,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "ix_tickets_csat",
            Tickets::Table,
            vec![
                Tickets::RatedAt.into_iden(),
                Tickets::SatisfactionScore.into_iden(),
                Tickets::AssigneeId.into_iden(),
                Tickets::Category.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_csat")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await
    }
}
