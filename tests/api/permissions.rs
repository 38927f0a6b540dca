//! The role × operation matrix: every root field is listed, and every role gets exactly the
//! access the matrix gives it.

use std::collections::BTreeSet;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use entity::account::Role;
use serde_json::{Value, json};
use storedesk::graphql::permissions::{Access, MATRIX};

use crate::engine_tests;
use crate::helpers::TestApp;
use crate::live::Ws;

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
        ("Query", "orders") => "{ orders(first: 1) { totalCount } }",
        ("Query", "order") => r#"{ order(id: "0190c000-0000-7000-8000-000000000000") { id } }"#,
        ("Query", "orderByNumber") => r#"{ orderByNumber(orderNumber: "20261102-000001") { id } }"#,
        ("Query", "cancellationRequests") => "{ cancellationRequests(first: 1) { totalCount } }",
        ("Query", "cancellationRequest") => {
            r#"{ cancellationRequest(id: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Query", "refunds") => "{ refunds(first: 1) { totalCount } }",
        ("Query", "refund") => r#"{ refund(id: "0190c000-0000-7000-8000-000000000000") { id } }"#,
        ("Mutation", "placeOrder") => {
            r#"mutation { placeOrder(input: { storeId: "0190c000-0000-7000-8000-000000000000", items: [] }) { id } }"#
        }
        ("Mutation", "payOrder") => {
            r#"mutation { payOrder(orderId: "0190c000-0000-7000-8000-000000000000", input: { method: POINTS }) { id } }"#
        }
        ("Mutation", "markPreparing") => {
            r#"mutation { markPreparing(orderId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "shipOrder") => {
            r#"mutation { shipOrder(orderId: "0190c000-0000-7000-8000-000000000000", carrier: "CJ", trackingNumber: "1", expectedDeliveryAt: "2030-01-01T00:00:00Z") { id } }"#
        }
        ("Mutation", "addShipmentEvent") => {
            r#"mutation { addShipmentEvent(orderId: "0190c000-0000-7000-8000-000000000000", status: IN_TRANSIT, description: "x") { id } }"#
        }
        ("Mutation", "markDelivered") => {
            r#"mutation { markDelivered(orderId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "updateExpectedDelivery") => {
            r#"mutation { updateExpectedDelivery(orderId: "0190c000-0000-7000-8000-000000000000", expectedDeliveryAt: "2030-01-01T00:00:00Z") { id } }"#
        }
        ("Mutation", "confirmPurchase") => {
            r#"mutation { confirmPurchase(orderId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "requestCancellation") => {
            r#"mutation { requestCancellation(orderId: "0190c000-0000-7000-8000-000000000000", reason: OTHER) { id } }"#
        }
        ("Mutation", "withdrawCancellation") => {
            r#"mutation { withdrawCancellation(requestId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "approveCancellation") => {
            r#"mutation { approveCancellation(requestId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "rejectCancellation") => {
            r#"mutation { rejectCancellation(requestId: "0190c000-0000-7000-8000-000000000000", reason: "x") { id } }"#
        }
        ("Mutation", "cancelOrderBySeller") => {
            r#"mutation { cancelOrderBySeller(orderId: "0190c000-0000-7000-8000-000000000000", reason: OUT_OF_STOCK) { id } }"#
        }
        ("Mutation", "rateCancellation") => {
            r#"mutation { rateCancellation(requestId: "0190c000-0000-7000-8000-000000000000", score: 5) { id } }"#
        }
        ("Mutation", "createRefund") => {
            r#"mutation { createRefund(orderId: "0190c000-0000-7000-8000-000000000000", amount: 1, reason: "x", idempotencyKey: "k") { id } }"#
        }
        ("Mutation", "retryRefund") => {
            r#"mutation { retryRefund(refundId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Query", "tickets") => "{ tickets(first: 1) { totalCount } }",
        ("Query", "ticket") => r#"{ ticket(id: "0190c000-0000-7000-8000-000000000000") { id } }"#,
        ("Mutation", "createTicket") => {
            r#"mutation { createTicket(input: { category: OTHER, subject: "", body: "" }) { ticket { id } } }"#
        }
        ("Mutation", "replyToTicket") => {
            r#"mutation { replyToTicket(ticketId: "0190c000-0000-7000-8000-000000000000", body: "x") { id } }"#
        }
        ("Mutation", "assignTicket") => {
            r#"mutation { assignTicket(ticketId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Mutation", "setTicketStatus") => {
            r#"mutation { setTicketStatus(ticketId: "0190c000-0000-7000-8000-000000000000", status: CLOSED) { id } }"#
        }
        ("Mutation", "setTicketPriority") => {
            r#"mutation { setTicketPriority(ticketId: "0190c000-0000-7000-8000-000000000000", priority: HIGH) { id } }"#
        }
        ("Mutation", "rateTicket") => {
            r#"mutation { rateTicket(ticketId: "0190c000-0000-7000-8000-000000000000", score: 5) { id } }"#
        }
        ("Query", "macros") => "{ macros { id } }",
        ("Mutation", "requestPasswordReset") => {
            r#"mutation { requestPasswordReset(email: "nobody@example.com") }"#
        }
        ("Mutation", "resetPassword") => {
            r#"mutation { resetPassword(token: "nope", newPassword: "a long passphrase") }"#
        }
        ("Mutation", "reportAccountCompromise") => {
            r#"mutation { reportAccountCompromise(email: "nobody@example.com", description: "hacked") }"#
        }
        ("Mutation", "lockAccountWithToken") => {
            r#"mutation { lockAccountWithToken(token: "nope") }"#
        }
        ("Mutation", "completeAccountRecovery") => {
            r#"mutation { completeAccountRecovery(token: "nope", newPassword: "a long passphrase") }"#
        }
        ("Mutation", "lockAccount") => {
            r#"mutation { lockAccount(accountId: "0190c000-0000-7000-8000-000000000000", reason: "x") { id } }"#
        }
        ("Mutation", "unlockAccount") => {
            r#"mutation { unlockAccount(accountId: "0190c000-0000-7000-8000-000000000000", reason: "x") { id } }"#
        }
        ("Mutation", "startAccountRecovery") => {
            r#"mutation { startAccountRecovery(accountId: "0190c000-0000-7000-8000-000000000000", verifiedBy: "x") }"#
        }
        ("Mutation", "changeEmail") => {
            r#"mutation { changeEmail(currentPassword: "wrong", newEmail: "new@example.com") { id } }"#
        }
        ("Mutation", "changePhone") => {
            r#"mutation { changePhone(currentPassword: "wrong", newPhone: null) { id } }"#
        }
        ("Mutation", "revokeSession") => {
            r#"mutation { revokeSession(sessionId: "0190c000-0000-7000-8000-000000000000") }"#
        }
        ("Query", "auditEvents") => {
            r#"{ auditEvents(accountId: "0190c000-0000-7000-8000-000000000000") { totalCount } }"#
        }
        ("Query", "account") => r#"{ account(id: "0190c000-0000-7000-8000-000000000000") { id } }"#,
        ("Query", "accountSessions") => {
            r#"{ accountSessions(accountId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Query", "mySecurityEvents") => "{ mySecurityEvents { totalCount } }",
        ("Query", "mySessions") => "{ mySessions { id } }",
        ("Query", "faqEntries") => "{ faqEntries(first: 1) { totalCount } }",
        ("Subscription", "ticketUpdated") => {
            r#"subscription { ticketUpdated(ticketId: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Subscription", "ticketQueueChanged") => "subscription { ticketQueueChanged { id } }",
        ("Subscription", "ticketPresence") => {
            r#"subscription { ticketPresence(ticketId: "0190c000-0000-7000-8000-000000000000") { typing } }"#
        }
        ("Mutation", "setTicketPresence") => {
            r#"mutation { setTicketPresence(ticketId: "0190c000-0000-7000-8000-000000000000") { typing } }"#
        }
        ("Query", "faqSearch") => r#"{ faqSearch(query: "배송") { score } }"#,
        ("Query", "faqEntry") => {
            r#"{ faqEntry(id: "0190c000-0000-7000-8000-000000000000") { id } }"#
        }
        ("Query", "contactOptions") => {
            "{ contactOptions(category: SHIPPING) { expectedWaitMinutes } }"
        }
        ("Mutation", "voteFaq") => {
            r#"mutation { voteFaq(id: "0190c000-0000-7000-8000-000000000000", helpful: true) { id } }"#
        }
        ("Mutation", "createFaqEntry") => {
            r#"mutation { createFaqEntry(input: { category: OTHER, audience: ALL, question: "", answer: "", locale: "ko" }) { id } }"#
        }
        ("Mutation", "updateFaqEntry") => {
            r#"mutation { updateFaqEntry(id: "0190c000-0000-7000-8000-000000000000", input: { category: OTHER, audience: ALL, question: "", answer: "", locale: "ko" }) { id } }"#
        }
        ("Mutation", "deleteFaqEntry") => {
            r#"mutation { deleteFaqEntry(id: "0190c000-0000-7000-8000-000000000000") }"#
        }
        ("Query", "supportDashboard") => "{ supportDashboard { unassigned } }",
        ("Query", "sellerDashboard") => "{ sellerDashboard { toShip } }",
        ("Query", "macroPlaceholders") => "{ macroPlaceholders }",
        ("Mutation", "setAgentAvailability") => {
            "mutation { setAgentAvailability(available: false, maxOpenTickets: 0) { available } }"
        }
        ("Mutation", "createMacro") => {
            r#"mutation { createMacro(input: { title: "", body: "" }) { id } }"#
        }
        ("Mutation", "updateMacro") => {
            r#"mutation { updateMacro(id: "0190c000-0000-7000-8000-000000000000", input: { title: "", body: "" }) { id } }"#
        }
        ("Mutation", "deleteMacro") => {
            r#"mutation { deleteMacro(id: "0190c000-0000-7000-8000-000000000000") }"#
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

/// Whether the access layer refuses a subscription over `/graphql/ws`. An allowed one either
/// starts listening (the bus gains a receiver) or fails in its resolver (an unknown ticket).
async fn subscription_denied(app: &TestApp, token: Option<&str>, document: &str) -> bool {
    let events = &app.state.events;
    let before = events.subscriber_count();
    let (mut ws, ack) = Ws::open(app, token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.subscribe(document, json!({})).await;
    let denied = tokio::select! {
        message = ws.next_data() => match message {
            Err(errors) => denied_by_access_layer(&json!({ "errors": errors })),
            Ok(_) => false,
        },
        () = async {
            while events.subscriber_count() <= before {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        } => false,
    };
    drop(ws);
    // The next check counts from the same baseline.
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while events.subscriber_count() > before {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("a closed connection's subscription stops listening");
    denied
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
            if *parent == "Subscription" {
                assert_eq!(
                    !subscription_denied(&app, *token, document).await,
                    allowed,
                    "{parent}.{field} as {role:?}: expected allowed={allowed}"
                );
                continue;
            }
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
