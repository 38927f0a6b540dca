//! Payments are recorded PENDING before the provider is called and settled afterwards; at
//! most one attempt per order may wait for an answer, whatever races (a partial unique index,
//! which both SQLite and PostgreSQL have). A sweep finds the waiting ones by status and age.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX ux_payments_one_pending ON payments (order_id) \
             WHERE status = 'PENDING'",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_payments_pending ON payments (created_at) WHERE status = 'PENDING'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ux_payments_one_pending")
            .await?;
        conn.execute_unprepared("DROP INDEX ix_payments_pending")
            .await?;
        Ok(())
    }
}
