//! The role × operation matrix: every root field is listed, and every role gets exactly the
//! access the matrix gives it.

use std::collections::BTreeSet;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use entity::account::Role;
use serde_json::{Value, json};
use storedesk::graphql::permissions::{Access, MATRIX};

use crate::engine_tests;
use crate::helpers::TestApp;

/// One harmless document per root field. Allowed callers may still get a validation error;
/// what matters is whether the access layer let them through.
fn sample(parent: &str, field: &str) -> Option<&'static str> {
    Some(match (parent, field) {
        ("Query", "me") => "{ me { id } }",
        ("Query", "accounts") => "{ accounts(first: 1) { totalCount } }",
        ("Mutation", "register") => {
            r#"mutation { register(input: { email: "perm@example.com", password: "short", name: "P" }) { accessToken } }"#
        }
        ("Mutation", "login") => {
            r#"mutation { login(email: "nobody@example.com", password: "x") { accessToken } }"#
        }
        ("Mutation", "refreshSession") => {
            r#"mutation { refreshSession(refreshToken: "nope") { accessToken } }"#
        }
        ("Mutation", "logout") => r#"mutation { logout(refreshToken: "nope") }"#,
        ("Mutation", "changePassword") => {
            r#"mutation { changePassword(currentPassword: "wrong one", newPassword: "short") }"#
        }
        ("Mutation", "createStaffAccount") => {
            r#"mutation { createStaffAccount(input: { email: "bad", name: "x", role: AGENT, password: "short" }) { id } }"#
        }
        _ => return None,
    })
}

fn root_fields_of_schema() -> BTreeSet<(String, String)> {
    let doc = async_graphql::parser::parse_schema(storedesk::graphql::sdl()).unwrap();
    let mut fields = BTreeSet::new();
    for definition in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let name = ty.node.name.node.to_string();
            if !matches!(name.as_str(), "Query" | "Mutation" | "Subscription") {
                continue;
            }
            if let TypeKind::Object(object) = &ty.node.kind {
                for field in &object.fields {
                    fields.insert((name.clone(), field.node.name.node.to_string()));
                }
            }
        }
    }
    fields
}

#[test]
fn the_matrix_lists_every_root_field_and_nothing_else() {
    let schema = root_fields_of_schema();
    let matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(t, f, _)| ((*t).to_owned(), (*f).to_owned()))
        .collect();
    let missing: Vec<_> = schema.difference(&matrix).collect();
    let stale: Vec<_> = matrix.difference(&schema).collect();
    assert!(
        missing.is_empty(),
        "root fields without a permission rule (denied to all): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "permission rules for fields that do not exist: {stale:?}"
    );
    for (parent, field, _) in MATRIX {
        assert!(
            sample(parent, field).is_some(),
            "add a sample document for {parent}.{field}"
        );
    }
}

fn denied_by_access_layer(body: &Value) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|error| {
            let code = error["extensions"]["code"].as_str().unwrap_or("");
            code == "FORBIDDEN"
                || (code == "UNAUTHENTICATED" && error["message"] == "Sign in first.")
        })
    })
}

pub async fn every_role_gets_exactly_what_the_matrix_allows(app: TestApp) {
    let buyer = app.buyer("perm-buyer@example.com").await;
    let seller = app.seller("perm-seller@example.com", "권한가게").await;
    let agent = app.staff("perm-agent@example.com", Role::Agent).await;
    let admin = app.staff("perm-admin@example.com", Role::Admin).await;
    let callers: [(Option<Role>, Option<&str>); 5] = [
        (None, None),
        (Some(Role::Buyer), Some(&buyer.access)),
        (Some(Role::Seller), Some(&seller.access)),
        (Some(Role::Agent), Some(&agent.access)),
        (Some(Role::Admin), Some(&admin.access)),
    ];
    for (parent, field, access) in MATRIX {
        let document = sample(parent, field).unwrap();
        for (role, token) in &callers {
            let allowed = match access {
                Access::Anyone => true,
                Access::SignedIn => role.is_some(),
                Access::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
            };
            let body = app.gql_as(*token, document, json!({})).await;
            assert_eq!(
                !denied_by_access_layer(&body),
                allowed,
                "{parent}.{field} as {role:?}: expected allowed={allowed}, got {body}"
            );
        }
    }
}

engine_tests!(every_role_gets_exactly_what_the_matrix_allows);
