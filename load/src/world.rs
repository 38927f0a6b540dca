//! What the scenarios work on: signed-in agents, sellers and buyers of a `storedesk bench
//! seed` dataset, and ids found through the API the way a client finds them.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::client::Client;

/// The password of every dataset account (`storedesk::dataset::PASSWORD`).
pub const PASSWORD: &str = "bench password 2026";

/// The email of the `n`-th dataset account of `kind` (`storedesk::dataset::email`).
pub fn email(kind: &str, n: usize) -> String {
    format!("{kind}{n}@bench.storedesk.test")
}

/// A signed-in buyer and some of their orders.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// Access token.
    pub token: String,
    /// Numbers of their orders.
    pub order_numbers: Vec<String>,
}

/// Tokens and ids for the scenarios.
#[derive(Debug, Clone)]
pub struct World {
    /// Agents' access tokens.
    pub agents: Vec<String>,
    /// Sellers' access tokens (the busiest stores first).
    pub sellers: Vec<String>,
    /// The store of the first seller: where `write-mix` orders go.
    pub store_id: String,
    /// Buyers with orders.
    pub buyers: Vec<Buyer>,
    /// Ids of recent orders.
    pub order_ids: Vec<String>,
    /// Ids of open tickets.
    pub ticket_ids: Vec<String>,
    /// Emails the login storm signs in with.
    pub login_emails: Vec<String>,
}

const DISCOVER_ORDERS: &str = "query { orders(first: 100) { edges { node { id orderNumber
    buyer { account { email } } } } } }";
const DISCOVER_TICKETS: &str = "query { tickets(first: 100, filter: { status: OPEN }) {
    edges { node { id } } } }";

impl World {
    /// Signs in `agents` agents, a few sellers and buyers, and finds orders and tickets.
    pub async fn discover(client: &Client, agents: usize) -> anyhow::Result<Self> {
        let mut agent_tokens = Vec::new();
        for n in 0..agents.max(1) {
            agent_tokens.push(client.login(&email("agent", n), PASSWORD).await?);
        }
        let agent = agent_tokens[0].clone();
        let orders = client
            .data(Some(&agent), DISCOVER_ORDERS, json!({}))
            .await?;
        let edges = orders["orders"]["edges"]
            .as_array()
            .context("no orders in the answer")?;
        if edges.is_empty() {
            bail!("the database has no orders: build a dataset with `storedesk bench seed`");
        }
        let mut order_ids = Vec::new();
        let mut by_buyer: Vec<(String, Vec<String>)> = Vec::new();
        for edge in edges {
            let node = &edge["node"];
            order_ids.push(text(node, "id")?);
            let email = node["buyer"]["account"]["email"]
                .as_str()
                .context("agents see buyers' emails")?
                .to_owned();
            let number = text(node, "orderNumber")?;
            match by_buyer.iter_mut().find(|(e, _)| *e == email) {
                Some((_, numbers)) => numbers.push(number),
                None => by_buyer.push((email, vec![number])),
            }
        }
        let mut buyers = Vec::new();
        for (email, order_numbers) in by_buyer.iter().take(8) {
            buyers.push(Buyer {
                token: client.login(email, PASSWORD).await?,
                order_numbers: order_numbers.clone(),
            });
        }
        let mut sellers = Vec::new();
        for n in 0..2 {
            sellers.push(client.login(&email("seller", n), PASSWORD).await?);
        }
        let me = client
            .data(
                Some(&sellers[0]),
                "query { me { store { id } } }",
                json!({}),
            )
            .await?;
        let store_id = text(&me["me"]["store"], "id")?;
        let tickets = client
            .data(Some(&agent), DISCOVER_TICKETS, json!({}))
            .await?;
        let ticket_ids = tickets["tickets"]["edges"]
            .as_array()
            .context("no tickets in the answer")?
            .iter()
            .map(|edge| text(&edge["node"], "id"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if ticket_ids.is_empty() {
            bail!("the database has no open tickets: build a dataset with `storedesk bench seed`");
        }
        // Accounts that exist at any dataset size: the buyers of the orders found above.
        let login_emails = by_buyer.iter().map(|(email, _)| email.clone()).collect();
        Ok(Self {
            agents: agent_tokens,
            sellers,
            store_id,
            buyers,
            order_ids,
            ticket_ids,
            login_emails,
        })
    }
}

fn text(value: &Value, key: &str) -> anyhow::Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {key} in {value}"))
}
