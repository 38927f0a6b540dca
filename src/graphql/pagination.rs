//! Relay connections over [`crate::pagination`]'s keyset pages: the connection type, its
//! extra fields, the total asked for or not, and what a list field costs.

use async_graphql::OutputType;
use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use uuid::Uuid;

pub use crate::pagination::*;

/// Extra fields on every connection.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionFields {
    /// Number of nodes matching the filter, across all pages.
    pub total_count: u64,
}

/// Reads from the document whether a connection's total is wanted.
pub trait CountWhenSelected {
    /// The same page, counting all matching rows only when the connection in `ctx` selects
    /// `totalCount` (0 stands for "not asked").
    fn counting_for(self, ctx: &async_graphql::Context<'_>) -> Self;
}

impl CountWhenSelected for PageArgs {
    fn counting_for(mut self, ctx: &async_graphql::Context<'_>) -> Self {
        self.count = ctx.look_ahead().field("totalCount").exists();
        self
    }
}

/// Builds a connection from a page, turning each row into its `(id, node)`.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    total_count: u64,
    node: impl Fn(T) -> (Uuid, N),
) -> Connection<String, N, ConnectionFields> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionFields { total_count },
    );
    connection.edges.extend(page.rows.into_iter().map(|row| {
        let (id, node) = node(row);
        Edge::new(encode_cursor(id), node)
    }));
    connection
}

/// Complexity of a list field: what one node costs, times the page size asked for.
pub fn complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE as usize, |n| {
        usize::try_from(n.max(0)).unwrap_or(0)
    });
    size.max(1).saturating_mul(child_complexity.max(1))
}
