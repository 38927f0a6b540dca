//! An order's timeline: everything that happened to it, newest first, for the agent who
//! has to explain it to a customer. Built from the audit log (every state change of the
//! order, its payments, parcel, requests and refunds is recorded there in the change's own
//! transaction, so the timeline cannot miss or invent a step) and, for staff, the outbox
//! (what the buyer and seller were told, and whether it was delivered).

use chrono::{DateTime, Utc};
use entity::outbox_message::{Channel, OutboxStatus};
use entity::{audit_event, cancellation_request, order, outbox_message, refund};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use super::scope::order_scope;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The most entries one timeline answers.
pub const MAX_ENTRIES: u64 = 200;

/// What part of the order an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The order itself (placed, status changes, canceled by the seller).
    Order,
    /// A payment attempt.
    Payment,
    /// The parcel (shipped, tracking events, new expected dates).
    Shipment,
    /// A cancellation or return request and its decision.
    Request,
    /// A refund.
    Refund,
    /// A notification to the buyer or seller.
    Notification,
}

impl Source {
    /// The part an audit action belongs to, by its stable dotted name.
    fn of_action(action: &str) -> Self {
        match action.split_once('.').map_or(action, |(domain, _)| domain) {
            "payment" => Self::Payment,
            "shipment" => Self::Shipment,
            "cancellation" => Self::Request,
            "refund" => Self::Refund,
            _ if action == "order.shipped" => Self::Shipment,
            _ => Self::Order,
        }
    }
}

/// A notification as the timeline shows it: never its address or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Email or SMS.
    pub channel: Channel,
    /// Waiting, sent or failed.
    pub status: OutboxStatus,
}

/// One entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The audit event's or message's id (UUIDv7: orders entries of one instant).
    pub id: Uuid,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What part of the order it is about.
    pub source: Source,
    /// The audit action or notification kind (`order.shipped`, `refund.completed`, …).
    pub action: String,
    /// Who did it; `None` for the system (sweeps, the payment provider's answer).
    pub actor_id: Option<Uuid>,
    /// The recorded details (states before and after, amounts, reasons).
    pub details: Value,
    /// Set on notifications.
    pub delivery: Option<Delivery>,
}

/// The newest `limit` entries of `order_id`'s timeline, if `caller` may see the order.
pub async fn timeline(
    state: &AppState,
    caller: &Caller,
    order_id: Uuid,
    limit: u64,
) -> ApiResult<Vec<Entry>> {
    let limit = limit.clamp(1, MAX_ENTRIES);
    let order = order::Entity::find_by_id(order_id)
        .filter(order_scope(caller))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Order"))?;
    let requests = Query::select()
        .column(cancellation_request::Column::Id)
        .from(cancellation_request::Entity)
        .and_where(cancellation_request::Column::OrderId.eq(order.id))
        .to_owned();
    let refunds = Query::select()
        .column(refund::Column::Id)
        .from(refund::Entity)
        .and_where(refund::Column::OrderId.eq(order.id))
        .to_owned();
    let events = audit_event::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(audit_event::Column::TargetId.eq(order.id))
                .add(audit_event::Column::TargetId.in_subquery(requests))
                .add(audit_event::Column::TargetId.in_subquery(refunds)),
        )
        // UUIDv7 ids order events in time.
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    let mut entries: Vec<Entry> = events
        .into_iter()
        .map(|event| Entry {
            id: event.id,
            at: event.created_at,
            source: Source::of_action(&event.action),
            action: event.action,
            actor_id: event.actor_id,
            details: event.details,
            delivery: None,
        })
        .collect();
    // What the parties were told is the support desk's business, not the other party's.
    if caller.is_staff() {
        let notices = outbox_message::Entity::find()
            .filter(outbox_message::Column::OrderNumber.eq(&order.order_number))
            .order_by_desc(outbox_message::Column::Id)
            .limit(limit)
            .all(&state.db)
            .await?;
        entries.extend(notices.into_iter().map(|notice| Entry {
            id: notice.id,
            at: notice.sent_at.unwrap_or(notice.created_at),
            source: Source::Notification,
            action: notice.kind,
            actor_id: None,
            details: Value::Null,
            delivery: Some(Delivery {
                channel: notice.channel,
                status: notice.status,
            }),
        }));
    }
    // Newest first; among entries of one instant, the later-recorded first.
    entries.sort_by_key(|entry| std::cmp::Reverse((entry.at, entry.id)));
    entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn actions_belong_to_their_part_of_the_order() {
        assert_eq!(Source::of_action("order.placed"), Source::Order);
        assert_eq!(Source::of_action("order.status_changed"), Source::Order);
        assert_eq!(Source::of_action("order.shipped"), Source::Shipment);
        assert_eq!(Source::of_action("shipment.event_added"), Source::Shipment);
        assert_eq!(Source::of_action("payment.failed"), Source::Payment);
        assert_eq!(Source::of_action("cancellation.approved"), Source::Request);
        assert_eq!(Source::of_action("refund.completed"), Source::Refund);
    }
}
