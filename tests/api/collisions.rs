//! Two agents on one ticket (the console's "collision" guard): a reply written against a
//! conversation that has moved on is refused with `CONFLICT` and nothing is sent; the queue
//! filters the console offers.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Session, TestApp, error_code, error_field, several_workers};
use crate::shop::*;

const REPLY: &str = "mutation($id: ID!, $body: String!, $internal: Boolean, $seen: ID) {
    replyToTicket(ticketId: $id, body: $body, internal: $internal, expectedLastMessageId: $seen) { id } }";

async fn open(
    app: &TestApp,
    who: &Session,
    channel: &str,
    requester: Option<&str>,
) -> (String, String) {
    let body = app
        .gql_as(
            Some(&who.access),
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id lastMessage { id } } } }",
            json!({ "input": { "category": "OTHER", "channel": channel, "requesterId": requester,
                "subject": "포인트 문의", "body": "포인트 적립이 안 됐어요" } }),
        )
        .await;
    let ticket = &body["data"]["createTicket"]["ticket"];
    (
        ticket["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        ticket["lastMessage"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
    )
}

async fn reply(app: &TestApp, who: &Session, ticket: &str, seen: &str, internal: bool) -> Value {
    app.gql_as(
        Some(&who.access),
        REPLY,
        json!({ "id": ticket, "body": "확인해 보겠습니다", "internal": internal, "seen": seen }),
    )
    .await
}

fn message_id(body: &Value) -> String {
    body["data"]["replyToTicket"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn message_count(app: &TestApp, agent: &Session, ticket: &str) -> i64 {
    let body = app
        .gql_as(
            Some(&agent.access),
            "query($id: ID!) { ticket(id: $id) { messages { totalCount } } }",
            json!({ "id": ticket }),
        )
        .await;
    body["data"]["ticket"]["messages"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

pub async fn a_reply_against_a_stale_conversation_is_refused(app: TestApp) {
    let shop = Shop::open(&app).await;
    let second = app
        .staff("agent-2@example.com", entity::account::Role::Agent)
        .await;
    let (ticket, first) = open(&app, &shop.buyer_a, "WEB", None).await;

    // Agent 2 answers first; agent 1 still looks at the customer's message.
    let answered = message_id(&reply(&app, &second, &ticket, &first, false).await);
    let stale = reply(&app, &shop.agent, &ticket, &first, false).await;
    assert_eq!(error_code(&stale), "CONFLICT", "{stale}");
    assert_eq!(error_field(&stale), "expectedLastMessageId");
    assert_eq!(
        message_count(&app, &shop.agent, &ticket).await,
        2,
        "nothing was sent"
    );

    // After reading the new message, agent 1 writes (here a note) against it.
    let note = message_id(&reply(&app, &shop.agent, &ticket, &answered, true).await);
    // An internal note moves the agents' conversation on, not the customer's.
    let customer = reply(&app, &shop.buyer_a, &ticket, &answered, false).await;
    assert!(
        customer["errors"].is_null(),
        "the customer never saw the note: {customer}"
    );
    let after_note = reply(&app, &second, &ticket, &note, false).await;
    assert_eq!(
        error_code(&after_note),
        "CONFLICT",
        "the customer wrote since: {after_note}"
    );
    // Without the guard a reply is sent as before.
    let unguarded = app
        .gql_as(
            Some(&shop.agent.access),
            "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"추가 안내\") { id } }",
            json!({ "id": ticket }),
        )
        .await;
    assert!(unguarded["errors"].is_null(), "{unguarded}");
    let bad = reply(&app, &shop.agent, &ticket, "not-an-id", false).await;
    assert_eq!(error_code(&bad), "VALIDATION", "{bad}");
}

pub async fn of_two_simultaneous_replies_to_one_message_one_is_sent(app: TestApp) {
    let shop = Shop::open(&app).await;
    let second = app
        .staff("agent-2@example.com", entity::account::Role::Agent)
        .await;
    let (ticket, first) = open(&app, &shop.buyer_a, "WEB", None).await;
    let (a, b) = tokio::join!(
        reply(&app, &shop.agent, &ticket, &first, false),
        reply(&app, &second, &ticket, &first, false),
    );
    let codes = [a["errors"].is_null(), b["errors"].is_null()];
    assert_eq!(codes.iter().filter(|ok| **ok).count(), 1, "{a}\n{b}");
    let refused = if codes[0] { &b } else { &a };
    assert_eq!(error_code(refused), "CONFLICT", "{refused}");
    assert_eq!(message_count(&app, &shop.agent, &ticket).await, 2);
}

pub async fn the_queue_filters_by_channel(app: TestApp) {
    let shop = Shop::open(&app).await;
    open(&app, &shop.buyer_a, "WEB", None).await;
    let (phone, _) = open(&app, &shop.agent, "PHONE", Some(&shop.buyer_a.id)).await;
    let body = app
        .gql_as(
            Some(&shop.agent.access),
            "{ tickets(filter: { channel: PHONE }) { totalCount nodes { id channel } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["tickets"]["totalCount"], 1, "{body}");
    assert_eq!(body["data"]["tickets"]["nodes"][0]["id"], phone.as_str());

    // The customer panel: one requester's tickets, however they came in.
    open(&app, &shop.buyer_b, "WEB", None).await;
    let theirs = app
        .gql_as(
            Some(&shop.agent.access),
            "query($r: ID) { tickets(filter: { requesterId: $r }) { totalCount } }",
            json!({ "r": shop.buyer_a.id }),
        )
        .await;
    assert_eq!(theirs["data"]["tickets"]["totalCount"], 2, "{theirs}");
}

/// The queue's default order: the next SLA target first, paged by keyset.
pub async fn the_queue_sorts_by_the_next_sla_target(app: TestApp) {
    let shop = Shop::open(&app).await;
    let mut ids = Vec::new();
    for (priority, minutes) in [("LOW", 0), ("URGENT", 1), ("NORMAL", 2), ("HIGH", 3)] {
        app.clock.advance(chrono::Duration::minutes(minutes));
        let (id, _) = open(&app, &shop.buyer_a, "WEB", None).await;
        let body = app
            .gql_as(
                Some(&shop.agent.access),
                "mutation($id: ID!, $p: TicketPriority!) { setTicketPriority(ticketId: $id, priority: $p) { id } }",
                json!({ "id": id, "p": priority }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        ids.push((priority, id));
    }
    let page = |after: Option<String>| {
        let app = &app;
        let agent = &shop.agent;
        async move {
            app.gql_as(
                Some(&agent.access),
                "query($after: String) { tickets(sort: SLA_DUE, first: 2, after: $after) {
                    totalCount pageInfo { hasNextPage endCursor } nodes { id priority firstResponseDueAt } } }",
                json!({ "after": after }),
            )
            .await
        }
    };
    let first = page(None).await;
    let second = page(
        first["data"]["tickets"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned),
    )
    .await;
    let order: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|body| {
            body["data"]["tickets"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|node| node["priority"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        order,
        ["URGENT", "HIGH", "NORMAL", "LOW"],
        "{first}\n{second}"
    );
    assert_eq!(first["data"]["tickets"]["totalCount"], 4);
    assert_eq!(first["data"]["tickets"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(second["data"]["tickets"]["pageInfo"]["hasNextPage"], false);

    // Once answered, a ticket waits on its resolution target and moves down.
    let urgent = &ids[1].1;
    let body = app
        .gql_as(
            Some(&shop.agent.access),
            "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"확인했습니다\") { id } }",
            json!({ "id": urgent }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let again = page(None).await;
    assert_ne!(
        again["data"]["tickets"]["nodes"][0]["id"],
        urgent.as_str(),
        "{again}"
    );
    // Newest first stays the default order of the API.
    let newest = app
        .gql_as(
            Some(&shop.agent.access),
            "{ tickets(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        newest["data"]["tickets"]["nodes"][0]["id"],
        ids[3].1.as_str()
    );
    // A cursor the caller cannot see is a bad cursor, not a leak.
    let other = page(Some(pagination_cursor(
        "0190c000-0000-7000-8000-000000000000",
    )))
    .await;
    assert_eq!(error_code(&other), "VALIDATION", "{other}");
}

fn pagination_cursor(id: &str) -> String {
    storedesk::graphql::pagination::encode_cursor(id.parse().unwrap())
}

engine_tests!(
    the_queue_sorts_by_the_next_sla_target,
    a_reply_against_a_stale_conversation_is_refused,
    of_two_simultaneous_replies_to_one_message_one_is_sent with several_workers,
    the_queue_filters_by_channel,
);
