//! FAQ entries (자주 묻는 질문) and helpful votes, one per account or anonymous client.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FaqEntries {
    Table,
    Id,
    Category,
    Audience,
    Question,
    Answer,
    Locale,
    Published,
    Position,
    ViewCount,
    HelpfulCount,
    NotHelpfulCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FaqVotes {
    Table,
    EntryId,
    VoterKey,
    Helpful,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let counter = |col: FaqEntries| {
            ColumnDef::new(col)
                .big_integer()
                .not_null()
                .default(0)
                .take()
        };
        manager
            .create_table(
                Table::create()
                    .table(FaqEntries::Table)
                    .col(
                        ColumnDef::new(FaqEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(FaqEntries::Category)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FaqEntries::Audience)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FaqEntries::Question)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(FaqEntries::Answer).text().not_null())
                    .col(ColumnDef::new(FaqEntries::Locale).string_len(8).not_null())
                    .col(ColumnDef::new(FaqEntries::Published).boolean().not_null())
                    .col(ColumnDef::new(FaqEntries::Position).integer().not_null())
                    .col(counter(FaqEntries::ViewCount))
                    .col(counter(FaqEntries::HelpfulCount))
                    .col(counter(FaqEntries::NotHelpfulCount))
                    .col(
                        ColumnDef::new(FaqEntries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FaqEntries::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(FaqEntries::Audience).is_in(["BUYER", "SELLER", "ALL"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_faq_entries_listing")
                    .table(FaqEntries::Table)
                    .col(FaqEntries::Category)
                    .col(FaqEntries::Position)
                    .col(FaqEntries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FaqVotes::Table)
                    .col(ColumnDef::new(FaqVotes::EntryId).uuid().not_null())
                    .col(ColumnDef::new(FaqVotes::VoterKey).string_len(64).not_null())
                    .col(ColumnDef::new(FaqVotes::Helpful).boolean().not_null())
                    .col(
                        ColumnDef::new(FaqVotes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(FaqVotes::EntryId)
                            .col(FaqVotes::VoterKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_faq_votes_entry")
                            .from(FaqVotes::Table, FaqVotes::EntryId)
                            .to(FaqEntries::Table, FaqEntries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [FaqVotes::Table.into_iden(), FaqEntries::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
