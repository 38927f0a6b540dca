//! The FAQ search index: tantivy in a temporary directory, analyzed with [`crate::search`],
//! ranked by BM25.
//!
//! The database is the truth. Every change to the entries bumps the FAQ's row of
//! `cache_revisions` in its own transaction ([`bump_revision`]). The index is rebuilt from
//! the table at start-up, follows this process's own changes one revision at a time, and is
//! checked against the stored revision (one read by key) by a search at most once a second,
//! so a change made by another instance is picked up here within a second. Hits are loaded back from
//! the database with the caller's visibility rules, so a stale index can never show a draft
//! to a customer.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use entity::ApiName;
use entity::cache_revision;
use entity::faq_entry::{self, Audience};
use entity::ticket::TicketCategory;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
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
/// Entries read per statement while rebuilding.
const REBUILD_PAGE: u64 = 500;
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

/// How one entry matched (the entry is its row, beside it).
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// BM25 score (higher is better).
    pub score: f32,
    /// HTML-escaped snippet with the matched terms in `<b>`.
    pub highlight: Option<String>,
}

/// The matches of one search, best first, and what highlights them.
pub struct Found {
    /// Entry ids and their BM25 scores (higher is better).
    pub ranked: Vec<(Uuid, f32)>,
    /// Marks the query's terms in an entry's text.
    pub highlighter: Highlighter,
}

/// Marks a search's terms in the text of the entries it found. The index keeps no text of
/// its own (the rows are read from the database anyway, to apply the caller's visibility),
/// so snippets are cut from the rows the caller may see.
pub struct Highlighter {
    answer: SnippetGenerator,
    question: SnippetGenerator,
}

impl Highlighter {
    /// HTML-escaped snippet of the answer, or of the question when the answer does not
    /// match, with the matched terms in `<b>`; `None` when neither matches.
    pub fn highlight(&self, question: &str, answer: &str) -> Option<String> {
        let answer = self.answer.snippet(answer);
        let snippet = if answer.is_empty() {
            self.question.snippet(question)
        } else {
            answer
        };
        (!snippet.is_empty()).then(|| snippet.to_html())
    }
}

/// The index's fields.
///
/// A published entry's text is in `question` and `answer`, a draft's in `draft_question` and
/// `draft_answer`: customers and visitors, nearly every search, then search a plain union
/// of terms with no filter to intersect, which tantivy ranks by block-max WAND and stops
/// early, where a `published` term to intersect with had every matching entry scored
/// (BENCHMARKS.md, change 36). Staff search all four.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    question: Field,
    answer: Field,
    draft_question: Field,
    draft_answer: Field,
    category: Field,
    /// Every audience the entry is shown to: an entry for everyone holds all of them, so
    /// the audience filter is one term rather than a union of two.
    audience: Field,
    locale: Field,
}

/// The FAQ's row of `cache_revisions`.
const REVISION: &str = "faq";
/// The index's revision before its first rebuild: behind any stored one.
const NO_REVISION: i64 = -1;
/// How long one read of the stored revision answers for, in milliseconds of the injected
/// clock: another instance's change to the FAQ shows in this instance's searches within this
/// time, and this instance's own changes at once. At thousands of searches a second the read
/// was a statement per search; hits are read back from the table with the caller's
/// visibility either way, so a hidden or deleted entry never shows in the meantime.
const RECHECK_AFTER_MILLIS: i64 = 1_000;
/// `checked_at` when the next search must read the stored revision.
const CHECK_DUE: i64 = i64::MIN;

/// Bumps the FAQ's revision in `txn`, the transaction of a change to the entries, and
/// returns the revision that change makes. The row is written by every change, so changes
/// to the FAQ commit one after another (they are a few a day); pass the revision to
/// [`FaqIndex::upsert`] or [`FaqIndex::remove`] after the commit.
pub async fn bump_revision(txn: &impl ConnectionTrait) -> ApiResult<i64> {
    cache_revision::Entity::update_many()
        .col_expr(
            cache_revision::Column::Revision,
            Expr::col(cache_revision::Column::Revision).add(1),
        )
        .filter(cache_revision::Column::Name.eq(REVISION))
        .exec_with_returning(txn)
        .await?
        .first()
        .map(|row| row.revision)
        .ok_or_else(|| internal("the FAQ has no row in cache_revisions"))
}

/// The FAQ's revision as committed.
async fn stored_revision(conn: &impl ConnectionTrait) -> ApiResult<i64> {
    cache_revision::Entity::find_by_id(REVISION)
        .one(conn)
        .await?
        .map(|row| row.revision)
        .ok_or_else(|| internal("the FAQ has no row in cache_revisions"))
}

/// The shared index; cheap to clone. Writes (a tantivy commit) run on the blocking pool,
/// one at a time under `writing`; the freshness check only reads `revision`, so a search
/// never waits for a commit to finish.
#[derive(Clone)]
pub struct FaqIndex {
    /// Where the segments are: removed when the last clone goes.
    _files: Arc<tempfile::TempDir>,
    /// Locked while this process uses the directory (see [`remove_abandoned`]).
    _owner: Arc<std::fs::File>,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    writing: Arc<Mutex<()>>,
    /// The revision of the table the index holds (changed only under `writing`).
    revision: Arc<AtomicI64>,
    /// When the stored revision was last read, in milliseconds since the epoch by the
    /// injected clock; [`CHECK_DUE`] when the next search must read it.
    checked_at: Arc<AtomicI64>,
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

/// The audiences whose filter shows an entry written for `audience`: its own, and every
/// one for an entry written for all.
fn shown_to(audience: Audience) -> &'static [Audience] {
    match audience {
        Audience::Buyer => &[Audience::Buyer],
        Audience::Seller => &[Audience::Seller],
        Audience::All => &[Audience::All, Audience::Buyer, Audience::Seller],
    }
}

/// The file each index directory holds locked for as long as its process uses it.
const OWNER_LOCK: &str = ".owner";

/// Removes the index directories of processes that ended without removing them (killed,
/// or out of power): those whose owner lock nobody holds. The operating system releases a
/// lock when its process ends, however it ends; a directory without the file yet is one
/// being made, and is left alone.
fn remove_abandoned(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with("faq-") {
            continue;
        }
        let Ok(owner) = std::fs::File::open(entry.path().join(OWNER_LOCK)) else {
            continue;
        };
        // Held while removing, so a process cannot take the directory up meanwhile.
        if owner.try_lock().is_ok()
            && let Err(err) = std::fs::remove_dir_all(entry.path())
        {
            tracing::warn!(error = %err, path = %entry.path().display(), "could not remove an abandoned FAQ index");
        }
    }
}

impl FaqIndex {
    /// An empty index, in a directory of its own under `parent`.
    ///
    /// On disk and memory-mapped rather than in the heap: the index is a cache the start-up
    /// rebuilds from the table, but held in memory it kept 10,000 entries' segments and
    /// their indexing leftovers in the process (tens of MiB), where the kernel's page cache
    /// can hold and drop the same pages as memory allows.
    pub fn new(parent: &std::path::Path) -> anyhow::Result<Self> {
        let mut builder = Schema::builder();
        // Neither stored nor positioned: snippets are cut from the database rows, and every
        // query is a disjunction of terms, so the index holds only what BM25 reads.
        let analyzed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(search::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            question: builder.add_text_field("question", analyzed.clone()),
            answer: builder.add_text_field("answer", analyzed.clone()),
            draft_question: builder.add_text_field("draft_question", analyzed.clone()),
            draft_answer: builder.add_text_field("draft_answer", analyzed),
            category: builder.add_text_field("category", STRING),
            audience: builder.add_text_field("audience", STRING),
            locale: builder.add_text_field("locale", STRING),
        };
        let root = parent.join("search");
        std::fs::create_dir_all(&root)?;
        remove_abandoned(&root);
        let files = tempfile::Builder::new().prefix("faq-").tempdir_in(&root)?;
        let owner = std::fs::File::create(files.path().join(OWNER_LOCK))?;
        owner.try_lock()?;
        let index = Index::create_in_dir(files.path(), builder.build())?;
        index
            .tokenizers()
            .register(search::ANALYZER, BigramTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            _files: Arc::new(files),
            _owner: Arc::new(owner),
            index,
            reader,
            fields,
            writing: Arc::new(Mutex::new(())),
            revision: Arc::new(AtomicI64::new(NO_REVISION)),
            checked_at: Arc::new(AtomicI64::new(CHECK_DUE)),
        })
    }

    /// The lock that makes this process's writes to the index one at a time.
    fn lock_writing(&self) -> MutexGuard<'_, ()> {
        // A panic while indexing leaves at worst a stale index, which the next freshness
        // check rebuilds; the lock itself is still usable.
        self.writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `change` with a writer made for it and commits; the caller holds
    /// [`Self::lock_writing`].
    ///
    /// The writer lives only as long as the change: an idle tantivy writer keeps an indexing
    /// thread and the hash table of its next segment (megabytes, sized from the arena), for
    /// an index that changes a few times a day. Merges are waited for, so segments do not
    /// pile up between writers.
    fn write(&self, change: impl FnOnce(&mut IndexWriter) -> ApiResult<()>) -> ApiResult<()> {
        let mut writer: IndexWriter = self
            .index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(internal)?;
        change(&mut writer)?;
        writer.commit().map_err(internal)?;
        writer.wait_merging_threads().map_err(internal)?;
        self.reader.reload().map_err(internal)
    }

    /// Applies this process's change that made `revision`, if the index holds the revision
    /// just before it. Otherwise the change is already in (a rebuild read it) or another
    /// instance's changes are missing too, and the next search's freshness check rebuilds;
    /// applying it anyway could put an older version of an entry over a newer one.
    fn follow(
        &self,
        revision: i64,
        change: impl FnOnce(&mut IndexWriter) -> ApiResult<()>,
    ) -> ApiResult<()> {
        let _one_writer = self.lock_writing();
        if self.revision.load(Ordering::Acquire) != revision - 1 {
            // This process's own change must show at once: the next search reads the
            // stored revision, finds the index behind and rebuilds.
            self.checked_at.store(CHECK_DUE, Ordering::Release);
            return Ok(());
        }
        self.write(change)?;
        self.revision.store(revision, Ordering::Release);
        Ok(())
    }

    fn document(&self, entry: &faq_entry::Model) -> TantivyDocument {
        let f = self.fields;
        let (question, answer) = if entry.published {
            (f.question, f.answer)
        } else {
            (f.draft_question, f.draft_answer)
        };
        let mut document = doc!(
            f.id => entry.id.to_string(),
            question => entry.question.clone(),
            answer => entry.answer.clone(),
            f.category => category_key(entry.category),
            f.locale => entry.locale.clone(),
        );
        for audience in shown_to(entry.audience) {
            document.add_text(f.audience, audience_key(*audience));
        }
        document
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

    /// Indexes a new or changed entry, after the commit of the change that made `revision`.
    pub async fn upsert(&self, entry: faq_entry::Model, revision: i64) -> ApiResult<()> {
        self.on_blocking_pool(move |this| {
            this.follow(revision, |writer| {
                writer.delete_term(Term::from_field_text(this.fields.id, &entry.id.to_string()));
                writer
                    .add_document(this.document(&entry))
                    .map_err(internal)?;
                Ok(())
            })
        })
        .await
    }

    /// Drops a deleted entry, after the commit of the change that made `revision`.
    pub async fn remove(&self, id: Uuid, revision: i64) -> ApiResult<()> {
        self.on_blocking_pool(move |this| {
            this.follow(revision, |writer| {
                writer.delete_term(Term::from_field_text(this.fields.id, &id.to_string()));
                Ok(())
            })
        })
        .await
    }

    /// Rebuilds the index from the table, a page of rows at a time: read all at once, ten
    /// thousand entries' text passed through the heap together and stayed in the process
    /// as allocator slack.
    pub async fn rebuild(&self, db: &DatabaseConnection) -> ApiResult<()> {
        // Read before the rows: every change up to it is in the rows read after, and a
        // change made meanwhile leaves the index behind the stored revision, so the next
        // search rebuilds again rather than missing it.
        let revision = stored_revision(db).await?;
        let db = db.clone();
        // The pages are read from the blocking thread that indexes them, so one page at a
        // time is alive; the runtime's own workers keep driving the connection meanwhile.
        let runtime = tokio::runtime::Handle::current();
        self.on_blocking_pool(move |this| {
            let _one_writer = this.lock_writing();
            // Searches that found the index behind at the same moment all ask; one rebuilds.
            if this.revision.load(Ordering::Acquire) >= revision {
                return Ok(());
            }
            this.write(|writer| {
                writer.delete_all_documents().map_err(internal)?;
                let mut after = None;
                loop {
                    let mut page = faq_entry::Entity::find()
                        .order_by_asc(faq_entry::Column::Id)
                        .limit(REBUILD_PAGE);
                    if let Some(after) = after {
                        page = page.filter(faq_entry::Column::Id.gt(after));
                    }
                    let entries = runtime.block_on(page.all(&db))?;
                    for entry in &entries {
                        writer
                            .add_document(this.document(entry))
                            .map_err(internal)?;
                    }
                    match entries.last() {
                        Some(last) if entries.len() as u64 == REBUILD_PAGE => after = Some(last.id),
                        _ => return Ok(()),
                    }
                }
            })?;
            this.revision.store(revision, Ordering::Release);
            Ok(())
        })
        .await
    }

    /// Rebuilds when the table changed behind this process's back (another instance), as
    /// read at most once per `RECHECK_AFTER_MILLIS` of `now`.
    pub async fn ensure_fresh(
        &self,
        conn: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let now = now.timestamp_millis();
        let checked_at = self.checked_at.load(Ordering::Acquire);
        if checked_at != CHECK_DUE && now.saturating_sub(checked_at) < RECHECK_AFTER_MILLIS {
            return Ok(());
        }
        if stored_revision(conn).await? != self.revision.load(Ordering::Acquire) {
            tracing::debug!("FAQ index is behind the table; rebuilding");
            self.rebuild(conn).await?;
        }
        // A change of this process's that was left to a rebuild meanwhile asked for the next
        // check; it keeps asking.
        let _ =
            self.checked_at
                .compare_exchange(checked_at, now, Ordering::AcqRel, Ordering::Acquire);
        Ok(())
    }

    /// The best `limit` matches of `text` under `filter`, best first; `None` when the text
    /// has nothing to search for.
    pub async fn search(
        &self,
        text: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> ApiResult<Option<Found>> {
        let terms = search::terms(text);
        if terms.is_empty() || limit == 0 {
            return Ok(None);
        }
        // On the request's own worker: over ten thousand entries a search takes tens of
        // microseconds, less than handing it to the blocking pool and back (two wake-ups).
        self.run(self.query(&terms, filter).as_ref(), limit)
            .map(Some)
    }

    fn query(&self, terms: &[String], filter: &SearchFilter) -> Box<dyn Query> {
        let f = self.fields;
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut texts = vec![(f.question, f.answer)];
        if filter.include_drafts {
            texts.push((f.draft_question, f.draft_answer));
        }
        let mut text_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            for &(question, answer) in &texts {
                text_clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(term(question, t), QUESTION_BOOST)),
                ));
                text_clauses.push((Occur::Should, term(answer, t)));
            }
        }
        let text = Box::new(BooleanQuery::new(text_clauses));
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(audience) = filter.audience {
            filters.push((Occur::Must, term(f.audience, &audience_key(audience))));
        }
        if let Some(locale) = &filter.locale {
            filters.push((Occur::Must, term(f.locale, locale)));
        }
        if let Some(category) = filter.category {
            filters.push((Occur::Must, term(f.category, &category_key(category))));
        }
        if filters.is_empty() {
            return text;
        }
        filters.push((Occur::Must, text));
        Box::new(BooleanQuery::new(filters))
    }

    fn run(&self, query: &dyn Query, limit: usize) -> ApiResult<Found> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let top = searcher
            .search(query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(internal)?;
        let snippets = |field| -> ApiResult<SnippetGenerator> {
            let mut generator =
                SnippetGenerator::create(&searcher, query, field).map_err(internal)?;
            generator.set_max_num_chars(SNIPPET_CHARS);
            Ok(generator)
        };
        let highlighter = Highlighter {
            answer: snippets(f.answer)?,
            question: snippets(f.question)?,
        };
        let mut ranked = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address).map_err(internal)?;
            if let Some(id) = document
                .get_first(f.id)
                .and_then(|value| value.as_str())
                .and_then(|id| id.parse().ok())
            {
                ranked.push((id, score));
            }
        }
        Ok(Found {
            ranked,
            highlighter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_directories_nobody_holds_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let dir = |name: &str, with_owner: bool| {
            let path = root.path().join(name);
            std::fs::create_dir(&path).unwrap();
            let owner = with_owner.then(|| std::fs::File::create(path.join(OWNER_LOCK)).unwrap());
            (path, owner)
        };
        let (held, owner) = dir("faq-held", true);
        owner.as_ref().unwrap().try_lock().unwrap();
        let (ended, _) = dir("faq-ended", true);
        let (being_made, _) = dir("faq-new", false);
        let (unrelated, _) = dir("notes", true);
        remove_abandoned(root.path());
        assert!(!ended.exists());
        assert!(held.exists() && being_made.exists() && unrelated.exists());
        // A second index under the same data dir in one process keeps the first alive.
        let first = FaqIndex::new(root.path()).unwrap();
        let _second = FaqIndex::new(root.path()).unwrap();
        assert!(first._files.path().exists());
    }
}
