//! A stranger's compromise report no longer locks an account (SECURITY.md "Password reset and
//! account recovery"): it opens a ticket whose first message is an unverified report written
//! by nobody we know, and mails the owner a one-time "lock my account now" link.
//!
//! - `ticket_messages.author_id` and `tickets.created_by` become optional, and messages get an
//!   `origin` (ACCOUNT, SYSTEM, UNVERIFIED_REPORT): a report by an anonymous caller and the
//!   security-events note are not the account's words.
//! - `account_tokens.purpose` admits `LOCK`.
//! - `email_history` keeps every address an account gave up, indexed by address, so a report
//!   made with the address an attacker replaced finds the account in one lookup (it used to
//!   read up to 10,000 audit rows and filter JSON in Rust). Filled from the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::columns::{fk, index, text, ts, uuid_col, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailHistory {
    Table,
    Id,
    AccountId,
    Email,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TicketMessages {
    Table,
    Origin,
}

/// `(table, text in its CREATE statement, replacement)`: NOT NULL and CHECK changes, which
/// SQLite's ALTER TABLE cannot make.
const SQLITE_EDITS: &[(&str, &str, &str)] = &[
    (
        "ticket_messages",
        r#""author_id" uuid_text NOT NULL"#,
        r#""author_id" uuid_text NULL"#,
    ),
    (
        "tickets",
        r#""created_by" uuid_text NOT NULL"#,
        r#""created_by" uuid_text NULL"#,
    ),
    (
        "account_tokens",
        r#"CHECK ("purpose" IN ('RESET', 'RECOVERY'))"#,
        r#"CHECK ("purpose" IN ('RESET', 'RECOVERY', 'LOCK'))"#,
    ),
];

/// Rewrites table definitions in place, the procedure SQLite documents for removing NOT NULL
/// and changing CHECK constraints (lang_altertable.html, "simpler procedure"): no data
/// changes, so nothing is copied and no foreign key sees a table disappear. Must run inside
/// the migration transaction (`storedesk::db::migrate`): `writable_schema` belongs to one
/// connection, and a pool would hand the UPDATE to another. Bumping `schema_version` makes
/// every connection reload the schema.
async fn sqlite_edit_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = conn.get_database_backend();
    let version: i64 = conn
        .query_one_raw(Statement::from_string(backend, "PRAGMA schema_version"))
        .await?
        .ok_or_else(|| DbErr::Custom("no schema_version".into()))?
        .try_get_by_index(0)?;
    conn.execute_unprepared("PRAGMA writable_schema = ON")
        .await?;
    for (table, from, to) in SQLITE_EDITS {
        let sql: String = conn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
                [(*table).into()],
            ))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("no table {table}")))?
            .try_get_by_index(0)?;
        if !sql.contains(from) {
            return Err(DbErr::Custom(format!(
                "{table} is not defined as this migration expects"
            )));
        }
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
            [sql.replacen(from, to, 1).into(), (*table).into()],
        ))
        .await?;
    }
    conn.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
        .await?;
    conn.execute_unprepared("PRAGMA writable_schema = OFF")
        .await?;
    Ok(())
}

async fn postgres_edit_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    conn.execute_unprepared("ALTER TABLE ticket_messages ALTER COLUMN author_id DROP NOT NULL")
        .await?;
    conn.execute_unprepared("ALTER TABLE tickets ALTER COLUMN created_by DROP NOT NULL")
        .await?;
    // The CHECK was created without a name; PostgreSQL named it after the table and column.
    conn.execute_unprepared(
        "ALTER TABLE account_tokens DROP CONSTRAINT IF EXISTS account_tokens_purpose_check",
    )
    .await?;
    conn.execute_unprepared(
        "ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check \
         CHECK (purpose IN ('RESET', 'RECOVERY', 'LOCK'))",
    )
    .await?;
    Ok(())
}

/// Every email change already in the audit log becomes a history row.
async fn backfill_email_history(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = conn.get_database_backend();
    let details = match backend {
        DbBackend::Postgres => "details::text",
        _ => "details",
    };
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT target_id, {details} AS details, created_at FROM audit_events \
                 WHERE action = 'account.email_changed' AND target_id IS NOT NULL"
            ),
        ))
        .await?;
    for row in rows {
        let account: uuid::Uuid = row.try_get("", "target_id")?;
        let details: String = row.try_get("", "details")?;
        let changed_at: sea_orm_migration::sea_orm::prelude::DateTimeUtc =
            row.try_get("", "created_at")?;
        let Some(from) = serde_json::from_str::<serde_json::Value>(&details)
            .ok()
            .and_then(|d| d.get("from").and_then(|v| v.as_str()).map(str::to_owned))
        else {
            continue;
        };
        let insert = Query::insert()
            .into_table(EmailHistory::Table)
            .columns([
                EmailHistory::Id,
                EmailHistory::AccountId,
                EmailHistory::Email,
                EmailHistory::ChangedAt,
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                account.into(),
                from.into(),
                changed_at.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailHistory::Table)
                    .col(uuid_pk(EmailHistory::Id))
                    .col(uuid_col(EmailHistory::AccountId))
                    .col(text(EmailHistory::Email, 254))
                    .col(ts(EmailHistory::ChangedAt))
                    .foreign_key(&mut fk(
                        "fk_email_history_account",
                        (EmailHistory::Table, EmailHistory::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_email_history_email",
            EmailHistory::Table,
            vec![
                EmailHistory::Email.into_iden(),
                EmailHistory::ChangedAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "ix_email_history_account",
            EmailHistory::Table,
            vec![
                EmailHistory::AccountId.into_iden(),
                EmailHistory::ChangedAt.into_iden(),
            ],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TicketMessages::Table)
                    .add_column(
                        ColumnDef::new(TicketMessages::Origin)
                            .string_len(20)
                            .not_null()
                            .default("ACCOUNT")
                            .check(Expr::col(TicketMessages::Origin).is_in([
                                "ACCOUNT",
                                "SYSTEM",
                                "UNVERIFIED_REPORT",
                            ])),
                    )
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_edit_tables(manager).await?,
            _ => postgres_edit_tables(manager).await?,
        }
        backfill_email_history(manager).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "messages without an author cannot be given one back; restore a backup instead".into(),
        ))
    }
}
