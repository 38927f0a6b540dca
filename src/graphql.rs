//! Schema assembly: per-domain query and mutation parts, limits and access control.
//!
//! Object types whose fields read nothing, or at most one loader, are `#[Object(serial)]`:
//! their fields then run one after the other instead of each as a task of a
//! `FuturesUnordered`, which costs an allocation and a few atomic operations per field and
//! list item (about 5 % of the CPU time of `accounts(first: 50)`). Items of a list still
//! resolve side by side, so a loader field of each item still joins one batch. Types with
//! several loader fields (an order's buyer, items, payment, shipment) stay concurrent, so
//! their batches run at the same time.

pub mod admission;
pub mod documents;
pub mod loaders;
pub mod nul_guard;
pub mod pagination;
pub mod permissions;
pub mod shared_answers;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema};

use crate::accounts::schema::{AccountsMutation, AccountsQuery};
use crate::auth::{AuthCtx, RequestMeta};
use crate::cancellations::schema::{CancellationsMutation, CancellationsQuery};
use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::faq::schema::{FaqMutation, FaqQuery};
use crate::orders::schema::{OrdersMutation, OrdersQuery};
use crate::refunds::schema::{RefundsMutation, RefundsQuery};
use crate::state::AppState;
use crate::tickets::live::TicketsSubscription;
use crate::tickets::schema::{TicketsMutation, TicketsQuery};

/// Maximum selection depth of a document.
pub const MAX_DEPTH: usize = 15;
/// Maximum complexity of a document (one per field, list fields times their page size).
pub const MAX_COMPLEXITY: usize = 5_000;
/// Maximum number of aliased fields in a document (a cheap way to multiply work).
pub const MAX_ALIASES: usize = 30;
/// Maximum directives on one field.
pub const MAX_DIRECTIVES: usize = 5;

/// Queries of the commerce domains (nested to keep the merged roots shallow).
#[derive(MergedObject, Default)]
pub struct CommerceQuery(OrdersQuery, CancellationsQuery, RefundsQuery);

/// Mutations of the commerce domains.
#[derive(MergedObject, Default)]
pub struct CommerceMutation(OrdersMutation, CancellationsMutation, RefundsMutation);

/// Queries of the support desk: tickets and the FAQ.
#[derive(MergedObject, Default)]
pub struct SupportQuery(TicketsQuery, FaqQuery);

/// Mutations of the support desk.
#[derive(MergedObject, Default)]
pub struct SupportMutation(TicketsMutation, FaqMutation);

/// All queries.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(AccountsQuery, CommerceQuery, SupportQuery);

/// All mutations.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(AccountsMutation, CommerceMutation, SupportMutation);

/// All subscriptions (served over `/graphql/ws`).
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(TicketsSubscription);

/// The storedesk schema type.
pub type AppSchema =
    Schema<permissions::Guarded<QueryRoot>, permissions::Guarded<MutationRoot>, SubscriptionRoot>;

/// Builds the schema once per process, with the limits and the permission matrix.
pub fn build_schema(settings: &Settings) -> AppSchema {
    schema_builder(settings)
        .extension(permissions::AccessControl)
        .extension(permissions::AliasLimit { max: MAX_ALIASES })
        .extension(nul_guard::NulGuard)
        .finish()
}

/// The schema `POST /graphql` and `GET /graphql` execute: the same schema without the
/// checking extensions, because the HTTP handler runs the same checks once per document
/// ([`admission`]) instead of around every field; the root objects apply the permission
/// matrix in both.
pub fn build_http_schema(settings: &Settings) -> HttpSchema {
    HttpSchema(schema_builder(settings).finish())
}

/// The schema of HTTP requests; documents must pass [`admission::admit`] first.
pub struct HttpSchema(pub AppSchema);

fn schema_builder(
    settings: &Settings,
) -> async_graphql::SchemaBuilder<
    permissions::Guarded<QueryRoot>,
    permissions::Guarded<MutationRoot>,
    SubscriptionRoot,
> {
    let mut builder = Schema::build(
        permissions::Guarded(QueryRoot::default()),
        permissions::Guarded(MutationRoot::default()),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(MAX_DIRECTIVES);
    if !settings.introspection_enabled() {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Settings::default()).sdl()
}

/// What every resolver may need: the shared state, the caller and where the request came
/// from. Missing data is a wiring bug, answered as an internal error.
pub fn request_parts<'a>(
    ctx: &'a Context<'_>,
) -> ApiResult<(&'a AppState, &'a AuthCtx, &'a RequestMeta)> {
    let missing = |_| ApiError::internal(anyhow::anyhow!("request context not set up"));
    Ok((
        ctx.data::<AppState>().map_err(missing)?,
        ctx.data::<AuthCtx>().map_err(missing)?,
        ctx.data::<RequestMeta>().map_err(missing)?,
    ))
}

/// The UUID behind an opaque id argument; anything else is a `VALIDATION` error on `field`.
pub fn parse_id(field: &'static str, id: &async_graphql::ID) -> ApiResult<uuid::Uuid> {
    id.parse()
        .map_err(|_| ApiError::validation(field, "Not a valid id."))
}

/// Like [`parse_id`], for optional ids.
pub fn parse_opt_id(
    field: &'static str,
    id: Option<&async_graphql::ID>,
) -> ApiResult<Option<uuid::Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}

#[cfg(test)]
mod tests {
    use async_graphql::{InputType, Name, Value};
    use entity::ApiName;
    use sea_orm::Iterable;

    /// Checks, for every value of each stored enum, that its [`ApiName`] (used in audit
    /// details, messages and index keys) is its name in the schema.
    macro_rules! names_match {
        ($($api:ty => $stored:ty),* $(,)?) => {$(
            for value in <$stored>::iter() {
                let in_schema = <$api>::from(value).to_value();
                assert_eq!(
                    in_schema,
                    Value::Enum(Name::new(value.api_name())),
                    "{}",
                    stringify!($stored)
                );
            }
        )*};
    }

    #[test]
    fn stored_enum_names_are_their_schema_names() {
        use crate::{accounts, cancellations, faq, orders, refunds, tickets};
        use entity::{
            account, cancellation_request, faq_entry, order, payment, refund, shipment, ticket,
            ticket_message,
        };
        names_match!(
            accounts::types::Role => account::Role,
            accounts::types::AccountStatus => account::AccountStatus,
            orders::types::OrderStatus => order::OrderStatus,
            orders::types::PaymentMethod => payment::PaymentMethod,
            orders::types::PaymentStatus => payment::PaymentStatus,
            orders::types::PaymentFailureReason => payment::PaymentFailureReason,
            orders::types::ShipmentStatus => shipment::ShipmentStatus,
            cancellations::types::CancellationKind => cancellation_request::CancellationKind,
            cancellations::types::CancellationReason => cancellation_request::CancellationReason,
            cancellations::types::CancellationStatus => cancellation_request::CancellationStatus,
            refunds::types::RefundStatus => refund::RefundStatus,
            tickets::types::TicketCategory => ticket::TicketCategory,
            tickets::types::TicketChannel => ticket::TicketChannel,
            tickets::types::TicketStatus => ticket::TicketStatus,
            tickets::types::TicketPriority => ticket::TicketPriority,
            tickets::types::MessageOrigin => ticket_message::MessageOrigin,
            faq::types::Audience => faq_entry::Audience,
        );
    }
}
