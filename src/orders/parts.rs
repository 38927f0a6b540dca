//! An order read together with its one-to-one relations (buyer, newest payment, shipment)
//! in the statement that reads the order.
//!
//! A page of fifty orders whose document asks for these relations would otherwise run one
//! statement per relation after the page (the loaders batch them, but each is a round trip
//! to a connection's thread, about as costly as the page itself under load). Joined, the page
//! is one statement, and what it read is handed to the request's loaders, so the resolvers
//! find it there exactly as if the loaders had read it.

use entity::{account, order, payment, shipment};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    QueryTrait, Select,
};

/// Table alias and column prefix of the buyer's account.
const BUYER: &str = "b";
/// Table alias and column prefix of the newest payment.
const PAYMENT: &str = "p";
/// Table alias and column prefix of the shipment.
const SHIPMENT: &str = "s";

/// An order's buyer, newest payment attempt and shipment (`None`: no row).
#[derive(Debug, Clone)]
pub struct Parts {
    /// The buyer's account (always there while the foreign key holds).
    pub buyer: Option<account::Model>,
    /// The newest payment attempt, as `PaymentByOrder` reads it.
    pub payment: Option<payment::Model>,
    /// The parcel, once shipped.
    pub shipment: Option<shipment::Model>,
}

/// A row of [`with_parts`]: an order and its parts.
#[derive(Debug, Clone)]
pub struct OrderWithParts {
    /// The order.
    pub order: order::Model,
    /// What was joined to it.
    pub parts: Parts,
}

impl FromQueryResult for OrderWithParts {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            order: order::Model::from_query_result(row, pre)?,
            parts: Parts {
                buyer: account::Model::from_query_result_optional(row, &prefix(BUYER))?,
                payment: payment::Model::from_query_result_optional(row, &prefix(PAYMENT))?,
                shipment: shipment::Model::from_query_result_optional(row, &prefix(SHIPMENT))?,
            },
        })
    }
}

fn prefix(alias: &str) -> String {
    format!("{alias}_")
}

/// `select` (over orders) with the three relations left-joined and their columns read
/// under the prefixes [`OrderWithParts`] decodes. Filters, order and limit of `select` keep
/// applying to the orders: each order joins at most one row of each relation.
pub fn with_parts(mut select: Select<order::Entity>) -> Select<order::Entity> {
    let query = QueryTrait::query(&mut select);
    query.join_as(
        JoinType::LeftJoin,
        account::Entity,
        Alias::new(BUYER),
        Expr::col((Alias::new(BUYER), account::Column::Id))
            .equals((order::Entity, order::Column::BuyerId)),
    );
    // The newest attempt by id (UUIDv7: creation order), as the payment loader keeps it;
    // `idx_payments_order` (order_id, id) answers the subquery from the index.
    query.join_as(
        JoinType::LeftJoin,
        payment::Entity,
        Alias::new(PAYMENT),
        Expr::col((Alias::new(PAYMENT), payment::Column::Id)).eq(Expr::expr(
            Query::select()
                .column((payment::Entity, payment::Column::Id))
                .from(payment::Entity)
                .and_where(
                    Expr::col((payment::Entity, payment::Column::OrderId))
                        .equals((order::Entity, order::Column::Id)),
                )
                .order_by((payment::Entity, payment::Column::Id), Order::Desc)
                .limit(1)
                .take(),
        )),
    );
    // One shipment per order (`order_id` is unique).
    query.join_as(
        JoinType::LeftJoin,
        shipment::Entity,
        Alias::new(SHIPMENT),
        Expr::col((Alias::new(SHIPMENT), shipment::Column::OrderId))
            .equals((order::Entity, order::Column::Id)),
    );
    read_columns::<account::Entity>(query, BUYER);
    read_columns::<payment::Entity>(query, PAYMENT);
    read_columns::<shipment::Entity>(query, SHIPMENT);
    select
}

/// Adds every column of `E`, from the table aliased `alias`, as `{alias}_{column}`.
fn read_columns<E: EntityTrait>(query: &mut SelectStatement, alias: &str) {
    for column in E::Column::iter() {
        query.expr_as(
            column.select_as(Expr::col((Alias::new(alias), column))),
            Alias::new(format!("{alias}_{}", column.as_str())),
        );
    }
}
