//! The write load: buyers placing, paying and cancelling orders, opening tickets and asking
//! for password resets; an agent answering tickets and refunding part of orders. Every
//! answer that came back without errors is written to the ledger with the state it
//! reported; a request whose answer was lost (the server died under it) taints what it
//! touched, since either outcome is then correct.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

/// A signed-in account.
#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub token: String,
}

/// An order as last answered.
#[derive(Clone, Debug)]
pub struct OrderAck {
    pub status: String,
    pub total: i64,
    /// A request on it lost its answer: its state is not known exactly.
    pub tainted: bool,
}

/// Everything the server acknowledged.
#[derive(Default, Debug, Clone)]
pub struct Ledger {
    pub orders: HashMap<Uuid, OrderAck>,
    /// Cancellation requests with the refund each answered.
    pub cancellations: HashMap<Uuid, (Uuid, Option<Uuid>)>,
    /// Refunds created by agents: (order, amount).
    pub refunds: HashMap<Uuid, (Uuid, i64)>,
    pub tickets: HashSet<Uuid>,
    /// Replies: (ticket, message).
    pub replies: Vec<(Uuid, Uuid)>,
    pub resets: u32,
    /// Requests whose answer never came.
    pub lost_answers: u32,
    /// Requests answered with an error (anything but a lost answer is a failure).
    pub errors: Vec<String>,
}

impl Ledger {
    pub fn acknowledged(&self) -> usize {
        self.orders.len()
            + self.cancellations.len()
            + self.refunds.len()
            + self.tickets.len()
            + self.replies.len()
            + self.resets as usize
    }
}

/// What a request came to.
pub enum Answer {
    Data(Value),
    /// The connection failed or the server answered something other than GraphQL: the
    /// server may or may not have done it.
    Lost,
    /// A GraphQL error: the server refused.
    Refused(String),
}

/// Requests, errors and latencies since the last [`Client::take_stats`].
pub struct Stats {
    pub requests: u64,
    /// Answers that were not data: refused, lost, or a server error.
    pub errors: u64,
    /// Microseconds.
    pub latency: hdrhistogram::Histogram<u64>,
}

impl Stats {
    fn new() -> Self {
        Self {
            requests: 0,
            errors: 0,
            latency: hdrhistogram::Histogram::new_with_bounds(1, 60_000_000, 3).unwrap(),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    url: String,
    stats: Mutex<Stats>,
}

impl Client {
    pub fn new(base_url: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            url: format!("{base_url}/graphql"),
            stats: Mutex::new(Stats::new()),
        }
    }

    /// What was measured since the last call.
    pub fn take_stats(&self) -> Stats {
        std::mem::replace(&mut *self.stats.lock().unwrap(), Stats::new())
    }

    /// Posts a document and records its latency and whether it failed.
    pub async fn call(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let started = std::time::Instant::now();
        let answer = self.call_once(token, query, variables).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mut stats = self.stats.lock().unwrap();
        stats.requests += 1;
        stats.latency.saturating_record(micros.max(1));
        if !matches!(answer, Answer::Data(_)) {
            stats.errors += 1;
        }
        answer
    }

    async fn call_once(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let Ok(response) = request.send().await else {
            return Answer::Lost;
        };
        let status = response.status();
        let Ok(body) = response.json::<Value>().await else {
            return Answer::Lost;
        };
        if let Some(errors) = body.get("errors") {
            // A request the server could not finish because it was going away (or the
            // database was) is not a refusal.
            let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
            if status.is_server_error() || code == "INTERNAL" || code == "UNAVAILABLE" {
                return Answer::Lost;
            }
            return Answer::Refused(errors.to_string());
        }
        Answer::Data(body["data"].clone())
    }

    /// For set-up: retries until answered.
    pub async fn must(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        loop {
            match self.call(token, query, variables.clone()).await {
                Answer::Data(data) => return data,
                Answer::Refused(errors) => panic!("set-up refused: {errors}"),
                Answer::Lost => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub async fn register(&self, email: &str, role: &str, store: Option<&str>) -> Account {
        let data = self
            .must(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": PASSWORD, "name": "부하 시험",
                         "role": role, "storeName": store } }),
            )
            .await;
        Account {
            email: email.to_owned(),
            token: data["register"]["accessToken"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn login(&self, email: &str) -> Account {
        let data = self
            .must(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        Account {
            email: email.to_owned(),
            token: data["login"]["accessToken"].as_str().unwrap().to_owned(),
        }
    }
}

/// The password of every account the load creates.
pub const PASSWORD: &str = "correct horse battery staple";

fn uuid(value: &Value) -> Uuid {
    value.as_str().and_then(|s| s.parse().ok()).expect("an id")
}

/// What every client of one load shares.
#[derive(Clone)]
pub struct Load {
    pub client: Arc<Client>,
    /// Answers tickets and refunds for every buyer.
    pub agent: Account,
    pub ledger: Arc<Mutex<Ledger>>,
    /// Set to end the load.
    pub stop: Arc<std::sync::atomic::AtomicBool>,
    /// Each request holds it for reading; a check takes it for writing to see a still world.
    pub gate: Arc<tokio::sync::RwLock<()>>,
}

/// One buyer's loop, buying from `store`, until the load stops.
pub async fn buyer_loop(load: Load, buyer: Account, store: String, seed: u64) {
    let Load {
        client,
        agent,
        ledger,
        stop,
        gate,
    } = load;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut paid: Vec<Uuid> = Vec::new();
    let mut tickets: Vec<Uuid> = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let roll = rng.random_range(0..100);
        // Held while the request runs: a check takes the write side to read a still world.
        let _running = gate.read().await;
        let outcome = if roll < 35 || paid.is_empty() {
            place_and_pay(&client, &buyer, &store, &ledger, &mut rng, &mut paid).await
        } else if roll < 55 {
            let order = paid.swap_remove(rng.random_range(0..paid.len()));
            cancel(&client, &buyer, order, &ledger).await
        } else if roll < 65 {
            // One partial refund per order, so there is always enough left to refund.
            let order = paid.swap_remove(rng.random_range(0..paid.len()));
            partial_refund(&client, &agent, order, &ledger).await
        } else if roll < 80 || tickets.is_empty() {
            open_ticket(&client, &buyer, &ledger, &mut tickets).await
        } else if roll < 92 {
            let ticket = tickets[rng.random_range(0..tickets.len())];
            reply(&client, &agent, ticket, &ledger).await
        } else {
            reset(&client, &buyer, &ledger).await
        };
        match outcome {
            Answer::Data(_) => {}
            Answer::Lost => {
                ledger.lock().unwrap().lost_answers += 1;
                drop(_running);
                // The server is probably down: give it a moment to come back.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Answer::Refused(errors) => ledger.lock().unwrap().errors.push(errors),
        }
    }
}

const ORDER: &str =
    "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status totalAmount } }";
const PAY: &str = "mutation($id: ID!, $input: PayOrderInput!) { payOrder(orderId: $id, input: $input) { id status } }";

async fn place_and_pay(
    client: &Client,
    buyer: &Account,
    store: &str,
    ledger: &Mutex<Ledger>,
    rng: &mut StdRng,
    paid: &mut Vec<Uuid>,
) -> Answer {
    let price = rng.random_range(5..50) * 1_000;
    let placed = client
        .call(
            Some(&buyer.token),
            ORDER,
            json!({ "input": { "storeId": store, "items": [
                { "productName": "텀블러", "quantity": 1, "unitPrice": price } ] } }),
        )
        .await;
    let Answer::Data(data) = placed else {
        return placed;
    };
    let order = uuid(&data["placeOrder"]["id"]);
    ledger.lock().unwrap().orders.insert(
        order,
        OrderAck {
            status: data["placeOrder"]["status"].as_str().unwrap().to_owned(),
            total: data["placeOrder"]["totalAmount"].as_i64().unwrap(),
            tainted: false,
        },
    );
    let answer = client
        .call(
            Some(&buyer.token),
            PAY,
            json!({ "id": order, "input": { "method": "CARD", "cardBrand": "VISA", "cardLast4": "4242" } }),
        )
        .await;
    let mut ledger = ledger.lock().unwrap();
    let ack = ledger.orders.get_mut(&order).unwrap();
    match &answer {
        Answer::Data(data) => {
            ack.status = data["payOrder"]["status"].as_str().unwrap().to_owned();
            if ack.status == "PAID" {
                paid.push(order);
            }
        }
        Answer::Lost => ack.tainted = true,
        Answer::Refused(_) => {}
    }
    answer
}

async fn cancel(client: &Client, buyer: &Account, order: Uuid, ledger: &Mutex<Ledger>) -> Answer {
    let answer = client
        .call(
            Some(&buyer.token),
            "mutation($id: ID!) { requestCancellation(orderId: $id, reason: CHANGE_OF_MIND) { id status refund { id } order { status } } }",
            json!({ "id": order }),
        )
        .await;
    let mut ledger = ledger.lock().unwrap();
    match &answer {
        Answer::Data(data) => {
            let request = &data["requestCancellation"];
            let refund = request["refund"]["id"]
                .as_str()
                .map(|id| id.parse().unwrap());
            ledger
                .cancellations
                .insert(uuid(&request["id"]), (order, refund));
            let ack = ledger.orders.get_mut(&order).unwrap();
            ack.status = request["order"]["status"].as_str().unwrap().to_owned();
        }
        Answer::Lost => ledger.orders.get_mut(&order).unwrap().tainted = true,
        Answer::Refused(_) => {}
    }
    answer
}

async fn partial_refund(
    client: &Client,
    agent: &Account,
    order: Uuid,
    ledger: &Mutex<Ledger>,
) -> Answer {
    let answer = client
        .call(
            Some(&agent.token),
            "mutation($id: ID!, $key: String!) { createRefund(orderId: $id, amount: 1000, reason: \"배송 지연 보상\", idempotencyKey: $key) { id amount } }",
            json!({ "id": order, "key": Uuid::now_v7().to_string() }),
        )
        .await;
    let mut ledger = ledger.lock().unwrap();
    match &answer {
        Answer::Data(data) => {
            let refund = &data["createRefund"];
            ledger.refunds.insert(
                uuid(&refund["id"]),
                (order, refund["amount"].as_i64().unwrap()),
            );
        }
        Answer::Lost => ledger.orders.get_mut(&order).unwrap().tainted = true,
        Answer::Refused(_) => {}
    }
    answer
}

async fn open_ticket(
    client: &Client,
    buyer: &Account,
    ledger: &Mutex<Ledger>,
    tickets: &mut Vec<Uuid>,
) -> Answer {
    let answer = client
        .call(
            Some(&buyer.token),
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }",
            json!({ "input": { "category": "OTHER", "subject": "포인트 적립 문의", "body": "적립이 안 됐어요" } }),
        )
        .await;
    if let Answer::Data(data) = &answer {
        let ticket = uuid(&data["createTicket"]["ticket"]["id"]);
        ledger.lock().unwrap().tickets.insert(ticket);
        tickets.push(ticket);
    }
    answer
}

async fn reply(client: &Client, agent: &Account, ticket: Uuid, ledger: &Mutex<Ledger>) -> Answer {
    let answer = client
        .call(
            Some(&agent.token),
            "mutation($id: ID!) { replyToTicket(ticketId: $id, body: \"확인해 보겠습니다.\") { id } }",
            json!({ "id": ticket }),
        )
        .await;
    if let Answer::Data(data) = &answer {
        let message = uuid(&data["replyToTicket"]["id"]);
        ledger.lock().unwrap().replies.push((ticket, message));
    }
    answer
}

async fn reset(client: &Client, buyer: &Account, ledger: &Mutex<Ledger>) -> Answer {
    let answer = client
        .call(
            None,
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": buyer.email }),
        )
        .await;
    if matches!(answer, Answer::Data(_)) {
        ledger.lock().unwrap().resets += 1;
    }
    answer
}
