//! The role × operation matrix, enforced for every root field before its resolver runs.
//!
//! Deny by default: a root field missing from [`MATRIX`] cannot be called by anyone, and the
//! permission test fails until it is listed. Object-level checks (whose order, whose ticket)
//! happen in the services, in SQL; this layer only decides who may call an operation at all.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::Field;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerError, ServerResult,
    Value, Variables,
};
use entity::account::Role;

use crate::auth::{AuthCtx, SIGN_IN_FIRST};
use crate::error::ApiError;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts with one of these roles.
    Roles(&'static [Role]),
}

const STAFF: &[Role] = &[Role::Agent, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];
const BUYER: &[Role] = &[Role::Buyer];
const SELLER: &[Role] = &[Role::Seller];
const BUYER_OR_STAFF: &[Role] = &[Role::Buyer, Role::Agent, Role::Admin];
const SELLER_OR_STAFF: &[Role] = &[Role::Seller, Role::Agent, Role::Admin];
const CUSTOMER: &[Role] = &[Role::Buyer, Role::Seller];

/// Every root field of the schema with who may call it.
pub const MATRIX: &[(&str, &str, Access)] = &[
    ("Query", "me", Access::Anyone),
    ("Query", "accounts", Access::Roles(STAFF)),
    ("Query", "account", Access::Roles(STAFF)),
    ("Mutation", "register", Access::Anyone),
    ("Mutation", "login", Access::Anyone),
    ("Mutation", "refreshSession", Access::Anyone),
    ("Mutation", "logout", Access::Anyone),
    ("Mutation", "changePassword", Access::SignedIn),
    ("Mutation", "createStaffAccount", Access::Roles(ADMIN)),
    // Account security: reset and compromise reports are public (and never tell whether an
    // email is registered); reviewing and recovering accounts is for agents.
    ("Mutation", "requestPasswordReset", Access::Anyone),
    ("Mutation", "resetPassword", Access::Anyone),
    ("Mutation", "reportAccountCompromise", Access::Anyone),
    ("Mutation", "completeAccountRecovery", Access::Anyone),
    ("Mutation", "lockAccountWithToken", Access::Anyone),
    ("Mutation", "lockAccount", Access::Roles(STAFF)),
    ("Mutation", "unlockAccount", Access::Roles(STAFF)),
    ("Mutation", "startAccountRecovery", Access::Roles(STAFF)),
    ("Mutation", "changeEmail", Access::SignedIn),
    ("Mutation", "changePhone", Access::SignedIn),
    ("Mutation", "revokeSession", Access::SignedIn),
    ("Query", "auditEvents", Access::Roles(STAFF)),
    ("Query", "accountSessions", Access::Roles(STAFF)),
    ("Query", "mySecurityEvents", Access::SignedIn),
    ("Query", "mySessions", Access::SignedIn),
    // Commerce: who sees which order is decided in SQL by the services (order scope).
    ("Query", "orders", Access::SignedIn),
    ("Query", "order", Access::SignedIn),
    ("Query", "orderByNumber", Access::SignedIn),
    ("Query", "sellerDashboard", Access::Roles(SELLER)),
    ("Query", "cancellationRequests", Access::SignedIn),
    ("Query", "cancellationRequest", Access::SignedIn),
    ("Query", "refunds", Access::SignedIn),
    ("Query", "refund", Access::SignedIn),
    ("Mutation", "placeOrder", Access::Roles(BUYER)),
    ("Mutation", "payOrder", Access::Roles(BUYER)),
    ("Mutation", "markPreparing", Access::Roles(SELLER)),
    ("Mutation", "shipOrder", Access::Roles(SELLER)),
    (
        "Mutation",
        "addShipmentEvent",
        Access::Roles(SELLER_OR_STAFF),
    ),
    ("Mutation", "markDelivered", Access::Roles(SELLER_OR_STAFF)),
    (
        "Mutation",
        "updateExpectedDelivery",
        Access::Roles(SELLER_OR_STAFF),
    ),
    ("Mutation", "confirmPurchase", Access::Roles(BUYER)),
    (
        "Mutation",
        "requestCancellation",
        Access::Roles(BUYER_OR_STAFF),
    ),
    ("Mutation", "withdrawCancellation", Access::Roles(BUYER)),
    (
        "Mutation",
        "approveCancellation",
        Access::Roles(SELLER_OR_STAFF),
    ),
    (
        "Mutation",
        "rejectCancellation",
        Access::Roles(SELLER_OR_STAFF),
    ),
    ("Mutation", "cancelOrderBySeller", Access::Roles(SELLER)),
    ("Mutation", "rateCancellation", Access::Roles(BUYER)),
    ("Mutation", "createRefund", Access::Roles(SELLER_OR_STAFF)),
    ("Mutation", "retryRefund", Access::Roles(SELLER_OR_STAFF)),
    // Tickets: customers reach their own (scoped in SQL), staff all.
    ("Query", "tickets", Access::SignedIn),
    ("Query", "ticket", Access::SignedIn),
    ("Mutation", "createTicket", Access::SignedIn),
    ("Mutation", "replyToTicket", Access::SignedIn),
    ("Mutation", "assignTicket", Access::Roles(STAFF)),
    ("Mutation", "setTicketStatus", Access::SignedIn),
    ("Mutation", "setTicketPriority", Access::Roles(STAFF)),
    ("Mutation", "rateTicket", Access::Roles(CUSTOMER)),
    ("Query", "macros", Access::Roles(STAFF)),
    ("Query", "macroPlaceholders", Access::Roles(STAFF)),
    ("Query", "supportDashboard", Access::Roles(STAFF)),
    ("Mutation", "setAgentAvailability", Access::Roles(STAFF)),
    ("Mutation", "setTicketPresence", Access::Roles(STAFF)),
    // Live updates: a customer's subscription is scoped to their own ticket in SQL.
    ("Subscription", "ticketUpdated", Access::SignedIn),
    ("Subscription", "ticketQueueChanged", Access::Roles(STAFF)),
    ("Subscription", "ticketPresence", Access::Roles(STAFF)),
    // FAQ: the help center is public; editing is for agents.
    ("Query", "faqEntries", Access::Anyone),
    ("Query", "faqEntry", Access::Anyone),
    ("Query", "faqSearch", Access::Anyone),
    ("Query", "contactOptions", Access::Anyone),
    ("Mutation", "voteFaq", Access::Anyone),
    ("Mutation", "createFaqEntry", Access::Roles(STAFF)),
    ("Mutation", "updateFaqEntry", Access::Roles(STAFF)),
    ("Mutation", "deleteFaqEntry", Access::Roles(STAFF)),
    ("Mutation", "createMacro", Access::Roles(STAFF)),
    ("Mutation", "updateMacro", Access::Roles(STAFF)),
    ("Mutation", "deleteMacro", Access::Roles(STAFF)),
];

/// The access rule of a root field, if it is listed.
pub fn access_for(parent_type: &str, field: &str) -> Option<Access> {
    MATRIX
        .iter()
        .find(|(ty, name, _)| *ty == parent_type && *name == field)
        .map(|(_, _, access)| *access)
}

impl Access {
    /// Whether `auth` may call; the error to answer otherwise.
    pub fn check(self, auth: &AuthCtx) -> Result<(), ApiError> {
        match (self, auth.role()) {
            (Access::Anyone, _) => Ok(()),
            (_, None) => Err(ApiError::Unauthenticated(SIGN_IN_FIRST)),
            (Access::SignedIn, Some(_)) => Ok(()),
            (Access::Roles(roles), Some(role)) if roles.contains(&role) => Ok(()),
            (Access::Roles(_), Some(_)) => Err(ApiError::Forbidden),
        }
    }
}

/// A root object whose fields each pass [`MATRIX`] before they resolve (after the document
/// was validated, so a malformed document is still a validation error whoever sends it).
/// A root field missing from the matrix is denied to everyone. Introspection (`__schema`,
/// `__type`) is answered before this, and `__typename` never reaches it.
pub struct Guarded<T>(pub T);

impl<T: Default> Default for Guarded<T> {
    fn default() -> Self {
        Self(T::default())
    }
}

impl<T: ContainerType> OutputType for Guarded<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ContainerType> ContainerType for Guarded<T> {
    fn is_empty() -> bool {
        T::is_empty()
    }

    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let name = ctx.item.node.name.node.as_str();
        if !name.starts_with("__") {
            let parent = T::type_name();
            let auth = ctx
                .data_opt::<AuthCtx>()
                .copied()
                .unwrap_or(AuthCtx::Anonymous);
            let denied = match access_for(&parent, name) {
                Some(access) => access.check(&auth).err(),
                None => {
                    tracing::error!(
                        parent = %parent,
                        field = name,
                        "root field missing from the permission matrix: denied"
                    );
                    Some(ApiError::Forbidden)
                }
            };
            if let Some(err) = denied {
                let mut error = ctx.set_error_path(to_server_error(err));
                error.locations = vec![ctx.item.pos];
                return Err(error);
            }
        }
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ObjectType> ObjectType for Guarded<T> {}

/// An [`ApiError`] as the error of a parse-time extension.
pub(crate) fn to_server_error(err: ApiError) -> ServerError {
    let err: async_graphql::Error = err.into();
    err.into_server_error(Default::default())
}

/// Extension that applies [`MATRIX`] to subscriptions (the WebSocket schema's): when the
/// document is parsed, and again when a subscription field first resolves.
pub struct AccessControl;

impl ExtensionFactory for AccessControl {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AccessControlExtension)
    }
}

struct AccessControlExtension;

/// The root fields of the document's subscription operations.
fn subscription_fields(doc: &ExecutableDocument) -> Vec<&str> {
    doc.operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Subscription)
        .flat_map(|(_, op)| op.node.selection_set.node.items.iter())
        .filter_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        })
        .collect()
}

/// Whether `auth` may start every subscription of `doc`.
pub(crate) fn check_subscriptions(doc: &ExecutableDocument, auth: &AuthCtx) -> ServerResult<()> {
    for field in subscription_fields(doc) {
        match access_for("Subscription", field) {
            Some(access) => access.check(auth).map_err(to_server_error)?,
            None if field.starts_with("__") => {}
            None => return Err(to_server_error(ApiError::Forbidden)),
        }
    }
    Ok(())
}

#[async_graphql::async_trait::async_trait]
impl Extension for AccessControlExtension {
    /// Subscriptions are checked before their stream starts: the resolve hook below only
    /// sees a subscription field when its first event is resolved.
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let auth = ctx
            .data_opt::<AuthCtx>()
            .copied()
            .unwrap_or(AuthCtx::Anonymous);
        check_subscriptions(&doc, &auth)?;
        Ok(doc)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Query and mutation fields are checked by their root objects ([`Guarded`]); the
        // subscription root is not one of ours to wrap. Its fields report the merged part's
        // own type (`TicketsSubscription`) as their parent, not the root's name.
        let is_root = info.path_node.parent.is_none();
        if is_root
            && info.parent_type.ends_with("Subscription")
            && !info.is_for_introspection
            && !info.name.starts_with("__")
        {
            let auth = ctx
                .data_opt::<AuthCtx>()
                .copied()
                .unwrap_or(AuthCtx::Anonymous);
            match access_for("Subscription", info.name) {
                Some(access) => access.check(&auth).map_err(to_server_error)?,
                None => {
                    tracing::error!(
                        parent = info.parent_type,
                        field = info.name,
                        "root field missing from the permission matrix: denied"
                    );
                    return Err(to_server_error(ApiError::Forbidden));
                }
            }
        }
        next.run(ctx, info).await
    }
}

/// Extension that refuses documents with more than `max` aliased fields.
pub struct AliasLimit {
    /// Largest number of aliases accepted.
    pub max: usize,
}

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension { max: self.max })
    }
}

struct AliasLimitExtension {
    max: usize,
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn document_aliases(doc: &ExecutableDocument) -> usize {
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|fragment| count_aliases(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// The `LIMIT_EXCEEDED` error for a document with more than `max` aliases.
fn aliases_over(doc: &ExecutableDocument, max: usize) -> Option<ServerError> {
    (document_aliases(doc) > max).then(|| {
        to_server_error(ApiError::LimitExceeded(format!(
            "A document may use at most {max} aliases."
        )))
    })
}

/// The `LIMIT_EXCEEDED` error for a document with more than [`MAX_ALIASES`] aliases.
pub(crate) fn alias_error(doc: &ExecutableDocument) -> Option<ServerError> {
    aliases_over(doc, super::MAX_ALIASES)
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        match aliases_over(&doc, self.max) {
            Some(error) => Err(error),
            None => Ok(doc),
        }
    }
}
