//! The FAQ search index: tantivy in memory, analyzed with [`crate::search`], ranked by BM25.
//!
//! The database is the truth. The index is rebuilt from it at start-up, updated by this
//! process on every change, and checked against the table before each search (a row count
//! and the newest change), so a change made by another instance is picked up by the next
//! search here. Hits are loaded back from the database with the caller's visibility rules,
//! so a stale index can never show a draft to a customer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use entity::ApiName;
use entity::faq_entry::{self, Audience};
use entity::ticket::TicketCategory;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::search::{self, BigramTokenizer};

/// A question match counts this much more than an answer match: the question says what the
/// entry is about, the answer mentions many things in passing.
const QUESTION_BOOST: f32 = 2.0;
/// Characters of the highlighted snippet.
const SNIPPET_CHARS: usize = 160;
/// The indexing arena; tantivy's minimum is plenty for a help center.
const WRITER_MEMORY: usize = 15_000_000;

/// What a search may return.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Entries for this audience (and for ALL).
    pub audience: Option<Audience>,
    /// Only this locale.
    pub locale: Option<String>,
    /// Only this category.
    pub category: Option<TicketCategory>,
    /// Drafts too (agents).
    pub include_drafts: bool,
}

/// One ranked match.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The entry.
    pub id: Uuid,
    /// BM25 score (higher is better).
    pub score: f32,
    /// HTML-escaped snippet with the matched terms in `<b>`.
    pub highlight: Option<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    question: Field,
    answer: Field,
    category: Field,
    audience: Field,
    locale: Field,
    published: Field,
}

/// What the index holds: entry id → its `updated_at`.
type Indexed = HashMap<Uuid, DateTime<Utc>>;

/// The shared index; cheap to clone. Writes (a tantivy commit) run on the blocking pool and
/// hold `writer`; the freshness check only reads `indexed`, which is held for a moment, so a
/// search never waits on an async worker for a commit to finish.
#[derive(Clone)]
pub struct FaqIndex {
    reader: IndexReader,
    fields: Fields,
    writer: Arc<Mutex<IndexWriter>>,
    indexed: Arc<Mutex<Indexed>>,
}

/// The state of the table the index is compared with.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint {
    count: u64,
    newest: Option<(DateTime<Utc>, Uuid)>,
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    ApiError::internal(anyhow::anyhow!("FAQ index: {err}"))
}

fn category_key(category: TicketCategory) -> String {
    category.api_name()
}

fn audience_key(audience: Audience) -> String {
    audience.api_name()
}

impl FaqIndex {
    /// An empty index.
    pub fn new() -> anyhow::Result<Self> {
        let mut builder = Schema::builder();
        let analyzed = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(search::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            question: builder.add_text_field("question", analyzed.clone()),
            answer: builder.add_text_field("answer", analyzed),
            category: builder.add_text_field("category", STRING),
            audience: builder.add_text_field("audience", STRING),
            locale: builder.add_text_field("locale", STRING),
            published: builder.add_text_field("published", STRING),
        };
        let index = Index::create_in_ram(builder.build());
        index
            .tokenizers()
            .register(search::ANALYZER, BigramTokenizer);
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            fields,
            writer: Arc::new(Mutex::new(writer)),
            indexed: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        // A panic while indexing leaves at worst a stale index, which the next freshness
        // check rebuilds; the lock itself is still usable.
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_indexed(&self) -> MutexGuard<'_, Indexed> {
        self.indexed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn document(&self, entry: &faq_entry::Model) -> TantivyDocument {
        let f = self.fields;
        doc!(
            f.id => entry.id.to_string(),
            f.question => entry.question.clone(),
            f.answer => entry.answer.clone(),
            f.category => category_key(entry.category),
            f.audience => audience_key(entry.audience),
            f.locale => entry.locale.clone(),
            f.published => if entry.published { "1" } else { "0" },
        )
    }

    fn commit(&self, writer: &mut IndexWriter) -> ApiResult<()> {
        writer.commit().map_err(internal)?;
        self.reader.reload().map_err(internal)
    }

    /// Runs `write` on the blocking pool: a commit takes milliseconds of CPU and file work
    /// that must not hold an async worker.
    async fn on_blocking_pool(
        &self,
        write: impl FnOnce(&Self) -> ApiResult<()> + Send + 'static,
    ) -> ApiResult<()> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || write(&this))
            .await
            .map_err(internal)?
    }

    /// Replaces the whole index with `entries`.
    fn replace_all(&self, entries: &[faq_entry::Model]) -> ApiResult<()> {
        let mut writer = self.lock_writer();
        writer.delete_all_documents().map_err(internal)?;
        for entry in entries {
            writer
                .add_document(self.document(entry))
                .map_err(internal)?;
        }
        self.commit(&mut writer)?;
        *self.lock_indexed() = entries.iter().map(|e| (e.id, e.updated_at)).collect();
        Ok(())
    }

    /// Indexes a new or changed entry (called after the change is committed).
    pub async fn upsert(&self, entry: faq_entry::Model) -> ApiResult<()> {
        self.on_blocking_pool(move |this| {
            let mut writer = this.lock_writer();
            writer.delete_term(Term::from_field_text(this.fields.id, &entry.id.to_string()));
            writer
                .add_document(this.document(&entry))
                .map_err(internal)?;
            this.commit(&mut writer)?;
            this.lock_indexed().insert(entry.id, entry.updated_at);
            Ok(())
        })
        .await
    }

    /// Drops a deleted entry.
    pub async fn remove(&self, id: Uuid) -> ApiResult<()> {
        self.on_blocking_pool(move |this| {
            let mut writer = this.lock_writer();
            writer.delete_term(Term::from_field_text(this.fields.id, &id.to_string()));
            this.commit(&mut writer)?;
            this.lock_indexed().remove(&id);
            Ok(())
        })
        .await
    }

    /// Rebuilds the index from the table.
    pub async fn rebuild(&self, conn: &impl ConnectionTrait) -> ApiResult<()> {
        let entries = faq_entry::Entity::find().all(conn).await?;
        self.on_blocking_pool(move |this| this.replace_all(&entries))
            .await
    }

    fn local_fingerprint(&self) -> Fingerprint {
        let indexed = self.lock_indexed();
        Fingerprint {
            count: indexed.len() as u64,
            newest: indexed.iter().map(|(id, at)| (*at, *id)).max(),
        }
    }

    /// Rebuilds when the table changed behind this process's back (another instance).
    pub async fn ensure_fresh(&self, conn: &impl ConnectionTrait) -> ApiResult<()> {
        let count = faq_entry::Entity::find().count(conn).await?;
        let newest: Option<(DateTime<Utc>, Uuid)> = faq_entry::Entity::find()
            .select_only()
            .column(faq_entry::Column::UpdatedAt)
            .column(faq_entry::Column::Id)
            .order_by_desc(faq_entry::Column::UpdatedAt)
            .order_by_desc(faq_entry::Column::Id)
            .into_tuple()
            .one(conn)
            .await?;
        if (Fingerprint { count, newest }) != self.local_fingerprint() {
            tracing::debug!("FAQ index is behind the table; rebuilding");
            self.rebuild(conn).await?;
        }
        Ok(())
    }

    /// The best `limit` matches of `text` under `filter`, best first.
    pub async fn search(
        &self,
        text: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> ApiResult<Vec<SearchHit>> {
        let terms = search::terms(text);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.query(&terms, filter);
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.run(query.as_ref(), limit))
            .await
            .map_err(internal)?
    }

    fn query(&self, terms: &[String], filter: &SearchFilter) -> Box<dyn Query> {
        let f = self.fields;
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut text_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            text_clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(term(f.question, t), QUESTION_BOOST)),
            ));
            text_clauses.push((Occur::Should, term(f.answer, t)));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(text_clauses)))];
        if !filter.include_drafts {
            clauses.push((Occur::Must, term(f.published, "1")));
        }
        if let Some(audience) = filter.audience {
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, term(f.audience, &audience_key(audience))),
                    (
                        Occur::Should,
                        term(f.audience, &audience_key(Audience::All)),
                    ),
                ])),
            ));
        }
        if let Some(locale) = &filter.locale {
            clauses.push((Occur::Must, term(f.locale, locale)));
        }
        if let Some(category) = filter.category {
            clauses.push((Occur::Must, term(f.category, &category_key(category))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn run(&self, query: &dyn Query, limit: usize) -> ApiResult<Vec<SearchHit>> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let top = searcher
            .search(query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(internal)?;
        let mut answer_snippets =
            SnippetGenerator::create(&searcher, query, f.answer).map_err(internal)?;
        answer_snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut question_snippets =
            SnippetGenerator::create(&searcher, query, f.question).map_err(internal)?;
        question_snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address).map_err(internal)?;
            let Some(id) = document
                .get_first(f.id)
                .and_then(|value| value.as_str())
                .and_then(|id| id.parse().ok())
            else {
                continue;
            };
            let answer = answer_snippets.snippet_from_doc(&document);
            let snippet = if answer.is_empty() {
                question_snippets.snippet_from_doc(&document)
            } else {
                answer
            };
            hits.push(SearchHit {
                id,
                score,
                highlight: (!snippet.is_empty()).then(|| snippet.to_html()),
            });
        }
        Ok(hits)
    }
}
