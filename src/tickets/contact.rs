//! Contact options by problem type, from the seeds: which channel resolves it fastest, what
//! to have ready, FAQ answers that may solve it, and how long the wait is now.

use chrono::Duration;
use entity::faq_entry::{self, Audience};
use entity::ticket::{self, TicketCategory, TicketChannel, TicketStatus};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::error::ApiResult;
use crate::state::AppState;

/// What the help center shows before a ticket is written.
#[derive(Debug, Clone)]
pub struct Options {
    /// Recommended channels, best first.
    pub channels: Vec<TicketChannel>,
    /// Information to prepare (input field names).
    pub required_information: Vec<&'static str>,
    /// Suggested FAQ entries.
    pub faqs: Vec<faq_entry::Model>,
    /// Expected wait for a first answer.
    pub expected_wait_minutes: i32,
}

/// The seeds' table: order/payment → phone, chat; shipping → phone, email; account → chat,
/// email. The rest follow the closest of those.
pub fn recommended_channels(category: TicketCategory) -> Vec<TicketChannel> {
    use TicketChannel::*;
    match category {
        TicketCategory::OrderPayment => vec![Phone, Chat],
        TicketCategory::Shipping => vec![Phone, Email],
        TicketCategory::Account => vec![Chat, Email],
        TicketCategory::Cancellation | TicketCategory::Refund | TicketCategory::ReturnExchange => {
            vec![Chat, Phone]
        }
        TicketCategory::Settlement => vec![Email, Phone],
        TicketCategory::Other => vec![Web, Email],
    }
}

/// What to have ready, by category (the fields `createTicket` asks for).
pub fn required_information(category: TicketCategory) -> Vec<&'static str> {
    match category {
        TicketCategory::OrderPayment => vec!["orderNumber", "paymentMethod", "cardLast4"],
        TicketCategory::Shipping
        | TicketCategory::Cancellation
        | TicketCategory::Refund
        | TicketCategory::ReturnExchange => vec!["orderNumber"],
        TicketCategory::Account => vec!["email", "phone"],
        TicketCategory::Settlement => vec!["settlementPeriod"],
        TicketCategory::Other => vec![],
    }
}

/// Contact options for `category`.
pub async fn contact_options(
    state: &AppState,
    category: TicketCategory,
    audience: Option<Audience>,
    locale: &str,
) -> ApiResult<Options> {
    let faqs = crate::faq::service::suggestions(&state.db, category, audience, locale, 3).await?;
    Ok(Options {
        channels: recommended_channels(category),
        required_information: required_information(category),
        faqs,
        expected_wait_minutes: expected_wait_minutes(state).await?,
    })
}

/// The wait for a first answer now: the average first-response time of the last 7 days (the
/// NORMAL target when nothing was answered), plus 10 minutes for every unanswered open ticket
/// ahead per available agent.
pub async fn expected_wait_minutes(state: &AppState) -> ApiResult<i32> {
    let now = state.clock.now();
    let answered: Vec<(
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    )> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::CreatedAt)
        .column(ticket::Column::FirstRespondedAt)
        .filter(ticket::Column::FirstRespondedAt.gte(now - Duration::days(7)))
        .limit(500)
        .into_tuple()
        .all(&state.db)
        .await?;
    let minutes: Vec<i64> = answered
        .iter()
        .filter_map(|(created, responded)| responded.map(|r| (r - *created).num_minutes()))
        .collect();
    let base = if minutes.is_empty() {
        i64::from(state.settings.sla_first_response_minutes.normal)
    } else {
        minutes.iter().sum::<i64>() / i64::try_from(minutes.len()).unwrap_or(1)
    };
    let waiting = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketStatus::Open))
        .filter(ticket::Column::FirstRespondedAt.is_null())
        .count(&state.db)
        .await?;
    let agents = entity::agent_availability::Entity::find()
        .filter(entity::agent_availability::Column::Available.eq(true))
        .count(&state.db)
        .await?
        .max(1);
    let queue = i64::try_from(waiting / agents * 10).unwrap_or(i64::MAX);
    Ok(i32::try_from(base.max(0).saturating_add(queue)).unwrap_or(i32::MAX))
}
