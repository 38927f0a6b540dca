//! Which orders a caller may see, as SQL: every query on orders, and on the tables that hang
//! off them (requests, refunds, tickets), adds this condition, so nothing out of scope is
//! ever loaded. Out of scope answers `NOT_FOUND`, exactly like a row that does not exist.

use entity::account::{self, Role};
use entity::{order, store};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// The SQL condition of the orders `caller` may see: a buyer their own, a seller their
/// store's, staff all. Applied in every query, never after loading.
pub fn order_scope(caller: &Caller) -> Condition {
    match caller.role {
        Role::Buyer => Condition::all().add(order::Column::BuyerId.eq(caller.account_id)),
        Role::Seller => Condition::all().add(
            order::Column::StoreId.in_subquery(
                Query::select()
                    .column(store::Column::Id)
                    .from(store::Entity)
                    .and_where(store::Column::OwnerId.eq(caller.account_id))
                    .to_owned(),
            ),
        ),
        Role::Agent | Role::Admin => Condition::all(),
    }
}

/// Ids of the orders `caller` may see, as a subquery for the tables that hang off orders.
pub fn visible_order_ids(caller: &Caller) -> SelectStatement {
    Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .cond_where(order_scope(caller))
        .to_owned()
}

/// Ids of the orders of one store, as a subquery.
pub fn store_order_ids(store_id: Uuid) -> SelectStatement {
    Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .and_where(order::Column::StoreId.eq(store_id))
        .to_owned()
}

/// One order `caller` may see, or `NOT_FOUND`.
pub async fn visible_order(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<order::Model> {
    found(scoped(caller, id).one(conn).await?)
}

/// Like [`visible_order`], locking the row until the transaction ends (PostgreSQL; SQLite
/// write transactions are already exclusive), so checks and changes on one order serialise.
pub async fn lock_visible_order(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<order::Model> {
    found(scoped(caller, id).lock_exclusive().one(conn).await?)
}

fn scoped(caller: &Caller, id: Uuid) -> Select<order::Entity> {
    order::Entity::find_by_id(id).filter(order_scope(caller))
}

fn found(order: Option<order::Model>) -> ApiResult<order::Model> {
    order.ok_or(ApiError::NotFound("Order"))
}

/// The buyer of `order`, for notifications.
pub async fn buyer_of(
    conn: &impl ConnectionTrait,
    order: &order::Model,
) -> ApiResult<account::Model> {
    account::Entity::find_by_id(order.buyer_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("order without buyer")))
}
