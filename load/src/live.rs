//! Subscribed agents: `ticketQueueChanged` over graphql-transport-ws (the console queue's
//! own subscription document), and how long each event
//! took from the change (the ticket's `updatedAt`, stamped by the server in the change's
//! transaction) to its arrival here. Server and harness share this machine's clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::run::histogram;

/// A subscription's WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Latencies of events received by every subscriber, in microseconds.
#[derive(Clone)]
pub struct Deliveries(pub Arc<Mutex<(Histogram<u64>, u64)>>);

impl Deliveries {
    fn new() -> Self {
        Self(Arc::new(Mutex::new((histogram(), 0))))
    }

    /// The histogram and the count of events that could not be read.
    pub fn take(&self) -> (Histogram<u64>, u64) {
        match self.0.lock() {
            Ok(mut guard) => std::mem::replace(&mut *guard, (histogram(), 0)),
            Err(_) => (histogram(), 1),
        }
    }
}

/// Opens `count` subscriptions with `tokens` (round robin), each acknowledged and subscribed.
pub async fn subscribe(base: &str, tokens: &[String], count: usize) -> anyhow::Result<Vec<Socket>> {
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut sockets = Vec::new();
    for n in 0..count {
        sockets.push(open(&url, &tokens[n % tokens.len()]).await?);
    }
    Ok(sockets)
}

/// Listens on every socket, recording events from `measure_from` until `end`.
pub fn listen_all(
    sockets: Vec<Socket>,
    measure_from: Instant,
    end: Instant,
) -> (Deliveries, tokio::task::JoinHandle<()>) {
    let deliveries = Deliveries::new();
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(listen(socket, deliveries.clone(), measure_from, end)))
        .collect();
    let all = tokio::spawn(async move {
        for task in tasks {
            let _ = task.await;
        }
    });
    (deliveries, all)
}

async fn open(url: &str, token: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("cannot open the subscription socket")?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await?;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no connection_ack in 10 s")?
            .context("the socket closed before connection_ack")??;
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text)?;
            match value["type"].as_str() {
                Some("connection_ack") => break,
                Some("ping") => socket.send(Message::text(r#"{"type":"pong"}"#)).await?,
                _ => bail!("unexpected message before connection_ack: {text}"),
            }
        }
    }
    let subscribe = json!({ "id": "q", "type": "subscribe", "payload": {
        "query": "subscription { ticketQueueChanged { id status priority assignee { id displayName } updatedAt slaBreached } }" } });
    socket.send(Message::text(subscribe.to_string())).await?;
    Ok(socket)
}

async fn listen(mut socket: Socket, deliveries: Deliveries, measure_from: Instant, end: Instant) {
    loop {
        let next = tokio::time::timeout_at(end.into(), socket.next()).await;
        let Ok(Some(Ok(message))) = next else { break };
        let Message::Text(text) = message else {
            continue;
        };
        let received = chrono::Utc::now();
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match value["type"].as_str() {
            Some("ping") => {
                let _ = socket.send(Message::text(r#"{"type":"pong"}"#)).await;
            }
            Some("next") if Instant::now() >= measure_from => {
                let stamped = value["payload"]["data"]["ticketQueueChanged"]["updatedAt"]
                    .as_str()
                    .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
                if let Ok(mut guard) = deliveries.0.lock() {
                    match stamped {
                        Some(at) => {
                            let micros = (received - at.with_timezone(&chrono::Utc))
                                .num_microseconds()
                                .unwrap_or(0)
                                .max(1);
                            let _ = guard
                                .0
                                .record(u64::try_from(micros).unwrap_or(1).min(60_000_000));
                        }
                        None => guard.1 += 1,
                    }
                }
            }
            Some("error") | Some("complete") => {
                if let Ok(mut guard) = deliveries.0.lock() {
                    guard.1 += 1;
                }
                break;
            }
            _ => {}
        }
    }
    let _ = socket.close(None).await;
}
