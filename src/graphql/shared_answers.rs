//! Operations whose answer is the same for every caller of a role, answered from a shared
//! copy rather than executed per request.
//!
//! Only the agents' dashboard is one today: its figures are computed at most once per few
//! seconds and shared (`support_dashboard::DashboardCache`), and an operation that selects
//! nothing else is written out once per copy, document and role
//! (`support_dashboard::Answers`). The session check, the admission checks and validation
//! still run on every request; the permission matrix is applied by role, which is part of
//! what an answer is kept under.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};

use super::permissions::access_for;
use crate::auth::AuthCtx;

/// The root field answered from the shared dashboard.
const DASHBOARD: &str = "supportDashboard";

/// Whether `operation` of `doc` is a query of the dashboard alone (and `__typename`), with
/// no fragment at its root, and `auth` may ask for it. Anything else executes as usual; so
/// does a caller the matrix denies, who must not make the dashboard be computed.
pub fn dashboard_only(doc: &ExecutableDocument, operation: Option<&str>, auth: &AuthCtx) -> bool {
    let op = match (&doc.operations, operation) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        // One named operation runs without its name being given.
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    // The root's field names, `None` for a fragment.
    let mut roots = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        });
    let mut asks_dashboard = false;
    let only_dashboard = roots.all(|name| {
        asks_dashboard |= name == Some(DASHBOARD);
        matches!(name, Some(DASHBOARD | "__typename"))
    });
    op.node.ty == OperationType::Query
        && only_dashboard
        && asks_dashboard
        && access_for("Query", DASHBOARD).is_some_and(|access| access.check(auth).is_ok())
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use entity::account::Role;
    use uuid::Uuid;

    use super::*;

    fn agent() -> AuthCtx {
        AuthCtx::Account {
            account_id: Uuid::nil(),
            role: Role::Agent,
            session_id: Uuid::nil(),
        }
    }

    fn shared(query: &str, operation: Option<&str>, auth: &AuthCtx) -> bool {
        dashboard_only(&parse_query(query).unwrap(), operation, auth)
    }

    #[test]
    fn only_a_query_of_the_dashboard_alone_by_staff_is_shared() {
        let agent = agent();
        assert!(shared("{ supportDashboard { unassigned } }", None, &agent));
        assert!(shared(
            "query D { __typename d: supportDashboard { unassigned } }",
            None,
            &agent
        ));
        assert!(shared(
            "query A { me { id } } query D { supportDashboard { unassigned } }",
            Some("D"),
            &agent
        ));
        // Anything else beside it, a fragment at the root, another operation, or no name
        // among several: executed as usual.
        assert!(!shared(
            "{ supportDashboard { unassigned } me { id } }",
            None,
            &agent
        ));
        assert!(!shared(
            "{ ...F } fragment F on Query { supportDashboard { unassigned } }",
            None,
            &agent
        ));
        assert!(!shared("{ __typename }", None, &agent));
        assert!(!shared(
            "query A { me { id } } query D { supportDashboard { unassigned } }",
            Some("A"),
            &agent
        ));
        assert!(!shared(
            "query A { me { id } } query D { supportDashboard { unassigned } }",
            None,
            &agent
        ));
        // Callers the matrix denies never reach the shared copy.
        assert!(!shared(
            "{ supportDashboard { unassigned } }",
            None,
            &AuthCtx::Anonymous
        ));
        let buyer = AuthCtx::Account {
            account_id: Uuid::nil(),
            role: Role::Buyer,
            session_id: Uuid::nil(),
        };
        assert!(!shared("{ supportDashboard { unassigned } }", None, &buyer));
    }
}
