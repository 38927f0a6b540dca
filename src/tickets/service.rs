//! Ticket rules of DOMAIN.md "Tickets": opening with the information each category needs,
//! the conversation (public replies, internal notes), assignment, status, SLA clocks and
//! satisfaction. No GraphQL here.

use chrono::{DateTime, Duration, Utc};
use entity::ApiName;
use entity::account::{self, Role};
use entity::payment::PaymentMethod;
use entity::ticket::{self, TicketCategory, TicketChannel, TicketPriority, TicketStatus};
use entity::ticket_message::MessageOrigin;
use entity::{order, ticket_message};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::attachments::{self, NewAttachment};
use super::parts::{TicketParts, TicketRead, join_ticket_parts, read_ticket_parts};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{Caller, RequestMeta};
use crate::config::PriorityMinutes;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::TicketChange;
use crate::ids;
use crate::input::{escape_like, optional_text, required_text};
use crate::notifications::{self, Notice};
use crate::orders::scope::order_scope;
use crate::pagination::{self, Page, PageArgs};
use crate::rows::Columns;
use crate::state::AppState;

/// A new ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Category.
    pub category: TicketCategory,
    /// Channel (customers: WEB only).
    pub channel: TicketChannel,
    /// Subject.
    pub subject: String,
    /// First message.
    pub body: String,
    /// Linked order.
    pub order_id: Option<Uuid>,
    /// Agents only: the customer the ticket is for.
    pub requester_id: Option<Uuid>,
    /// Payment method, for payment problems without an order.
    pub payment_method: Option<PaymentMethod>,
    /// Last four card digits, for card payment problems without an order.
    pub card_last4: Option<String>,
    /// Agents only: the priority (default NORMAL).
    pub priority: Option<TicketPriority>,
    /// Files on the first message (already checked).
    pub attachments: Vec<NewAttachment>,
}

/// A reply or internal note to add.
#[derive(Debug, Default)]
pub struct NewReply {
    /// Text (may be empty with a macro).
    pub body: String,
    /// An internal note (agents only).
    pub internal: bool,
    /// A macro rendered for the ticket, followed by `body` if any (agents only).
    pub macro_id: Option<Uuid>,
    /// Files (already checked).
    pub attachments: Vec<NewAttachment>,
    /// The newest message the writer saw (of those visible to them): when the conversation
    /// has moved on since, the reply is refused with `CONFLICT` instead of answering a
    /// question that was already answered.
    pub expected_last_message_id: Option<Uuid>,
}

/// Filters of the ticket list.
#[derive(Debug, Default, Clone)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only this category.
    pub category: Option<TicketCategory>,
    /// Only this priority.
    pub priority: Option<TicketPriority>,
    /// Only contacts that came in this way.
    pub channel: Option<TicketChannel>,
    /// Only tickets assigned to this agent.
    pub assignee_id: Option<Uuid>,
    /// Only tickets of this requester.
    pub requester_id: Option<Uuid>,
    /// Only unassigned (true) or assigned (false) tickets.
    pub unassigned: Option<bool>,
    /// Only tickets past (or within) an SLA target.
    pub sla_breached: Option<bool>,
    /// Ticket number, requester email, order number, or words of the subject or messages.
    pub search: Option<String>,
}

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketSort {
    /// Newest first (by id).
    #[default]
    Newest,
    /// The next SLA target first: the first-response due time until the first answer, the
    /// resolution due time after it; ties by id.
    SlaDue,
}

/// The next SLA target of a ticket, as SQL (see [`next_due`]).
fn next_due_expr() -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::CaseStatement::new()
        .case(
            ticket::Column::FirstRespondedAt.is_null(),
            Expr::col((ticket::Entity, ticket::Column::FirstResponseDueAt)),
        )
        .finally(Expr::col((ticket::Entity, ticket::Column::ResolutionDueAt)))
        .into()
}

/// The next SLA target of `ticket`: what the queue's "SLA due first" order sorts by.
pub fn next_due(ticket: &ticket::Model) -> DateTime<Utc> {
    if ticket.first_responded_at.is_none() {
        ticket.first_response_due_at
    } else {
        ticket.resolution_due_at
    }
}

/// One keyset page ordered by the next SLA target, most urgent first. The cursor is a ticket
/// id like everywhere else; its due time is read back from the ticket, so a page costs one
/// lookup by primary key more and never an OFFSET.
async fn fetch_by_due(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    select: sea_orm::Select<ticket::Entity>,
    args: &PageArgs,
    parts: TicketParts,
) -> ApiResult<Page<(ticket::Model, TicketRead)>> {
    let cursor = match args.cursor {
        Some(id) => {
            let ticket = ticket::Entity::find_by_id(id)
                .filter(ticket_scope(caller))
                .one(conn)
                .await?
                .ok_or_else(|| {
                    ApiError::validation(pagination::cursor_field(args), "Invalid cursor.")
                })?;
            Some((next_due(&ticket), ticket.id))
        }
        None => None,
    };
    Ok(pagination::fetch_by_key_as(
        conn,
        with_parts(select, conn.get_database_backend(), parts),
        next_due_expr(),
        ticket::Column::Id,
        cursor,
        args,
        |row| read_with_parts(row, parts),
    )
    .await?)
}

/// `select` with the relations `parts` names joined.
fn with_parts(
    mut select: sea_orm::Select<ticket::Entity>,
    backend: sea_orm::DbBackend,
    parts: TicketParts,
) -> sea_orm::Select<ticket::Entity> {
    join_ticket_parts(QueryTrait::query(&mut select), backend, parts);
    select
}

fn read_with_parts(
    row: &sea_orm::QueryResult,
    parts: TicketParts,
) -> Result<(ticket::Model, TicketRead), DbErr> {
    // By position: the select's own columns first (a plain `find()`), then the joins'.
    let mut columns = Columns::new(row);
    let ticket = columns.model::<ticket::Model>()?;
    Ok((ticket, read_ticket_parts(&mut columns, parts)?))
}

fn minutes(targets: PriorityMinutes, priority: TicketPriority) -> i64 {
    i64::from(match priority {
        TicketPriority::Low => targets.low,
        TicketPriority::Normal => targets.normal,
        TicketPriority::High => targets.high,
        TicketPriority::Urgent => targets.urgent,
    })
}

/// SLA due times for a ticket of `priority` opened at `opened`.
pub fn sla_due(
    state: &AppState,
    priority: TicketPriority,
    opened: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let settings = &state.settings;
    (
        state.calendar.add_business_minutes(
            opened,
            minutes(settings.sla_first_response_minutes, priority),
        ),
        state
            .calendar
            .add_business_minutes(opened, minutes(settings.sla_resolution_minutes, priority)),
    )
}

/// The SQL condition of the tickets `caller` may see: customers their own, staff all.
pub fn ticket_scope(caller: &Caller) -> Condition {
    if caller.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(ticket::Column::RequesterId.eq(caller.account_id))
    }
}

/// Tickets past an SLA target at `now`: no first reply by its due time, or unresolved past
/// the resolution due time while not waiting for the customer.
pub fn breached(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(ticket::Column::FirstRespondedAt.is_null())
                .add(ticket::Column::FirstResponseDueAt.lt(now)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::ResolvedAt.is_null())
                .add(ticket::Column::Status.is_in([TicketStatus::Open]))
                .add(ticket::Column::ResolutionDueAt.lt(now)),
        )
}

/// Whether `ticket` is past an SLA target at `now`.
pub fn is_breached(ticket: &ticket::Model, now: DateTime<Utc>) -> bool {
    let first = ticket.first_responded_at.is_none() && ticket.first_response_due_at < now;
    let resolution = ticket.resolved_at.is_none()
        && ticket.status == TicketStatus::Open
        && ticket.resolution_due_at < now;
    first || resolution
}

async fn next_number(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    #[derive(sea_orm::DeriveIden)]
    enum Counters {
        Table,
        Name,
        Value,
    }
    let insert = Query::insert()
        .into_table(Counters::Table)
        .columns([Counters::Name, Counters::Value])
        .values_panic(["ticket".into(), 1001_i64.into()])
        .on_conflict(
            OnConflict::column(Counters::Name)
                .value(
                    Counters::Value,
                    Expr::col((Counters::Table, Counters::Value)).add(1),
                )
                .to_owned(),
        )
        .returning_col(Counters::Value)
        .to_owned();
    let row = conn
        .query_one(&insert)
        .await?
        .ok_or_else(|| DbErr::Custom("ticket counter returned no row".into()))?;
    row.try_get_by_index(0)
}

/// Categories about an order: a buyer must name it.
fn needs_order(category: TicketCategory) -> bool {
    matches!(
        category,
        TicketCategory::Shipping
            | TicketCategory::Cancellation
            | TicketCategory::Refund
            | TicketCategory::ReturnExchange
    )
}

/// Checks the information a category needs up front (the seeds' advice: ask for the order
/// number and the payment method first).
fn check_required_information(
    requester_role: Role,
    input: &NewTicket,
) -> ApiResult<Option<String>> {
    let card_last4 = match input.card_last4.as_deref().map(str::trim) {
        Some(last4) if last4.len() != 4 || !last4.chars().all(|c| c.is_ascii_digit()) => {
            return Err(ApiError::validation(
                "cardLast4",
                "Give exactly the last 4 digits of the card, never the full number.",
            ));
        }
        other => other.map(str::to_owned),
    };
    if requester_role == Role::Buyer && input.order_id.is_none() {
        if needs_order(input.category) {
            return Err(ApiError::validation(
                "orderId",
                "Tell us which order this is about.",
            ));
        }
        if input.category == TicketCategory::OrderPayment {
            match input.payment_method {
                None => {
                    return Err(ApiError::validation(
                        "paymentMethod",
                        "Name the order, or the payment method you used.",
                    ));
                }
                Some(PaymentMethod::Card) if card_last4.is_none() => {
                    return Err(ApiError::validation(
                        "cardLast4",
                        "Give the last 4 digits of the card you paid with.",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(card_last4)
}

/// A new ticket row, before its number, SLA due times and assignee are decided.
#[derive(Debug)]
pub struct TicketRow {
    /// The customer.
    pub requester_id: Uuid,
    /// Who opened it (the customer, or an agent for them); none when storedesk opened it for
    /// a report nobody we know made.
    pub created_by: Option<Uuid>,
    /// Linked order.
    pub order_id: Option<Uuid>,
    /// Category.
    pub category: TicketCategory,
    /// Channel.
    pub channel: TicketChannel,
    /// Subject (checked).
    pub subject: String,
    /// Priority.
    pub priority: TicketPriority,
    /// Payment method named up front.
    pub payment_method: Option<PaymentMethod>,
    /// Last four card digits named up front.
    pub card_last4: Option<String>,
}

/// Inserts a ticket in `txn`: the next number, SLA due times from the priority, and the
/// round-robin assignee. Its first message is the caller's to add.
pub async fn insert_ticket(
    txn: &impl ConnectionTrait,
    state: &AppState,
    row: TicketRow,
    now: DateTime<Utc>,
) -> ApiResult<ticket::Model> {
    let (first_response_due_at, resolution_due_at) = sla_due(state, row.priority, now);
    let assignee_id = super::routing::pick_agent(txn, now).await?;
    Ok(ticket::ActiveModel {
        id: Set(ids::at(now)),
        number: Set(next_number(txn).await?),
        requester_id: Set(row.requester_id),
        created_by: Set(row.created_by),
        assignee_id: Set(assignee_id),
        order_id: Set(row.order_id),
        category: Set(row.category),
        channel: Set(row.channel),
        subject: Set(row.subject),
        status: Set(TicketStatus::Open),
        priority: Set(row.priority),
        payment_method: Set(row.payment_method),
        card_last4: Set(row.card_last4),
        created_at: Set(now),
        updated_at: Set(now),
        first_response_due_at: Set(first_response_due_at),
        resolution_due_at: Set(resolution_due_at),
        first_responded_at: Set(None),
        pending_since: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        satisfaction_score: Set(None),
        satisfaction_comment: Set(None),
        rated_at: Set(None),
        first_response_escalated_at: Set(None),
        resolution_escalated_at: Set(None),
    }
    .insert(txn)
    .await?)
}

/// Opens a ticket: a customer on the web, or an agent logging a call, chat or email for a
/// customer (`requester_id`).
pub async fn create_ticket(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    input: NewTicket,
) -> ApiResult<ticket::Model> {
    let subject = required_text("subject", &input.subject, 200)?;
    let body = required_text("body", &input.body, 10_000)?;
    if !caller.is_staff() {
        if input.requester_id.is_some() {
            return Err(ApiError::validation(
                "requesterId",
                "Only agents open tickets for someone else.",
            ));
        }
        if input.channel != TicketChannel::Web {
            return Err(ApiError::validation(
                "channel",
                "Tickets from the help center are WEB tickets.",
            ));
        }
        if input.priority.is_some() {
            return Err(ApiError::validation("priority", "Agents set the priority."));
        }
    }
    let requester = match (caller.is_staff(), input.requester_id) {
        (true, None) => {
            return Err(ApiError::validation(
                "requesterId",
                "Name the customer this contact is for.",
            ));
        }
        (true, Some(id)) => account::Entity::find_by_id(id)
            .filter(account::Column::Role.is_in([Role::Buyer, Role::Seller]))
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("Customer"))?,
        (false, _) => account::Entity::find_by_id(caller.account_id)
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("Account"))?,
    };
    let card_last4 = check_required_information(requester.role, &input)?;
    let as_requester = Caller {
        account_id: requester.id,
        role: requester.role,
        session_id: caller.session_id,
    };
    if let Some(order_id) = input.order_id {
        // The customer must be allowed to see the order (and so must the agent's customer).
        order::Entity::find_by_id(order_id)
            .filter(order_scope(&as_requester))
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("Order"))?;
    }
    let now = state.clock.now();
    attachments::put_all(&state.attachments, &input.attachments, now).await?;
    let txn = db::begin_write(&state.db).await?;
    let ticket = insert_ticket(
        &txn,
        state,
        TicketRow {
            requester_id: requester.id,
            created_by: Some(caller.account_id),
            order_id: input.order_id,
            category: input.category,
            channel: input.channel,
            subject,
            priority: input.priority.unwrap_or(TicketPriority::Normal),
            payment_method: input.payment_method,
            card_last4,
        },
        now,
    )
    .await?;
    let assignee_id = ticket.assignee_id;
    let message = ticket_message::ActiveModel {
        id: Set(ids::at(now)),
        ticket_id: Set(ticket.id),
        author_id: Set(Some(caller.account_id)),
        body: Set(body),
        internal: Set(false),
        created_at: Set(now),
        origin: Set(MessageOrigin::Account),
    }
    .insert(&txn)
    .await?;
    attachments::insert_rows(&txn, &message, caller.account_id, now, &input.attachments).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketCreated,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({
                "number": ticket.number,
                "requester": requester.id,
                "channel": ticket.channel.api_name(),
                "assignedTo": assignee_id,
                "attachments": input.attachments.len(),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    state.events.publish(ticket.id, TicketChange::Created).await;
    Ok(ticket)
}

/// One ticket `caller` may see, or `NOT_FOUND`.
pub async fn visible_ticket(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<ticket::Model> {
    ticket::Entity::find_by_id(id)
        .filter(ticket_scope(caller))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Ticket"))
}

/// [`visible_ticket`] with the relations `parts` names read in the same statement.
pub async fn visible_ticket_with_parts(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    parts: TicketParts,
) -> ApiResult<(ticket::Model, TicketRead)> {
    let select = ticket::Entity::find_by_id(id).filter(ticket_scope(caller));
    let backend = conn.get_database_backend();
    let statement = with_parts(select, backend, parts).limit(1).build(backend);
    let row = conn
        .query_one_raw(statement)
        .await?
        .ok_or(ApiError::NotFound("Ticket"))?;
    Ok(read_with_parts(&row, parts)?)
}

async fn lock_visible_ticket(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<ticket::Model> {
    ticket::Entity::find_by_id(id)
        .filter(ticket_scope(caller))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound("Ticket"))
}

/// The resolution due time after a PENDING spell ends at `now`: the paused business minutes
/// are added back, so waiting on the customer never counts against support.
fn resumed_due(state: &AppState, ticket: &ticket::Model, now: DateTime<Utc>) -> DateTime<Utc> {
    match ticket.pending_since {
        Some(since) => {
            let paused = state.calendar.business_minutes_between(since, now);
            ticket.resolution_due_at + Duration::minutes(paused)
        }
        None => ticket.resolution_due_at,
    }
}

/// The changes of a status move, with the SLA clock kept right.
fn status_changes(
    state: &AppState,
    ticket: &ticket::Model,
    next: TicketStatus,
    now: DateTime<Utc>,
) -> ticket::ActiveModel {
    let mut update = ticket::ActiveModel {
        id: Set(ticket.id),
        status: Set(next),
        updated_at: Set(now),
        ..Default::default()
    };
    if ticket.status == TicketStatus::Pending && next != TicketStatus::Pending {
        update.resolution_due_at = Set(resumed_due(state, ticket, now));
        update.pending_since = Set(None);
    }
    match next {
        TicketStatus::Pending if ticket.status != TicketStatus::Pending => {
            update.pending_since = Set(Some(now));
        }
        TicketStatus::Resolved => update.resolved_at = Set(Some(now)),
        TicketStatus::Closed => {
            update.closed_at = Set(Some(now));
            if ticket.resolved_at.is_none() {
                update.resolved_at = Set(Some(now));
            }
        }
        TicketStatus::Open => {
            update.resolved_at = Set(None);
        }
        TicketStatus::Pending => {}
    }
    update
}

/// Adds a public reply or (agents only) an internal note. A customer's reply reopens a
/// PENDING or RESOLVED ticket; the first public agent reply stops the first-response clock;
/// public agent replies are sent to the customer.
pub async fn reply_to_ticket(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    ticket_id: Uuid,
    reply: NewReply,
) -> ApiResult<ticket_message::Model> {
    let NewReply {
        body,
        internal,
        macro_id,
        attachments: files,
        expected_last_message_id,
    } = reply;
    if (internal || macro_id.is_some()) && !caller.is_staff() {
        let field = if internal { "internal" } else { "macroId" };
        return Err(ApiError::validation(
            field,
            "Only agents use notes and macros.",
        ));
    }
    let extra = optional_text("body", Some(&body), 10_000)?;
    let now = state.clock.now();
    attachments::put_all(&state.attachments, &files, now).await?;
    let txn = db::begin_write(&state.db).await?;
    let ticket = lock_visible_ticket(&txn, caller, ticket_id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(ApiError::InvalidState(format!(
            "Ticket #{} is closed: open a new ticket and mention its number.",
            ticket.number
        )));
    }
    if let Some(expected) = expected_last_message_id {
        // Read under the ticket's lock: of two replies written against the same message,
        // the second to commit sees the first and is refused.
        let latest = latest_visible_message(&txn, caller, ticket.id).await?;
        if latest != Some(expected) {
            return Err(ApiError::Conflict {
                field: Some("expectedLastMessageId"),
                message: format!(
                    "Ticket #{} has a newer message than the one this reply answers: read it, then send again.",
                    ticket.number
                ),
            });
        }
    }
    let body = match (macro_id, extra) {
        (Some(macro_id), extra) => {
            let agent = account::Entity::find_by_id(caller.account_id)
                .one(&txn)
                .await?
                .ok_or(ApiError::NotFound("Account"))?;
            let rendered =
                super::macros::render_macro(&txn, state, macro_id, &ticket, &agent).await?;
            match extra {
                Some(extra) => format!("{rendered}\n\n{extra}"),
                None => rendered,
            }
        }
        (None, Some(body)) => body,
        // A file alone is a message too ("here is the screenshot").
        (None, None) if !files.is_empty() => String::new(),
        (None, None) => return Err(ApiError::validation("body", "This field is required.")),
    };
    let message = ticket_message::ActiveModel {
        id: Set(ids::at(now)),
        ticket_id: Set(ticket.id),
        author_id: Set(Some(caller.account_id)),
        body: Set(body.clone()),
        internal: Set(internal),
        created_at: Set(now),
        origin: Set(MessageOrigin::Account),
    }
    .insert(&txn)
    .await?;
    attachments::insert_rows(&txn, &message, caller.account_id, now, &files).await?;
    let mut update = if !caller.is_staff()
        && matches!(
            ticket.status,
            TicketStatus::Pending | TicketStatus::Resolved
        ) {
        status_changes(state, &ticket, TicketStatus::Open, now)
    } else {
        ticket::ActiveModel {
            id: Set(ticket.id),
            updated_at: Set(now),
            ..Default::default()
        }
    };
    if caller.is_staff() && !internal {
        if ticket.first_responded_at.is_none() {
            update.first_responded_at = Set(Some(now));
        }
        let requester = account::Entity::find_by_id(ticket.requester_id)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("Customer"))?;
        notifications::enqueue(
            &txn,
            now,
            &requester,
            &Notice::TicketReply {
                number: ticket.number,
                subject: ticket.subject.clone(),
                body: body.clone(),
            },
        )
        .await?;
    }
    update.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketReplied,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({ "message": message.id, "internal": internal, "attachments": files.len() }),
        ),
    )
    .await?;
    txn.commit().await?;
    let change = if internal {
        TicketChange::NoteAdded
    } else {
        TicketChange::Replied
    };
    state.events.publish(ticket.id, change).await;
    Ok(message)
}

/// Assigns a ticket to an agent (or unassigns it with `None`).
pub async fn assign_ticket(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    ticket_id: Uuid,
    assignee_id: Option<Uuid>,
) -> ApiResult<ticket::Model> {
    if let Some(assignee) = assignee_id {
        account::Entity::find_by_id(assignee)
            .filter(account::Column::Role.is_in([Role::Agent, Role::Admin]))
            .one(&state.db)
            .await?
            .ok_or_else(|| ApiError::validation("assigneeId", "Tickets go to agents only."))?;
    }
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let ticket = lock_visible_ticket(&txn, caller, ticket_id).await?;
    let updated = ticket::ActiveModel {
        id: Set(ticket.id),
        assignee_id: Set(assignee_id),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketAssigned,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({ "before": ticket.assignee_id, "after": assignee_id }),
        ),
    )
    .await?;
    txn.commit().await?;
    state
        .events
        .publish(ticket.id, TicketChange::Assigned)
        .await;
    Ok(updated)
}

/// Moves a ticket to `next`. Agents move it freely (but a CLOSED ticket stays closed);
/// customers may only confirm a RESOLVED ticket (→ CLOSED) or reopen it (→ OPEN).
pub async fn set_ticket_status(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    ticket_id: Uuid,
    next: TicketStatus,
) -> ApiResult<ticket::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let ticket = lock_visible_ticket(&txn, caller, ticket_id).await?;
    let allowed = match (caller.is_staff(), ticket.status, next) {
        (_, TicketStatus::Closed, _) => false,
        (_, from, to) if from == to => false,
        (true, _, _) => true,
        (false, TicketStatus::Resolved, TicketStatus::Closed | TicketStatus::Open) => true,
        (false, _, _) => false,
    };
    if !allowed {
        return Err(ApiError::InvalidState(format!(
            "Ticket #{} is {}: it cannot become {}{}.",
            ticket.number,
            ticket.status.api_name(),
            next.api_name(),
            if caller.is_staff() {
                ""
            } else {
                " by the customer"
            }
        )));
    }
    let updated = status_changes(state, &ticket, next, now)
        .update(&txn)
        .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketStatusChanged,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({ "from": ticket.status.api_name(), "to": next.api_name() }),
        ),
    )
    .await?;
    txn.commit().await?;
    state
        .events
        .publish(ticket.id, TicketChange::StatusChanged)
        .await;
    Ok(updated)
}

/// Changes the priority; the SLA targets are recomputed from the ticket's opening time.
pub async fn set_ticket_priority(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    ticket_id: Uuid,
    priority: TicketPriority,
) -> ApiResult<ticket::Model> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let ticket = lock_visible_ticket(&txn, caller, ticket_id).await?;
    let updated = reprioritize(&txn, state, &ticket, priority, now).await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketPriorityChanged,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({ "from": ticket.priority.api_name(), "to": priority.api_name() }),
        ),
    )
    .await?;
    txn.commit().await?;
    state
        .events
        .publish(ticket.id, TicketChange::PriorityChanged)
        .await;
    Ok(updated)
}

/// Gives `ticket` (locked by the caller's transaction) another priority and the SLA targets
/// that go with it.
pub async fn reprioritize(
    txn: &impl ConnectionTrait,
    state: &AppState,
    ticket: &ticket::Model,
    priority: TicketPriority,
    now: DateTime<Utc>,
) -> ApiResult<ticket::Model> {
    let (first_due, resolution_due) = sla_due(state, priority, ticket.created_at);
    // Keep the time already added back for PENDING spells: it is the gap between the stored
    // due time and what the old priority alone would give.
    let (_, unpaused) = sla_due(state, ticket.priority, ticket.created_at);
    let resolution_due = resolution_due + (ticket.resolution_due_at - unpaused);
    Ok(ticket::ActiveModel {
        id: Set(ticket.id),
        priority: Set(priority),
        first_response_due_at: Set(first_due),
        resolution_due_at: Set(resolution_due),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(txn)
    .await?)
}

/// The requester rates a RESOLVED or CLOSED ticket, once (CSAT 1..=5).
pub async fn rate_ticket(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    ticket_id: Uuid,
    score: i32,
    comment: Option<&str>,
) -> ApiResult<ticket::Model> {
    if !(1..=5).contains(&score) {
        return Err(ApiError::validation(
            "score",
            "The score is between 1 and 5.",
        ));
    }
    let comment = optional_text("comment", comment, 1000)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let ticket = lock_visible_ticket(&txn, caller, ticket_id).await?;
    if ticket.requester_id != caller.account_id {
        return Err(ApiError::NotFound("Ticket"));
    }
    if !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Err(ApiError::InvalidState(
            "Rate the ticket once it is resolved.".into(),
        ));
    }
    let rated = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::SatisfactionScore,
            Expr::value(i16::try_from(score).unwrap_or(5)),
        )
        .col_expr(
            ticket::Column::SatisfactionComment,
            Expr::value(comment.clone()),
        )
        .col_expr(ticket::Column::RatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(ticket.id))
        .filter(ticket::Column::SatisfactionScore.is_null())
        .exec(&txn)
        .await?;
    if rated.rows_affected != 1 {
        return Err(ApiError::Conflict {
            field: Some("ticketId"),
            message: "This ticket was already rated.".into(),
        });
    }
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::TicketRated,
            Some(caller.account_id),
            ("ticket", ticket.id),
            json!({ "score": score }),
        ),
    )
    .await?;
    txn.commit().await?;
    state.events.publish(ticket.id, TicketChange::Rated).await;
    visible_ticket(&state.db, caller, ticket.id).await
}

/// The id of the newest message of a ticket that `caller` may read (customers never see
/// internal notes, so a note never makes their reply stale). Unlike the `lastMessage`
/// loaders it reads inside the caller's transaction, under the ticket's lock.
async fn latest_visible_message(
    txn: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    ticket_id: Uuid,
) -> ApiResult<Option<Uuid>> {
    let mut select = ticket_message::Entity::find()
        .select_only()
        .column(ticket_message::Column::Id)
        .filter(ticket_message::Column::TicketId.eq(ticket_id));
    if !caller.is_staff() {
        select = select.filter(ticket_message::Column::Internal.eq(false));
    }
    // Ids are UUIDv7: the conversation's own order (as `messages` and `lastMessage` use).
    Ok(select
        .order_by_desc(ticket_message::Column::Id)
        .into_tuple::<Uuid>()
        .one(txn)
        .await?)
}

/// Tickets `caller` may see, in `sort` order, each with the relations `parts` names read
/// in the same statement.
pub async fn list_tickets(
    state: &AppState,
    caller: &Caller,
    filter: &TicketFilter,
    sort: TicketSort,
    page: &PageArgs,
    parts: TicketParts,
) -> ApiResult<(Page<(ticket::Model, TicketRead)>, u64)> {
    let now = state.clock.now();
    let mut condition = ticket_scope(caller);
    if let Some(status) = filter.status {
        condition = condition.add(ticket::Column::Status.eq(status));
    }
    if let Some(category) = filter.category {
        condition = condition.add(ticket::Column::Category.eq(category));
    }
    if let Some(priority) = filter.priority {
        condition = condition.add(ticket::Column::Priority.eq(priority));
    }
    if let Some(channel) = filter.channel {
        condition = condition.add(ticket::Column::Channel.eq(channel));
    }
    if let Some(assignee) = filter.assignee_id {
        condition = condition.add(ticket::Column::AssigneeId.eq(assignee));
    }
    if let Some(requester) = filter.requester_id {
        condition = condition.add(ticket::Column::RequesterId.eq(requester));
    }
    let unassigned = Condition::all().add(ticket::Column::AssigneeId.is_null());
    condition = pagination::with_flag(condition, filter.unassigned, unassigned);
    condition = pagination::with_flag(condition, filter.sla_breached, breached(now));
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        condition = condition.add(search_condition(caller, search));
    }
    let select = ticket::Entity::find().filter(condition);
    let total =
        pagination::count_if_asked(&state.db, page, select.clone(), ticket::Column::Id).await?;
    let rows = match sort {
        TicketSort::Newest => {
            pagination::fetch_newest_first_as(
                &state.db,
                with_parts(select, state.db.get_database_backend(), parts),
                ticket::Column::Id,
                page,
                |row| read_with_parts(row, parts),
            )
            .await?
        }
        TicketSort::SlaDue => fetch_by_due(&state.db, caller, select, page, parts).await?,
    };
    Ok((rows, total))
}

/// Tickets matching `search` by number, requester email, order number, or words: every word
/// of the search (split as the search analyzer splits text) must appear in the subject or a
/// message, public messages only for customers. Substring matching of each word gives what
/// the bigram analyzer gives the FAQ: 배송 finds 배송지연, and "배송 지연" finds "배송이
/// 지연되고 있어요".
fn search_condition(caller: &Caller, search: &str) -> Condition {
    let terms = crate::search::words(search);
    let mut words = Condition::all();
    for word in &terms {
        let pattern = format!("%{}%", escape_like(word));
        let like = |col: sea_orm::sea_query::Expr| {
            sea_orm::sea_query::Func::lower(col).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        let mut messages = Query::select()
            .column(ticket_message::Column::TicketId)
            .from(ticket_message::Entity)
            .and_where(like(Expr::col(ticket_message::Column::Body)))
            .to_owned();
        if !caller.is_staff() {
            // A customer's search must never match the words of an internal note.
            messages.and_where(ticket_message::Column::Internal.eq(false));
        }
        words = words.add(
            Condition::any()
                .add(like(Expr::col((ticket::Entity, ticket::Column::Subject))))
                .add(ticket::Column::Id.in_subquery(messages)),
        );
    }
    let mut any = Condition::any();
    // No words (only punctuation) must match nothing, not everything.
    if !terms.is_empty() {
        any = any.add(words);
    }
    any = any
        .add(
            ticket::Column::OrderId.in_subquery(
                Query::select()
                    .column(order::Column::Id)
                    .from(order::Entity)
                    .and_where(order::Column::OrderNumber.eq(search.trim()))
                    .to_owned(),
            ),
        )
        .add(
            ticket::Column::RequesterId.in_subquery(
                Query::select()
                    .column(account::Column::Id)
                    .from(account::Entity)
                    .and_where(account::Column::Email.eq(search.trim().to_lowercase()))
                    .to_owned(),
            ),
        );
    if let Ok(number) = search.trim().trim_start_matches('#').parse::<i64>() {
        any = any.add(ticket::Column::Number.eq(number));
    }
    any
}

/// Closes RESOLVED tickets the customer left quiet for the configured period. Returns how
/// many were closed.
pub async fn close_quiet_resolved(state: &AppState) -> ApiResult<u32> {
    let now = state.clock.now();
    let quiet = Duration::days(i64::from(state.settings.ticket_auto_close_days));
    let due = ticket::Entity::find()
        .filter(ticket::Column::Status.eq(TicketStatus::Resolved))
        .filter(ticket::Column::ResolvedAt.lt(now - quiet));
    let close = |ticket: ticket::Model| close_quiet_one(state, ticket.id, now, quiet);
    state
        .sweeper()
        .rows("quiet_tickets", due, ticket::Column::Id, |t| t.id, close)
        .await
}

/// Closes one RESOLVED ticket whose quiet period ended (unless a reply reopened it
/// meanwhile); `true` when this pass closed it.
async fn close_quiet_one(
    state: &AppState,
    id: Uuid,
    now: DateTime<Utc>,
    quiet: Duration,
) -> ApiResult<bool> {
    let txn = db::begin_write(&state.db).await?;
    let closed = ticket::Entity::update_many()
        .col_expr(ticket::Column::Status, Expr::value(TicketStatus::Closed))
        .col_expr(ticket::Column::ClosedAt, Expr::value(now))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Status.eq(TicketStatus::Resolved))
        .filter(ticket::Column::ResolvedAt.lt(now - quiet))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if closed {
        audit::record(
            &txn,
            &RequestMeta::default(),
            now,
            AuditEvent::on(
                AuditAction::TicketStatusChanged,
                None,
                ("ticket", id),
                json!({
                    "from": TicketStatus::Resolved.api_name(),
                    "to": TicketStatus::Closed.api_name(),
                    "reason": "quiet period",
                }),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    if closed {
        state.events.publish(id, TicketChange::StatusChanged).await;
    }
    Ok(closed)
}
