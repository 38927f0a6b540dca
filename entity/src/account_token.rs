//! `account_tokens`: one-time password-reset and account-recovery tokens (hashed).

use sea_orm::entity::prelude::*;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum TokenPurpose {
    /// "Forgot password", requested by anyone who knows the email.
    #[sea_orm(string_value = "RESET")]
    Reset,
    /// Recovery of a locked account, started by an agent after an identity check.
    #[sea_orm(string_value = "RECOVERY")]
    Recovery,
    /// "Lock my account now", mailed to the owner after someone reported a takeover without
    /// being signed in: only the owner's mailbox can turn a report into a lock.
    #[sea_orm(string_value = "LOCK")]
    Lock,
}

/// One token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose account.
    pub account_id: Uuid,
    /// Reset or recovery.
    pub purpose: TokenPurpose,
    /// Hex SHA-256 of the token; the token itself is only in the email.
    pub token_hash: String,
    /// The address the link went to.
    pub sent_to: String,
    /// Issued.
    pub created_at: DateTimeUtc,
    /// Unusable from then on.
    pub expires_at: DateTimeUtc,
    /// Consumed.
    pub used_at: Option<DateTimeUtc>,
    /// Replaced by a newer token (or cancelled by a lock).
    pub superseded_at: Option<DateTimeUtc>,
    /// The agent who started a recovery.
    pub issued_by: Option<Uuid>,
    /// The ticket a recovery belongs to.
    pub ticket_id: Option<Uuid>,
    /// What the agent verified before starting a recovery.
    pub verified_by: Option<String>,
}

/// Relations (joins are written out in the services).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
