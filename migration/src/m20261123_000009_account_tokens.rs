//! One-time tokens for password reset and account recovery: stored as SHA-256 hashes,
//! consumed once, expiring, superseded by a newer token of the same purpose.

use sea_orm_migration::prelude::*;

use crate::columns::{fk, index, text, text_null, ts, ts_null, uuid_col, uuid_null, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    AccountId,
    Purpose,
    TokenHash,
    SentTo,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    SupersededAt,
    IssuedBy,
    TicketId,
    VerifiedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(uuid_pk(AccountTokens::Id))
                    .col(uuid_col(AccountTokens::AccountId))
                    .col(text(AccountTokens::Purpose, 10))
                    .col(text(AccountTokens::TokenHash, 64).unique_key().take())
                    .col(text(AccountTokens::SentTo, 254))
                    .col(ts(AccountTokens::CreatedAt))
                    .col(ts(AccountTokens::ExpiresAt))
                    .col(ts_null(AccountTokens::UsedAt))
                    .col(ts_null(AccountTokens::SupersededAt))
                    .col(uuid_null(AccountTokens::IssuedBy))
                    .col(uuid_null(AccountTokens::TicketId))
                    .col(text_null(AccountTokens::VerifiedBy, 500))
                    .check(Expr::col(AccountTokens::Purpose).is_in(["RESET", "RECOVERY"]))
                    .foreign_key(&mut fk(
                        "fk_account_tokens_account",
                        (AccountTokens::Table, AccountTokens::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_account_tokens_issuer",
                        (AccountTokens::Table, AccountTokens::IssuedBy),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_account_tokens_account",
            AccountTokens::Table,
            vec![
                AccountTokens::AccountId.into_iden(),
                AccountTokens::Purpose.into_iden(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountTokens::Table).to_owned())
            .await
    }
}
