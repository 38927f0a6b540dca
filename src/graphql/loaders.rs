//! DataLoaders: relations that appear in lists load in one query per page, not per row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{account, store};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
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

/// The per-request set of loaders, added to every GraphQL request's data.
///
/// The caller's own account, already read by the authentication check, is seeded into the
/// account loader, so `me` costs no second query.
pub async fn register(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    caller: Option<account::Model>,
) -> async_graphql::Request {
    let accounts = cached(AccountById(db.clone()));
    if let Some(caller) = caller {
        accounts.feed_one(caller.id, caller).await;
    }
    request
        .data(accounts)
        .data(cached(StoreByOwner(db.clone())))
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
