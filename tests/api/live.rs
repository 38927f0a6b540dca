//! Live updates over `/graphql/ws` (graphql-transport-ws): who may watch which ticket, notes
//! never reach a customer's subscription, a revoked session goes quiet, and on PostgreSQL an
//! event crosses instances through LISTEN/NOTIFY.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::engine_tests;
use crate::helpers::{Session, TestApp};
use crate::shop::*;

/// Upper bound for a message that is expected to come; never reached when things work.
const EXPECTED_WITHIN: Duration = Duration::from_secs(10);

const WATCH: &str = "subscription($id: ID!) { ticketUpdated(ticketId: $id) {
    id status assignee { id } lastMessage { body internal }
    messages(first: 20) { totalCount edges { node { body internal } } } } }";
const QUEUE: &str = "subscription { ticketQueueChanged { id number subject status } }";
const REPLY: &str = "mutation($id: ID!, $body: String!, $internal: Boolean) {
    replyToTicket(ticketId: $id, body: $body, internal: $internal) { id } }";

/// A graphql-transport-ws client.
pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u32,
}

impl Ws {
    /// Opens a connection and sends `connection_init` with the token; returns the socket and
    /// the server's answer to the init (`connection_ack`, or why it refused).
    pub async fn open(app: &TestApp, token: Option<&str>) -> (Ws, Value) {
        let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut ws = Ws { socket, next_id: 0 };
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        ws.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let answer = ws.receive().await;
        (ws, answer)
    }

    pub async fn connect(app: &TestApp, who: &Session) -> Ws {
        let (ws, answer) = Ws::open(app, Some(&who.access)).await;
        assert_eq!(answer["type"], "connection_ack", "{answer}");
        ws
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    /// The next protocol message (pings answered), or `{"type":"closed"}`.
    pub async fn receive(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(EXPECTED_WITHIN, self.socket.next())
                .await
                .expect("a message within the time limit");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).unwrap();
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return message;
                }
                Some(Ok(Message::Close(frame))) => {
                    return json!({
                        "type": "closed",
                        "code": frame.as_ref().map(|f| u16::from(f.code)),
                        "reason": frame.map(|f| f.reason.to_string()),
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return json!({ "type": "closed" }),
            }
        }
    }

    /// Starts a subscription; returns its id.
    pub async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.send(json!({ "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables } }))
            .await;
        id
    }

    /// The next `next` payload's data, or the errors the server answered with.
    pub async fn next_data(&mut self) -> Result<Value, Value> {
        let message = self.receive().await;
        match message["type"].as_str() {
            Some("next") if message["payload"]["errors"].is_array() => {
                Err(message["payload"]["errors"].clone())
            }
            Some("next") => Ok(message["payload"]["data"].clone()),
            Some("error") => Err(message["payload"].clone()),
            _ => Err(message),
        }
    }
}

/// Waits until `n` subscriptions listen on `app` (a subscription starts listening after its
/// `subscribe` message is processed, which the protocol does not acknowledge).
pub async fn listening(app: &TestApp, n: usize) {
    tokio::time::timeout(EXPECTED_WITHIN, async {
        while app.state.events.subscriber_count() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("subscriptions listening");
}

fn code(errors: &Value) -> &str {
    errors[0]["extensions"]["code"].as_str().unwrap_or("")
}

pub async fn ticket_of(app: &TestApp, who: &Session) -> String {
    ok(
        app,
        who,
        "mutation($i: CreateTicketInput!) { createTicket(input: $i) { ticket { id } } }",
        json!({ "i": { "category": "OTHER", "subject": "적립금 문의", "body": "적립금이 안 들어왔어요" } }),
        "createTicket",
    )
    .await["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn reply(app: &TestApp, agent: &Session, ticket: &str, body: &str, internal: bool) {
    ok(
        app,
        agent,
        REPLY,
        json!({ "id": ticket, "body": body, "internal": internal }),
        "replyToTicket",
    )
    .await;
}

pub async fn a_customer_hears_of_replies_but_never_of_internal_notes(app: TestApp) {
    let shop = Shop::open(&app).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;
    let mut buyer = Ws::connect(&app, &shop.buyer_a).await;
    let mut agent = Ws::connect(&app, &shop.agent).await;
    buyer.subscribe(WATCH, json!({ "id": ticket })).await;
    agent.subscribe(WATCH, json!({ "id": ticket })).await;
    listening(&app, 2).await;
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!, $a: ID) { assignTicket(ticketId: $id, assigneeId: $a) { id } }",
        json!({ "id": ticket, "a": shop.agent.id }),
        "assignTicket",
    )
    .await;
    for ws in [&mut buyer, &mut agent] {
        let data = ws.next_data().await.unwrap();
        assert_eq!(data["ticketUpdated"]["assignee"]["id"], shop.agent.id);
    }

    reply(&app, &shop.agent, &ticket, "비밀메모: 보상 보류", true).await;
    reply(
        &app,
        &shop.agent,
        &ticket,
        "확인 중입니다. 잠시만 기다려 주세요.",
        false,
    )
    .await;

    // The agent hears of both (each message shows the ticket as it is when sent: the
    // customer's first message, the note and the reply).
    agent.next_data().await.unwrap();
    let public = agent.next_data().await.unwrap();
    assert_eq!(
        public["ticketUpdated"]["messages"]["totalCount"], 3,
        "{public}"
    );
    assert!(public.to_string().contains("비밀메모"));
    // The customer's next message is the public reply; the note is nowhere in it.
    let seen = buyer.next_data().await.unwrap();
    assert_eq!(
        seen["ticketUpdated"]["lastMessage"]["body"],
        "확인 중입니다. 잠시만 기다려 주세요."
    );
    assert_eq!(seen["ticketUpdated"]["messages"]["totalCount"], 2);
    assert!(!seen.to_string().contains("비밀메모"), "{seen}");

    // The note made no event of its own for the customer: the next one is this change, and
    // its data is current (the connection's loaders do not cache).
    ok(
        &app,
        &shop.agent,
        "mutation($id: ID!) { assignTicket(ticketId: $id, assigneeId: null) { id } }",
        json!({ "id": ticket }),
        "assignTicket",
    )
    .await;
    let unassigned = buyer.next_data().await.unwrap();
    assert!(unassigned["ticketUpdated"]["assignee"].is_null());
}

pub async fn only_those_who_may_see_a_ticket_can_watch_it(app: TestApp) {
    let shop = Shop::open(&app).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;
    for who in [&shop.buyer_b, &shop.seller_a] {
        let mut ws = Ws::connect(&app, who).await;
        ws.subscribe(WATCH, json!({ "id": ticket })).await;
        let errors = ws.next_data().await.unwrap_err();
        assert_eq!(code(&errors), "NOT_FOUND", "{errors}");
    }
    // Customers may not watch the queue.
    let mut ws = Ws::connect(&app, &shop.buyer_a).await;
    ws.subscribe(QUEUE, json!({})).await;
    assert_eq!(code(&ws.next_data().await.unwrap_err()), "FORBIDDEN");
    // Without a token nothing can be watched; a bad token is refused at once.
    let (mut anonymous, answer) = Ws::open(&app, None).await;
    assert_eq!(answer["type"], "connection_ack");
    anonymous.subscribe(WATCH, json!({ "id": ticket })).await;
    assert_eq!(
        code(&anonymous.next_data().await.unwrap_err()),
        "UNAUTHENTICATED"
    );
    let (_, refused) = Ws::open(&app, Some("not-a-token")).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
}

pub async fn a_revoked_session_goes_quiet(app: TestApp) {
    let shop = Shop::open(&app).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;
    let mut buyer = Ws::connect(&app, &shop.buyer_a).await;
    buyer.subscribe(WATCH, json!({ "id": ticket })).await;
    listening(&app, 1).await;
    reply(&app, &shop.agent, &ticket, "첫 답변입니다.", false).await;
    assert!(buyer.next_data().await.is_ok());
    // The buyer signs out everywhere; the next event ends the subscription instead.
    let body = app
        .gql_as(
            Some(&shop.buyer_a.access),
            "mutation($t: String!) { logout(refreshToken: $t, everywhere: true) }",
            json!({ "t": shop.buyer_a.refresh }),
        )
        .await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    reply(&app, &shop.agent, &ticket, "두 번째 답변입니다.", false).await;
    let errors = buyer.next_data().await.unwrap_err();
    assert_eq!(code(&errors), "UNAUTHENTICATED", "{errors}");
    assert!(!errors.to_string().contains("두 번째"));
}

pub async fn agents_watch_the_queue_across_instances(app: TestApp) {
    let shop = Shop::open(&app).await;
    let mut agent = Ws::connect(&app, &shop.agent).await;
    agent.subscribe(QUEUE, json!({})).await;
    listening(&app, 1).await;
    // On PostgreSQL the ticket is opened through a second instance: the event reaches this
    // one through LISTEN/NOTIFY. SQLite serves one process, so it is opened here.
    let other = if app.database_url.starts_with("postgres") {
        let other = app.sibling().await;
        app.state.events.wait_listening().await;
        Some(other)
    } else {
        None
    };
    let through = other.as_ref().unwrap_or(&app);
    let id = ticket_of(through, &shop.buyer_a).await;
    let data = agent.next_data().await.unwrap();
    assert_eq!(data["ticketQueueChanged"]["id"], id.as_str());
    assert_eq!(data["ticketQueueChanged"]["status"], "OPEN");
    reply(through, &shop.agent, &id, "답변드립니다.", false).await;
    let data = agent.next_data().await.unwrap();
    assert_eq!(data["ticketQueueChanged"]["id"], id.as_str());
}

/// A socket never outlives the access token it authenticated with: it is closed with 4403
/// when the token expires (graphql-ws clients reconnect with fresh connection params), and a
/// connection made with a fresh token hears the ticket again.
pub async fn a_socket_closes_when_its_access_token_expires(app: TestApp) {
    let shop = Shop::open(&app).await;
    let ticket = ticket_of(&app, &shop.buyer_a).await;
    let mut buyer = Ws::connect(&app, &shop.buyer_a).await;
    buyer.subscribe(WATCH, json!({ "id": ticket })).await;
    listening(&app, 1).await;
    reply(&app, &shop.agent, &ticket, "첫 답변입니다.", false).await;
    assert!(buyer.next_data().await.is_ok());

    // The session lives on (14 days); the 15-minute access token does not.
    app.clock.advance(chrono::Duration::minutes(16));
    let closed = buyer.receive().await;
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(closed["code"], 4403, "{closed}");
    assert!(
        closed["reason"].as_str().unwrap().contains("expired"),
        "{closed}"
    );

    let fresh = app.refresh(&shop.buyer_a.refresh).await;
    let token = fresh["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut again, answer) = Ws::open(&app, Some(&token)).await;
    assert_eq!(answer["type"], "connection_ack", "{answer}");
    again.subscribe(WATCH, json!({ "id": ticket })).await;
    listening(&app, 1).await;
    let agent = app.login(&shop.agent.email, crate::helpers::PASSWORD).await;
    reply(&app, &agent, &ticket, "두 번째 답변입니다.", false).await;
    let data = again.next_data().await.unwrap();
    assert_eq!(
        data["ticketUpdated"]["lastMessage"]["body"],
        "두 번째 답변입니다."
    );
}

engine_tests!(
    a_socket_closes_when_its_access_token_expires,
    a_customer_hears_of_replies_but_never_of_internal_notes,
    only_those_who_may_see_a_ticket_can_watch_it,
    a_revoked_session_goes_quiet,
    agents_watch_the_queue_across_instances,
);
