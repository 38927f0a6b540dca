//! Tickets (DOMAIN.md "Tickets"): required information, the conversation and internal notes,
//! status rules, SLA clocks, satisfaction, assignment, who sees what, statement counts.

use chrono::Duration;
use serde_json::{Value, json};
use storedesk::clock::Clock;

use crate::engine_tests;
use crate::helpers::{Session, TestApp, error_code, error_field};
use crate::shop::*;

const CREATE: &str = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket {
    id number status priority channel category requester { id } order { id }
    firstResponseDueAt resolutionDueAt slaBreached } } }";
const REPLY: &str = "mutation($id: ID!, $body: String!, $internal: Boolean) {
    replyToTicket(ticketId: $id, body: $body, internal: $internal) { id internal } }";
const STATUS: &str =
    "mutation($id: ID!, $s: TicketStatus!) { setTicketStatus(ticketId: $id, status: $s) {
    status resolvedAt closedAt resolutionDueAt } }";
const VIEW: &str = "query($id: ID!) { ticket(id: $id) { id status firstRespondedAt slaBreached
    resolutionDueAt lastMessage { body internal } messages(first: 50) { totalCount edges { node { body internal author { id } } } }
    satisfaction { score comment } } }";

async fn open_ticket(app: &TestApp, who: &Session, input: Value) -> Value {
    app.gql_as(Some(&who.access), CREATE, json!({ "input": input }))
        .await
}

fn ticket_of(body: &Value) -> &Value {
    &body["data"]["createTicket"]["ticket"]
}

async fn simple_ticket(app: &TestApp, who: &Session) -> String {
    let body = open_ticket(
        app,
        who,
        json!({ "category": "OTHER", "subject": "문의드립니다", "body": "포인트 적립이 안 됐어요" }),
    )
    .await;
    ticket_of(&body)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

pub async fn a_ticket_asks_for_what_its_category_needs(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 10_000).await;
    let base = |category: &str| json!({ "category": category, "subject": "배송 문의", "body": "언제 오나요?" });
    for (input, field) in [
        (base("SHIPPING"), "orderId"),
        (base("REFUND"), "orderId"),
        (base("ORDER_PAYMENT"), "paymentMethod"),
        (
            json!({ "category": "ORDER_PAYMENT", "subject": "결제 실패", "body": "카드 결제가 안돼요", "paymentMethod": "CARD" }),
            "cardLast4",
        ),
        (
            json!({ "category": "ORDER_PAYMENT", "subject": "결제 실패", "body": "x", "paymentMethod": "CARD", "cardLast4": "4111111111111111" }),
            "cardLast4",
        ),
        (
            json!({ "category": "OTHER", "subject": "x", "body": "카드 4111 1111 1111 1111 입니다" }),
            "body",
        ),
        (
            json!({ "category": "OTHER", "subject": "x", "body": "y", "channel": "PHONE" }),
            "channel",
        ),
        (
            json!({ "category": "OTHER", "subject": " ", "body": "y" }),
            "subject",
        ),
    ] {
        let body = open_ticket(&app, &shop.buyer_a, input).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(error_field(&body), field, "{body}");
    }
    // Someone else's order is not found.
    let mut other = base("SHIPPING");
    other["orderId"] = json!(order);
    assert_eq!(
        error_code(&open_ticket(&app, &shop.buyer_b, other.clone()).await),
        "NOT_FOUND"
    );

    let body = open_ticket(&app, &shop.buyer_a, other).await;
    let ticket = ticket_of(&body);
    assert_eq!(ticket["status"], "OPEN", "{body}");
    assert_eq!(ticket["priority"], "NORMAL");
    assert_eq!(ticket["channel"], "WEB");
    assert_eq!(ticket["order"]["id"], order);
    assert_eq!(ticket["number"], 1001);
    // Opened Monday 18:00 KST, after hours: 4 business hours from Tuesday 09:00.
    assert_eq!(ticket["firstResponseDueAt"], "2026-11-03T04:00:00+00:00");
    // 3 business days of 9 hours: Thursday 18:00 KST.
    assert_eq!(ticket["resolutionDueAt"], "2026-11-05T09:00:00+00:00");
    let paid = open_ticket(
        &app,
        &shop.buyer_a,
        json!({ "category": "ORDER_PAYMENT", "subject": "결제 실패", "body": "결제가 안 됩니다", "paymentMethod": "CARD", "cardLast4": "1234" }),
    )
    .await;
    assert_eq!(ticket_of(&paid)["number"], 1002, "{paid}");
}

pub async fn an_agent_logs_a_phone_call_for_a_customer(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 10_000).await;
    let input = json!({ "category": "SHIPPING", "channel": "PHONE", "subject": "전화 문의: 배송 지연",
        "body": "고객이 전화로 배송 지연을 문의함", "orderId": order, "priority": "HIGH" });
    assert_eq!(
        error_field(&open_ticket(&app, &shop.agent, input.clone()).await),
        "requesterId"
    );
    let mut wrong = input.clone();
    wrong["requesterId"] = json!(shop.buyer_b.id);
    assert_eq!(
        error_code(&open_ticket(&app, &shop.agent, wrong).await),
        "NOT_FOUND",
        "buyer B cannot see the order"
    );
    let mut for_a = input;
    for_a["requesterId"] = json!(shop.buyer_a.id);
    let body = open_ticket(&app, &shop.agent, for_a).await;
    let ticket = ticket_of(&body);
    assert_eq!(ticket["channel"], "PHONE", "{body}");
    assert_eq!(ticket["priority"], "HIGH");
    assert_eq!(ticket["requester"]["id"], shop.buyer_a.id);
    let mine = ok(
        &app,
        &shop.buyer_a,
        "{ tickets { totalCount } }",
        json!({}),
        "tickets",
    )
    .await;
    assert_eq!(mine["totalCount"], 1);
}

pub async fn internal_notes_never_reach_the_customer(app: TestApp) {
    let shop = Shop::open(&app).await;
    let id = simple_ticket(&app, &shop.buyer_a).await;
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": id, "body": "안녕하세요, 확인해 드리겠습니다.", "internal": false }),
        "replyToTicket",
    )
    .await;
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": id, "body": "비밀메모: 블랙컨슈머 의심", "internal": true }),
        "replyToTicket",
    )
    .await;
    assert_eq!(
        error_field(
            &app.gql_as(
                Some(&shop.buyer_a.access),
                REPLY,
                json!({ "id": id, "body": "x", "internal": true })
            )
            .await
        ),
        "internal"
    );

    let seen = ok(&app, &shop.buyer_a, VIEW, json!({ "id": id }), "ticket").await;
    let text = seen.to_string();
    assert!(!text.contains("비밀메모"), "{text}");
    assert_eq!(seen["messages"]["totalCount"], 2);
    assert_eq!(
        seen["lastMessage"]["body"],
        "안녕하세요, 확인해 드리겠습니다."
    );
    let staff_view = ok(&app, &shop.agent, VIEW, json!({ "id": id }), "ticket").await;
    assert_eq!(staff_view["messages"]["totalCount"], 3);
    assert_eq!(staff_view["lastMessage"]["internal"], true);
    // Search by a note's words finds the ticket for agents only.
    let search = "query($q: String) { tickets(filter: { search: $q }) { totalCount } }";
    assert_eq!(
        ok(
            &app,
            &shop.buyer_a,
            search,
            json!({ "q": "블랙컨슈머" }),
            "tickets"
        )
        .await["totalCount"],
        0
    );
    assert_eq!(
        ok(
            &app,
            &shop.agent,
            search,
            json!({ "q": "블랙컨슈머" }),
            "tickets"
        )
        .await["totalCount"],
        1
    );
    // Only the public reply was sent to the customer.
    assert_eq!(
        outbox_kinds(&app, "buyer-a@example.com").await,
        vec!["ticket.reply"]
    );
    deliver_mail(&app).await;
    let mail: Vec<String> = sent_mail(&app).iter().map(|m| mail_text(m)).collect();
    assert!(mail.iter().all(|m| !m.contains("비밀메모")));
    assert!(
        mail.iter().any(|m| m.contains("확인해 드리겠습니다")),
        "{mail:?}"
    );
}

pub async fn replies_move_the_ticket_and_the_customer_confirms_and_rates(app: TestApp) {
    let shop = Shop::open(&app).await;
    let id = simple_ticket(&app, &shop.buyer_a).await;
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": id, "body": "적립 처리했습니다." }),
        "replyToTicket",
    )
    .await;
    let seen = ok(&app, &shop.agent, VIEW, json!({ "id": id }), "ticket").await;
    assert!(seen["firstRespondedAt"].is_string());
    // Customers cannot move an open ticket.
    assert_eq!(
        fails(
            &app,
            Some(&shop.buyer_a),
            STATUS,
            json!({ "id": id, "s": "PENDING" })
        )
        .await,
        "INVALID_STATE"
    );
    ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": id, "s": "RESOLVED" }),
        "setTicketStatus",
    )
    .await;
    // A customer reply reopens a resolved ticket.
    ok(
        &app,
        &shop.buyer_a,
        REPLY,
        json!({ "id": id, "body": "아직 안 보여요" }),
        "replyToTicket",
    )
    .await;
    assert_eq!(
        ok(&app, &shop.agent, VIEW, json!({ "id": id }), "ticket").await["status"],
        "OPEN"
    );
    ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": id, "s": "RESOLVED" }),
        "setTicketStatus",
    )
    .await;
    let rate = "mutation($id: ID!, $s: Int!) { rateTicket(ticketId: $id, score: $s, comment: \"빨라요\") { satisfaction { score comment } } }";
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), rate, json!({ "id": id, "s": 0 })).await,
        "VALIDATION"
    );
    assert_eq!(
        fails(&app, Some(&shop.buyer_b), rate, json!({ "id": id, "s": 5 })).await,
        "NOT_FOUND"
    );
    let rated = ok(
        &app,
        &shop.buyer_a,
        rate,
        json!({ "id": id, "s": 5 }),
        "rateTicket",
    )
    .await;
    assert_eq!(rated["satisfaction"]["score"], 5);
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), rate, json!({ "id": id, "s": 4 })).await,
        "CONFLICT"
    );
    // The customer confirms it is fixed.
    let closed = ok(
        &app,
        &shop.buyer_a,
        STATUS,
        json!({ "id": id, "s": "CLOSED" }),
        "setTicketStatus",
    )
    .await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(
        error_code(
            &app.gql_as(
                Some(&shop.buyer_a.access),
                REPLY,
                json!({ "id": id, "body": "또 문제" })
            )
            .await
        ),
        "INVALID_STATE"
    );
    assert_eq!(
        fails(
            &app,
            Some(&shop.agent),
            STATUS,
            json!({ "id": id, "s": "OPEN" })
        )
        .await,
        "INVALID_STATE"
    );
}

pub async fn sla_clocks_breach_pause_while_pending_and_quiet_tickets_close(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let id = simple_ticket(&app, &shop.buyer_a).await;
    let breached = "{ tickets(filter: { slaBreached: true }) { totalCount } }";
    assert_eq!(
        ok(&app, &shop.agent, breached, json!({}), "tickets").await["totalCount"],
        0
    );
    // Tuesday 13:00 KST (04:00 UTC) is the first-response due time.
    app.clock
        .advance(Duration::hours(19) + Duration::minutes(1));
    shop.sign_in_again(&app).await;
    assert_eq!(
        ok(&app, &shop.agent, breached, json!({}), "tickets").await["totalCount"],
        1
    );
    assert_eq!(
        ok(&app, &shop.agent, VIEW, json!({ "id": id }), "ticket").await["slaBreached"],
        true
    );
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": id, "body": "주문번호를 알려주세요." }),
        "replyToTicket",
    )
    .await;
    assert_eq!(
        ok(&app, &shop.agent, breached, json!({}), "tickets").await["totalCount"],
        0
    );

    // Waiting on the customer for two full business days does not count.
    let before = ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": id, "s": "PENDING" }),
        "setTicketStatus",
    )
    .await;
    app.clock.advance(Duration::days(2));
    shop.sign_in_again(&app).await;
    let resumed = ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": id, "s": "OPEN" }),
        "setTicketStatus",
    )
    .await;
    let due = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["resolutionDueAt"].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        due(&resumed) - due(&before),
        Duration::hours(18),
        "two business days of 9 hours"
    );

    ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": id, "s": "RESOLVED" }),
        "setTicketStatus",
    )
    .await;
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let swept = storedesk::jobs::sweep(&app.state).await;
    assert_eq!(swept.tickets_closed, 1);
    shop.sign_in_again(&app).await;
    assert_eq!(
        ok(&app, &shop.agent, VIEW, json!({ "id": id }), "ticket").await["status"],
        "CLOSED"
    );
}

pub async fn tickets_are_assigned_to_agents_and_queued(app: TestApp) {
    let shop = Shop::open(&app).await;
    let first = simple_ticket(&app, &shop.buyer_a).await;
    simple_ticket(&app, &shop.buyer_b).await;
    let assign = "mutation($id: ID!, $to: ID) { assignTicket(ticketId: $id, assigneeId: $to) { assignee { id } } }";
    assert_eq!(
        fails(
            &app,
            Some(&shop.agent),
            assign,
            json!({ "id": first, "to": shop.buyer_a.id })
        )
        .await,
        "VALIDATION"
    );
    assert_eq!(
        fails(
            &app,
            Some(&shop.buyer_a),
            assign,
            json!({ "id": first, "to": shop.agent.id })
        )
        .await,
        "FORBIDDEN"
    );
    let assigned = ok(
        &app,
        &shop.agent,
        assign,
        json!({ "id": first, "to": shop.agent.id }),
        "assignTicket",
    )
    .await;
    assert_eq!(assigned["assignee"]["id"], shop.agent.id);
    let queue = "query($f: TicketFilter) { tickets(filter: $f) { totalCount } }";
    assert_eq!(
        ok(
            &app,
            &shop.agent,
            queue,
            json!({ "f": { "unassigned": true } }),
            "tickets"
        )
        .await["totalCount"],
        1
    );
    assert_eq!(
        ok(
            &app,
            &shop.agent,
            queue,
            json!({ "f": { "assigneeId": shop.agent.id } }),
            "tickets"
        )
        .await["totalCount"],
        1
    );
    let unassigned = ok(
        &app,
        &shop.agent,
        assign,
        json!({ "id": first, "to": null }),
        "assignTicket",
    )
    .await;
    assert!(unassigned["assignee"].is_null());
}

pub async fn customers_see_only_their_own_tickets_by_any_path(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 10_000).await;
    let body = open_ticket(
        &app,
        &shop.buyer_a,
        json!({ "category": "SHIPPING", "subject": "배송", "body": "언제?", "orderId": order }),
    )
    .await;
    let id = ticket_of(&body)["id"].as_str().unwrap().to_owned();
    let number = ticket_of(&body)["number"].as_i64().unwrap();
    for who in [&shop.buyer_b, &shop.seller_a, &shop.seller_b] {
        let seen = app
            .gql_as(Some(&who.access), VIEW, json!({ "id": id }))
            .await;
        assert!(seen["data"]["ticket"].is_null(), "{seen}");
        let listed = ok(
            &app,
            who,
            "query($q: String) { tickets(filter: { search: $q }) { totalCount } }",
            json!({ "q": number.to_string() }),
            "tickets",
        )
        .await;
        assert_eq!(listed["totalCount"], 0);
        assert_eq!(
            fails(
                &app,
                Some(who),
                REPLY,
                json!({ "id": id, "body": "끼어들기" })
            )
            .await,
            "NOT_FOUND"
        );
        assert_eq!(
            fails(&app, Some(who), STATUS, json!({ "id": id, "s": "CLOSED" })).await,
            "NOT_FOUND"
        );
    }
    assert_eq!(
        fails(&app, None, VIEW, json!({ "id": id })).await,
        "UNAUTHENTICATED"
    );
    // Through the order: the buyer and agents see the ticket, the store's seller does not.
    let through_order = "query($id: ID!) { order(id: $id) { tickets { id } } }";
    for (who, count) in [(&shop.buyer_a, 1), (&shop.agent, 1), (&shop.seller_a, 0)] {
        let seen = ok(&app, who, through_order, json!({ "id": order }), "order").await;
        assert_eq!(seen["tickets"].as_array().unwrap().len(), count, "{seen}");
    }
    // The agent finds it by number, by the requester's email and by the order number.
    let number_of_order = order_as(&app, &shop.agent, &order).await["orderNumber"].clone();
    for q in [
        json!(number.to_string()),
        json!("buyer-a@example.com"),
        number_of_order,
    ] {
        let listed = ok(
            &app,
            &shop.agent,
            "query($q: String) { tickets(filter: { search: $q }) { totalCount } }",
            json!({ "q": q }),
            "tickets",
        )
        .await;
        assert_eq!(listed["totalCount"], 1, "{q}");
    }
}

pub async fn the_ticket_list_does_not_query_per_row(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(2),
    )
    .await;
    for i in 0..55 {
        let body = open_ticket(&app, &shop.buyer_a, json!({ "category": "SHIPPING", "subject": format!("배송 {i}"), "body": "언제?", "orderId": order })).await;
        let id = ticket_of(&body)["id"].as_str().unwrap().to_owned();
        if i % 2 == 0 {
            ok(&app, &shop.agent, "mutation($id: ID!, $to: ID) { assignTicket(ticketId: $id, assigneeId: $to) { id } }", json!({ "id": id, "to": shop.agent.id }), "assignTicket").await;
            ok(
                &app,
                &shop.agent,
                REPLY,
                json!({ "id": id, "body": "확인 중입니다" }),
                "replyToTicket",
            )
            .await;
        }
    }
    let query = "query($f: Int) { tickets(first: $f) { totalCount edges { node { number subject slaBreached
        requester { account { email } } assignee { account { email } } order { orderNumber payment { status } shipment { delayed } }
        lastMessage { body author { account { email } } } } } } }";
    let mut counts = Vec::new();
    for first in [5, 50] {
        for who in [&shop.agent, &shop.buyer_a] {
            let before = app.state.statements.get();
            let body = app
                .gql_as(Some(&who.access), query, json!({ "f": first }))
                .await;
            let after = app.state.statements.get();
            assert_eq!(
                body["data"]["tickets"]["edges"].as_array().unwrap().len(),
                first,
                "{body}"
            );
            counts.push(after - before);
        }
    }
    eprintln!("SQL statements for tickets first=5 and first=50 (agent, buyer): {counts:?}");
    assert!(counts[2].saturating_sub(counts[0]) < 8, "{counts:?}");
    assert!(counts[3].saturating_sub(counts[1]) < 8, "{counts:?}");
}

/// A page of tickets, and one ticket, reads each ticket's requester, assignee and order
/// (with the order's payment and shipment) in the ticket's own statement: the right rows in
/// both sorts, under a search, for a customer, and no statement more than the bare page.
pub async fn a_page_of_tickets_reads_people_and_order_with_its_tickets(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = preparing_order(&app, &shop, 10_000).await;
    ship(
        &app,
        &shop.seller_a,
        &order,
        app.clock.now() + Duration::days(2),
    )
    .await;
    let number = order_as(&app, &shop.buyer_a, &order).await["orderNumber"].clone();
    let body = open_ticket(
        &app,
        &shop.buyer_a,
        json!({ "category": "SHIPPING", "subject": "배송 문의", "body": "언제 오나요?", "orderId": order }),
    )
    .await;
    let about_order = ticket_of(&body)["id"].as_str().unwrap().to_owned();
    let plain = simple_ticket(&app, &shop.buyer_b).await;
    let assign =
        "mutation($id: ID!, $to: ID) { assignTicket(ticketId: $id, assigneeId: $to) { id } }";
    ok(
        &app,
        &shop.agent,
        assign,
        json!({ "id": about_order, "to": shop.agent.id }),
        "assignTicket",
    )
    .await;
    ok(
        &app,
        &shop.agent,
        assign,
        json!({ "id": plain, "to": null }),
        "assignTicket",
    )
    .await;

    const PARTS: &str = "id requester { account { email } } assignee { account { email } }
        order { orderNumber payment { status cardLast4 } shipment { carrier } }";
    let email = |session: &Session| json!({ "account": { "email": session.email } });
    let expected = [
        json!({ "id": plain, "requester": email(&shop.buyer_b), "assignee": null, "order": null }),
        json!({ "id": about_order, "requester": email(&shop.buyer_a), "assignee": email(&shop.agent),
                "order": { "orderNumber": number, "payment": { "status": "PAID", "cardLast4": "4242" },
                           "shipment": { "carrier": "CJ대한통운" } } }),
    ];
    let list = |who: &Session, args: &str, fields: &str| {
        let app = &app;
        let query = format!("query {{ tickets({args}) {{ edges {{ node {{ {fields} }} }} }} }}");
        let access = who.access.clone();
        async move {
            let body = app.gql_as(Some(&access), &query, json!({})).await;
            body["data"]["tickets"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|edge| edge["node"].clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&shop.agent, "first: 10", PARTS).await, expected);
    // One ticket reads them the same way.
    for ticket in &expected {
        let body = app
            .gql_as(
                Some(&shop.agent.access),
                &format!("query($id: ID!) {{ ticket(id: $id) {{ {PARTS} }} }}"),
                json!({ "id": ticket["id"] }),
            )
            .await;
        assert_eq!(&body["data"]["ticket"], ticket, "{body}");
    }
    let hidden = app
        .gql_as(
            Some(&shop.buyer_a.access),
            &format!("query($id: ID!) {{ ticket(id: $id) {{ {PARTS} }} }}"),
            json!({ "id": plain }),
        )
        .await;
    assert!(hidden["data"]["ticket"].is_null(), "{hidden}");
    let mut by_due = list(&shop.agent, "first: 10, sort: SLA_DUE", PARTS).await;
    by_due.sort_by_key(|ticket| ticket["id"] != json!(plain));
    assert_eq!(by_due, expected);
    let searched = list(
        &shop.agent,
        "first: 10, filter: { search: \"배송\" }",
        PARTS,
    )
    .await;
    assert_eq!(searched, expected[1..]);
    // The customer's own list: their ticket and its order; the agent's profile only.
    let mine = list(&shop.buyer_a, "first: 10", PARTS).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["order"], expected[1]["order"]);
    assert_eq!(mine[0]["assignee"], json!({ "account": null }));

    let statements = |fields: &'static str| {
        let app = &app;
        let agent = &shop.agent;
        async move {
            let before = app.state.statements.get();
            let body = app
                .gql_as(
                    Some(&agent.access),
                    &format!("query {{ tickets(first: 10) {{ nodes {{ {fields} }} }} }}"),
                    json!({}),
                )
                .await;
            assert_eq!(
                body["data"]["tickets"]["nodes"].as_array().map(Vec::len),
                Some(2),
                "{body}"
            );
            app.state.statements.get() - before
        }
    };
    assert_eq!(statements(PARTS).await, statements("id subject").await);
}

pub async fn agents_see_the_resolution_that_fits_the_order(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let failed = place(&app, &shop.buyer_a, &shop.store_a, 10_000).await;
    let failed = failed["id"].as_str().unwrap().to_owned();
    ok(&app, &shop.buyer_a, PAY, json!({ "id": failed, "input": { "method": "CARD", "cardBrand": "VISA", "cardLast4": "1111", "simulate": "CARD_EXPIRED" } }), "payOrder").await;
    let late = preparing_order(&app, &shop, 10_000).await;
    ship(
        &app,
        &shop.seller_a,
        &late,
        app.clock.now() + Duration::days(1),
    )
    .await;
    let mut ids = Vec::new();
    for (category, order) in [("ORDER_PAYMENT", &failed), ("SHIPPING", &late)] {
        let body = open_ticket(&app, &shop.buyer_a, json!({ "category": category, "subject": "도와주세요", "body": "문제가 있어요", "orderId": order })).await;
        ids.push(ticket_of(&body)["id"].as_str().unwrap().to_owned());
    }
    let doc = "query($id: ID!, $l: String) { ticket(id: $id) { suggestedResolution(locale: $l) } }";
    let suggestion = |who: &Session, id: &str, locale: &str| {
        let app = &app;
        let (who, id, locale) = (who.clone(), id.to_owned(), locale.to_owned());
        async move {
            ok(app, &who, doc, json!({ "id": id, "l": locale }), "ticket").await["suggestedResolution"].clone()
        }
    };
    let ko = suggestion(&shop.agent, &ids[0], "ko").await;
    assert!(ko.as_str().unwrap().contains("유효기간이 만료"), "{ko}");
    let en = suggestion(&shop.agent, &ids[0], "en").await;
    assert!(en.as_str().unwrap().contains("another card"), "{en}");
    assert!(
        suggestion(&shop.buyer_a, &ids[0], "ko").await.is_null(),
        "customers do not see it"
    );
    assert!(
        suggestion(&shop.agent, &ids[1], "ko").await.is_null(),
        "on time: nothing to do"
    );
    app.clock.advance(Duration::days(2));
    shop.sign_in_again(&app).await;
    let late_hint = suggestion(&shop.agent, &ids[1], "ko").await;
    assert!(
        late_hint.as_str().unwrap().contains("새 도착 예정일"),
        "{late_hint}"
    );
}

pub async fn macros_fill_placeholders_from_the_ticket_and_its_order(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = place(&app, &shop.buyer_a, &shop.store_a, 10_000).await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let number = order["orderNumber"].as_str().unwrap().to_owned();
    ok(&app, &shop.buyer_a, PAY, json!({ "id": order_id, "input": { "method": "CARD", "cardBrand": "VISA", "cardLast4": "1111", "simulate": "CARD_EXPIRED" } }), "payOrder").await;
    let body = open_ticket(&app, &shop.buyer_a, json!({ "category": "ORDER_PAYMENT", "subject": "결제 실패", "body": "결제가 안 돼요", "orderId": order_id })).await;
    let ticket = ticket_of(&body)["id"].as_str().unwrap().to_owned();
    let plain = simple_ticket(&app, &shop.buyer_a).await;

    let starter = ok(
        &app,
        &shop.agent,
        "{ macros(category: ORDER_PAYMENT) { id title category } }",
        json!({}),
        "macros",
    )
    .await;
    let payment_macro = starter
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"].as_str().unwrap().starts_with("결제 실패"))
        .unwrap_or_else(|| panic!("{starter}"))["id"]
        .clone();
    // The console's preview is the same text the reply would carry, and sends nothing.
    let preview = "query($id: ID!, $m: ID!) { ticket(id: $id) { macroPreview(macroId: $m) messages { totalCount } } }";
    let previewed = ok(
        &app,
        &shop.agent,
        preview,
        json!({ "id": ticket, "m": payment_macro }),
        "ticket",
    )
    .await;
    let previewed_text = previewed["macroPreview"].as_str().unwrap().to_owned();
    assert!(previewed_text.contains(&number), "{previewed}");
    assert_eq!(previewed["messages"]["totalCount"], 1);
    let no_order = app
        .gql_as(
            Some(&shop.agent.access),
            preview,
            json!({ "id": plain, "m": payment_macro }),
        )
        .await;
    assert_eq!(error_field(&no_order), "macroId", "{no_order}");
    let as_buyer = app
        .gql_as(
            Some(&shop.buyer_a.access),
            preview,
            json!({ "id": ticket, "m": payment_macro }),
        )
        .await;
    assert_eq!(error_code(&as_buyer), "FORBIDDEN", "{as_buyer}");

    let reply = "mutation($id: ID!, $m: ID, $b: String!) { replyToTicket(ticketId: $id, macroId: $m, body: $b) { body } }";
    let sent = ok(
        &app,
        &shop.agent,
        reply,
        json!({ "id": ticket, "m": payment_macro, "b": "추가 문의는 답글로 남겨 주세요." }),
        "replyToTicket",
    )
    .await;
    let text = sent["body"].as_str().unwrap();
    assert!(text.starts_with("Test Person님"), "{text}");
    assert!(
        text.contains(&number) && text.contains("카드 유효기간 만료"),
        "{text}"
    );
    assert!(text.ends_with("추가 문의는 답글로 남겨 주세요."), "{text}");
    assert!(text.starts_with(&previewed_text), "{text}");
    // A macro about an order on a ticket without one is refused, naming the macro.
    assert_eq!(
        error_field(
            &app.gql_as(
                Some(&shop.agent.access),
                reply,
                json!({ "id": plain, "m": payment_macro, "b": "" })
            )
            .await
        ),
        "macroId"
    );
    assert_eq!(
        error_field(
            &app.gql_as(
                Some(&shop.buyer_a.access),
                reply,
                json!({ "id": plain, "m": payment_macro, "b": "x" })
            )
            .await
        ),
        "macroId"
    );
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), "{ macros { id } }", json!({})).await,
        "FORBIDDEN"
    );

    // The editor offers exactly the placeholders the server accepts.
    let offered = ok(
        &app,
        &shop.agent,
        "{ macroPlaceholders }",
        json!({}),
        "macroPlaceholders",
    )
    .await;
    let offered: Vec<&str> = offered
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(offered, storedesk::tickets::macros::PLACEHOLDERS);
    let create = "mutation($i: MacroInput!) { createMacro(input: $i) { id title body category } }";
    let bad = app
        .gql_as(
            Some(&shop.agent.access),
            create,
            json!({ "i": { "title": "비번", "body": "{{customer.password}}" } }),
        )
        .await;
    assert_eq!(error_field(&bad), "body", "{bad}");
    let made = ok(&app, &shop.agent, create, json!({ "i": { "title": "인사", "body": "{{customer.name}}님, 문의 #{{ticket.number}} 확인했습니다." } }), "createMacro").await;
    let id = made["id"].clone();
    let used = ok(
        &app,
        &shop.agent,
        reply,
        json!({ "id": plain, "m": id, "b": "" }),
        "replyToTicket",
    )
    .await;
    assert_eq!(used["body"], "Test Person님, 문의 #1002 확인했습니다.");
    let updated = ok(&app, &shop.agent, "mutation($id: ID!, $i: MacroInput!) { updateMacro(id: $id, input: $i) { title category } }",
        json!({ "id": id, "i": { "title": "인사말", "body": "안녕하세요", "category": "OTHER" } }), "updateMacro").await;
    assert_eq!(updated["category"], "OTHER");
    assert_eq!(
        ok(
            &app,
            &shop.agent,
            "mutation($id: ID!) { deleteMacro(id: $id) }",
            json!({ "id": id }),
            "deleteMacro"
        )
        .await,
        true
    );
    assert_eq!(
        fails(
            &app,
            Some(&shop.agent),
            "mutation($id: ID!) { deleteMacro(id: $id) }",
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
}

pub async fn the_dashboard_shows_the_queue_and_what_needs_attention(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let rated = simple_ticket(&app, &shop.buyer_a).await;
    simple_ticket(&app, &shop.buyer_b).await;
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!, $to: ID) { assignTicket(ticketId: $id, assigneeId: $to) { id } }",
        json!({ "id": rated, "to": shop.agent.id }),
        "assignTicket",
    )
    .await;
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": rated, "body": "처리했습니다" }),
        "replyToTicket",
    )
    .await;
    ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": rated, "s": "RESOLVED" }),
        "setTicketStatus",
    )
    .await;
    ok(
        &app,
        &shop.buyer_a,
        "mutation($id: ID!) { rateTicket(ticketId: $id, score: 4) { id } }",
        json!({ "id": rated }),
        "rateTicket",
    )
    .await;
    let late = preparing_order(&app, &shop, 10_000).await;
    ship(
        &app,
        &shop.seller_a,
        &late,
        app.clock.now() + Duration::hours(12),
    )
    .await;
    let pending = preparing_order(&app, &shop, 10_000).await;
    request_cancel(&app, &shop.buyer_a, &pending).await;
    app.clock.advance(Duration::days(2));
    shop.sign_in_again(&app).await;

    let query = "{ supportDashboard { byStatus { status count } byCategory { category count } unassigned slaBreached
        overdueSellerDecisions delayedShipments stalledShipments overdueRefunds csatLast7Days csatLast30Days
        csatByAgent { agent { id } average count } csatByCategory { category average count } } }";
    let before = app.state.statements.get();
    let dashboard = ok(&app, &shop.agent, query, json!({}), "supportDashboard").await;
    let statements = app.state.statements.get() - before;
    assert!(statements <= 20, "{statements} statements");
    let count_of = |list: &Value, key: &str, value: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e[key] == value)
            .map_or(0, |e| e["count"].as_i64().unwrap())
    };
    assert_eq!(
        count_of(&dashboard["byStatus"], "status", "OPEN"),
        1,
        "{dashboard}"
    );
    assert_eq!(count_of(&dashboard["byStatus"], "status", "RESOLVED"), 1);
    assert_eq!(count_of(&dashboard["byCategory"], "category", "OTHER"), 2);
    assert_eq!(dashboard["unassigned"], 1);
    assert_eq!(dashboard["slaBreached"], 1, "the unanswered ticket");
    assert_eq!(dashboard["overdueSellerDecisions"], 1);
    assert_eq!(dashboard["delayedShipments"], 1);
    assert_eq!(dashboard["overdueRefunds"], 0);
    assert_eq!(dashboard["csatLast7Days"], 4.0);
    assert_eq!(dashboard["csatByAgent"][0]["agent"]["id"], shop.agent.id);
    assert_eq!(dashboard["csatByAgent"][0]["average"], 4.0);
    assert_eq!(dashboard["csatByCategory"][0]["category"], "OTHER");
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), query, json!({})).await,
        "FORBIDDEN"
    );
}

/// Agents share one dashboard for `dashboard_max_age_secs` (5): a ticket opened meanwhile
/// shows once that age has passed, and a copy too old is never served.
pub async fn the_dashboard_is_shared_for_a_few_seconds(app: TestApp) {
    let shop = Shop::open(&app).await;
    let query = "{ supportDashboard { byStatus { status count } } }";
    let open = |dashboard: &Value| {
        dashboard["byStatus"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["status"] == "OPEN")
            .map_or(0, |e| e["count"].as_i64().unwrap())
    };
    simple_ticket(&app, &shop.buyer_a).await;
    let first = ok(&app, &shop.agent, query, json!({}), "supportDashboard").await;
    assert_eq!(open(&first), 1, "{first}");

    simple_ticket(&app, &shop.buyer_b).await;
    let before = app.state.statements.get();
    let shared = ok(&app, &shop.agent, query, json!({}), "supportDashboard").await;
    assert_eq!(open(&shared), 1, "served from the shared copy: {shared}");
    assert!(
        app.state.statements.get() - before <= 2,
        "only the session check ran"
    );

    // The answer written from the copy is shared too, but only with the same request from
    // a caller the matrix lets in: another agent gets the same bytes, a buyer is still
    // refused, and another document is executed against the same copy.
    let other = app
        .staff("agent2@example.com", entity::account::Role::Agent)
        .await;
    assert_eq!(
        ok(&app, &other, query, json!({}), "supportDashboard").await,
        shared
    );
    assert_eq!(
        fails(&app, Some(&shop.buyer_a), query, json!({})).await,
        "FORBIDDEN"
    );
    let unassigned = ok(
        &app,
        &other,
        "query Mine { supportDashboard { unassigned } }",
        json!({}),
        "supportDashboard",
    )
    .await;
    assert_eq!(
        unassigned["unassigned"], 1,
        "the copy's figure: {unassigned}"
    );

    // Past six times the age the copy is not served at all: the request computes it.
    app.clock.advance(Duration::seconds(31));
    let fresh = ok(&app, &shop.agent, query, json!({}), "supportDashboard").await;
    assert_eq!(open(&fresh), 2, "{fresh}");

    // A session ended is refused on its next request, kept answer or not.
    let logout = "mutation($t: String!) { logout(refreshToken: $t) }";
    app.gql(logout, json!({ "t": shop.agent.refresh })).await;
    assert_eq!(
        fails(&app, Some(&shop.agent), query, json!({})).await,
        "UNAUTHENTICATED"
    );
}

pub async fn new_tickets_go_round_robin_to_available_agents_under_their_cap(app: TestApp) {
    let shop = Shop::open(&app).await;
    let second = app
        .staff("agent2@example.com", entity::account::Role::Agent)
        .await;
    let available = "mutation($a: Boolean!, $cap: Int) { setAgentAvailability(available: $a, maxOpenTickets: $cap) { available maxOpenTickets } }";
    assert_eq!(
        fails(
            &app,
            Some(&shop.agent),
            available,
            json!({ "a": true, "cap": 0 })
        )
        .await,
        "VALIDATION"
    );
    ok(
        &app,
        &shop.agent,
        available,
        json!({ "a": true, "cap": 1 }),
        "setAgentAvailability",
    )
    .await;
    ok(
        &app,
        &second,
        available,
        json!({ "a": true, "cap": 1 }),
        "setAgentAvailability",
    )
    .await;
    let assignee = |id: String| {
        let app = &app;
        let agent = shop.agent.clone();
        async move {
            ok(
                app,
                &agent,
                "query($id: ID!) { ticket(id: $id) { assignee { id } } }",
                json!({ "id": id }),
                "ticket",
            )
            .await["assignee"]["id"]
                .clone()
        }
    };
    let first = simple_ticket(&app, &shop.buyer_a).await;
    let next = simple_ticket(&app, &shop.buyer_b).await;
    let third = simple_ticket(&app, &shop.buyer_a).await;
    let (a, b) = (assignee(first.clone()).await, assignee(next).await);
    assert_ne!(a, b, "one each");
    assert!([json!(shop.agent.id), json!(second.id)].contains(&a));
    assert!(
        assignee(third).await.is_null(),
        "both at their cap: the queue"
    );
    // Resolving frees a slot; an unavailable agent is skipped.
    ok(
        &app,
        &shop.agent,
        STATUS,
        json!({ "id": first, "s": "RESOLVED" }),
        "setTicketStatus",
    )
    .await;
    let fourth = simple_ticket(&app, &shop.buyer_b).await;
    assert_eq!(assignee(fourth).await, a);
    ok(
        &app,
        &second,
        available,
        json!({ "a": false }),
        "setAgentAvailability",
    )
    .await;
    ok(
        &app,
        &shop.agent,
        available,
        json!({ "a": true, "cap": 5 }),
        "setAgentAvailability",
    )
    .await;
    let fifth = simple_ticket(&app, &shop.buyer_b).await;
    assert_eq!(assignee(fifth).await, json!(shop.agent.id));
}

engine_tests!(
    support_desk_access_matrix,
    new_tickets_go_round_robin_to_available_agents_under_their_cap,
    the_dashboard_shows_the_queue_and_what_needs_attention,
    the_dashboard_is_shared_for_a_few_seconds,
    macros_fill_placeholders_from_the_ticket_and_its_order,
    agents_see_the_resolution_that_fits_the_order,
    a_ticket_asks_for_what_its_category_needs,
    an_agent_logs_a_phone_call_for_a_customer,
    internal_notes_never_reach_the_customer,
    replies_move_the_ticket_and_the_customer_confirms_and_rates,
    sla_clocks_breach_pause_while_pending_and_quiet_tickets_close,
    tickets_are_assigned_to_agents_and_queued,
    customers_see_only_their_own_tickets_by_any_path,
    the_ticket_list_does_not_query_per_row,
    a_page_of_tickets_reads_people_and_order_with_its_tickets,
    searching_tickets_matches_every_word_in_subject_or_messages,
    a_missed_sla_target_escalates_once_to_whoever_holds_the_ticket,
);

pub async fn a_missed_sla_target_escalates_once_to_whoever_holds_the_ticket(app: TestApp) {
    let mut shop = Shop::open(&app).await;
    let mut second = app
        .staff("agent-2@example.com", entity::account::Role::Agent)
        .await;
    let unassigned = simple_ticket(&app, &shop.buyer_a).await;
    let held = simple_ticket(&app, &shop.buyer_b).await;
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!, $a: ID) { assignTicket(ticketId: $id, assigneeId: $a) { id } }",
        json!({ "id": held, "a": second.id }),
        "assignTicket",
    )
    .await;
    // Nothing is due yet.
    assert_eq!(storedesk::jobs::sweep(&app.state).await.sla_escalated, 0);

    // A day later both missed the first-response target (NORMAL: 4 business hours).
    app.clock.advance(Duration::days(1));
    assert_eq!(storedesk::jobs::sweep(&app.state).await.sla_escalated, 2);
    assert_eq!(
        storedesk::jobs::sweep(&app.state).await.sla_escalated,
        0,
        "a breach escalates once"
    );
    // The held ticket's agent hears of it; nobody holds the other, so every agent does.
    assert_eq!(
        outbox_kinds(&app, "agent-2@example.com").await,
        ["ticket.sla_breached", "ticket.sla_breached"]
    );
    assert_eq!(
        outbox_kinds(&app, "agent@example.com").await,
        ["ticket.sla_breached"]
    );
    assert!(outbox_kinds(&app, "buyer-a@example.com").await.is_empty());
    shop.sign_in_again(&app).await;
    second = app.login(&second.email, crate::helpers::PASSWORD).await;
    let (agent, buyer) = (shop.agent.clone(), shop.buyer_a.clone());
    let view = "query($id: ID!) { ticket(id: $id) { slaBreached firstResponseEscalatedAt resolutionEscalatedAt } }";
    let staff = ok(&app, &agent, view, json!({ "id": unassigned }), "ticket").await;
    assert_eq!(staff["slaBreached"], true);
    assert!(staff["firstResponseEscalatedAt"].is_string());
    assert!(staff["resolutionEscalatedAt"].is_null());
    let customer = ok(&app, &buyer, view, json!({ "id": unassigned }), "ticket").await;
    assert!(customer["firstResponseEscalatedAt"].is_null(), "{customer}");

    // Answered, the first ticket can only miss its resolution target later; a PENDING
    // ticket (waiting on the customer) cannot.
    ok(
        &app,
        &agent,
        REPLY,
        json!({ "id": unassigned, "body": "확인해 보겠습니다.", "internal": false }),
        "replyToTicket",
    )
    .await;
    ok(
        &app,
        &second,
        STATUS,
        json!({ "id": held, "s": "PENDING" }),
        "setTicketStatus",
    )
    .await;
    app.clock.advance(Duration::days(7));
    assert_eq!(storedesk::jobs::sweep(&app.state).await.sla_escalated, 1);
    let agent = app.login(&agent.email, crate::helpers::PASSWORD).await;
    let staff = ok(&app, &agent, view, json!({ "id": unassigned }), "ticket").await;
    assert!(staff["resolutionEscalatedAt"].is_string(), "{staff}");

    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("ticket.sla_escalated"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited, 3);
}

pub async fn searching_tickets_matches_every_word_in_subject_or_messages(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 10_000).await;
    let body = open_ticket(
        &app,
        &shop.buyer_a,
        json!({ "category": "SHIPPING", "subject": "배송이 지연되고 있어요",
            "body": "택배가 3일째 멈춰 있습니다. Tracking shows EXCEPTION.", "orderId": order }),
    )
    .await;
    let number = ticket_of(&body)["number"].as_i64().unwrap();
    simple_ticket(&app, &shop.buyer_a).await;
    let count = |query: String| {
        let app = &app;
        let agent = shop.agent.access.clone();
        async move {
            let body = app
                .gql_as(
                    Some(&agent),
                    "query($q: String) { tickets(filter: { search: $q }) { totalCount } }",
                    json!({ "q": query }),
                )
                .await;
            body["data"]["tickets"]["totalCount"]
                .as_i64()
                .unwrap_or_else(|| panic!("{body}"))
        }
    };
    for (query, expected) in [
        ("배송 지연", 1),          // words apart in the subject
        ("지연 택배", 1),          // one word in the subject, one in the message
        ("tracking exception", 1), // English, any case
        ("배송 환불", 0),          // every word must match
        ("%_ !!", 0),              // no words: nothing, not everything
        ("적립", 1),               // the other ticket
    ] {
        assert_eq!(count(query.to_owned()).await, expected, "{query}");
    }
    assert_eq!(count(format!("#{number}")).await, 1);
}

/// Who sees a ticket, its conversation and a draft FAQ entry, by every path, for every role.
pub async fn support_desk_access_matrix(app: TestApp) {
    let shop = Shop::open(&app).await;
    let order = paid_order(&app, &shop, 10_000).await;
    let body = open_ticket(&app, &shop.buyer_a, json!({ "category": "SHIPPING", "subject": "배송 문의", "body": "공개 메시지", "orderId": order })).await;
    let id = ticket_of(&body)["id"].as_str().unwrap().to_owned();
    ok(
        &app,
        &shop.agent,
        REPLY,
        json!({ "id": id, "body": "내부 메모 XYZZY", "internal": true }),
        "replyToTicket",
    )
    .await;
    let draft = ok(&app, &shop.agent, "mutation { createFaqEntry(input: { category: SHIPPING, audience: ALL, question: \"초안 질문\", answer: \"초안\", locale: \"ko\" }) { id } }", json!({}), "createFaqEntry").await["id"].as_str().unwrap().to_owned();

    // (document, variables, whether buyer A sees the ticket / agent sees the note)
    let reads: Vec<(&str, Value)> = vec![
        (
            "query($id: ID!) { ticket(id: $id) { id messages { edges { node { body } } } lastMessage { body } } }",
            json!({ "id": id }),
        ),
        (
            "{ tickets { edges { node { id messages { edges { node { body } } } } } } }",
            json!({}),
        ),
        (
            "query($q: String) { tickets(filter: { search: $q }) { edges { node { id } } } }",
            json!({ "q": "XYZZY" }),
        ),
        (
            "query($id: ID!) { order(id: $id) { tickets { id lastMessage { body } } } }",
            json!({ "id": order }),
        ),
        (
            "query($id: ID!) { ticket(id: $id) { id firstResponseEscalatedAt
                messages { edges { node { body attachments { id fileName } } } } } }",
            json!({ "id": id }),
        ),
    ];
    let roles: [(&str, Option<&Session>); 6] = [
        ("buyer A", Some(&shop.buyer_a)),
        ("agent", Some(&shop.agent)),
        ("buyer B", Some(&shop.buyer_b)),
        ("seller A", Some(&shop.seller_a)),
        ("seller B", Some(&shop.seller_b)),
        ("anonymous", None),
    ];
    for (document, variables) in &reads {
        for (name, who) in &roles {
            let body = app
                .gql_as(who.map(|s| s.access.as_str()), document, variables.clone())
                .await;
            let text = body.to_string();
            match *name {
                "anonymous" => {
                    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}: {document}")
                }
                "agent" => assert!(body["errors"].is_null(), "{name}: {body}"),
                _ => {
                    assert!(body["errors"].is_null(), "{name}: {body}");
                    assert!(
                        !text.contains("XYZZY"),
                        "{name} sees the note via {document}: {text}"
                    );
                    if *name != "buyer A" {
                        assert!(
                            !text.contains(&id),
                            "{name} sees the ticket via {document}: {text}"
                        );
                    }
                }
            }
        }
    }
    // The agent finds the note by its words; buyer A does not.
    let search = app
        .gql_as(Some(&shop.agent.access), reads[2].0, reads[2].1.clone())
        .await;
    assert!(search.to_string().contains(&id));
    // Writes by anyone but the requester or staff answer NOT_FOUND (or FORBIDDEN by role).
    let writes: Vec<(&str, Value)> = vec![
        (REPLY, json!({ "id": id, "body": "끼어들기" })),
        (STATUS, json!({ "id": id, "s": "CLOSED" })),
        (
            "mutation($id: ID!) { rateTicket(ticketId: $id, score: 1) { id } }",
            json!({ "id": id }),
        ),
    ];
    for (document, variables) in &writes {
        for who in [&shop.buyer_b, &shop.seller_a, &shop.seller_b] {
            assert_eq!(
                fails(&app, Some(who), document, variables.clone()).await,
                "NOT_FOUND",
                "{document}"
            );
        }
    }
    for document in [
        "mutation($id: ID!) { assignTicket(ticketId: $id) { id } }",
        "mutation($id: ID!) { setTicketPriority(ticketId: $id, priority: LOW) { id } }",
    ] {
        for who in [&shop.buyer_a, &shop.buyer_b, &shop.seller_a] {
            assert_eq!(
                fails(&app, Some(who), document, json!({ "id": id })).await,
                "FORBIDDEN"
            );
        }
    }
    // A draft FAQ entry is found by search only by agents.
    for (name, who) in &roles {
        let body = app
            .gql_as(
                who.map(|s| s.access.as_str()),
                "{ faqSearch(query: \"초안 질문\") { entry { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body.to_string().contains(&draft),
            *name == "agent",
            "{name}: {body}"
        );
    }
    // A draft FAQ entry exists only for agents.
    for (name, who) in &roles {
        let body = app
            .gql_as(
                who.map(|s| s.access.as_str()),
                "query($id: ID!) { faqEntry(id: $id) { id } }",
                json!({ "id": draft }),
            )
            .await;
        assert_eq!(
            body["data"]["faqEntry"].is_null(),
            *name != "agent",
            "{name}: {body}"
        );
    }
}
