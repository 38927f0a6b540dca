//! Thin GraphQL resolvers of tickets; rules live in `service`.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Lookahead, Object, Upload};
use entity::ticket;

use super::attachments::{self, NewAttachment};
use super::macros;
use super::parts::{TicketParts, TicketRead};
use super::presence::{self, Beat};
use super::service::{self, NewReply, NewTicket};
use super::types::{AgentAvailability, ContactOptions};
use super::types::{
    CreateTicketInput, CreateTicketPayload, Macro, MacroInput, SupportDashboard, Ticket,
    TicketCategory, TicketChannel, TicketFilter, TicketMessage, TicketPriority, TicketSort,
    TicketStatus, TicketViewer,
};
use crate::error::{ApiError, ApiResult};
use crate::faq::types::Audience;
use crate::graphql::loaders::{AccountById, OrderById, RequestLoader, load_one, loader};
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected};
use crate::graphql::{parse_id, parse_opt_id, request_parts};
use crate::limits::Action;
use crate::orders::schema::{PartLoaders, parts_selected as order_parts_selected};
use crate::state::AppState;

/// The relations read with a ticket ([`TicketParts`]) that any of `tickets` (selections of
/// tickets in the document) asks for.
fn parts_selected(tickets: &[Lookahead<'_>]) -> TicketParts {
    let asked = |field: &str| tickets.iter().any(|t| t.field(field).exists());
    let orders: Vec<Lookahead<'_>> = tickets.iter().map(|t| t.field("order")).collect();
    TicketParts {
        requester: asked("requester"),
        assignee: asked("assignee"),
        order: asked("order").then(|| order_parts_selected(&orders)),
    }
}

/// The request's loaders of what [`TicketRead`] holds.
struct TicketLoaders<'a> {
    accounts: &'a RequestLoader<AccountById>,
    orders: &'a RequestLoader<OrderById>,
    order_parts: PartLoaders<'a>,
}

impl<'a> TicketLoaders<'a> {
    fn of(ctx: &Context<'a>) -> ApiResult<Self> {
        Ok(Self {
            accounts: loader(ctx)?,
            orders: loader(ctx)?,
            order_parts: PartLoaders::of(ctx)?,
        })
    }

    /// Hands what was read with `ticket` to the loaders its resolvers use.
    fn feed(&self, ticket: &ticket::Model, read: TicketRead) {
        if let Some(requester) = read.requester {
            self.accounts.feed(ticket.requester_id, requester);
        }
        if let (Some(id), Some(assignee)) = (ticket.assignee_id, read.assignee) {
            self.accounts.feed(id, assignee);
        }
        if let (Some(id), Some(order)) = (ticket.order_id, read.order) {
            if let Some(order) = &order {
                self.order_parts.feed(order, read.order_parts);
            }
            self.orders.feed(id, order);
        }
    }
}

/// Ticket queries.
#[derive(Default)]
pub struct TicketsQuery;

#[Object]
impl TicketsQuery {
    /// How to reach support about `category`: channels, what to prepare, FAQ answers that
    /// may solve it, and the expected wait.
    async fn contact_options(
        &self,
        ctx: &Context<'_>,
        category: TicketCategory,
        audience: Option<Audience>,
        #[graphql(default_with = "Some(\"ko\".to_owned())")] locale: Option<String>,
    ) -> ApiResult<ContactOptions> {
        let (state, _, _) = request_parts(ctx)?;
        let locale = locale.unwrap_or_else(|| "ko".into());
        if locale != "ko" && locale != "en" {
            return Err(ApiError::validation("locale", "ko or en."));
        }
        let options = super::contact::contact_options(
            state,
            category.into(),
            audience.map(Into::into),
            &locale,
        )
        .await?;
        Ok(ContactOptions {
            recommended_channels: options.channels.into_iter().map(Into::into).collect(),
            required_information: options
                .required_information
                .into_iter()
                .map(str::to_owned)
                .collect(),
            suggested_faqs: options
                .faqs
                .into_iter()
                .map(crate::faq::types::FaqEntry)
                .collect(),
            expected_wait_minutes: options.expected_wait_minutes,
        })
    }

    /// Tickets the caller may see (customers their own, agents all), newest first, or with
    /// `sort: SLA_DUE` the next SLA target first (the agents' queue).
    #[graphql(complexity = "pagination::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        filter: Option<TicketFilter>,
        #[graphql(default)] sort: TicketSort,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Connection<String, Ticket, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let page = pagination::PageArgs::parse(first, after.as_deref(), last, before.as_deref())?
            .counting_for(ctx);
        let filter = filter.unwrap_or_default();
        if filter
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 100)
        {
            return Err(ApiError::validation("search", "At most 100 characters."));
        }
        let filter = service::TicketFilter {
            status: filter.status.map(Into::into),
            category: filter.category.map(Into::into),
            priority: filter.priority.map(Into::into),
            channel: filter.channel.map(Into::into),
            assignee_id: parse_opt_id("assigneeId", filter.assignee_id.as_ref())?,
            requester_id: parse_opt_id("requesterId", filter.requester_id.as_ref())?,
            unassigned: filter.unassigned,
            sla_breached: filter.sla_breached,
            search: filter.search,
        };
        let connection = ctx.look_ahead();
        let parts = parts_selected(&[
            connection.field("edges").field("node"),
            connection.field("nodes"),
        ]);
        let (rows, total) =
            service::list_tickets(state, &caller, &filter, sort.into(), &page, parts).await?;
        let loaders = TicketLoaders::of(ctx)?;
        Ok(pagination::connection(rows, total, |(ticket, read)| {
            loaders.feed(&ticket, read);
            (ticket.id, Ticket(ticket))
        }))
    }

    /// Agents: the placeholders a macro may use (`customer.name`, `order.orderNumber`, …),
    /// written `{{name}}` in its body; any other is refused.
    async fn macro_placeholders(&self) -> Vec<&'static str> {
        macros::PLACEHOLDERS.to_vec()
    }

    /// Agents: canned replies, those of `category` and general ones.
    async fn macros(
        &self,
        ctx: &Context<'_>,
        category: Option<TicketCategory>,
    ) -> ApiResult<Vec<Macro>> {
        let (state, _, _) = request_parts(ctx)?;
        Ok(macros::list_macros(&state.db, category.map(Into::into))
            .await?
            .into_iter()
            .map(Macro)
            .collect())
    }

    /// Agents: the queue at a glance and what needs attention across orders and refunds.
    async fn support_dashboard(&self, ctx: &Context<'_>) -> ApiResult<SupportDashboard> {
        // Over HTTP the request may carry the copy its answer is kept with
        // (`graphql::shared_answers`).
        if let Some(copy) = ctx.data_opt::<Arc<super::dashboard::Dashboard>>() {
            return Ok(SupportDashboard(copy.clone()));
        }
        let (state, _, _) = request_parts(ctx)?;
        Ok(SupportDashboard(
            super::dashboard::shared_dashboard(state).await?,
        ))
    }

    /// One ticket, or null when the caller may not see it.
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Ticket>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        let parts = parts_selected(&[ctx.look_ahead()]);
        match service::visible_ticket_with_parts(&state.db, &caller, id, parts).await {
            Ok((ticket, read)) => {
                TicketLoaders::of(ctx)?.feed(&ticket, read);
                Ok(Some(Ticket(ticket)))
            }
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// Ticket mutations.
#[derive(Default)]
pub struct TicketsMutation;

#[Object]
impl TicketsMutation {
    /// A customer opens a ticket on the web, or an agent logs a call, chat or email for a
    /// customer (`requesterId`).
    async fn create_ticket(
        &self,
        ctx: &Context<'_>,
        input: CreateTicketInput,
    ) -> ApiResult<CreateTicketPayload> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        state.limits.check(Action::OpenTicket, auth, meta)?;
        // What the customer wrote, to find FAQ answers that may already solve it.
        let text = format!("{} {}", input.subject, input.body);
        let attachments = read_uploads(ctx, state, input.attachments).await?;
        let ticket = NewTicket {
            category: input.category.into(),
            channel: input.channel.unwrap_or(TicketChannel::Web).into(),
            subject: input.subject,
            body: input.body,
            order_id: parse_opt_id("orderId", input.order_id.as_ref())?,
            requester_id: parse_opt_id("requesterId", input.requester_id.as_ref())?,
            payment_method: input.payment_method.map(Into::into),
            card_last4: input.card_last4,
            priority: input.priority.map(Into::into),
            attachments,
        };
        let ticket = service::create_ticket(state, meta, &caller, ticket).await?;
        let requester = load_one::<AccountById>(ctx, ticket.requester_id).await?;
        let (audience, locale) = match &requester {
            Some(account) if account.role == entity::account::Role::Seller => {
                (entity::faq_entry::Audience::Seller, account.locale.clone())
            }
            Some(account) => (entity::faq_entry::Audience::Buyer, account.locale.clone()),
            None => (entity::faq_entry::Audience::Buyer, "ko".to_owned()),
        };
        let suggested = crate::faq::service::suggestions_for_text(
            state,
            &text,
            ticket.category,
            Some(audience),
            &locale,
            3,
        )
        .await?;
        Ok(CreateTicketPayload {
            ticket: Ticket(ticket),
            suggested_faqs: suggested
                .into_iter()
                .map(crate::faq::types::FaqEntry)
                .collect(),
        })
    }

    /// Adds a public reply, or (agents) an internal note the customer never sees.
    // GraphQL arguments, one per input the API contract names.
    #[allow(clippy::too_many_arguments)]
    async fn reply_to_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        body: String,
        #[graphql(default_with = "Some(false)")] internal: Option<bool>,
        #[graphql(desc = "Agents: a macro rendered for this ticket, followed by `body` if any")]
        macro_id: Option<ID>,
        #[graphql(desc = "Files (multipart upload): images, PDF or text")] attachments: Option<
            Vec<Upload>,
        >,
        #[graphql(
            desc = "The newest message the writer has seen: when the conversation has a newer one (another agent answered meanwhile), the reply is refused with `CONFLICT` and nothing is sent"
        )]
        expected_last_message_id: Option<ID>,
    ) -> ApiResult<TicketMessage> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        state.limits.check(Action::Reply, auth, meta)?;
        let id = parse_id("ticketId", &ticket_id)?;
        let reply = NewReply {
            body,
            internal: internal.unwrap_or(false),
            macro_id: parse_opt_id("macroId", macro_id.as_ref())?,
            attachments: read_uploads(ctx, state, attachments).await?,
            expected_last_message_id: parse_opt_id(
                "expectedLastMessageId",
                expected_last_message_id.as_ref(),
            )?,
        };
        Ok(TicketMessage(
            service::reply_to_ticket(state, meta, &caller, id, reply).await?,
        ))
    }

    /// Agents: whether new tickets are assigned to the agent automatically (round robin) and
    /// how many OPEN or PENDING tickets they hold at most. Admins may set it for any agent.
    async fn set_agent_availability(
        &self,
        ctx: &Context<'_>,
        available: bool,
        max_open_tickets: Option<i32>,
        agent_id: Option<ID>,
    ) -> ApiResult<AgentAvailability> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let agent_id = parse_opt_id("agentId", agent_id.as_ref())?;
        let row =
            super::routing::set_availability(state, &caller, agent_id, available, max_open_tickets)
                .await?;
        Ok(AgentAvailability {
            agent_id: ID(row.account_id.to_string()),
            available: row.available,
            max_open_tickets: row.max_open_tickets,
        })
    }

    /// Agents: saves a new macro. Unknown placeholders are refused.
    async fn create_macro(&self, ctx: &Context<'_>, input: MacroInput) -> ApiResult<Macro> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        Ok(Macro(
            macros::create_macro(state, &caller, input.into()).await?,
        ))
    }

    /// Agents: changes a macro.
    async fn update_macro(&self, ctx: &Context<'_>, id: ID, input: MacroInput) -> ApiResult<Macro> {
        let (state, _, _) = request_parts(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(Macro(macros::update_macro(state, id, input.into()).await?))
    }

    /// Agents: deletes a macro.
    async fn delete_macro(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let (state, _, _) = request_parts(ctx)?;
        let id = parse_id("id", &id)?;
        macros::delete_macro(state, id).await
    }

    /// Assigns a ticket to an agent; null unassigns.
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        assignee_id: Option<ID>,
    ) -> ApiResult<Ticket> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        let assignee = parse_opt_id("assigneeId", assignee_id.as_ref())?;
        Ok(Ticket(
            service::assign_ticket(state, meta, &caller, id, assignee).await?,
        ))
    }

    /// Changes the status. Customers may confirm a RESOLVED ticket (CLOSED) or reopen it (OPEN).
    async fn set_ticket_status(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        status: TicketStatus,
    ) -> ApiResult<Ticket> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        Ok(Ticket(
            service::set_ticket_status(state, meta, &caller, id, status.into()).await?,
        ))
    }

    /// Changes the priority (and so the SLA targets).
    async fn set_ticket_priority(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        priority: TicketPriority,
    ) -> ApiResult<Ticket> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        Ok(Ticket(
            service::set_ticket_priority(state, meta, &caller, id, priority.into()).await?,
        ))
    }

    /// Agents: "I have this ticket open" (every 10 seconds while it is), "I am typing", or
    /// (`leaving: true`) "I closed it". Answers who is on the ticket now; the others hear of
    /// arrivals, departures and typing through `ticketPresence`. A viewer without a
    /// heartbeat for 30 seconds has left.
    async fn set_ticket_presence(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        #[graphql(default = false)] typing: bool,
        #[graphql(default = false)] leaving: bool,
    ) -> ApiResult<Vec<TicketViewer>> {
        let (state, auth, _) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        let beat = if leaving {
            Beat::Leaving
        } else {
            Beat::Viewing { typing }
        };
        Ok(presence::beat(state, &caller, id, beat)
            .await?
            .into_iter()
            .map(TicketViewer)
            .collect())
    }

    /// The requester rates a resolved ticket (1..=5), once.
    async fn rate_ticket(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        score: i32,
        comment: Option<String>,
    ) -> ApiResult<Ticket> {
        let (state, auth, meta) = request_parts(ctx)?;
        let caller = auth.caller()?;
        let id = parse_id("ticketId", &ticket_id)?;
        Ok(Ticket(
            service::rate_ticket(state, meta, &caller, id, score, comment.as_deref()).await?,
        ))
    }
}

/// The files of a multipart request, checked (count, size, type by content). Sniffing,
/// scanning text for card numbers and hashing up to `attachment_max_files` ×
/// `attachment_max_bytes` is CPU work for the blocking pool, not for an async worker.
async fn read_uploads(
    ctx: &Context<'_>,
    state: &AppState,
    uploads: Option<Vec<Upload>>,
) -> ApiResult<Vec<NewAttachment>> {
    let uploads = uploads.unwrap_or_default();
    attachments::check_count(&state.settings, uploads.len())?;
    let (_, auth, meta) = request_parts(ctx)?;
    let count = u32::try_from(uploads.len()).unwrap_or(u32::MAX);
    state.limits.check_n(Action::Upload, auth, meta, count)?;
    let mut files = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let value = upload
            .value(ctx)
            .map_err(|_| ApiError::validation("attachments", "Could not read the upload."))?;
        files.push((value.filename, value.content));
    }
    let settings = state.settings.clone();
    tokio::task::spawn_blocking(move || attachments::check_uploads(&settings, files))
        .await
        .map_err(|err| ApiError::internal(anyhow::anyhow!("checking uploads: {err}")))?
}
