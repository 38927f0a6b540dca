//! An order's one-to-one relations (buyer, newest payment, shipment, store) read in the
//! statement that reads the order, when the document asks for them.
//!
//! A page of fifty orders would otherwise load each relation after the page: the loaders
//! batch it into one statement, but fifty loads joining a batch, each value cloned into the
//! request's cache and out, and the rows decoded apart cost about a millisecond of CPU per
//! relation (BENCHMARKS.md, change 26). Joined, what the page read is handed to the
//! request's loaders, so the resolvers find it there exactly as if the loaders had read it.

use entity::{account, order, payment, shipment, store};
use sea_orm::sea_query::{
    Alias, Asterisk, DynIden, Expr, ExprTrait, IntoIden, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{DbBackend, DbErr};

use crate::rows::{Columns, Positional};

/// Table alias of an order's buyer.
const BUYER: &str = "b";
/// Table alias of an order's newest payment.
const PAYMENT: &str = "p";
/// Table alias of an order's shipment.
const SHIPMENT: &str = "s";
/// Table alias of an order's store.
const STORE: &str = "st";

/// Which of an order's one-to-one relations to read with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderParts {
    /// The buyer's account.
    pub buyer: bool,
    /// The newest payment attempt.
    pub payment: bool,
    /// The shipment.
    pub shipment: bool,
    /// The store sold from.
    pub store: bool,
}

/// What was read with an order: `None` where the relation was not read, `Some(None)` where
/// it was and there is no row.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// The buyer's account.
    pub buyer: Option<Option<account::Model>>,
    /// The newest payment attempt, as `PaymentByOrder` keeps it.
    pub payment: Option<Option<payment::Model>>,
    /// The parcel, once shipped.
    pub shipment: Option<Option<shipment::Model>>,
    /// The store sold from.
    pub store: Option<Option<store::Model>>,
}

/// Left-joins the relations `parts` names of the order in `orders` (the `orders` table or
/// an alias of it) to `query`, selecting their columns after those already selected, in
/// the order [`read_order_parts`] reads them. Each order joins at most one row of each, so
/// the query's filters, order and limit keep applying to whatever it reads.
pub fn join_order_parts(
    query: &mut SelectStatement,
    backend: DbBackend,
    orders: DynIden,
    parts: OrderParts,
) {
    let order_column = |column: order::Column| Expr::col((orders.clone(), column));
    if parts.buyer {
        join::<account::Model>(
            query,
            backend,
            BUYER,
            Expr::col((Alias::new(BUYER), account::Column::Id))
                .eq(order_column(order::Column::BuyerId)),
        );
    }
    if parts.payment {
        // The newest attempt by id (UUIDv7: creation order), as the payment loader keeps
        // it; `idx_payments_order` (order_id, id) answers the subquery from the index.
        let newest = Query::select()
            .column((payment::Entity, payment::Column::Id))
            .from(payment::Entity)
            .and_where(
                Expr::col((payment::Entity, payment::Column::OrderId))
                    .eq(order_column(order::Column::Id)),
            )
            .order_by((payment::Entity, payment::Column::Id), Order::Desc)
            .limit(1)
            .take();
        join::<payment::Model>(
            query,
            backend,
            PAYMENT,
            Expr::col((Alias::new(PAYMENT), payment::Column::Id)).eq(Expr::expr(newest)),
        );
    }
    if parts.shipment {
        // One shipment per order (`order_id` is unique).
        join::<shipment::Model>(
            query,
            backend,
            SHIPMENT,
            Expr::col((Alias::new(SHIPMENT), shipment::Column::OrderId))
                .eq(order_column(order::Column::Id)),
        );
    }
    if parts.store {
        join::<store::Model>(
            query,
            backend,
            STORE,
            Expr::col((Alias::new(STORE), store::Column::Id))
                .eq(order_column(order::Column::StoreId)),
        );
    }
}

/// What [`join_order_parts`] with `parts` read into the next columns of a row.
pub fn read_order_parts(columns: &mut Columns<'_>, parts: OrderParts) -> Result<Parts, DbErr> {
    Ok(Parts {
        buyer: columns.joined_if::<account::Model>(parts.buyer)?,
        payment: columns.joined_if::<payment::Model>(parts.payment)?,
        shipment: columns.joined_if::<shipment::Model>(parts.shipment)?,
        store: columns.joined_if::<store::Model>(parts.store)?,
    })
}

/// `orders` as the order table of a select over orders.
pub fn orders_table() -> DynIden {
    order::Entity.into_iden()
}

/// Left-joins the row of `M`'s table (aliased `alias`) that `on` finds, and selects its
/// columns (for [`Columns::joined`]).
///
/// On PostgreSQL the join is `LATERAL`: one index lookup per row of the page, whatever the
/// planner makes of small tables. With plain joins it hashed whole tables at 2,000 rows
/// (seq scans of accounts, orders and payments: 2.8 ms for the queue's page against
/// 0.5 ms by lookups), since its default costs take every lookup for a disk read.
pub fn join<M: Positional>(
    query: &mut SelectStatement,
    backend: DbBackend,
    alias: &'static str,
    on: Expr,
) {
    let table = M::Entity::default();
    if backend == DbBackend::Postgres {
        let row = Query::select()
            .column(Asterisk)
            .from_as(table, Alias::new(alias))
            .and_where(on)
            .limit(1)
            .take();
        query.join_lateral(JoinType::LeftJoin, row, Alias::new(alias), Expr::val(true));
    } else {
        query.join_as(JoinType::LeftJoin, table, Alias::new(alias), on);
    }
    M::select_from(query, alias);
}
