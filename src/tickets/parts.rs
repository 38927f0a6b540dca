//! A ticket's one-to-one relations (requester, assignee, the order it is about and that
//! order's own parts) read in the statement that reads the ticket, when the document asks
//! for them: the queue's page of tickets then costs one statement where it cost five, and
//! what it read is handed to the request's loaders (see `orders::parts`).

use entity::{account, order, ticket};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, SelectStatement};
use sea_orm::{DbBackend, DbErr};

use crate::orders::parts::{OrderParts, Parts, join, join_order_parts, read_order_parts};
use crate::rows::Columns;

/// Table alias of a ticket's requester.
const REQUESTER: &str = "r";
/// Table alias of a ticket's assignee.
const ASSIGNEE: &str = "a";
/// Table alias of a ticket's order.
const ORDER: &str = "o";

/// Which relations of a ticket to read with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketParts {
    /// The requester's account.
    pub requester: bool,
    /// The assignee's account.
    pub assignee: bool,
    /// The order, and which of its own relations (only with `order`).
    pub order: Option<OrderParts>,
}

/// What was read with a ticket (`None`: not read; `Some(None)`: no row).
#[derive(Debug, Clone, Default)]
pub struct TicketRead {
    /// The requester's account.
    pub requester: Option<Option<account::Model>>,
    /// The assignee's account.
    pub assignee: Option<Option<account::Model>>,
    /// The order.
    pub order: Option<Option<order::Model>>,
    /// The order's relations read with it.
    pub order_parts: Parts,
}

/// Left-joins to `query` (over tickets) the relations `parts` names, selecting their
/// columns after those already selected, in the order [`read_ticket_parts`] reads them.
pub fn join_ticket_parts(query: &mut SelectStatement, backend: DbBackend, parts: TicketParts) {
    let ticket_column = |column: ticket::Column| Expr::col((ticket::Entity, column));
    if parts.requester {
        join::<account::Model>(
            query,
            backend,
            REQUESTER,
            Expr::col((Alias::new(REQUESTER), account::Column::Id))
                .eq(ticket_column(ticket::Column::RequesterId)),
        );
    }
    if parts.assignee {
        join::<account::Model>(
            query,
            backend,
            ASSIGNEE,
            Expr::col((Alias::new(ASSIGNEE), account::Column::Id))
                .eq(ticket_column(ticket::Column::AssigneeId)),
        );
    }
    if let Some(order_parts) = parts.order {
        join::<order::Model>(
            query,
            backend,
            ORDER,
            Expr::col((Alias::new(ORDER), order::Column::Id))
                .eq(ticket_column(ticket::Column::OrderId)),
        );
        join_order_parts(query, backend, Alias::new(ORDER).into_iden(), order_parts);
    }
}

/// What [`join_ticket_parts`] with `parts` read into the next columns of a row.
pub fn read_ticket_parts(
    columns: &mut Columns<'_>,
    parts: TicketParts,
) -> Result<TicketRead, DbErr> {
    let requester = columns.joined_if::<account::Model>(parts.requester)?;
    let assignee = columns.joined_if::<account::Model>(parts.assignee)?;
    let (order, order_parts) = match parts.order {
        Some(order_parts) => (
            Some(columns.joined::<order::Model>()?),
            read_order_parts(columns, order_parts)?,
        ),
        None => (None, Parts::default()),
    };
    Ok(TicketRead {
        requester,
        assignee,
        order,
        order_parts,
    })
}
