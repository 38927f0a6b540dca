//! A revision counter per in-memory cache of the database, starting with the FAQ search
//! index. Every help-center search used to ask whether another instance had changed the
//! FAQ by counting the entries and reading the newest `updated_at` (two statements, the
//! count over every entry); now it reads one row by its key. The index that made the newest
//! `updated_at` cheap is no longer read by anything and goes.

use sea_orm_migration::prelude::*;

use crate::columns::{index, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CacheRevisions::Table)
                    .col(text(CacheRevisions::Name, 32).primary_key())
                    .col(
                        ColumnDef::new(CacheRevisions::Revision)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CacheRevisions::Table)
                    .columns([CacheRevisions::Name, CacheRevisions::Revision])
                    .values_panic(["faq".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_faq_entries_updated")
                    .table(FaqEntries::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "ix_faq_entries_updated",
            FaqEntries::Table,
            vec![
                FaqEntries::UpdatedAt.into_iden(),
                FaqEntries::Id.into_iden(),
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(CacheRevisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CacheRevisions {
    Table,
    Name,
    Revision,
}

#[derive(DeriveIden)]
enum FaqEntries {
    Table,
    UpdatedAt,
    Id,
}
