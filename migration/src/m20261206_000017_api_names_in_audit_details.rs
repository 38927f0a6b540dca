//! Audit details written before this migration spelled some enum values as Rust does
//! (`Card`, `Resolved`); since then they use the API's names (`CARD`, `RESOLVED`), like every
//! other detail. This rewrites the old spellings so that reports can filter on one name.
//! Only those fields change; the events themselves (who, what, when) stay as recorded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PAYMENT_METHODS: &[&str] = &[
    "CARD",
    "BANK_TRANSFER",
    "VIRTUAL_ACCOUNT",
    "MOBILE",
    "POINTS",
];
const FAILURE_REASONS: &[&str] = &[
    "CARD_EXPIRED",
    "INSUFFICIENT_FUNDS",
    "CARD_DECLINED",
    "INVALID_PAYMENT_INFO",
    "GATEWAY_ERROR",
];
const SHIPMENT_STATUSES: &[&str] = &["IN_TRANSIT", "OUT_FOR_DELIVERY", "EXCEPTION", "DELIVERED"];
const CANCELLATION_REASONS: &[&str] = &[
    "CHANGE_OF_MIND",
    "WRONG_PAYMENT_INFO",
    "OUT_OF_STOCK",
    "DELIVERY_DELAY",
    "OTHER",
];
const CHANNELS: &[&str] = &["WEB", "PHONE", "CHAT", "EMAIL"];
const TICKET_STATUSES: &[&str] = &["OPEN", "PENDING", "RESOLVED", "CLOSED"];
const PRIORITIES: &[&str] = &["LOW", "NORMAL", "HIGH", "URGENT"];

/// Which detail of which action held which enum.
const FIELDS: &[(&str, &str, &[&str])] = &[
    ("payment.started", "method", PAYMENT_METHODS),
    ("payment.succeeded", "method", PAYMENT_METHODS),
    ("payment.failed", "method", PAYMENT_METHODS),
    ("payment.failed", "failureReason", FAILURE_REASONS),
    ("shipment.event_added", "status", SHIPMENT_STATUSES),
    ("order.canceled_by_seller", "reason", CANCELLATION_REASONS),
    ("ticket.created", "channel", CHANNELS),
    ("ticket.status_changed", "from", TICKET_STATUSES),
    ("ticket.status_changed", "to", TICKET_STATUSES),
    ("ticket.priority_changed", "from", PRIORITIES),
    ("ticket.priority_changed", "to", PRIORITIES),
];

/// `IN_TRANSIT` as Rust's `Debug` wrote it: `InTransit`.
fn debug_spelling(api_name: &str) -> String {
    api_name
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_string() + &chars.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // One statement per field, each touching only the rows of its action that still hold
        // an old spelling. Names are constants of this file (capitals and underscores).
        for (action, key, names) in FIELDS {
            let olds: Vec<String> = names.iter().map(|name| debug_spelling(name)).collect();
            let cases: String = names
                .iter()
                .zip(&olds)
                .map(|(name, old)| format!(" WHEN '{old}' THEN '{name}'"))
                .collect();
            let listed = olds
                .iter()
                .map(|old| format!("'{old}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = match backend {
                DbBackend::Postgres => format!(
                    "UPDATE audit_events SET details = jsonb_set(details, '{{{key}}}', \
                     to_jsonb(CASE details->>'{key}'{cases} END)) \
                     WHERE action = '{action}' AND details->>'{key}' IN ({listed})"
                ),
                _ => format!(
                    "UPDATE audit_events SET details = json_set(details, '$.{key}', \
                     CASE json_extract(details, '$.{key}'){cases} END) \
                     WHERE action = '{action}' AND json_extract(details, '$.{key}') IN ({listed})"
                ),
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The old spellings were a defect; nothing needs them back.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::debug_spelling;

    #[test]
    fn debug_spellings_are_upper_camel_case() {
        assert_eq!(debug_spelling("IN_TRANSIT"), "InTransit");
        assert_eq!(debug_spelling("CARD"), "Card");
        assert_eq!(debug_spelling("WRONG_PAYMENT_INFO"), "WrongPaymentInfo");
    }
}
