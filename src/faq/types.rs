//! GraphQL types of the FAQ and the contact options shown before a ticket is sent.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::faq_entry;

use crate::tickets::types::TicketCategory;

/// Who an entry is written for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::faq_entry::Audience")]
pub enum Audience {
    /// Buyers.
    Buyer,
    /// Sellers.
    Seller,
    /// Everyone.
    All,
}

/// A question and its answer.
pub struct FaqEntry(pub faq_entry::Model);

#[Object(serial)]
impl FaqEntry {
    /// The entry's id, for `faqEntry(id:)`, `voteFaq` and the editing mutations.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Category (as tickets).
    async fn category(&self) -> TicketCategory {
        self.0.category.into()
    }

    /// Audience.
    async fn audience(&self) -> Audience {
        self.0.audience.into()
    }

    /// Question.
    async fn question(&self) -> &str {
        &self.0.question
    }

    /// Answer.
    async fn answer(&self) -> &str {
        &self.0.answer
    }

    /// `ko` or `en`.
    async fn locale(&self) -> &str {
        &self.0.locale
    }

    /// Shown to customers.
    async fn published(&self) -> bool {
        self.0.published
    }

    /// Order within its category.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Times shown to customers.
    async fn view_count(&self) -> i64 {
        self.0.view_count
    }

    /// "Helpful" votes.
    async fn helpful_count(&self) -> i64 {
        self.0.helpful_count
    }

    /// "Not helpful" votes.
    async fn not_helpful_count(&self) -> i64 {
        self.0.not_helpful_count
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One search result.
#[derive(SimpleObject)]
pub struct FaqSearchHit {
    /// The entry.
    pub entry: FaqEntry,
    /// Relevance (BM25; higher is better, comparable within one search only).
    pub score: f64,
    /// A passage of the answer (or the question) with the matched words in `<b>…</b>`;
    /// everything else is HTML-escaped, so it can be shown as HTML.
    pub highlight: Option<String>,
}

/// An entry to save.
#[derive(InputObject)]
pub struct FaqEntryInput {
    /// The ticket category the entry answers: the help center suggests it to customers opening
    /// a ticket of that category.
    pub category: TicketCategory,
    /// Audience.
    pub audience: Audience,
    /// Question (at most 300 characters).
    pub question: String,
    /// Answer.
    pub answer: String,
    /// `ko` or `en`.
    pub locale: String,
    /// Shown to customers.
    #[graphql(default = false)]
    pub published: bool,
    /// Order within the category.
    #[graphql(default = 0)]
    pub position: i32,
}

impl From<FaqEntryInput> for super::service::EntryInput {
    fn from(input: FaqEntryInput) -> Self {
        Self {
            category: input.category.into(),
            audience: input.audience.into(),
            question: input.question,
            answer: input.answer,
            locale: input.locale,
            published: input.published,
            position: input.position,
        }
    }
}
