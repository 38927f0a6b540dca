//! The checks a document passes before it runs over HTTP: no NUL in any input, at most
//! [`MAX_ALIASES`](super::MAX_ALIASES) aliases, and no subscription the caller may not start.
//! The permission matrix itself is applied by the root objects ([`Guarded`]), to each root
//! field after validation, as before.
//!
//! The WebSocket schema runs the same checks as async-graphql extensions. Over HTTP they run
//! here, once per document, because any extension at all puts every field of every answer
//! through async-graphql's extension chain (a boxed future per extension, a registry lookup
//! and a type name built per field and per list item): a page of 50 orders resolves over a
//! thousand fields, and profiles showed that chain among the largest costs of list queries
//! (BENCHMARKS.md). The checks are the same functions either way, in the same order.
//!
//! [`Guarded`]: super::permissions::Guarded

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, Variables};

use super::nul_guard::nul_error;
use super::permissions::{self, alias_error};
use crate::auth::AuthCtx;

/// Checks `doc` with `variables` for `auth`; the error to answer (as a request that never
/// ran) otherwise.
pub fn admit(
    doc: &ExecutableDocument,
    variables: &Variables,
    auth: &AuthCtx,
) -> Result<(), ServerError> {
    // The order the extensions run in: NUL, aliases, subscriptions.
    if let Some(error) = nul_error(doc, variables) {
        return Err(error);
    }
    if let Some(error) = alias_error(doc) {
        return Err(error);
    }
    permissions::check_subscriptions(doc, auth)
}
