//! The scenarios: what each connection sends, one request per step.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::client::{Client, Failure};
use crate::world::{PASSWORD, World};

/// One kind of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Agents list orders with buyer, items, payment and shipment.
    OrderList,
    /// Sellers list their store's orders with items, payment, shipment and open requests.
    SellerOrders,
    /// One order with its full context.
    Order,
    /// A buyer opens one of their orders by number.
    OrderByNumber,
    /// Agents list accounts.
    Accounts,
    /// Agents read the open queue.
    Queue,
    /// One ticket with its conversation and order context.
    Ticket,
    /// The agents' dashboard.
    Dashboard,
    /// Anonymous help-center search over Korean and English queries.
    FaqSearch,
    /// Buyers order, pay, cancel and write; sellers prepare and approve; agents refund and
    /// reply.
    WriteMix,
    /// Sign-ins (argon2 on every one).
    Login,
    /// `order` through the floor handler: direct SQL and hand-written JSON.
    FloorOrder,
    /// `queue` through the floor handler.
    FloorQueue,
    /// `GET /healthz`: the HTTP stack alone.
    Healthz,
}

impl Scenario {
    /// Every scenario that runs alone, in report order.
    pub const ALL: [Scenario; 14] = [
        Scenario::OrderList,
        Scenario::SellerOrders,
        Scenario::Order,
        Scenario::OrderByNumber,
        Scenario::Accounts,
        Scenario::Queue,
        Scenario::Ticket,
        Scenario::Dashboard,
        Scenario::FaqSearch,
        Scenario::WriteMix,
        Scenario::Login,
        Scenario::FloorOrder,
        Scenario::FloorQueue,
        Scenario::Healthz,
    ];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::OrderList => "order-list",
            Scenario::SellerOrders => "seller-orders",
            Scenario::Order => "order",
            Scenario::OrderByNumber => "order-by-number",
            Scenario::Accounts => "accounts",
            Scenario::Queue => "queue",
            Scenario::Ticket => "ticket",
            Scenario::Dashboard => "dashboard",
            Scenario::FaqSearch => "faq-search",
            Scenario::WriteMix => "write-mix",
            Scenario::Login => "login",
            Scenario::FloorOrder => "floor-order",
            Scenario::FloorQueue => "floor-queue",
            Scenario::Healthz => "healthz",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| format!("unknown scenario {name}"))
    }
}

const ORDER_LIST: &str = "query($after: String) { orders(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id orderNumber status totalAmount placedAt
    buyer { displayName account { email } } items { productName quantity unitPrice }
    payment { status method cardLast4 } shipment { carrier trackingNumber status delayed stalled } } } } }";

const SELLER_ORDERS: &str = "query { orders(first: 50) { pageInfo { hasNextPage endCursor }
    edges { node { id orderNumber status totalAmount placedAt buyer { displayName }
    items { productName quantity unitPrice } payment { status method }
    shipment { trackingNumber status delayed stalled }
    cancellationRequests { id kind status sellerDeadlineAt overdue } } } } }";

const ORDER_FIELDS: &str = "id orderNumber status totalAmount currency placedAt paidAt canceledAt
    refundableAmount buyer { displayName account { email } } store { name }
    items { productName quantity unitPrice lineTotal }
    payment { method status amount refundedAmount cardBrand cardLast4 failureReason paidAt }
    shipment { carrier trackingNumber status expectedDeliveryAt delayed stalled
      events { status description at } }
    cancellationRequests { id kind status reason requestedAt sellerDeadlineAt overdue refund { id status } }
    refunds { id amount status dueAt overdue }";

const ACCOUNTS: &str = "query { accounts(first: 50) { edges { node {
    id email name phone role status createdAt lastLoginAt } } } }";

const QUEUE: &str = "query { tickets(first: 50, filter: { status: OPEN }) {
    pageInfo { hasNextPage endCursor } edges { node { id number subject status priority category
    createdAt firstResponseDueAt slaBreached
    requester { displayName account { email } } assignee { displayName }
    order { orderNumber payment { status } shipment { delayed } }
    lastMessage { body createdAt internal } } } } }";

const TICKET: &str = "query($id: ID!) { ticket(id: $id) { id number subject status priority category
    channel createdAt firstResponseDueAt resolutionDueAt slaBreached
    requester { displayName account { email phone status } } assignee { displayName }
    messages(first: 50) { edges { node { id body internal createdAt origin author { displayName role }
      attachments { id } } } }
    order { id orderNumber status totalAmount refundableAmount
      payment { status method failureReason } shipment { status trackingNumber delayed stalled }
      cancellationRequests { id kind status sellerDeadlineAt } refunds { amount status } } } }";

const DASHBOARD: &str = "query { supportDashboard {
    byStatus { status count } byCategory { category count } byPriority { priority count }
    unassigned slaBreached slaDueWithinHour overdueSellerDecisions delayedShipments
    stalledShipments overdueRefunds csatLast7Days csatLast30Days
    csatByAgent { agent { name } average count } csatByCategory { category average count } } }";

const FAQ_SEARCH: &str = "query($q: String!) { faqSearch(query: $q, first: 10) { score highlight
    entry { id question category } } }";

/// What `faq-search` asks, in turn: Korean and English, single words and phrases.
pub const FAQ_QUERIES: [&str; 10] = [
    "배송",
    "결제 실패",
    "환불",
    "payment failed",
    "refund",
    "반품",
    "비밀번호",
    "password",
    "정산",
    "delivery delayed",
];

/// What one connection remembers between steps (the write mix's chain of operations).
#[derive(Debug, Default)]
pub struct WorkerState {
    step: u64,
    /// Extra first steps still to send before the first round goes on (see `write_step`).
    lead_in: Option<u64>,
    order_id: Option<String>,
    request_id: Option<String>,
    ticket_id: Option<String>,
}

/// Steps of one round of the write mix, each one request, by the operation it sends.
const WRITE_STEPS: [&str; 9] = [
    "placeOrder",
    "payOrder",
    "createRefund",
    "markPreparing",
    "requestCancellation",
    "approveCancellation",
    "createTicket",
    "replyToTicket (buyer)",
    "replyToTicket (agent)",
];

/// The parts a scenario's requests are also reported by (the write mix's operations), if any.
pub fn parts(scenario: Scenario) -> &'static [&'static str] {
    match scenario {
        Scenario::WriteMix => &WRITE_STEPS,
        _ => &[],
    }
}

/// Which of [`parts`] the next request of a connection in `state` is.
pub fn next_part(scenario: Scenario, state: &WorkerState) -> Option<usize> {
    match scenario {
        Scenario::WriteMix => usize::try_from(state.step % WRITE_STEPS.len() as u64).ok(),
        _ => None,
    }
}

fn pick<T>(items: &[T], i: u64) -> &T {
    &items[(i % items.len() as u64) as usize]
}

/// Sends the `iteration`-th request of `worker` for `scenario`.
pub async fn step(
    scenario: Scenario,
    client: &Client,
    world: &World,
    worker: usize,
    iteration: u64,
    state: &mut WorkerState,
) -> Result<(), Failure> {
    let w = worker as u64;
    let agent = pick(&world.agents, w).as_str();
    let graphql = |token: Option<&str>, query: &str, variables: Value| {
        let body = json!({ "query": query, "variables": variables });
        let token = token.map(str::to_owned);
        async move { client.send(token.as_deref(), &body).await.map(drop) }
    };
    match scenario {
        Scenario::OrderList => graphql(Some(agent), ORDER_LIST, json!({})).await,
        Scenario::SellerOrders => {
            graphql(
                Some(pick(&world.sellers, w).as_str()),
                SELLER_ORDERS,
                json!({}),
            )
            .await
        }
        Scenario::Order => {
            let id = pick(&world.order_ids, iteration * 7 + w);
            let query = format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}");
            graphql(Some(agent), &query, json!({ "id": id })).await
        }
        Scenario::OrderByNumber => {
            let buyer = pick(&world.buyers, w);
            let number = pick(&buyer.order_numbers, iteration);
            let query = format!(
                "query($n: String!) {{ orderByNumber(orderNumber: $n) {{ {ORDER_FIELDS} }} }}"
            );
            graphql(Some(&buyer.token), &query, json!({ "n": number })).await
        }
        Scenario::Accounts => graphql(Some(agent), ACCOUNTS, json!({})).await,
        Scenario::Queue => graphql(Some(agent), QUEUE, json!({})).await,
        Scenario::Ticket => {
            let id = pick(&world.ticket_ids, iteration * 7 + w);
            graphql(Some(agent), TICKET, json!({ "id": id })).await
        }
        Scenario::Dashboard => graphql(Some(agent), DASHBOARD, json!({})).await,
        Scenario::FaqSearch => {
            let q = pick(&FAQ_QUERIES, iteration + w);
            graphql(None, FAQ_SEARCH, json!({ "q": q })).await
        }
        Scenario::Login => {
            let email = pick(&world.login_emails, iteration * 7 + w);
            let query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
            graphql(None, query, json!({ "e": email, "p": PASSWORD })).await
        }
        Scenario::WriteMix => write_step(client, world, worker, state).await,
        Scenario::FloorOrder => {
            let id = pick(&world.order_ids, iteration * 7 + w);
            client
                .get(Some(agent), &format!("/bench/floor/order/{id}"))
                .await
                .map(drop)
        }
        Scenario::FloorQueue => client
            .get(Some(agent), "/bench/floor/queue")
            .await
            .map(drop),
        Scenario::Healthz => client.get(None, "/healthz").await.map(drop),
    }
}

/// One step of the write mix: a round is a buyer's order paid, partly refunded by an agent,
/// prepared by the seller, cancelled by the buyer and approved by the seller, then a ticket
/// that the buyer follows up and an agent answers.
async fn write_step(
    client: &Client,
    world: &World,
    worker: usize,
    state: &mut WorkerState,
) -> Result<(), Failure> {
    let buyer = world.buyers[worker % world.buyers.len()].token.as_str();
    let seller = world.sellers[0].as_str();
    let agent = world.agents[worker % world.agents.len()].as_str();
    let steps = WRITE_STEPS.len() as u64;
    // Writers take turns in order, one turn each, so connections that start together would
    // stay on the same step for the whole run: sixteen ticket replies at once, then sixteen
    // orders. Connection `n` first places `n mod 9` extra orders, which spreads them over the
    // round as independent clients are.
    let lead_in = state.lead_in.get_or_insert(worker as u64 % steps);
    let round = state.step / steps;
    let at = if *lead_in > 0 {
        *lead_in -= 1;
        0
    } else {
        state.step += 1;
        (state.step - 1) % steps
    };
    let send = |token: &str, query: &str, variables: Value| {
        let body = json!({ "query": query, "variables": variables });
        let token = token.to_owned();
        async move {
            let bytes = client.send(Some(&token), &body).await?;
            serde_json::from_slice::<Value>(&bytes).map_err(|e| Failure(e.to_string()))
        }
    };
    let missing = || Failure("an earlier step of the round failed".into());
    let result = match at {
        0 => {
            let answer = send(
                buyer,
                "mutation($s: ID!) { placeOrder(input: { storeId: $s, items: [
                    { productName: \"텀블러\", quantity: 2, unitPrice: 18900 },
                    { productName: \"Phone case\", quantity: 1, unitPrice: 12000 }] }) { id } }",
                json!({ "s": world.store_id }),
            )
            .await?;
            state.order_id = answer["data"]["placeOrder"]["id"]
                .as_str()
                .map(str::to_owned);
            Ok(())
        }
        1 => {
            let id = state.order_id.clone().ok_or_else(missing)?;
            send(
                buyer,
                "mutation($o: ID!) { payOrder(orderId: $o, input: { method: CARD, cardBrand: \"VISA\", cardLast4: \"4242\" }) { status } }",
                json!({ "o": id }),
            )
            .await
            .map(drop)
        }
        2 => {
            let id = state.order_id.clone().ok_or_else(missing)?;
            send(
                agent,
                "mutation($o: ID!, $k: String!) { createRefund(orderId: $o, amount: 1000, reason: \"배송비 보상\", idempotencyKey: $k) { status } }",
                json!({ "o": id, "k": uuid::Uuid::new_v4().to_string() }),
            )
            .await
            .map(drop)
        }
        3 => {
            let id = state.order_id.clone().ok_or_else(missing)?;
            send(
                seller,
                "mutation($o: ID!) { markPreparing(orderId: $o) { status } }",
                json!({ "o": id }),
            )
            .await
            .map(drop)
        }
        4 => {
            let id = state.order_id.clone().ok_or_else(missing)?;
            let answer = send(
                buyer,
                "mutation($o: ID!) { requestCancellation(orderId: $o, reason: CHANGE_OF_MIND, details: \"다른 색으로 다시 주문할게요\") { id status } }",
                json!({ "o": id }),
            )
            .await?;
            state.request_id = answer["data"]["requestCancellation"]["id"]
                .as_str()
                .map(str::to_owned);
            Ok(())
        }
        5 => {
            let id = state.request_id.take().ok_or_else(missing)?;
            send(
                seller,
                "mutation($r: ID!) { approveCancellation(requestId: $r) { status } }",
                json!({ "r": id }),
            )
            .await
            .map(drop)
        }
        6 => {
            let id = state.order_id.take().ok_or_else(missing)?;
            let answer = send(
                buyer,
                "mutation($o: ID!, $s: String!) { createTicket(input: { category: REFUND, orderId: $o,
                    subject: $s, body: \"취소는 승인됐는데 환불은 언제 들어오나요?\" }) { ticket { id } } }",
                json!({ "o": id, "s": format!("환불 문의 {round}") }),
            )
            .await?;
            state.ticket_id = answer["data"]["createTicket"]["ticket"]["id"]
                .as_str()
                .map(str::to_owned);
            Ok(())
        }
        7 => {
            let id = state.ticket_id.clone().ok_or_else(missing)?;
            send(
                buyer,
                "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"주문번호 확인 부탁드려요.\") { id } }",
                json!({ "t": id }),
            )
            .await
            .map(drop)
        }
        _ => {
            let id = state.ticket_id.take().ok_or_else(missing)?;
            send(
                agent,
                "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"환불은 영업일 3일 안에 카드사로 들어갑니다.\") { id } }",
                json!({ "t": id }),
            )
            .await
            .map(drop)
        }
    };
    if result.is_err() {
        // Start the next round afresh rather than failing every later step of this one.
        state.step = (round + 1) * steps;
        state.order_id = None;
        state.request_id = None;
        state.ticket_id = None;
    }
    result
}
