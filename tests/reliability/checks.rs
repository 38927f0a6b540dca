//! What must hold after every restart, read straight from the database.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use entity::outbox_message::{Channel, OutboxStatus};
use entity::{
    audit_event, cancellation_request, order, outbox_message, payment, refund, ticket_message,
};
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::load::Ledger;

/// Figures of one check.
#[derive(Debug, Default)]
pub struct Checked {
    pub acknowledged: usize,
    pub payments: usize,
    pub audit_events: usize,
}

/// Every acknowledged write is there with the state it was answered with (or, for what a
/// lost answer tainted, any state), money adds up, and every change has its audit event.
pub async fn invariants(db: &DatabaseConnection, ledger: &Ledger) -> Checked {
    check(db, ledger, true).await
}

/// Like [`invariants`] for a copy taken after `ledger`: what was acknowledged is there, but
/// may have moved on since (a paid order canceled later, say).
pub async fn invariants_since(db: &DatabaseConnection, ledger: &Ledger) -> Checked {
    check(db, ledger, false).await
}

async fn check(db: &DatabaseConnection, ledger: &Ledger, exact: bool) -> Checked {
    let orders: HashMap<Uuid, order::Model> = order::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    for (id, ack) in &ledger.orders {
        let row = orders
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged order {id} is gone"));
        if exact && !ack.tainted {
            assert_eq!(
                row.status.to_value(),
                ack.status,
                "order {id} was answered {} but is {:?}",
                ack.status,
                row.status
            );
        }
        assert_eq!(row.total_amount, ack.total);
    }

    let payments = payment::Entity::find().all(db).await.unwrap();
    let refunds = refund::Entity::find().all(db).await.unwrap();
    let requests: HashMap<Uuid, cancellation_request::Model> = cancellation_request::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for payment in &payments {
        let refunded: i64 = refunds
            .iter()
            .filter(|r| r.payment_id == payment.id && r.status != refund::RefundStatus::Failed)
            .map(|r| r.amount)
            .sum();
        assert!(
            refunded <= payment.amount,
            "payment {} of {} has {refunded} in refunds",
            payment.id,
            payment.amount
        );
        assert!(payment.refunded_amount <= payment.amount && payment.refund_reserved >= 0);
    }
    // A cancellation-born refund belongs to an approved request of a canceled order, and a
    // paid order that is canceled has the refund of its cancellation.
    for refund in refunds
        .iter()
        .filter(|r| r.cancellation_request_id.is_some())
    {
        let request = &requests[&refund.cancellation_request_id.unwrap()];
        assert_eq!(request.refund_id, Some(refund.id), "{request:?}");
        let order = &orders[&refund.order_id];
        assert!(
            matches!(
                order.status,
                order::OrderStatus::Canceled | order::OrderStatus::Returned
            ),
            "refunded by a cancellation, but {:?}",
            order.status
        );
    }
    let paid_orders: HashSet<Uuid> = payments
        .iter()
        .filter(|p| p.paid_at.is_some())
        .map(|p| p.order_id)
        .collect();
    for order in orders.values() {
        if order.status == order::OrderStatus::Canceled && paid_orders.contains(&order.id) {
            let refunded = refunds
                .iter()
                .any(|r| r.order_id == order.id && r.cancellation_request_id.is_some());
            assert!(refunded, "order {} canceled without its refund", order.id);
        }
    }
    for (request, (order, refund)) in &ledger.cancellations {
        let row = requests
            .get(request)
            .unwrap_or_else(|| panic!("acknowledged cancellation {request} is gone"));
        assert_eq!(row.order_id, *order);
        if exact {
            assert_eq!(row.refund_id, *refund);
        }
    }
    for (id, (order, amount)) in &ledger.refunds {
        let row = refunds
            .iter()
            .find(|r| r.id == *id)
            .unwrap_or_else(|| panic!("acknowledged refund {id} is gone"));
        assert_eq!((row.order_id, row.amount), (*order, *amount));
    }
    let messages: HashSet<Uuid> = ticket_message::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    for (ticket, message) in &ledger.replies {
        assert!(
            messages.contains(message),
            "acknowledged reply {message} on {ticket} is gone"
        );
    }

    let events = audit_event::Entity::find().all(db).await.unwrap();
    let audited = |action: &str, target: Uuid| {
        events
            .iter()
            .any(|e| e.action == action && e.target_id == Some(target))
    };
    for (id, ack) in &ledger.orders {
        assert!(
            audited("order.placed", *id),
            "order {id} has no audit event"
        );
        if ack.status == "PAID" && !ack.tainted {
            assert!(
                audited("payment.succeeded", *id),
                "payment of {id} unaudited"
            );
        }
    }
    for request in ledger.cancellations.keys() {
        assert!(audited("cancellation.requested", *request));
    }
    for refund in ledger.refunds.keys() {
        assert!(audited("refund.requested", *refund));
    }
    for ticket in &ledger.tickets {
        assert!(audited("ticket.created", *ticket));
    }
    let replied: HashSet<String> = events
        .iter()
        .filter(|e| e.action == "ticket.replied")
        .filter_map(|e| e.details["message"].as_str().map(str::to_owned))
        .collect();
    for (_, message) in &ledger.replies {
        assert!(
            replied.contains(&message.to_string()),
            "reply {message} unaudited"
        );
    }
    Checked {
        acknowledged: ledger.acknowledged(),
        payments: payments.len(),
        audit_events: events.len(),
    }
}

/// Outbox messages still waiting (for the end of a run: the worker must drain them).
pub async fn pending_messages(db: &DatabaseConnection) -> usize {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending))
        .all(db)
        .await
        .unwrap()
        .len()
}

/// What the outbox delivered.
#[derive(Debug, Default)]
pub struct Delivered {
    pub messages: usize,
    pub duplicates: usize,
    /// The most copies any one message arrived in.
    pub most_copies: usize,
    pub failed: usize,
}

/// Every SENT message was delivered, nothing was delivered that is not SENT, and (the file
/// transports) nothing twice. `smtp_ids` are the Message-IDs an SMTP server received, when
/// mail went over SMTP: there a copy is possible only when the process died between the
/// server's answer and the record, and it carries the same Message-ID.
pub async fn deliveries(
    db: &DatabaseConnection,
    data_dir: &Path,
    smtp_ids: Option<Vec<String>>,
) -> Delivered {
    let rows = outbox_message::Entity::find().all(db).await.unwrap();
    let sent = |channel: Channel| -> HashSet<Uuid> {
        rows.iter()
            .filter(|m| m.channel == channel && m.status == OutboxStatus::Sent)
            .map(|m| m.id)
            .collect()
    };
    let (emails, texts) = (sent(Channel::Email), sent(Channel::Sms));
    let files = |dir: &str, extension: &str| -> Vec<Uuid> {
        std::fs::read_dir(data_dir.join(dir))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_suffix(extension).and_then(|id| id.parse().ok())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut duplicates = 0;
    let mut most_copies = 1;
    match smtp_ids {
        None => {
            let mail: HashSet<Uuid> = files("mail", ".eml").into_iter().collect();
            assert_eq!(mail, emails, "one .eml file per sent email, and only those");
        }
        Some(ids) => {
            let mut copies: HashMap<&String, usize> = HashMap::new();
            for id in &ids {
                *copies.entry(id).or_default() += 1;
            }
            most_copies = copies.values().copied().max().unwrap_or(1);
            let distinct: HashSet<&String> = copies.keys().copied().collect();
            duplicates = ids.len() - distinct.len();
            let expected: HashSet<String> = emails
                .iter()
                .map(|id| format!("<{id}@storedesk>"))
                .collect();
            let got: HashSet<String> = distinct.into_iter().cloned().collect();
            assert_eq!(
                got, expected,
                "the SMTP server got every sent email, and only those"
            );
        }
    }
    let sms: HashSet<Uuid> = files("sms", ".txt").into_iter().collect();
    assert_eq!(sms, texts, "one text file per sent SMS");
    Delivered {
        messages: emails.len() + texts.len(),
        duplicates,
        most_copies,
        failed: rows
            .iter()
            .filter(|m| m.status == OutboxStatus::Failed)
            .count(),
    }
}
