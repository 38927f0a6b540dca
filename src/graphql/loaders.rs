//! DataLoaders: relations that appear in lists load in one query per page, not per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use entity::{
    account, cancellation_request, order, order_item, payment, refund, session, shipment,
    shipment_event, store, ticket, ticket_attachment, ticket_message,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::rows;

/// The loader type every request carries.
pub type RequestLoader<L> = Batcher<L>;

/// Batches the loads of one request through a [`Loader`], and remembers what it loaded.
///
/// async-graphql's own `DataLoader` waits for a `futures-timer` delay (1 ms by default)
/// before each batch: every batch then costs two wake-ups across threads (to the timer
/// thread and back) and at least a millisecond, which profiles of `order(id)` under load
/// showed as a quarter of the server's CPU in the kernel. Resolvers of one level run in the
/// same task (async-graphql joins sibling fields and list items), so a batch only needs the
/// other resolvers of that level to be polled once: the first load of a batch yields once
/// (`yield_now`), then takes every key registered meanwhile and loads them, in its own task,
/// with no timer and no other thread.
///
/// Clones share their batches: subscriptions use one process-wide batcher per relation
/// without a cache ([`SharedLoaders`]), so the two hundred agents woken by one ticket event
/// load its relations in a statement or two instead of one each.
pub struct Batcher<L: Loader<Uuid>>(Arc<BatcherInner<L>>);

struct BatcherInner<L: Loader<Uuid>> {
    loader: L,
    cache: bool,
    state: std::sync::Mutex<BatchState<L::Value>>,
}

impl<L: Loader<Uuid>> Clone for Batcher<L> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

type Loaded<V> = Result<Arc<HashMap<Uuid, V>>, Arc<DbErr>>;

type Told<V> = tokio::sync::watch::Receiver<Option<Loaded<V>>>;

struct BatchState<V> {
    /// Values loaded so far (`None`: no row), when caching.
    cache: HashMap<Uuid, Option<V>>,
    /// Keys waiting for the open batch, and where its result will be told.
    keys: Vec<Uuid>,
    result: Option<Told<V>>,
    /// When caching, the keys of batches being read, with where their result will be told:
    /// a key asked for again meanwhile (the order page's refunds, asked for by the order
    /// and again by its requests once those are read) waits for that batch instead of
    /// being read a second time.
    loading: HashMap<Uuid, Told<V>>,
}

impl<L> Batcher<L>
where
    L: Loader<Uuid, Error = Arc<DbErr>> + Send + Sync + 'static,
    L::Value: Clone + Send + Sync,
{
    /// A batcher over `loader`; with `cache`, a key is loaded at most once.
    pub fn new(loader: L, cache: bool) -> Self {
        Self(Arc::new(BatcherInner {
            loader,
            cache,
            state: std::sync::Mutex::new(BatchState {
                cache: HashMap::new(),
                keys: Vec::new(),
                result: None,
                loading: HashMap::new(),
            }),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BatchState<L::Value>> {
        // A panic while holding the lock leaves plain data behind: still usable.
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers what `key` holds (`None`: no row), read by other means: the caller's own
    /// account by the authentication check, a page's relations by the page's statement.
    pub fn feed(&self, key: Uuid, value: Option<L::Value>) {
        if self.0.cache {
            self.lock().cache.insert(key, value);
        }
    }

    /// The value for `key`, loaded with the other keys asked for in the same round.
    pub async fn load_one(&self, key: Uuid) -> Result<Option<L::Value>, Arc<DbErr>> {
        loop {
            let (leader, mut result) = {
                let mut state = self.lock();
                if let Some(hit) = state.cache.get(&key) {
                    return Ok(hit.clone());
                }
                // A batch whose leader was dropped (its channel closed) is not joined.
                let being_read = state.loading.get(&key).cloned();
                match being_read.filter(|receiver| receiver.has_changed().is_ok()) {
                    Some(receiver) => (None, receiver),
                    None => {
                        state.loading.remove(&key);
                        if !state.keys.contains(&key) {
                            state.keys.push(key);
                        }
                        let open = state
                            .result
                            .as_ref()
                            .filter(|receiver| receiver.has_changed().is_ok())
                            .cloned();
                        match open {
                            Some(receiver) => (None, receiver),
                            None => {
                                let (sender, receiver) = tokio::sync::watch::channel(None);
                                state.result = Some(receiver.clone());
                                (Some(sender), receiver)
                            }
                        }
                    }
                }
            };
            if let Some(sender) = leader {
                // Let the other resolvers of this level add their keys.
                tokio::task::yield_now().await;
                let keys = {
                    let mut state = self.lock();
                    state.result = None;
                    let keys = std::mem::take(&mut state.keys);
                    if self.0.cache {
                        for key in &keys {
                            state.loading.insert(*key, result.clone());
                        }
                    }
                    keys
                };
                let loaded = self.0.loader.load(&keys).await.map(Arc::new);
                if self.0.cache {
                    let mut state = self.lock();
                    for key in &keys {
                        state.loading.remove(key);
                    }
                    if let Ok(values) = &loaded {
                        for key in &keys {
                            state.cache.insert(*key, values.get(key).cloned());
                        }
                    }
                }
                let answer = loaded.clone().map(|values| values.get(&key).cloned());
                let _ = sender.send(Some(loaded));
                return answer;
            }
            // A leader dropped before it answered (its part of the document was cancelled)
            // closes the channel: this key then goes into a new batch.
            if let Ok(done) = result.wait_for(Option::is_some).await
                && let Some(loaded) = done.as_ref()
            {
                return loaded.clone().map(|values| values.get(&key).cloned());
            }
        }
    }
}

/// Accounts by id.
pub struct AccountById(pub DatabaseConnection);
/// Stores by their owner's account id.
pub struct StoreByOwner(pub DatabaseConnection);

impl Loader<Uuid> for AccountById {
    type Value = account::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let select =
            account::Entity::find().filter(account::Column::Id.is_in(keys.iter().copied()));
        let rows: Vec<Self::Value> = rows::all(&self.0, select).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<Uuid> for StoreByOwner {
    type Value = store::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let select =
            store::Entity::find().filter(store::Column::OwnerId.is_in(keys.iter().copied()));
        let rows: Vec<Self::Value> = rows::all(&self.0, select).await?;
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
                let select = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().copied()))
                    .order_by_asc($module::Column::Id);
                let rows: Vec<Self::Value> = rows::all(&self.0, select).await?;
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
                let select = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().copied()))
                    .order_by_asc($module::Column::$order)
                    .order_by_asc($module::Column::Id);
                let rows: Vec<$module::Model> = rows::all(&self.0, select).await?;
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
    /// Tickets by id, for staff (who may see every ticket): the live queue's reload of a
    /// changed ticket, shared by every agent the change wakes.
    TicketById, ticket, Id, id
);

/// Sessions by id with their account: the check a subscription makes before each message,
/// shared by every subscriber a ticket event wakes (each still reads the database after the
/// event; none relies on an earlier answer).
pub struct SessionById(pub DatabaseConnection);

impl Loader<Uuid> for SessionById {
    type Value = (session::Model, Option<account::Model>);
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = session::Entity::find()
            .filter(session::Column::Id.is_in(keys.iter().copied()))
            .find_also_related(account::Entity)
            .all(&self.0)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(session, account)| (session.id, (session, account)))
            .collect())
    }
}
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

/// The newest message of each of the tickets `keys` (the newest public one with
/// `public_only`): the one no later message of its ticket follows.
///
/// Only those rows are read. Reading every message of the tickets and keeping the last
/// read a page of fifty open tickets' 120-odd messages, bodies and all, to answer fifty
/// (BENCHMARKS.md, change 34); the condition is answered from the index on (ticket, internal,
/// id), so a message that is not the newest is never read from the table.
async fn last_messages(
    db: &DatabaseConnection,
    keys: &[Uuid],
    public_only: bool,
) -> Result<HashMap<Uuid, ticket_message::Model>, Arc<DbErr>> {
    use ticket_message::Column;
    let later = Alias::new("later");
    let mut newer = Query::select();
    newer
        .expr(Expr::val(1))
        .from_as(ticket_message::Entity, later.clone())
        .and_where(
            Expr::col((later.clone(), Column::TicketId))
                .equals((ticket_message::Entity, Column::TicketId)),
        )
        .and_where(
            Expr::col((later.clone(), Column::Id))
                .gt(Expr::col((ticket_message::Entity, Column::Id))),
        );
    let mut select =
        ticket_message::Entity::find().filter(Column::TicketId.is_in(keys.iter().copied()));
    if public_only {
        newer.and_where(Expr::col((later, Column::Internal)).eq(false));
        select = select.filter(Column::Internal.eq(false));
    }
    let rows: Vec<ticket_message::Model> =
        rows::all(db, select.filter(Expr::exists(newer).not())).await?;
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
        let rows: Vec<ticket::Model> =
            rows::all(&self.db, select.order_by_asc(ticket::Column::Id)).await?;
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
pub fn register(
    mut request: async_graphql::Request,
    db: &DatabaseConnection,
    caller: Option<account::Model>,
) -> async_graphql::Request {
    insert(&mut request.data, db, caller);
    request
}

/// Calls `$add!(Loader)` for every loader whose rows do not depend on the caller (and so
/// may be shared by subscriptions), besides [`AccountById`].
macro_rules! caller_independent {
    ($add:ident) => {
        $add!(StoreByOwner);
        $add!(StoreById);
        $add!(OrderById);
        $add!(PaymentByOrder);
        $add!(ShipmentByOrder);
        $add!(ItemsByOrder);
        $add!(EventsByShipment);
        $add!(RequestsByOrder);
        $add!(RefundsByOrder);
        $add!(LastMessageByTicket);
        $add!(LastPublicMessageByTicket);
        $add!(AttachmentsByMessage);
    };
}

/// Puts one loader into a request's or a subscription's data.
type Inserter = Box<dyn Fn(&mut async_graphql::Data) + Send + Sync>;

/// The loaders every subscription of this process shares: they never cache (each event
/// must show the current state) and batch across connections, so one ticket event costs a
/// statement per relation, not one per subscriber. Only loaders that do not depend on the
/// caller are shared; what a caller may see is decided where the root object is read.
#[derive(Clone)]
pub struct SharedLoaders {
    /// Sessions with their accounts (the check before each message).
    pub sessions: Batcher<SessionById>,
    /// Tickets by id, for staff subscribers.
    pub tickets: Batcher<TicketById>,
    inserters: Arc<Vec<Inserter>>,
}

impl SharedLoaders {
    /// The shared loaders over `db`.
    pub fn new(db: &DatabaseConnection) -> Self {
        let mut inserters: Vec<Inserter> = Vec::new();
        macro_rules! share {
            ($loader:ident) => {{
                let shared = Batcher::new($loader(db.clone()), false);
                inserters.push(Box::new(move |data| data.insert(shared.clone())));
            }};
        }
        share!(AccountById);
        caller_independent!(share);
        Self {
            sessions: Batcher::new(SessionById(db.clone()), false),
            tickets: Batcher::new(TicketById(db.clone()), false),
            inserters: Arc::new(inserters),
        }
    }

    /// Adds a subscription's loaders to `data`: the shared ones, and the caller's own view
    /// of an order's tickets.
    pub fn insert(
        &self,
        data: &mut async_graphql::Data,
        db: &DatabaseConnection,
        caller: Option<&account::Model>,
    ) {
        data.insert(tickets_by_order(db, caller, false));
        for insert in self.inserters.iter() {
            insert(data);
        }
    }
}

fn tickets_by_order(
    db: &DatabaseConnection,
    caller: Option<&account::Model>,
    cache: bool,
) -> Batcher<TicketsByOrder> {
    Batcher::new(
        TicketsByOrder {
            db: db.clone(),
            requester: caller.map(|c| c.id),
            staff: caller
                .is_some_and(|c| matches!(c.role, account::Role::Agent | account::Role::Admin)),
        },
        cache,
    )
}

/// Adds a request's loaders to `data`; they batch, and remember what they loaded for the
/// rest of the request (never longer: the next request sees fresh data), so a relation
/// reached twice in one document is fetched once. The caller's own account, already read
/// by the authentication check, is fed to the account loader.
fn insert(data: &mut async_graphql::Data, db: &DatabaseConnection, caller: Option<account::Model>) {
    data.insert(tickets_by_order(db, caller.as_ref(), true));
    let accounts = Batcher::new(AccountById(db.clone()), true);
    if let Some(caller) = caller {
        accounts.feed(caller.id, Some(caller));
    }
    data.insert(accounts);
    macro_rules! add {
        ($loader:ident) => {
            data.insert(Batcher::new($loader(db.clone()), true))
        };
    }
    caller_independent!(add);
}

/// The request's loader `L`: to load through, or to feed rows read by other means.
pub fn loader<'a, L>(ctx: &Context<'a>) -> ApiResult<&'a RequestLoader<L>>
where
    L: Loader<Uuid, Error = Arc<DbErr>> + Send + Sync + 'static,
    L::Value: Clone + Send + Sync,
{
    ctx.data::<RequestLoader<L>>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("data loader not registered")))
}

/// Loads one value through the request's loader `L`.
pub async fn load_one<L>(ctx: &Context<'_>, key: Uuid) -> ApiResult<Option<L::Value>>
where
    L: Loader<Uuid, Error = Arc<DbErr>> + Send + Sync + 'static,
    L::Value: Clone + Send + Sync,
{
    loader::<L>(ctx)?
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Answers every key with itself once `gate` gives a permit, counting its batches.
    struct Gated {
        batches: Arc<AtomicUsize>,
        gate: Arc<tokio::sync::Semaphore>,
    }

    impl Loader<Uuid> for Gated {
        type Value = Uuid;
        type Error = Arc<DbErr>;

        async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, Self::Error> {
            self.batches.fetch_add(1, Ordering::SeqCst);
            let _permit = self.gate.acquire().await.expect("the gate stays open");
            Ok(keys.iter().map(|key| (*key, *key)).collect())
        }
    }

    /// The order page asks for the order's refunds twice: from the order, and from its
    /// requests once those are read, possibly while the first read is still under way.
    #[tokio::test]
    async fn a_key_asked_for_while_its_batch_is_read_waits_for_that_batch() {
        let batches = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let loader = Gated {
            batches: batches.clone(),
            gate: gate.clone(),
        };
        let batcher = Batcher::new(loader, true);
        let key = Uuid::now_v7();
        let load = |batcher: &Batcher<Gated>| {
            let batcher = batcher.clone();
            tokio::spawn(async move { batcher.load_one(key).await })
        };
        let first = load(&batcher);
        // One thread: the first load runs only while this test yields.
        while batches.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let second = load(&batcher);
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        gate.add_permits(2);
        assert_eq!(first.await.expect("first load"), Ok(Some(key)));
        assert_eq!(second.await.expect("second load"), Ok(Some(key)));
        assert_eq!(batches.load(Ordering::SeqCst), 1);
    }
}
