//! Thin GraphQL resolvers of the FAQ and contact options; rules live in `service`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object};

use super::service::{self, EntryFilter};
use super::types::{Audience, FaqEntry, FaqEntryInput, FaqSearchHit};
use crate::error::ApiResult;
use crate::graphql::pagination::{self, ConnectionFields, CountWhenSelected, encode_cursor};
use crate::graphql::{parse_id, request_parts};
use crate::limits::Action;
use crate::tickets::types::TicketCategory;

/// FAQ queries.
#[derive(Default)]
pub struct FaqQuery;

#[Object]
impl FaqQuery {
    /// Entries in display order. Customers and visitors see published entries only.
    #[graphql(complexity = "pagination::complexity(first, None, child_complexity)")]
    async fn faq_entries(
        &self,
        ctx: &Context<'_>,
        category: Option<TicketCategory>,
        audience: Option<Audience>,
        locale: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, FaqEntry, ConnectionFields>> {
        let (state, auth, _) = request_parts(ctx)?;
        let page =
            pagination::PageArgs::parse(first, after.as_deref(), None, None)?.counting_for(ctx);
        let filter = EntryFilter {
            category: category.map(Into::into),
            audience: audience.map(Into::into),
            locale,
        };
        let (rows, more, total) =
            service::list_entries(&state.db, auth, &filter, page.size, page.cursor).await?;
        let mut connection = Connection::with_additional_fields(
            page.cursor.is_some(),
            more,
            ConnectionFields { total_count: total },
        );
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(encode_cursor(row.id), FaqEntry(row))),
        );
        Ok(connection)
    }

    /// One entry (a customer's look counts as a view).
    async fn faq_entry(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<FaqEntry>> {
        let (state, auth, _) = request_parts(ctx)?;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(service::view_entry(&state.db, auth, id)
            .await?
            .map(FaqEntry))
    }

    /// Ranked search (BM25) in Korean and English: `배송` finds 배송지연, `payment failed`
    /// finds "My payment failed". Customers and visitors search published entries only.
    async fn faq_search(
        &self,
        ctx: &Context<'_>,
        query: String,
        audience: Option<Audience>,
        locale: Option<String>,
        category: Option<TicketCategory>,
        #[graphql(default = 10, validator(minimum = 1, maximum = 50))] first: Option<i32>,
    ) -> ApiResult<Vec<FaqSearchHit>> {
        let (state, auth, meta) = request_parts(ctx)?;
        state.limits.check(Action::Search, auth, meta)?;
        let filter = EntryFilter {
            category: category.map(Into::into),
            audience: audience.map(Into::into),
            locale,
        };
        let limit = first.and_then(|n| u64::try_from(n).ok()).unwrap_or(10);
        Ok(service::search(state, auth, &query, &filter, limit)
            .await?
            .into_iter()
            .map(|(entry, hit)| FaqSearchHit {
                entry: FaqEntry(entry),
                score: f64::from(hit.score),
                highlight: hit.highlight,
            })
            .collect())
    }
}

/// FAQ mutations.
#[derive(Default)]
pub struct FaqMutation;

#[Object]
impl FaqMutation {
    /// Says whether an entry helped; one vote per account or anonymous client (a new vote
    /// replaces the old one).
    async fn vote_faq(&self, ctx: &Context<'_>, id: ID, helpful: bool) -> ApiResult<FaqEntry> {
        let (state, auth, meta) = request_parts(ctx)?;
        state.limits.check(Action::Vote, auth, meta)?;
        let id = parse_id("id", &id)?;
        let voter = service::voter_key(auth, meta);
        Ok(FaqEntry(
            service::vote(state, auth, voter, id, helpful).await?,
        ))
    }

    /// Agents: adds an entry.
    async fn create_faq_entry(
        &self,
        ctx: &Context<'_>,
        input: FaqEntryInput,
    ) -> ApiResult<FaqEntry> {
        let (state, auth, meta) = request_parts(ctx)?;
        let actor = Some(auth.caller()?.account_id);
        Ok(FaqEntry(
            service::create_entry(state, meta, actor, input.into()).await?,
        ))
    }

    /// Agents: changes an entry (publishing included).
    async fn update_faq_entry(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: FaqEntryInput,
    ) -> ApiResult<FaqEntry> {
        let (state, auth, meta) = request_parts(ctx)?;
        let actor = Some(auth.caller()?.account_id);
        let id = parse_id("id", &id)?;
        Ok(FaqEntry(
            service::update_entry(state, meta, actor, id, input.into()).await?,
        ))
    }

    /// Agents: deletes an entry.
    async fn delete_faq_entry(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let (state, auth, meta) = request_parts(ctx)?;
        let actor = Some(auth.caller()?.account_id);
        let id = parse_id("id", &id)?;
        service::delete_entry(state, meta, actor, id).await
    }
}
