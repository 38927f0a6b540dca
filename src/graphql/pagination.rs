//! Relay connections over keyset pagination on UUIDv7 ids.

use async_graphql::OutputType;
use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest `first` accepted.
pub const MAX_PAGE: u64 = 100;

/// Extra fields on every connection.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionFields {
    /// Number of nodes matching the filter, across all pages.
    pub total_count: u64,
}

/// Validated `first`/`after`.
#[derive(Debug, Clone, Copy)]
pub struct PageArgs {
    /// Page size.
    pub first: u64,
    /// Start after this id.
    pub after: Option<Uuid>,
}

impl PageArgs {
    /// Checks `first` (0..=100) and decodes the `after` cursor.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n < 0 => return Err(ApiError::validation("first", "Must not be negative.")),
            Some(n) if u64::try_from(n).unwrap_or(u64::MAX) > MAX_PAGE => {
                return Err(ApiError::LimitExceeded(format!(
                    "`first` is at most {MAX_PAGE}."
                )));
            }
            Some(n) => u64::try_from(n).unwrap_or(DEFAULT_PAGE),
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }
}

/// The opaque cursor of an id.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> ApiResult<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::validation("after", "Invalid cursor."))
}

/// Builds a connection from `(id, node)` pairs in page order.
pub fn connection<N: OutputType>(
    nodes: impl IntoIterator<Item = (Uuid, N)>,
    has_previous: bool,
    has_next: bool,
    total_count: u64,
) -> Connection<String, N, ConnectionFields> {
    let mut connection = Connection::with_additional_fields(
        has_previous,
        has_next,
        ConnectionFields { total_count },
    );
    connection.edges.extend(
        nodes
            .into_iter()
            .map(|(id, node)| Edge::new(encode_cursor(id), node)),
    );
    connection
}

/// Complexity of a list field: what one node costs, times the page size asked for.
pub fn complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.map_or(DEFAULT_PAGE as usize, |n| {
        usize::try_from(n.max(0)).unwrap_or(0)
    });
    first.max(1).saturating_mul(child_complexity.max(1))
}
