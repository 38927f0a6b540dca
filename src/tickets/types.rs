//! GraphQL types of tickets. Internal notes are filtered in SQL for customers on every path
//! (the message list, the last message, search).

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Upload};
use chrono::{DateTime, Utc};
use entity::{ticket, ticket_attachment, ticket_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::accounts::types::{Account, PublicProfile};
use crate::error::ApiResult;
use crate::graphql::loaders::{
    AccountById, AttachmentsByMessage, LastMessageByTicket, LastPublicMessageByTicket, OrderById,
    PaymentByOrder, RefundsByOrder, RequestsByOrder, ShipmentByOrder, load_many, load_one,
};
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected, PageArgs};
use crate::graphql::request_parts;
use crate::orders::types::{Order, PaymentMethod};

/// The order of a ticket list.
#[derive(Enum, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[graphql(remote = "super::service::TicketSort")]
pub enum TicketSort {
    /// Newest first.
    #[default]
    Newest,
    /// The next SLA target first (first response until answered, then resolution); the
    /// most overdue on top.
    SlaDue,
}

/// What a ticket is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ticket::TicketCategory")]
pub enum TicketCategory {
    /// Orders and payments.
    OrderPayment,
    /// Shipping.
    Shipping,
    /// Sign-in and account security.
    Account,
    /// Cancellations.
    Cancellation,
    /// Refunds.
    Refund,
    /// Returns and exchanges.
    ReturnExchange,
    /// Seller settlement (정산).
    Settlement,
    /// Anything else.
    Other,
}

/// Where the contact came from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ticket::TicketChannel")]
pub enum TicketChannel {
    /// Help center.
    Web,
    /// Phone call.
    Phone,
    /// Chat.
    Chat,
    /// Received by email and logged by an agent.
    Email,
}

/// Where a ticket stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ticket::TicketStatus")]
pub enum TicketStatus {
    /// Waiting for support.
    Open,
    /// Waiting for the customer.
    Pending,
    /// Solved; the customer may confirm or reopen.
    Resolved,
    /// Done.
    Closed,
}

/// Who or what wrote a ticket message.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ticket_message::MessageOrigin")]
pub enum MessageOrigin {
    /// Its author.
    Account,
    /// storedesk itself (for example the security events attached to a report).
    System,
    /// A compromise report from someone who was not signed in: nothing in it is verified,
    /// and it was not written by the account it is about.
    UnverifiedReport,
}

/// How urgent a ticket is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ticket::TicketPriority")]
pub enum TicketPriority {
    /// Low.
    Low,
    /// Normal.
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// The requester's rating after resolution.
#[derive(SimpleObject)]
pub struct SatisfactionRating {
    /// 1..=5.
    pub score: i16,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub rated_at: Option<DateTime<Utc>>,
}

/// A support ticket.
pub struct Ticket(pub ticket::Model);

fn is_staff(ctx: &Context<'_>) -> ApiResult<bool> {
    let (_, auth, _) = request_parts(ctx)?;
    Ok(auth.is_staff())
}

#[Object]
impl Ticket {
    /// The ticket's id, for arguments; people quote `number`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// People-facing number.
    async fn number(&self) -> i64 {
        self.0.number
    }

    /// The requester's one-line summary, as written.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// What it is about; decides which information was asked for up front and which FAQ entries
    /// and channels are suggested.
    async fn category(&self) -> TicketCategory {
        self.0.category.into()
    }

    /// How it reached support: `WEB` when the customer wrote it, otherwise the channel an agent
    /// logged (`PHONE`, `CHAT`, `EMAIL`).
    async fn channel(&self) -> TicketChannel {
        self.0.channel.into()
    }

    /// `OPEN`, `PENDING` (waiting on the customer: the resolution clock pauses), `RESOLVED`
    /// (closes after a quiet week; a customer reply reopens it) or `CLOSED`.
    async fn status(&self) -> TicketStatus {
        self.0.status.into()
    }

    /// `LOW`, `NORMAL`, `HIGH` or `URGENT`: sets the SLA targets (`firstResponseDueAt`,
    /// `resolutionDueAt`).
    async fn priority(&self) -> TicketPriority {
        self.0.priority.into()
    }

    /// The customer.
    async fn requester(&self, ctx: &Context<'_>) -> ApiResult<PublicProfile> {
        PublicProfile::load(ctx, self.0.requester_id).await
    }

    /// The agent working it.
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<PublicProfile>> {
        PublicProfile::load_opt(ctx, self.0.assignee_id).await
    }

    /// The order it is about (the requester may see it: checked when the ticket was opened).
    async fn order(&self, ctx: &Context<'_>) -> ApiResult<Option<Order>> {
        match self.0.order_id {
            Some(id) => Ok(load_one::<OrderById>(ctx, id).await?.map(Order)),
            None => Ok(None),
        }
    }

    /// Payment method named by the customer.
    async fn payment_method(&self) -> Option<PaymentMethod> {
        self.0.payment_method.map(Into::into)
    }

    /// Last four card digits named by the customer.
    async fn card_last4(&self) -> Option<&str> {
        self.0.card_last4.as_deref()
    }

    /// The conversation, oldest first. Customers never see internal notes.
    #[graphql(complexity = "pagination::complexity(first, None, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, TicketMessage, ConnectionFields>> {
        let (state, _, _) = request_parts(ctx)?;
        let page = PageArgs::parse(None, None, first, after.as_deref())?.counting_for(ctx);
        let mut select =
            ticket_message::Entity::find().filter(ticket_message::Column::TicketId.eq(self.0.id));
        if !is_staff(ctx)? {
            select = select.filter(ticket_message::Column::Internal.eq(false));
        }
        // A conversation reads oldest first: the keyset page runs "backward" from the oldest
        // message, and the page's sides swap accordingly.
        let (mut page, total) =
            pagination::fetch_counted(&state.db, select, ticket_message::Column::Id, &page).await?;
        page.rows.reverse();
        std::mem::swap(&mut page.has_previous, &mut page.has_next);
        Ok(pagination::connection(page, total, |row| {
            (row.id, TicketMessage(row))
        }))
    }

    /// The newest message (customers: the newest public one).
    async fn last_message(&self, ctx: &Context<'_>) -> ApiResult<Option<TicketMessage>> {
        let message = if is_staff(ctx)? {
            load_one::<LastMessageByTicket>(ctx, self.0.id).await?
        } else {
            load_one::<LastPublicMessageByTicket>(ctx, self.0.id).await?
        };
        Ok(message.map(TicketMessage))
    }

    /// Opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// First public reply due (SLA, business hours).
    async fn first_response_due_at(&self) -> DateTime<Utc> {
        self.0.first_response_due_at
    }

    /// Resolution due (SLA, business hours; paused while PENDING).
    async fn resolution_due_at(&self) -> DateTime<Utc> {
        self.0.resolution_due_at
    }

    /// First public agent reply.
    async fn first_responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_responded_at
    }

    /// Resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// Agents: when the missed first-response target was escalated (null for customers).
    async fn first_response_escalated_at(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<DateTime<Utc>>> {
        let (_, auth, _) = request_parts(ctx)?;
        Ok(self
            .0
            .first_response_escalated_at
            .filter(|_| auth.is_staff()))
    }

    /// Agents: when the missed resolution target was escalated (null for customers).
    async fn resolution_escalated_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime<Utc>>> {
        let (_, auth, _) = request_parts(ctx)?;
        Ok(self.0.resolution_escalated_at.filter(|_| auth.is_staff()))
    }

    /// Closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// Past an SLA target.
    async fn sla_breached(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(super::service::is_breached(&self.0, state.clock.now()))
    }

    /// The next step that fits the linked order's state (agents only; null for customers and
    /// when nothing calls for action). `locale`: `ko` (default) or `en`.
    async fn suggested_resolution(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(\"ko\".to_owned())")] locale: Option<String>,
    ) -> ApiResult<Option<String>> {
        let Some(order_id) = self.0.order_id else {
            return Ok(None);
        };
        if !is_staff(ctx)? {
            return Ok(None);
        }
        let (state, _, _) = request_parts(ctx)?;
        let Some(order) = load_one::<OrderById>(ctx, order_id).await? else {
            return Ok(None);
        };
        let payment = load_one::<PaymentByOrder>(ctx, order_id).await?;
        let shipment = load_one::<ShipmentByOrder>(ctx, order_id).await?;
        let requests = load_many::<RequestsByOrder, _>(ctx, order_id).await?;
        let refunds = load_many::<RefundsByOrder, _>(ctx, order_id).await?;
        Ok(super::resolution::suggest(
            super::resolution::OrderContext {
                order: &order,
                payment: payment.as_ref(),
                shipment: shipment.as_ref(),
                requests: &requests,
                refunds: &refunds,
            },
            state.clock.now(),
            crate::orders::shipments::stall_after(state),
            locale.as_deref().unwrap_or("ko"),
        ))
    }

    /// The requester's rating.
    async fn satisfaction(&self) -> Option<SatisfactionRating> {
        self.0.satisfaction_score.map(|score| SatisfactionRating {
            score,
            comment: self.0.satisfaction_comment.clone(),
            rated_at: self.0.rated_at,
        })
    }

    /// Agents: the text macro `macroId` gives on this ticket, filled from its requester,
    /// order, payment, parcel and refund exactly as `replyToTicket(macroId:)` would send it,
    /// so the agent reads it before inserting it. A placeholder whose object the ticket lacks
    /// is `VALIDATION` on `macroId`.
    async fn macro_preview(&self, ctx: &Context<'_>, macro_id: ID) -> ApiResult<String> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        if !caller.is_staff() {
            return Err(crate::error::ApiError::Forbidden);
        }
        let macro_id = crate::graphql::parse_id("macroId", &macro_id)?;
        let agent = load_one::<AccountById>(ctx, caller.account_id)
            .await?
            .ok_or(crate::error::ApiError::NotFound("Account"))?;
        super::macros::render_macro(&state.db, state, macro_id, &self.0, &agent).await
    }

    /// Agents: the agents who have this ticket open now and whether they are typing
    /// (empty for customers). Live changes come through `ticketPresence`.
    async fn viewers(&self, ctx: &Context<'_>) -> ApiResult<Vec<TicketViewer>> {
        if !is_staff(ctx)? {
            return Ok(Vec::new());
        }
        let (state, _, _) = request_parts(ctx)?;
        Ok(
            super::presence::current(&state.db, self.0.id, state.clock.now())
                .await?
                .into_iter()
                .map(TicketViewer)
                .collect(),
        )
    }
}

/// An agent who has a ticket open.
pub struct TicketViewer(pub entity::ticket_presence::Model);

#[Object(serial)]
impl TicketViewer {
    /// The agent.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<PublicProfile> {
        PublicProfile::load(ctx, self.0.account_id).await
    }

    /// Whether the agent is writing a reply or an internal note right now.
    async fn typing(&self) -> bool {
        self.0.typing
    }

    /// The agent's last heartbeat; a viewer is dropped 30 seconds after it.
    async fn seen_at(&self) -> DateTime<Utc> {
        self.0.seen_at
    }
}

/// A reply or an internal note.
pub struct TicketMessage(pub ticket_message::Model);

#[Object]
impl TicketMessage {
    /// The message's id; `replyToTicket(expectedLastMessageId:)` takes the newest one the
    /// writer saw.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who wrote it; null when `origin` is SYSTEM or UNVERIFIED_REPORT.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<PublicProfile>> {
        PublicProfile::load_opt(ctx, self.0.author_id).await
    }

    /// Who or what wrote it.
    async fn origin(&self) -> MessageOrigin {
        self.0.origin.into()
    }

    /// Text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// An internal note (agents only).
    async fn internal(&self) -> bool {
        self.0.internal
    }

    /// Files sent with it (screenshots, receipts, logs).
    async fn attachments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Attachment>> {
        Ok(load_many::<AttachmentsByMessage, _>(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Attachment)
            .collect())
    }

    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A file on a ticket message. Download it from `url` with the same bearer token; it is
/// served as a download (`Content-Disposition: attachment`), never rendered in place.
pub struct Attachment(pub ticket_attachment::Model);

#[Object(serial)]
impl Attachment {
    /// The file's id; download it from `url`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// File name as uploaded (without directories).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// Type found from the content.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Size in bytes.
    async fn size(&self) -> i64 {
        self.0.size_bytes
    }

    /// Where to download it (relative to the server).
    async fn url(&self) -> String {
        format!("/attachments/{}", self.0.id)
    }

    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A new ticket.
#[derive(InputObject)]
pub struct CreateTicketInput {
    /// What it is about. Buyers must name an order for `SHIPPING`, `CANCELLATION`, `REFUND` and
    /// `RETURN_EXCHANGE`, and an order or a payment method for `ORDER_PAYMENT`.
    pub category: TicketCategory,
    /// Channel (customers: WEB).
    #[graphql(default_with = "Some(TicketChannel::Web)")]
    pub channel: Option<TicketChannel>,
    /// A one-line summary (1–200 characters).
    pub subject: String,
    /// What happened.
    pub body: String,
    /// The order it is about (required from buyers for shipping, cancellation, refund and
    /// return questions).
    pub order_id: Option<ID>,
    /// Agents only: the customer this contact is for.
    pub requester_id: Option<ID>,
    /// Payment problems without an order: the method used.
    pub payment_method: Option<PaymentMethod>,
    /// Card payments without an order: the last 4 digits.
    pub card_last4: Option<String>,
    /// Agents only: the priority.
    pub priority: Option<TicketPriority>,
    /// Screenshots, receipts or logs (multipart upload; images, PDF or text, each at most
    /// 10 MiB by default).
    pub attachments: Option<Vec<Upload>>,
}

/// What `createTicket` answers.
#[derive(SimpleObject)]
pub struct CreateTicketPayload {
    /// The new ticket.
    pub ticket: Ticket,
    /// FAQ answers that often solve this kind of problem, shown while support answers.
    pub suggested_faqs: Vec<crate::faq::types::FaqEntry>,
}

/// Filters of `tickets`.
#[derive(InputObject, Default)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only this category.
    pub category: Option<TicketCategory>,
    /// Only this priority.
    pub priority: Option<TicketPriority>,
    /// Only contacts that came in this way (web form, phone, chat, email).
    pub channel: Option<TicketChannel>,
    /// Only this agent's tickets.
    pub assignee_id: Option<ID>,
    /// Only tickets this account opened or was logged for (agents: a customer's other
    /// tickets; customers see only their own anyway).
    pub requester_id: Option<ID>,
    /// Only unassigned (true) or assigned (false).
    pub unassigned: Option<bool>,
    /// Only tickets past (true) or within (false) an SLA target.
    pub sla_breached: Option<bool>,
    /// Ticket number, requester email, order number, or words of the subject or messages.
    pub search: Option<String>,
}

/// A canned reply with `{{placeholders}}` (see `PLACEHOLDERS` in `tickets::macros`).
pub struct Macro(pub entity::ticket_macro::Model);

#[Object(serial)]
impl Macro {
    /// The macro's id, for `replyToTicket(macroId:)`, `updateMacro` and `deleteMacro`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Text with placeholders such as `{{customer.name}}` and `{{order.orderNumber}}`.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The category it suits (null: any).
    async fn category(&self) -> Option<TicketCategory> {
        self.0.category.map(Into::into)
    }
}

/// A macro to save.
#[derive(InputObject)]
pub struct MacroInput {
    /// Title (1..=100 characters).
    pub title: String,
    /// Text (1..=5000 characters) with known placeholders only.
    pub body: String,
    /// The category it suits.
    pub category: Option<TicketCategory>,
}

impl From<MacroInput> for super::macros::MacroInput {
    fn from(input: MacroInput) -> Self {
        Self {
            title: input.title,
            body: input.body,
            category: input.category.map(Into::into),
        }
    }
}

/// A count of tickets with one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status counted.
    pub status: TicketStatus,
    /// Tickets.
    pub count: i64,
}

/// A count of tickets in one category.
#[derive(SimpleObject)]
pub struct CategoryCount {
    /// The category counted.
    pub category: TicketCategory,
    /// Tickets.
    pub count: i64,
}

/// A count of tickets with one priority.
#[derive(SimpleObject)]
pub struct PriorityCount {
    /// The priority counted.
    pub priority: TicketPriority,
    /// Tickets.
    pub count: i64,
}

/// Satisfaction of one agent's tickets, and the agent's account as the dashboard read it.
pub struct AgentCsat(
    pub super::dashboard::Csat<uuid::Uuid>,
    pub Option<entity::account::Model>,
);

#[Object(serial)]
impl AgentCsat {
    /// The agent.
    async fn agent(&self) -> Option<Account> {
        self.1.clone().map(Account)
    }

    /// Average score (1..=5).
    async fn average(&self) -> f64 {
        self.0.average
    }

    /// Ratings counted.
    async fn count(&self) -> i64 {
        self.0.count
    }
}

/// Satisfaction in one category.
#[derive(SimpleObject)]
pub struct CategoryCsat {
    /// The category rated.
    pub category: TicketCategory,
    /// Average score (1..=5).
    pub average: f64,
    /// Ratings counted.
    pub count: i64,
}

/// The agents' dashboard.
pub struct SupportDashboard(pub Arc<super::dashboard::Dashboard>);

#[Object(serial)]
impl SupportDashboard {
    /// Tickets not closed, by status.
    async fn by_status(&self) -> Vec<StatusCount> {
        self.0
            .by_status
            .iter()
            .map(|(status, count)| StatusCount {
                status: (*status).into(),
                count: *count,
            })
            .collect()
    }

    /// Tickets not closed, by category.
    async fn by_category(&self) -> Vec<CategoryCount> {
        self.0
            .by_category
            .iter()
            .map(|(category, count)| CategoryCount {
                category: (*category).into(),
                count: *count,
            })
            .collect()
    }

    /// Tickets not closed, by priority.
    async fn by_priority(&self) -> Vec<PriorityCount> {
        self.0
            .by_priority
            .iter()
            .map(|(priority, count)| PriorityCount {
                priority: (*priority).into(),
                count: *count,
            })
            .collect()
    }

    /// OPEN or PENDING tickets without an agent.
    async fn unassigned(&self) -> u64 {
        self.0.unassigned
    }

    /// Tickets past an SLA target.
    async fn sla_breached(&self) -> u64 {
        self.0.sla_breached
    }

    /// Tickets whose next SLA target falls within the hour.
    async fn sla_due_within_hour(&self) -> u64 {
        self.0.sla_due_within_hour
    }

    /// Cancellation/return requests past the seller deadline.
    async fn overdue_seller_decisions(&self) -> u64 {
        self.0.overdue_seller_decisions
    }

    /// Parcels past their expected delivery date.
    async fn delayed_shipments(&self) -> u64 {
        self.0.delayed_shipments
    }

    /// Parcels without a tracking event for the configured time.
    async fn stalled_shipments(&self) -> u64 {
        self.0.stalled_shipments
    }

    /// Refunds past their legal deadline.
    async fn overdue_refunds(&self) -> u64 {
        self.0.overdue_refunds
    }

    /// CSAT average of the last 7 days.
    async fn csat_last_7_days(&self) -> Option<f64> {
        self.0.csat_7_days
    }

    /// CSAT average of the last 30 days.
    async fn csat_last_30_days(&self) -> Option<f64> {
        self.0.csat_30_days
    }

    /// CSAT of the last 30 days per assigned agent.
    async fn csat_by_agent(&self) -> Vec<AgentCsat> {
        self.0
            .csat_by_agent
            .iter()
            .map(|csat| AgentCsat(csat.clone(), self.0.agents.get(&csat.key).cloned()))
            .collect()
    }

    /// CSAT of the last 30 days per category.
    async fn csat_by_category(&self) -> Vec<CategoryCsat> {
        self.0
            .csat_by_category
            .iter()
            .map(|csat| CategoryCsat {
                category: csat.key.into(),
                average: csat.average,
                count: csat.count,
            })
            .collect()
    }
}

/// An agent's automatic-assignment setting.
#[derive(SimpleObject)]
pub struct AgentAvailability {
    /// The agent.
    pub agent_id: ID,
    /// Takes new tickets automatically.
    pub available: bool,
    /// Most OPEN or PENDING tickets held before being skipped.
    pub max_open_tickets: i32,
}

/// How to reach support about a kind of problem, before writing a ticket.
#[derive(SimpleObject)]
pub struct ContactOptions {
    /// The channels that resolve this kind of problem fastest (the seeds' table).
    pub recommended_channels: Vec<TicketChannel>,
    /// What to have ready (order number, payment method, last 4 digits, …).
    pub required_information: Vec<String>,
    /// Answers that often solve it without a ticket.
    pub suggested_faqs: Vec<crate::faq::types::FaqEntry>,
    /// Expected wait for a first answer, from the open queue and recent response times.
    pub expected_wait_minutes: i32,
}
