//! Every help-center search first asks whether another instance changed the FAQ (the
//! newest `updated_at` and the count): without an index on `updated_at` that was a scan
//! and a sort of every entry per search, which at 10,000 entries cost more than the search
//! itself (BENCHMARKS.md).

use sea_orm_migration::prelude::*;

use crate::columns::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FaqEntries {
    Table,
    UpdatedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "ix_faq_entries_updated",
            FaqEntries::Table,
            vec![
                FaqEntries::UpdatedAt.into_iden(),
                FaqEntries::Id.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_faq_entries_updated")
                    .table(FaqEntries::Table)
                    .to_owned(),
            )
            .await
    }
}
