//! Parsed documents, kept by their text.
//!
//! Clients send the same few operations over and over (the console's queue, an app's order
//! page), and parsing is the one step of a request that depends on nothing but the text:
//! profiles under load showed the parser on every request. A parsed document is cloned out
//! of this cache instead; validation, limits and permissions still run on every request,
//! since they depend on the variables and the caller.

use async_graphql::parser::types::ExecutableDocument;

/// Documents this long or longer are parsed every time: real clients' operations are
/// shorter, and the cache's memory stays bounded.
const MAX_CACHED_QUERY_BYTES: usize = 8 * 1024;
/// Distinct documents kept.
const CAPACITY: usize = 256;

/// A bounded map from query text to its parsed document.
#[derive(Clone)]
pub struct DocumentCache(std::sync::Arc<quick_cache::sync::Cache<String, ExecutableDocument>>);

impl Default for DocumentCache {
    fn default() -> Self {
        Self(std::sync::Arc::new(quick_cache::sync::Cache::new(CAPACITY)))
    }
}

impl DocumentCache {
    /// Gives `request` its parsed document, from the cache or parsed now and kept. A text
    /// that does not parse is not kept: the executor answers the parse error.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() >= MAX_CACHED_QUERY_BYTES {
            return;
        }
        if let Some(document) = self.0.get(request.query.as_str()) {
            request.set_parsed_query(document);
            return;
        }
        if let Ok(document) = request.parsed_query() {
            let document = document.clone();
            self.0.insert(request.query.clone(), document);
        }
    }
}
