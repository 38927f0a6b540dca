//! No NUL character gets into a query. PostgreSQL text cannot hold one (`invalid byte
//! sequence for encoding "UTF8": 0x00`), so a `\u0000` in any argument that reaches SQL (an
//! order number, a search) turned into an internal error; SQLite would store or compare it
//! silently. Free text that is stored refuses every control character already
//! (`input::optional_text`); this guard refuses NUL in every argument and variable of every
//! document, before anything runs, with one clear `VALIDATION` error. (Found by the
//! schema-driven API fuzzer.)

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerResult, Value, Variables};

use super::permissions::to_server_error;
use crate::error::ApiError;

/// The extension factory.
pub struct NulGuard;

impl ExtensionFactory for NulGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NulGuardExtension)
    }
}

struct NulGuardExtension;

fn const_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(const_has_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(name, value)| name.contains('\0') || const_has_nul(value)),
        _ => false,
    }
}

fn value_has_nul(value: &async_graphql_value::Value) -> bool {
    use async_graphql_value::Value as V;
    match value {
        V::String(s) => s.contains('\0'),
        V::List(items) => items.iter().any(value_has_nul),
        V::Object(fields) => fields.values().any(value_has_nul),
        _ => false,
    }
}

fn selection_has_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            field
                .node
                .arguments
                .iter()
                .any(|(_, value)| value_has_nul(&value.node))
                || field.node.directives.iter().any(|directive| {
                    directive
                        .node
                        .arguments
                        .iter()
                        .any(|(_, value)| value_has_nul(&value.node))
                })
                || selection_has_nul(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => selection_has_nul(&fragment.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}

fn document_has_nul(doc: &ExecutableDocument) -> bool {
    doc.operations.iter().any(|(_, op)| {
        selection_has_nul(&op.node.selection_set.node)
            || op.node.variable_definitions.iter().any(|definition| {
                definition
                    .node
                    .default_value
                    .as_ref()
                    .is_some_and(|value| const_has_nul(&value.node))
            })
    }) || doc
        .fragments
        .values()
        .any(|fragment| selection_has_nul(&fragment.node.selection_set.node))
}

#[async_graphql::async_trait::async_trait]
impl Extension for NulGuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let in_variables = variables
            .iter()
            .any(|(name, value)| name.contains('\0') || const_has_nul(value));
        if in_variables || document_has_nul(&doc) {
            return Err(to_server_error(ApiError::validation(
                "query",
                "Text may not contain NUL characters.",
            )));
        }
        Ok(doc)
    }
}
