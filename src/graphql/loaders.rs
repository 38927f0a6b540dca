//! DataLoaders: relations that appear in lists load in one query per page, not per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    account, cancellation_request, order, order_item, payment, refund, shipment, shipment_event,
    store, ticket, ticket_attachment, ticket_message,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The loader type every request carries.
pub type RequestLoader<L> = DataLoader<L, HashMapCache>;

/// Accounts by id.
pub struct AccountById(pub DatabaseConnection);
/// Stores by their owner's account id.
pub struct StoreByOwner(pub DatabaseConnection);

impl Loader<Uuid> for AccountById {
    type Value = account::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = account::Entity::find()
            .filter(account::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<Uuid> for StoreByOwner {
    type Value = store::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::Entity::find()
            .filter(store::Column::OwnerId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|row| (row.owner_id, row)).collect())
    }
}

/// Declares a loader of one row per key: `$name` loads `$entity` rows whose `$column` is in
/// the keys, keyed by `$key` of the row.
macro_rules! one_per_key {
    ($(#[$doc:meta])* $name:ident, $module:ident, $column:ident, $key:ident) => {
        $(#[$doc])*
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $module::Model;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().copied()))
                    .order_by_asc($module::Column::Id)
                    .all(&self.0)
                    .await?;
                // Ascending ids: with several rows per key, the newest one stays.
                Ok(rows.into_iter().map(|row| (row.$key, row)).collect())
            }
        }
    };
}

/// Declares a loader of all rows per key, in `$order` order.
macro_rules! many_per_key {
    ($(#[$doc:meta])* $name:ident, $module:ident, $column:ident, $key:ident, $order:ident) => {
        $(#[$doc])*
        pub struct $name(pub DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = Vec<$module::Model>;
            type Error = Arc<DbErr>;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().copied()))
                    .order_by_asc($module::Column::$order)
                    .order_by_asc($module::Column::Id)
                    .all(&self.0)
                    .await?;
                let mut grouped: HashMap<Uuid, Self::Value> = HashMap::new();
                for row in rows {
                    grouped.entry(row.$key).or_default().push(row);
                }
                Ok(grouped)
            }
        }
    };
}

one_per_key!(
    /// Stores by id.
    StoreById, store, Id, id
);
one_per_key!(
    /// Orders by id (callers reach them only through objects already scoped to them).
    OrderById, order, Id, id
);
one_per_key!(
    /// The newest payment attempt of each order.
    PaymentByOrder, payment, OrderId, order_id
);
one_per_key!(
    /// The shipment of each order.
    ShipmentByOrder, shipment, OrderId, order_id
);
one_per_key!(
    /// Refunds by id.
    RefundById, refund, Id, id
);
many_per_key!(
    /// Lines of each order, in order.
    ItemsByOrder, order_item, OrderId, order_id, Position
);
many_per_key!(
    /// Tracking events of each shipment, oldest first.
    EventsByShipment, shipment_event, ShipmentId, shipment_id, OccurredAt
);
many_per_key!(
    /// Cancellation and return requests of each order, oldest first.
    RequestsByOrder, cancellation_request, OrderId, order_id, RequestedAt
);
many_per_key!(
    /// Attachments of each ticket message, in upload order.
    AttachmentsByMessage, ticket_attachment, MessageId, message_id, CreatedAt
);
many_per_key!(
    /// Refunds of each order, oldest first.
    RefundsByOrder, refund, OrderId, order_id, CreatedAt
);

/// The newest message of each ticket, internal notes included (staff callers).
pub struct LastMessageByTicket(pub DatabaseConnection);
/// The newest public message of each ticket (customer callers: notes are filtered in SQL).
pub struct LastPublicMessageByTicket(pub DatabaseConnection);

async fn last_messages(
    db: &DatabaseConnection,
    keys: &[Uuid],
    public_only: bool,
) -> Result<HashMap<Uuid, ticket_message::Model>, Arc<DbErr>> {
    let mut select = ticket_message::Entity::find()
        .filter(ticket_message::Column::TicketId.is_in(keys.iter().copied()));
    if public_only {
        select = select.filter(ticket_message::Column::Internal.eq(false));
    }
    let rows = select
        .order_by_asc(ticket_message::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.ticket_id, row)).collect())
}

impl Loader<Uuid> for LastMessageByTicket {
    type Value = ticket_message::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        last_messages(&self.0, keys, false).await
    }
}

impl Loader<Uuid> for LastPublicMessageByTicket {
    type Value = ticket_message::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        last_messages(&self.0, keys, true).await
    }
}

/// Tickets about each order that the request's caller may see: staff all of them, a customer
/// only those they asked (a seller never sees the buyer's tickets about an order). The
/// caller's filter is part of the SQL.
pub struct TicketsByOrder {
    db: DatabaseConnection,
    requester: Option<Uuid>,
    staff: bool,
}

impl Loader<Uuid> for TicketsByOrder {
    type Value = Vec<ticket::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut select =
            ticket::Entity::find().filter(ticket::Column::OrderId.is_in(keys.iter().copied()));
        if !self.staff {
            // Anonymous callers never reach an order; a missing requester matches nothing.
            select =
                select.filter(ticket::Column::RequesterId.eq(self.requester.unwrap_or_default()));
        }
        let rows = select
            .order_by_asc(ticket::Column::Id)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            if let Some(order_id) = row.order_id {
                grouped.entry(order_id).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// The per-request set of loaders, added to every GraphQL request's data.
///
/// The caller's own account, already read by the authentication check, is seeded into the
/// account loader, so `me` costs no second query.
pub async fn register(
    mut request: async_graphql::Request,
    db: &DatabaseConnection,
    caller: Option<account::Model>,
) -> async_graphql::Request {
    insert(&mut request.data, db, caller, true).await;
    request
}

/// Adds the loaders to `data`. A subscription's loaders live as long as its connection, so
/// they batch but never cache (`cache: false`): each event must show the current state.
pub async fn insert(
    data: &mut async_graphql::Data,
    db: &DatabaseConnection,
    caller: Option<account::Model>,
    cache: bool,
) {
    let tickets = cached(TicketsByOrder {
        db: db.clone(),
        requester: caller.as_ref().map(|c| c.id),
        staff: caller
            .as_ref()
            .is_some_and(|c| matches!(c.role, account::Role::Agent | account::Role::Admin)),
    });
    let accounts = cached(AccountById(db.clone()));
    if let Some(caller) = caller {
        accounts.feed_one(caller.id, caller).await;
    }
    macro_rules! add {
        ($($loader:expr),* $(,)?) => {
            $({
                let loader = $loader;
                loader.enable_all_cache(cache);
                data.insert(loader);
            })*
        };
    }
    add!(
        accounts,
        tickets,
        cached(StoreByOwner(db.clone())),
        cached(StoreById(db.clone())),
        cached(OrderById(db.clone())),
        cached(PaymentByOrder(db.clone())),
        cached(ShipmentByOrder(db.clone())),
        cached(RefundById(db.clone())),
        cached(ItemsByOrder(db.clone())),
        cached(EventsByShipment(db.clone())),
        cached(RequestsByOrder(db.clone())),
        cached(RefundsByOrder(db.clone())),
        cached(LastMessageByTicket(db.clone())),
        cached(LastPublicMessageByTicket(db.clone())),
        cached(AttachmentsByMessage(db.clone())),
    );
}

/// A loader that remembers what it loaded for the rest of the request (never longer: the next
/// request sees fresh data), so a relation reached twice in one document is fetched once.
fn cached<L: Loader<Uuid>>(loader: L) -> RequestLoader<L> {
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

/// Loads one value through the request's loader `L`.
pub async fn load_one<L>(ctx: &Context<'_>, key: Uuid) -> ApiResult<Option<L::Value>>
where
    L: Loader<Uuid, Error = Arc<DbErr>> + Send + Sync + 'static,
{
    let loader = ctx
        .data::<RequestLoader<L>>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("data loader not registered")))?;
    loader
        .load_one(key)
        .await
        .map_err(|err| ApiError::internal(anyhow::anyhow!("loader failed: {err}")))
}

/// Loads the list for `key` through the request's loader `L` (empty when there is none).
pub async fn load_many<L, T>(ctx: &Context<'_>, key: Uuid) -> ApiResult<Vec<T>>
where
    L: Loader<Uuid, Value = Vec<T>, Error = Arc<DbErr>> + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    Ok(load_one::<L>(ctx, key).await?.unwrap_or_default())
}
