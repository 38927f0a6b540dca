//! Canned replies: placeholders are checked when a macro is saved and filled from the ticket,
//! its customer, its order, payment, shipment and latest refund when it is used.

use chrono::DateTime;
use entity::payment::{PaymentFailureReason, PaymentMethod};
use entity::ticket::TicketCategory;
use entity::{account, payment, refund, shipment, ticket, ticket_macro};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::required_text;
use crate::payments::latest_payment;
use crate::state::AppState;

/// Every placeholder a macro may use.
pub const PLACEHOLDERS: &[&str] = &[
    "customer.name",
    "customer.email",
    "agent.name",
    "ticket.number",
    "ticket.subject",
    "order.orderNumber",
    "order.totalAmount",
    "payment.method",
    "payment.failureReason",
    "shipment.carrier",
    "shipment.trackingNumber",
    "shipment.expectedDeliveryAt",
    "refund.amount",
];

/// The placeholders used in `body`, in order; an unknown one or an unclosed `{{` is a
/// `VALIDATION` error on `body`.
pub fn placeholders(body: &str) -> ApiResult<Vec<&str>> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| ApiError::validation("body", "A placeholder is not closed with }}."))?;
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(ApiError::validation(
                "body",
                format!(
                    "Unknown placeholder {{{{{name}}}}}. Known: {}.",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
        found.push(name);
        rest = &after[end + 2..];
    }
    Ok(found)
}

/// A macro to save.
#[derive(Debug, Clone)]
pub struct MacroInput {
    /// Title.
    pub title: String,
    /// Text with placeholders.
    pub body: String,
    /// Suited category.
    pub category: Option<TicketCategory>,
}

fn checked(input: MacroInput) -> ApiResult<MacroInput> {
    let title = required_text("title", &input.title, 100)?;
    let body = required_text("body", &input.body, 5000)?;
    placeholders(&body)?;
    Ok(MacroInput {
        title,
        body,
        category: input.category,
    })
}

/// Macros, those of `category` (and general ones) first when given.
pub async fn list_macros(
    conn: &impl ConnectionTrait,
    category: Option<TicketCategory>,
) -> ApiResult<Vec<ticket_macro::Model>> {
    let mut select = ticket_macro::Entity::find();
    if let Some(category) = category {
        select = select.filter(
            sea_orm::Condition::any()
                .add(ticket_macro::Column::Category.eq(category))
                .add(ticket_macro::Column::Category.is_null()),
        );
    }
    Ok(select
        .order_by_asc(ticket_macro::Column::Title)
        .all(conn)
        .await?)
}

/// Saves a new macro.
pub async fn create_macro(
    state: &AppState,
    caller: &Caller,
    input: MacroInput,
) -> ApiResult<ticket_macro::Model> {
    let input = checked(input)?;
    let now = state.clock.now();
    Ok(ticket_macro::ActiveModel {
        id: Set(ids::at(now)),
        title: Set(input.title),
        body: Set(input.body),
        category: Set(input.category),
        created_by: Set(Some(caller.account_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&state.db)
    .await?)
}

/// Changes a macro.
pub async fn update_macro(
    state: &AppState,
    id: Uuid,
    input: MacroInput,
) -> ApiResult<ticket_macro::Model> {
    let input = checked(input)?;
    ticket_macro::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("Macro"))?;
    Ok(ticket_macro::ActiveModel {
        id: Set(id),
        title: Set(input.title),
        body: Set(input.body),
        category: Set(input.category),
        updated_at: Set(state.clock.now()),
        ..Default::default()
    }
    .update(&state.db)
    .await?)
}

/// Deletes a macro; `NOT_FOUND` when there is none.
pub async fn delete_macro(state: &AppState, id: Uuid) -> ApiResult<bool> {
    let deleted = ticket_macro::Entity::delete_by_id(id)
        .exec(&state.db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound("Macro"));
    }
    Ok(true)
}

/// How a customer reads a payment method (macros are written in Korean).
fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Card => "신용/체크카드",
        PaymentMethod::BankTransfer => "계좌이체",
        PaymentMethod::VirtualAccount => "가상계좌",
        PaymentMethod::Mobile => "휴대폰 결제",
        PaymentMethod::Points => "포인트",
    }
}

/// How a customer reads a payment failure.
fn failure_label(reason: PaymentFailureReason) -> &'static str {
    match reason {
        PaymentFailureReason::CardExpired => "카드 유효기간 만료",
        PaymentFailureReason::InsufficientFunds => "잔액 또는 한도 부족",
        PaymentFailureReason::CardDeclined => "카드사 승인 거절",
        PaymentFailureReason::InvalidPaymentInfo => "결제 정보 오류",
        PaymentFailureReason::GatewayError => "결제 시스템 일시 오류",
    }
}

fn date(at: DateTime<chrono::Utc>, state: &AppState) -> String {
    state.calendar.local_date(at).format("%Y-%m-%d").to_string()
}

/// Fills the macro `macro_id` for `ticket`, written by `agent`. A placeholder whose object the
/// ticket lacks (no order, not shipped, no refund) is a `VALIDATION` error on `macroId`.
pub async fn render_macro(
    conn: &impl ConnectionTrait,
    state: &AppState,
    macro_id: Uuid,
    ticket: &ticket::Model,
    agent: &account::Model,
) -> ApiResult<String> {
    let canned = ticket_macro::Entity::find_by_id(macro_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Macro"))?;
    let customer = account::Entity::find_by_id(ticket.requester_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Customer"))?;
    let order = match ticket.order_id {
        Some(id) => entity::order::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let (payment, shipment, refund): (
        Option<payment::Model>,
        Option<shipment::Model>,
        Option<refund::Model>,
    ) = match &order {
        Some(order) => (
            latest_payment(conn, order.id).await?,
            shipment::Entity::find()
                .filter(shipment::Column::OrderId.eq(order.id))
                .one(conn)
                .await?,
            refund::Entity::find()
                .filter(refund::Column::OrderId.eq(order.id))
                .order_by_desc(refund::Column::Id)
                .one(conn)
                .await?,
        ),
        None => (None, None, None),
    };
    let missing = |what: &str| {
        ApiError::validation(
            "macroId",
            format!("This macro needs {what}, and the ticket has none."),
        )
    };
    let mut out = String::with_capacity(canned.body.len());
    let mut rest = canned.body.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let value = match after[..end].trim() {
            "customer.name" => customer.name.clone(),
            "customer.email" => customer.email.clone(),
            "agent.name" => agent.name.clone(),
            "ticket.number" => ticket.number.to_string(),
            "ticket.subject" => ticket.subject.clone(),
            "order.orderNumber" => order
                .as_ref()
                .ok_or_else(|| missing("an order"))?
                .order_number
                .clone(),
            "order.totalAmount" => order
                .as_ref()
                .ok_or_else(|| missing("an order"))?
                .total_amount
                .to_string(),
            "payment.method" => {
                method_label(payment.as_ref().ok_or_else(|| missing("a payment"))?.method).into()
            }
            "payment.failureReason" => payment
                .as_ref()
                .and_then(|p| p.failure_reason)
                .map(failure_label)
                .ok_or_else(|| missing("a failed payment"))?
                .into(),
            "shipment.carrier" => shipment
                .as_ref()
                .ok_or_else(|| missing("a shipment"))?
                .carrier
                .clone(),
            "shipment.trackingNumber" => shipment
                .as_ref()
                .ok_or_else(|| missing("a shipment"))?
                .tracking_number
                .clone(),
            "shipment.expectedDeliveryAt" => date(
                shipment
                    .as_ref()
                    .ok_or_else(|| missing("a shipment"))?
                    .expected_delivery_at,
                state,
            ),
            "refund.amount" => refund
                .as_ref()
                .ok_or_else(|| missing("a refund"))?
                .amount
                .to_string(),
            other => {
                return Err(ApiError::validation(
                    "macroId",
                    format!("Unknown placeholder {other}."),
                ));
            }
        };
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused() {
        assert_eq!(
            placeholders("{{customer.name}}님, {{ order.orderNumber }}").unwrap(),
            vec!["customer.name", "order.orderNumber"]
        );
        assert!(placeholders("{{customer.password}}").is_err());
        assert!(placeholders("{{customer.name").is_err());
        assert!(placeholders("no placeholders").unwrap().is_empty());
    }
}
