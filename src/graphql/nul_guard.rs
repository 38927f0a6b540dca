//! No NUL character gets into a query. PostgreSQL text cannot hold one (`invalid byte
//! sequence for encoding "UTF8": 0x00`), so a `\u0000` in any argument that reaches SQL (an
//! order number, a search) turned into an internal error; SQLite would store or compare it
//! silently. Free text that is stored refuses every control character already
//! (`input::optional_text`); this guard refuses NUL in every argument and variable of every
//! document, before anything runs, with a `VALIDATION` error naming the input field that
//! holds it. (Found by the schema-driven API fuzzer.)

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Value, Variables};

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

/// The input field holding a NUL in `value`: the innermost object key, else `field`.
fn in_const(value: &Value, field: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(field.to_owned()),
        Value::List(items) => items.iter().find_map(|item| in_const(item, field)),
        Value::Object(fields) => fields.iter().find_map(|(name, value)| {
            if name.contains('\0') {
                Some(field.to_owned())
            } else {
                in_const(value, name.as_str())
            }
        }),
        _ => None,
    }
}

/// Like [`in_const`] for an argument as written, following variables into `variables`.
fn in_value(
    value: &async_graphql_value::Value,
    field: &str,
    variables: &Variables,
) -> Option<String> {
    use async_graphql_value::Value as V;
    match value {
        V::String(s) if s.contains('\0') => Some(field.to_owned()),
        V::Variable(name) => variables.get(name).and_then(|value| in_const(value, field)),
        V::List(items) => items
            .iter()
            .find_map(|item| in_value(item, field, variables)),
        V::Object(fields) => fields
            .iter()
            .find_map(|(name, value)| in_value(value, name.as_str(), variables)),
        _ => None,
    }
}

fn in_arguments(
    arguments: &[(
        async_graphql::Positioned<async_graphql::Name>,
        async_graphql::Positioned<async_graphql_value::Value>,
    )],
    variables: &Variables,
) -> Option<String> {
    arguments
        .iter()
        .find_map(|(name, value)| in_value(&value.node, name.node.as_str(), variables))
}

fn in_selection(set: &SelectionSet, variables: &Variables) -> Option<String> {
    set.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => in_arguments(&field.node.arguments, variables)
            .or_else(|| {
                field
                    .node
                    .directives
                    .iter()
                    .find_map(|directive| in_arguments(&directive.node.arguments, variables))
            })
            .or_else(|| in_selection(&field.node.selection_set.node, variables)),
        Selection::InlineFragment(fragment) => {
            in_selection(&fragment.node.selection_set.node, variables)
        }
        Selection::FragmentSpread(_) => None,
    })
}

/// The input field of `doc` (with `variables`) that holds a NUL, if any.
fn field_with_nul(doc: &ExecutableDocument, variables: &Variables) -> Option<String> {
    doc.operations
        .iter()
        .find_map(|(_, op)| {
            in_selection(&op.node.selection_set.node, variables).or_else(|| {
                op.node.variable_definitions.iter().find_map(|definition| {
                    let default = definition.node.default_value.as_ref()?;
                    in_const(&default.node, definition.node.name.node.as_str())
                })
            })
        })
        .or_else(|| {
            doc.fragments
                .values()
                .find_map(|fragment| in_selection(&fragment.node.selection_set.node, variables))
        })
}

/// The `VALIDATION` error for a NUL in `doc` (with `variables`), if it holds one.
pub(crate) fn nul_error(doc: &ExecutableDocument, variables: &Variables) -> Option<ServerError> {
    field_with_nul(doc, variables).map(|field| {
        to_server_error(ApiError::validation(
            field,
            "Text may not contain NUL characters.",
        ))
    })
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
        match nul_error(&doc, variables) {
            Some(error) => Err(error),
            None => Ok(doc),
        }
    }
}
