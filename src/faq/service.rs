//! FAQ rules. No GraphQL here.

use std::collections::HashMap;

use entity::faq_entry::{self, Audience};
use entity::faq_vote;
use entity::ticket::TicketCategory;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::index::{self, Found, SearchFilter, SearchHit};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::{AuthCtx, RequestMeta};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::input::required_text;
use crate::state::AppState;

/// An entry to save.
#[derive(Debug, Clone)]
pub struct EntryInput {
    /// Category.
    pub category: TicketCategory,
    /// Audience.
    pub audience: Audience,
    /// Question.
    pub question: String,
    /// Answer.
    pub answer: String,
    /// `ko` or `en`.
    pub locale: String,
    /// Shown to customers.
    pub published: bool,
    /// Order within the category.
    pub position: i32,
}

/// Filters of the entry list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Only this category.
    pub category: Option<TicketCategory>,
    /// Entries for this audience (and for ALL).
    pub audience: Option<Audience>,
    /// Only this locale.
    pub locale: Option<String>,
}

fn check_locale(locale: &str) -> ApiResult<String> {
    match locale.trim() {
        "ko" | "en" => Ok(locale.trim().to_owned()),
        _ => Err(ApiError::validation("locale", "ko or en.")),
    }
}

fn checked(input: EntryInput) -> ApiResult<EntryInput> {
    Ok(EntryInput {
        question: required_text("question", &input.question, 300)?,
        answer: required_text("answer", &input.answer, 10_000)?,
        locale: check_locale(&input.locale)?,
        ..input
    })
}

/// What the caller may see: customers and anonymous visitors published entries only.
fn visible(auth: &AuthCtx) -> Condition {
    if auth.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(faq_entry::Column::Published.eq(true))
    }
}

fn filtered(auth: &AuthCtx, filter: &EntryFilter) -> ApiResult<Condition> {
    let mut condition = visible(auth);
    if let Some(category) = filter.category {
        condition = condition.add(faq_entry::Column::Category.eq(category));
    }
    if let Some(audience) = filter.audience {
        condition = condition.add(faq_entry::Column::Audience.is_in([audience, Audience::All]));
    }
    if let Some(locale) = &filter.locale {
        condition = condition.add(faq_entry::Column::Locale.eq(check_locale(locale)?));
    }
    Ok(condition)
}

/// Entries in display order (position, then id): one keyset page after the entry `after`.
pub async fn list_entries(
    conn: &impl ConnectionTrait,
    auth: &AuthCtx,
    filter: &EntryFilter,
    first: u64,
    after: Option<Uuid>,
) -> ApiResult<(Vec<faq_entry::Model>, bool, u64)> {
    let condition = filtered(auth, filter)?;
    let total = faq_entry::Entity::find()
        .filter(condition.clone())
        .count(conn)
        .await?;
    let mut select = faq_entry::Entity::find().filter(condition);
    if let Some(after) = after {
        let cursor = faq_entry::Entity::find_by_id(after)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::validation("after", "Invalid cursor."))?;
        select = select.filter(
            Condition::any()
                .add(faq_entry::Column::Position.gt(cursor.position))
                .add(
                    Condition::all()
                        .add(faq_entry::Column::Position.eq(cursor.position))
                        .add(faq_entry::Column::Id.gt(cursor.id)),
                ),
        );
    }
    let mut rows = select
        .order_by_asc(faq_entry::Column::Position)
        .order_by_asc(faq_entry::Column::Id)
        .limit(first + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok((rows, more, total))
}

/// One entry the caller may see; a customer's or visitor's look counts as a view.
pub async fn view_entry(
    conn: &impl ConnectionTrait,
    auth: &AuthCtx,
    id: Uuid,
) -> ApiResult<Option<faq_entry::Model>> {
    let Some(mut entry) = faq_entry::Entity::find_by_id(id)
        .filter(visible(auth))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if !auth.is_staff() {
        faq_entry::Entity::update_many()
            .col_expr(
                faq_entry::Column::ViewCount,
                Expr::col(faq_entry::Column::ViewCount).add(1),
            )
            .filter(faq_entry::Column::Id.eq(id))
            .exec(conn)
            .await?;
        entry.view_count += 1;
    }
    Ok(Some(entry))
}

/// Published entries of `category` for `audience` and `locale`, most helpful first: what the
/// help center suggests before a ticket is sent.
pub async fn suggestions(
    conn: &impl ConnectionTrait,
    category: TicketCategory,
    audience: Option<Audience>,
    locale: &str,
    limit: u64,
) -> ApiResult<Vec<faq_entry::Model>> {
    let mut select = faq_entry::Entity::find()
        .filter(faq_entry::Column::Published.eq(true))
        .filter(faq_entry::Column::Category.eq(category))
        .filter(faq_entry::Column::Locale.eq(locale));
    if let Some(audience) = audience {
        select = select.filter(faq_entry::Column::Audience.is_in([audience, Audience::All]));
    }
    Ok(select
        .order_by_desc(faq_entry::Column::HelpfulCount)
        .order_by_asc(faq_entry::Column::Position)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Saves a new entry (agents), audited, and indexes it for search.
pub async fn create_entry(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    input: EntryInput,
) -> ApiResult<faq_entry::Model> {
    let input = checked(input)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let entry = faq_entry::ActiveModel {
        id: Set(ids::at(now)),
        category: Set(input.category),
        audience: Set(input.audience),
        question: Set(input.question),
        answer: Set(input.answer),
        locale: Set(input.locale),
        published: Set(input.published),
        position: Set(input.position),
        view_count: Set(0),
        helpful_count: Set(0),
        not_helpful_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::FaqEntryCreated,
            actor,
            ("faq_entry", entry.id),
            json!({ "published": entry.published }),
        ),
    )
    .await?;
    let revision = index::bump_revision(&txn).await?;
    txn.commit().await?;
    state.faq_index.upsert(entry.clone(), revision).await?;
    Ok(entry)
}

/// Changes an entry (agents), audited, and re-indexes it.
pub async fn update_entry(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    id: Uuid,
    input: EntryInput,
) -> ApiResult<faq_entry::Model> {
    let input = checked(input)?;
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let before = faq_entry::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("FAQ entry"))?;
    let entry = faq_entry::ActiveModel {
        id: Set(id),
        category: Set(input.category),
        audience: Set(input.audience),
        question: Set(input.question),
        answer: Set(input.answer),
        locale: Set(input.locale),
        published: Set(input.published),
        position: Set(input.position),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        now,
        AuditEvent::on(
            AuditAction::FaqEntryUpdated,
            actor,
            ("faq_entry", id),
            json!({ "publishedBefore": before.published, "published": entry.published }),
        ),
    )
    .await?;
    let revision = index::bump_revision(&txn).await?;
    txn.commit().await?;
    state.faq_index.upsert(entry.clone(), revision).await?;
    Ok(entry)
}

/// Deletes an entry (agents), audited, and drops it from the index.
pub async fn delete_entry(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    id: Uuid,
) -> ApiResult<bool> {
    let txn = db::begin_write(&state.db).await?;
    let entry = faq_entry::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("FAQ entry"))?;
    faq_entry::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        meta,
        state.clock.now(),
        AuditEvent::on(
            AuditAction::FaqEntryDeleted,
            actor,
            ("faq_entry", id),
            json!({ "question": entry.question }),
        ),
    )
    .await?;
    let revision = index::bump_revision(&txn).await?;
    txn.commit().await?;
    state.faq_index.remove(id, revision).await?;
    Ok(true)
}

/// Longest search text accepted.
const MAX_QUERY_CHARS: usize = 200;

/// Ranked search over the entries the caller may see: best `limit` matches of `query` with
/// their scores and highlighted snippets.
pub async fn search(
    state: &AppState,
    auth: &AuthCtx,
    query: &str,
    filter: &EntryFilter,
    limit: u64,
) -> ApiResult<Vec<(faq_entry::Model, SearchHit)>> {
    if query.trim().is_empty() {
        return Err(ApiError::validation(
            "query",
            "Type what you are looking for.",
        ));
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::validation(
            "query",
            format!("At most {MAX_QUERY_CHARS} characters."),
        ));
    }
    let condition = filtered(auth, filter)?;
    state
        .faq_index
        .ensure_fresh(&state.db, state.clock.now())
        .await?;
    let found = state
        .faq_index
        .search(
            query,
            &SearchFilter {
                audience: filter.audience,
                locale: filter.locale.clone(),
                category: filter.category,
                include_drafts: auth.is_staff(),
            },
            usize::try_from(limit).unwrap_or(usize::MAX),
        )
        .await?;
    let Some(Found {
        ranked,
        highlighter,
    }) = found.filter(|found| !found.ranked.is_empty())
    else {
        return Ok(Vec::new());
    };
    // The index ranks; the database decides what the caller may see.
    let hits = faq_entry::Entity::find()
        .filter(condition)
        .filter(faq_entry::Column::Id.is_in(ranked.iter().map(|(id, _)| *id)));
    let mut rows: HashMap<Uuid, faq_entry::Model> =
        crate::rows::all::<faq_entry::Model>(&state.db, hits)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(id, score)| {
            let row = rows.remove(&id)?;
            let highlight = highlighter.highlight(&row.question, &row.answer);
            Some((row, SearchHit { score, highlight }))
        })
        .collect())
}

/// FAQ entries that may answer a ticket before it is sent: the best search matches of its
/// text within the category, or the category's most helpful entries when nothing matches.
pub async fn suggestions_for_text(
    state: &AppState,
    text: &str,
    category: TicketCategory,
    audience: Option<Audience>,
    locale: &str,
    limit: u64,
) -> ApiResult<Vec<faq_entry::Model>> {
    let filter = EntryFilter {
        category: Some(category),
        audience,
        locale: Some(locale.to_owned()),
    };
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    if !text.trim().is_empty() {
        let found = search(state, &AuthCtx::Anonymous, &text, &filter, limit).await?;
        if !found.is_empty() {
            return Ok(found.into_iter().map(|(entry, _)| entry).collect());
        }
    }
    suggestions(&state.db, category, audience, locale, limit).await
}

/// Who is voting: the account, or an anonymous client by a hash of its network (its IPv4
/// address or IPv6 /64). The user agent is not part of the key: a client writes it itself,
/// so changing it would vote again. People behind one address share one anonymous vote.
pub fn voter_key(auth: &AuthCtx, meta: &RequestMeta) -> String {
    match auth.caller() {
        Ok(caller) => format!("account:{}", caller.account_id),
        Err(_) => {
            let network = meta.network().unwrap_or_default();
            let digest = hex::encode(Sha256::digest(network.as_bytes()));
            format!("anon:{}", &digest[..32])
        }
    }
}

/// Records a vote; a second vote from the same voter replaces the first (counts move with it).
pub async fn vote(
    state: &AppState,
    auth: &AuthCtx,
    voter: String,
    id: Uuid,
    helpful: bool,
) -> ApiResult<faq_entry::Model> {
    let txn = db::begin_write(&state.db).await?;
    faq_entry::Entity::find_by_id(id)
        .filter(visible(auth))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("FAQ entry"))?;
    let previous = faq_vote::Entity::find_by_id((id, voter.clone()))
        .one(&txn)
        .await?;
    let column = |helpful: bool| {
        if helpful {
            faq_entry::Column::HelpfulCount
        } else {
            faq_entry::Column::NotHelpfulCount
        }
    };
    let bump = |col: faq_entry::Column, by: i64| {
        faq_entry::Entity::update_many()
            .col_expr(col, Expr::col(col).add(by))
            .filter(faq_entry::Column::Id.eq(id))
    };
    match previous {
        Some(vote) if vote.helpful == helpful => {}
        Some(_) => {
            bump(column(!helpful), -1).exec(&txn).await?;
            bump(column(helpful), 1).exec(&txn).await?;
            faq_vote::ActiveModel {
                entry_id: Set(id),
                voter_key: Set(voter),
                helpful: Set(helpful),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
        None => {
            faq_vote::ActiveModel {
                entry_id: Set(id),
                voter_key: Set(voter),
                helpful: Set(helpful),
                created_at: Set(state.clock.now()),
            }
            .insert(&txn)
            .await
            // The same voter's other request got there first.
            .map_err(db::conflict_on_duplicate(
                "id",
                "Your vote on this entry is already being recorded.",
            ))?;
            bump(column(helpful), 1).exec(&txn).await?;
        }
    }
    let entry = faq_entry::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("FAQ entry"))?;
    txn.commit().await?;
    Ok(entry)
}
