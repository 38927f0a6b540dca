//! Keyset pagination on UUIDv7 ids and on deadlines (never OFFSET), and the page arguments
//! it takes. No GraphQL here: services page with it, and `graphql::pagination` turns a
//! [`Page`] into a Relay connection.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::rows::{Positional, decoded, read};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest `first` accepted.
pub const MAX_PAGE: u64 = 100;

/// Which way a page runs from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `first`/`after`: from the newest towards older rows.
    Forward,
    /// `last`/`before`: the rows just newer than the cursor (or the oldest page).
    Backward,
}

/// Validated Relay arguments.
#[derive(Debug, Clone, Copy)]
pub struct PageArgs {
    /// Page size.
    pub size: u64,
    /// The `after` or `before` cursor.
    pub cursor: Option<Uuid>,
    /// Direction.
    pub direction: Direction,
    /// Whether the total is wanted: a `COUNT` over every matching row costs as much as the
    /// rows (a million orders, for an agent's unfiltered list), while the page itself costs
    /// the same at any depth, so it is counted only when the document selects `totalCount`.
    pub count: bool,
}

fn page_size(field: &'static str, n: i32) -> ApiResult<u64> {
    if n < 0 {
        return Err(ApiError::validation(field, "Must not be negative."));
    }
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    if n > MAX_PAGE {
        return Err(ApiError::LimitExceeded(format!(
            "`{field}` is at most {MAX_PAGE}."
        )));
    }
    Ok(n)
}

impl PageArgs {
    /// Checks sizes (0..=100) and cursors; `first`/`after` and `last`/`before` do not mix.
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> ApiResult<Self> {
        let backward = last.is_some() || before.is_some();
        if backward && (first.is_some() || after.is_some()) {
            return Err(ApiError::validation(
                "last",
                "Page forward with first/after or backward with last/before, not both.",
            ));
        }
        if backward {
            Ok(Self {
                size: last
                    .map(|n| page_size("last", n))
                    .transpose()?
                    .unwrap_or(DEFAULT_PAGE),
                cursor: before.map(|c| decode_cursor("before", c)).transpose()?,
                direction: Direction::Backward,
                count: true,
            })
        } else {
            Ok(Self {
                size: first
                    .map(|n| page_size("first", n))
                    .transpose()?
                    .unwrap_or(DEFAULT_PAGE),
                cursor: after.map(|c| decode_cursor("after", c)).transpose()?,
                direction: Direction::Forward,
                count: true,
            })
        }
    }
}

/// One page of rows, newest first, with what lies on either side.
#[derive(Debug)]
pub struct Page<T> {
    /// The rows, newest first.
    pub rows: Vec<T>,
    /// Whether newer rows exist (exact when paging backward; "a cursor was given" forward).
    pub has_previous: bool,
    /// Whether older rows exist (exact when paging forward).
    pub has_next: bool,
}

impl<T> Page<T> {
    /// The same page with each row turned into `f(row)`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }
}

/// Fetches one keyset page of `select` ordered by the UUIDv7 column `id`, newest first.
/// No OFFSET: the cursor is a bound on the indexed id, so every page costs the same.
pub async fn fetch_newest_first<E>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id: E::Column,
    args: &PageArgs,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Positional,
{
    fetch_newest_first_as(conn, select, id, args, read::<E::Model>).await
}

/// [`fetch_newest_first`], each row decoded by `decode`: for a select that joins other
/// tables and reads their columns too.
pub async fn fetch_newest_first_as<E, M>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id: E::Column,
    args: &PageArgs,
    decode: impl Fn(&QueryResult) -> Result<M, DbErr>,
) -> Result<Page<M>, DbErr>
where
    E: EntityTrait,
{
    let limit = args.size + 1;
    let size = usize::try_from(args.size).unwrap_or(usize::MAX);
    match args.direction {
        Direction::Forward => {
            let select = match args.cursor {
                Some(cursor) => select.filter(id.lt(cursor)),
                None => select,
            };
            let mut rows = decoded(conn, select.order_by_desc(id).limit(limit), decode).await?;
            let has_next = rows.len() > size;
            rows.truncate(size);
            Ok(Page {
                rows,
                has_previous: args.cursor.is_some(),
                has_next,
            })
        }
        Direction::Backward => {
            let select = match args.cursor {
                Some(cursor) => select.filter(id.gt(cursor)),
                None => select,
            };
            let mut rows = decoded(conn, select.order_by_asc(id).limit(limit), decode).await?;
            let has_previous = rows.len() > size;
            rows.truncate(size);
            rows.reverse();
            Ok(Page {
                rows,
                has_previous,
                has_next: args.cursor.is_some(),
            })
        }
    }
}

/// One keyset page of `select` ordered by `key` (a time, earliest first), then by `id`.
/// `cursor` is the key and id of the cursor's row, which the caller reads back (scoped as
/// the list is) from the id in the Relay cursor. No OFFSET, as with [`fetch_newest_first`].
pub async fn fetch_by_key<E>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    key: sea_orm::sea_query::SimpleExpr,
    id: E::Column,
    cursor: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    args: &PageArgs,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Positional,
{
    fetch_by_key_as(conn, select, key, id, cursor, args, read::<E::Model>).await
}

/// [`fetch_by_key`], each row decoded by `decode` (as in [`fetch_newest_first_as`]).
pub async fn fetch_by_key_as<E, M>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    key: sea_orm::sea_query::SimpleExpr,
    id: E::Column,
    cursor: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    args: &PageArgs,
    decode: impl Fn(&QueryResult) -> Result<M, DbErr>,
) -> Result<Page<M>, DbErr>
where
    E: EntityTrait,
{
    use sea_orm::sea_query::ExprTrait as _;
    let forward = args.direction == Direction::Forward;
    let select = match cursor {
        Some((at, row)) => {
            let (key_side, id_side) = if forward {
                (key.clone().gt(at), id.gt(row))
            } else {
                (key.clone().lt(at), id.lt(row))
            };
            select.filter(
                sea_orm::Condition::any().add(key_side).add(
                    sea_orm::Condition::all()
                        .add(key.clone().eq(at))
                        .add(id_side),
                ),
            )
        }
        None => select,
    };
    let order = if forward {
        sea_orm::Order::Asc
    } else {
        sea_orm::Order::Desc
    };
    let size = usize::try_from(args.size).unwrap_or(usize::MAX);
    let select = select
        .order_by(key, order.clone())
        .order_by(id, order)
        .limit(args.size + 1);
    let mut rows = decoded(conn, select, decode).await?;
    let more = rows.len() > size;
    rows.truncate(size);
    if forward {
        Ok(Page {
            rows,
            has_previous: cursor.is_some(),
            has_next: more,
        })
    } else {
        rows.reverse();
        Ok(Page {
            rows,
            has_previous: more,
            has_next: cursor.is_some(),
        })
    }
}

/// The field a bad cursor is reported on.
pub fn cursor_field(args: &PageArgs) -> &'static str {
    match args.direction {
        Direction::Forward => "after",
        Direction::Backward => "before",
    }
}

/// One keyset page of `select` with the number of rows matching it across all pages.
pub async fn fetch_counted<E>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id: E::Column,
    args: &PageArgs,
) -> Result<(Page<E::Model>, u64), DbErr>
where
    E: EntityTrait,
    E::Model: Positional + Sync,
{
    let total = count_if_asked(conn, args, select.clone(), id).await?;
    let page = fetch_newest_first(conn, select, id, args).await?;
    Ok((page, total))
}

/// [`count_rows`] when `args` asks for the total, else 0.
pub async fn count_if_asked<E>(
    conn: &impl ConnectionTrait,
    args: &PageArgs,
    select: Select<E>,
    id: E::Column,
) -> Result<u64, DbErr>
where
    E: EntityTrait,
{
    if args.count {
        count_rows(conn, select, id).await
    } else {
        Ok(0)
    }
}

/// How many rows `select` matches.
pub async fn count_rows<E>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    id: E::Column,
) -> Result<u64, DbErr>
where
    E: EntityTrait,
{
    // `COUNT(id)` straight on the filtered table: the paginator's count wraps the whole
    // `SELECT *` in a subquery, which materialises every column of every matching row.
    let total: Option<i64> = select
        .select_only()
        .column_as(
            sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::count(
                sea_orm::sea_query::Expr::col(id),
            )),
            "total",
        )
        .into_tuple()
        .one(conn)
        .await?;
    Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
}

/// Adds `condition` to `filter` when `flag` is `Some(true)`, its negation when `Some(false)`.
pub fn with_flag(
    filter: sea_orm::Condition,
    flag: Option<bool>,
    condition: sea_orm::Condition,
) -> sea_orm::Condition {
    match flag {
        Some(true) => filter.add(condition),
        Some(false) => filter.add(condition.not()),
        None => filter,
    }
}

/// The opaque cursor of an id.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(field: &'static str, cursor: &str) -> ApiResult<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::validation(field, "Invalid cursor."))
}
