//! Privacy between parties (SECURITY.md): one account reaches another through many fields
//! (message author, assignee, decided by, requested by, store owner, buyer). Across parties
//! only a public profile crosses; email, phone, status and sign-in times are for the account
//! itself and for staff.
//!
//! Both tests read the committed schema instead of a hand-written list of fields, so a field
//! added tomorrow is walked (or refused) without anyone remembering to add it here.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TestApp};
use crate::schema_model::SchemaModel;
use crate::shop::{Shop, create_refund, ok, paid_order, preparing_order, request_cancel};

/// The only fields whose type is the full `Account`, and why each is safe: the caller's own
/// account, or reachable by staff only (the permission matrix of `src/graphql/permissions.rs`
/// keeps the staff-only roots from everyone else).
const ACCOUNT_FIELDS: &[(&str, &str, &str)] = &[
    ("AccountConnection", "nodes", "Query.accounts: staff only"),
    ("AccountEdge", "node", "Query.accounts: staff only"),
    ("AgentCsat", "agent", "Query.supportDashboard: staff only"),
    ("AuditEvent", "actor", "Query.auditEvents: staff only"),
    ("AuthPayload", "account", "the account that just signed in"),
    ("Mutation", "changeEmail", "the caller's own account"),
    ("Mutation", "changePhone", "the caller's own account"),
    ("Mutation", "createStaffAccount", "admins only"),
    ("Mutation", "lockAccount", "staff only"),
    ("Mutation", "unlockAccount", "staff only"),
    (
        "PublicProfile",
        "account",
        "null unless the caller is the account or staff",
    ),
    ("Query", "me", "the caller's own account"),
    ("Query", "account", "the security desk: staff only"),
];

#[test]
fn only_the_account_itself_and_staff_reach_a_full_account() {
    let model = SchemaModel::committed();
    let found: BTreeSet<(String, String)> = model.fields_of_type("Account").into_iter().collect();
    let allowed: BTreeSet<(String, String)> = ACCOUNT_FIELDS
        .iter()
        .map(|(ty, field, _)| ((*ty).to_owned(), (*field).to_owned()))
        .collect();
    assert_eq!(
        found, allowed,
        "a field returns the full Account: across parties return a PublicProfile instead, \
         or (for a self/staff-only path) add it to ACCOUNT_FIELDS with the reason"
    );
    let connections: BTreeSet<_> = model
        .fields_of_type("AccountConnection")
        .into_iter()
        .collect();
    assert_eq!(
        connections,
        BTreeSet::from([("Query".to_owned(), "accounts".to_owned())])
    );
}

/// Who is looking.
struct Viewer<'a> {
    label: &'static str,
    session: Option<&'a Session>,
    staff: bool,
}

/// Everything a response says about accounts.
#[derive(Default)]
struct Findings {
    /// `Parent.field` paths where a profile of someone other than the viewer appeared.
    foreign_profiles: BTreeSet<String>,
    /// Full `Account` objects of someone else, seen by a non-staff viewer (must stay empty).
    leaked_accounts: Vec<String>,
}

fn walk(value: &Value, parent: &str, field: &str, viewer: &Viewer<'_>, found: &mut Findings) {
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, parent, field, viewer, found);
            }
        }
        Value::Object(object) => {
            let typename = object
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or(parent);
            let id = object.get("id").and_then(Value::as_str);
            let own = viewer
                .session
                .is_some_and(|session| Some(session.id.as_str()) == id);
            match typename {
                "PublicProfile" if !own => {
                    found.foreign_profiles.insert(format!("{parent}.{field}"));
                }
                "Account" if !own && !viewer.staff => {
                    found
                        .leaked_accounts
                        .push(format!("{} via {parent}.{field}: {value}", viewer.label));
                }
                _ => {}
            }
            for (key, child) in object {
                walk(child, typename, key, viewer, found);
            }
        }
        _ => {}
    }
}

/// Values for the required arguments of root fields.
struct Ids {
    order: String,
    order_number: String,
    request: String,
    refund: String,
    buyer_ticket: String,
    seller_ticket: String,
    account: String,
}

fn root_calls(model: &SchemaModel, ids: &Ids) -> Vec<(String, String)> {
    let mut calls = Vec::new();
    for field in model.fields("Query") {
        let mut args = Vec::new();
        for arg in field.args.iter().filter(|a| a.required()) {
            let value = match (field.name.as_str(), arg.name.as_str()) {
                ("order", "id") => json!(ids.order),
                ("orderByNumber", "orderNumber") => json!(ids.order_number),
                ("cancellationRequest", "id") => json!(ids.request),
                ("refund", "id") => json!(ids.refund),
                ("ticket", "id") => json!(ids.buyer_ticket),
                ("auditEvents" | "accountSessions", "accountId") => json!(ids.account),
                ("account", "id") => json!(ids.account),
                ("faqEntry", "id") => json!(uuid::Uuid::now_v7().to_string()),
                ("faqSearch", "query") => json!("배송"),
                ("contactOptions", "category") => Value::String("ORDER_PAYMENT".into()),
                (root, name) => {
                    panic!("Query.{root} needs `{name}`: give the privacy walk a value for it")
                }
            };
            let literal = match value {
                Value::String(s) if arg.ty.named() == "TicketCategory" => s,
                other => other.to_string(),
            };
            args.push(format!("{}: {literal}", arg.name));
        }
        if field.args.iter().any(|a| a.name == "first") {
            args.push("first: 3".into());
        }
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        let target = field.ty.named();
        let selection = if model.is_object(target) {
            format!(" {{ {} }}", model.selection(target, 6, 0, 2))
        } else {
            String::new()
        };
        calls.push((
            field.name.clone(),
            format!("{{ {}{args}{selection} }}", field.name),
        ));
        if field.name == "ticket" {
            let other = format!("{{ ticket(id: {}){selection} }}", json!(ids.seller_ticket));
            calls.push(("ticket (seller's)".into(), other));
        }
    }
    calls
}

/// Gives every account a phone number, so a leak of one would show in the responses.
async fn give_phones(app: &TestApp, sessions: &[&Session]) -> Vec<String> {
    let mut phones = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let phone = format!("+82105555{i:04}");
        entity::account::ActiveModel {
            id: Set(session.id.parse().unwrap()),
            phone: Set(Some(phone.clone())),
            ..Default::default()
        }
        .update(&app.state.db)
        .await
        .unwrap();
        phones.push(phone);
    }
    phones
}

/// A marketplace in which every kind of link between accounts exists, walked field by
/// field from every root query by every party.
pub async fn contact_data_never_crosses_between_parties(app: TestApp) {
    let shop = Shop::open(&app).await;
    let everyone = [
        &shop.buyer_a,
        &shop.buyer_b,
        &shop.seller_a,
        &shop.seller_b,
        &shop.agent,
    ];
    let phones = give_phones(&app, &everyone).await;

    // Buyer A's order at store A: the buyer asks to cancel, the seller refuses, then
    // refunds part of it; an immediate cancellation of a second order.
    let order = preparing_order(&app, &shop, 30_000).await;
    let request = request_cancel(&app, &shop.buyer_a, &order).await["data"]["requestCancellation"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        &shop.seller_a,
        "mutation($id: ID!) { rejectCancellation(requestId: $id, reason: \"이미 포장했습니다\") { status } }",
        json!({ "id": request }),
        "rejectCancellation",
    )
    .await;
    let refund = create_refund(&app, &shop.seller_a, &order, 5_000, "privacy-1").await;
    let refund = refund["data"]["createRefund"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("refund: {refund}"))
        .to_owned();
    let cancelled = paid_order(&app, &shop, 12_000).await;
    request_cancel(&app, &shop.buyer_a, &cancelled).await;
    let order_number = ok(
        &app,
        &shop.buyer_a,
        "query($id: ID!) { order(id: $id) { orderNumber } }",
        json!({ "id": order }),
        "order",
    )
    .await["orderNumber"]
        .as_str()
        .unwrap()
        .to_owned();

    // Tickets: the buyer's, assigned to the agent, with a reply and an internal note; the
    // seller's settlement question with a reply.
    let open =
        "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }";
    let buyer_ticket = ok(
        &app,
        &shop.buyer_a,
        open,
        json!({ "input": { "category": "CANCELLATION", "subject": "취소가 거절됐어요",
                           "body": "왜 거절됐나요?", "orderId": order } }),
        "createTicket",
    )
    .await["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seller_ticket = ok(
        &app,
        &shop.seller_a,
        open,
        json!({ "input": { "category": "SETTLEMENT", "subject": "정산 문의", "body": "정산일이 언제인가요?" } }),
        "createTicket",
    )
    .await["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for ticket in [&buyer_ticket, &seller_ticket] {
        ok(
            &app,
            &shop.agent,
            "mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, assigneeId: $a) { id } }",
            json!({ "t": ticket, "a": shop.agent.id }),
            "assignTicket",
        )
        .await;
        for internal in [false, true] {
            ok(
                &app,
                &shop.agent,
                "mutation($t: ID!, $i: Boolean) { replyToTicket(ticketId: $t, body: \"확인해 보겠습니다.\", internal: $i) { id } }",
                json!({ "t": ticket, "i": internal }),
                "replyToTicket",
            )
            .await;
        }
    }
    // A second agent has the buyer's ticket open: presence shows agents to agents only.
    let second_agent = app
        .staff("agent-2@example.com", entity::account::Role::Agent)
        .await;
    ok(
        &app,
        &second_agent,
        "mutation($t: ID!) { setTicketPresence(ticketId: $t, typing: true) { typing } }",
        json!({ "t": buyer_ticket }),
        "setTicketPresence",
    )
    .await;

    let model = SchemaModel::committed();
    let ids = Ids {
        order,
        order_number,
        request,
        refund,
        buyer_ticket,
        seller_ticket,
        account: shop.buyer_a.id.clone(),
    };
    let calls = root_calls(&model, &ids);
    let viewers = [
        Viewer {
            label: "buyer A",
            session: Some(&shop.buyer_a),
            staff: false,
        },
        Viewer {
            label: "buyer B",
            session: Some(&shop.buyer_b),
            staff: false,
        },
        Viewer {
            label: "seller A",
            session: Some(&shop.seller_a),
            staff: false,
        },
        Viewer {
            label: "seller B",
            session: Some(&shop.seller_b),
            staff: false,
        },
        Viewer {
            label: "agent",
            session: Some(&shop.agent),
            staff: true,
        },
        Viewer {
            label: "anonymous",
            session: None,
            staff: false,
        },
    ];
    let contacts: BTreeMap<&str, (String, String)> = everyone
        .iter()
        .zip(&phones)
        .map(|(session, phone)| (session.id.as_str(), (session.email.clone(), phone.clone())))
        .collect();
    let mut foreign_seen = BTreeSet::new();
    let mut leaks = Vec::new();
    let mut answered = 0;
    for viewer in &viewers {
        for (root, document) in &calls {
            let body = app
                .gql_as(
                    viewer.session.map(|s| s.access.as_str()),
                    document,
                    json!({}),
                )
                .await;
            for error in body["errors"].as_array().into_iter().flatten() {
                let code = error["extensions"]["code"].as_str().unwrap_or_default();
                assert!(
                    !["LIMIT_EXCEEDED", "INTERNAL", "VALIDATION"].contains(&code),
                    "{} / {root}: the walk itself must be a valid, affordable document: {error}",
                    viewer.label
                );
            }
            if body["data"]
                .as_object()
                .is_some_and(|d| d.values().any(|v| !v.is_null()))
            {
                answered += 1;
            }
            let mut found = Findings::default();
            walk(&body["data"], "Query", root, viewer, &mut found);
            leaks.extend(found.leaked_accounts);
            if !viewer.staff {
                foreign_seen.extend(found.foreign_profiles);
                let text = body.to_string();
                for (id, (email, phone)) in &contacts {
                    if viewer.session.is_some_and(|s| s.id == *id) {
                        continue;
                    }
                    for secret in [email, phone] {
                        if text.contains(secret.as_str()) {
                            leaks.push(format!("{} / {root}: {secret} in {text}", viewer.label));
                        }
                    }
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "contact data crossed parties:\n{}",
        leaks.join("\n")
    );
    assert!(
        answered > 20,
        "the walk reached too little data: {answered} answers"
    );

    // Every public-profile field was actually walked with someone else's profile, except
    // the requester of a ticket (customers only ever see their own tickets) and the agents
    // on a ticket (presence is for staff: customers get an empty list, walked above).
    let expected: BTreeSet<String> = model
        .fields_of_type("PublicProfile")
        .into_iter()
        .map(|(ty, field)| format!("{ty}.{field}"))
        .filter(|path| path != "Ticket.requester" && path != "TicketViewer.agent")
        .collect();
    let missing: Vec<_> = expected.difference(&foreign_seen).collect();
    assert!(
        missing.is_empty(),
        "never saw another party's profile through {missing:?}: extend the marketplace above"
    );
}

engine_tests!(contact_data_never_crosses_between_parties);
