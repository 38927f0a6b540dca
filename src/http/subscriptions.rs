//! Subscriptions over `/graphql/ws` (graphql-transport-ws, and the older graphql-ws), served
//! with actix-ws around async-graphql's protocol engine, so the socket can be closed when the
//! access token it authenticated with expires.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use super::graphql::{error_response, request_meta};
use crate::accounts::service as accounts;
use crate::auth::AuthCtx;
use crate::clock::SharedClock;
use crate::error::{ApiError, ErrorCode};
use crate::graphql::AppSchema;
use crate::state::AppState;

/// The bearer token of a `connection_init` payload: `{ "authorization": "Bearer …" }` (the
/// header a client would send over HTTP), any capitalisation of the key.
fn init_token(payload: &serde_json::Value) -> Option<&str> {
    let value = payload
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))?
        .1
        .as_str()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim();
    (!token.is_empty() && token.len() <= 4096).then_some(token)
}

/// When the access token a WebSocket authenticated with expires (in connection data, so
/// subscriptions stop sending at that instant too).
#[derive(Debug, Clone, Copy)]
pub struct TokenExpiry(pub DateTime<Utc>);

/// The close frame of a socket whose access token expired: 4403 is graphql-transport-ws's
/// "forbidden", which clients such as graphql-ws retry, calling for fresh connection params
/// (a new access token) as they reconnect.
const TOKEN_EXPIRED: u16 = 4403;
/// How often an idle socket is pinged, and how long a silent client is kept.
const HEARTBEAT: Duration = Duration::from_secs(15);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// Largest frame a client may send (a subscription document with its variables).
const MAX_FRAME: usize = 64 * 1024;

/// `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the older graphql-ws).
/// The access token comes in `connection_init`; a bad one closes the connection, none leaves
/// it anonymous (every subscription needs an account). The session is checked again before
/// each message, so a revoked one goes quiet at once, and the socket is closed when the
/// access token expires, so it never outlives the token.
pub async fn ws(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|name| name.trim().parse::<WebSocketProtocols>().ok());
    let Some(protocol) = protocol else {
        return Ok(error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            "Ask for the graphql-transport-ws subprotocol.",
        ));
    };
    let (response, session, messages) =
        actix_ws::handle_with_protocols(&req, payload, &[protocol.sec_websocket_protocol()])?;
    let state = state.get_ref().clone();
    let meta = request_meta(&req, &state);
    let (expiry_tx, expiry_rx) = watch::channel(None);
    let init_state = state.clone();
    let on_init = move |init: serde_json::Value| async move {
        let state = init_state;
        let (auth, caller, expires) = match init_token(&init) {
            None => (AuthCtx::Anonymous, None, None),
            Some(token) => match accounts::authenticate_until(&state, token).await {
                Ok((auth, account, expires)) => (auth, Some(account), Some(expires)),
                Err(ApiError::Unauthenticated(message)) => {
                    return Err(async_graphql::Error::new(message));
                }
                Err(err) => {
                    tracing::error!(error = ?err, "could not check an access token");
                    return Err(async_graphql::Error::new("Internal error."));
                }
            },
        };
        let mut data = async_graphql::Data::default();
        state
            .live_loaders
            .insert(&mut data, &state.db, caller.as_ref());
        if let Some(expires) = expires {
            data.insert(TokenExpiry(expires));
            let _ = expiry_tx.send(Some(expires));
        }
        data.insert(state);
        data.insert(auth);
        data.insert(meta);
        Ok(data)
    };
    let (inbox, frames) = inbox_stream();
    let graphql =
        WebSocket::new(schema.get_ref().clone(), frames, protocol).on_connection_init(on_init);
    actix_web::rt::spawn(serve_socket(
        session,
        messages.max_frame_size(MAX_FRAME).aggregate_continuations(),
        inbox,
        graphql,
        token_expired(expiry_rx, state.clock.clone()),
        state.shutdown.clone(),
    ));
    Ok(response)
}

/// A channel the socket loop feeds client frames into, as the stream async-graphql reads.
fn inbox_stream() -> (
    mpsc::Sender<Vec<u8>>,
    impl futures_util::Stream<Item = Vec<u8>> + Unpin,
) {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(16);
    let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|frame| (frame, rx))
    }));
    (tx, stream)
}

/// Completes when the token the socket authenticated with expires (never for a socket that
/// has not authenticated).
async fn token_expired(mut known: watch::Receiver<Option<DateTime<Utc>>>, clock: SharedClock) {
    let deadline = loop {
        if let Some(deadline) = *known.borrow_and_update() {
            break deadline;
        }
        if known.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    clock.sleep_until(deadline).await;
}

/// Moves frames between the client and async-graphql until either side ends, the client goes
/// silent, the access token expires or the server stops.
async fn serve_socket(
    mut session: actix_ws::Session,
    mut client: actix_ws::AggregatedMessageStream,
    inbox: mpsc::Sender<Vec<u8>>,
    graphql: impl futures_util::Stream<Item = WsMessage>,
    expired: impl std::future::Future<Output = ()>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    tokio::pin!(graphql);
    tokio::pin!(expired);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut last_heard = Instant::now();
    let reason = loop {
        tokio::select! {
            frame = client.next() => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        if inbox.send(text.as_bytes().to_vec()).await.is_err() { break None; }
                    }
                    Some(Ok(AggregatedMessage::Binary(bytes))) => {
                        if inbox.send(bytes.to_vec()).await.is_err() { break None; }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { return; }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => break None,
                }
            }
            message = graphql.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if session.text(text).await.is_err() { return; }
                }
                Some(WsMessage::Close(code, text)) => {
                    break Some(CloseReason { code: CloseCode::Other(code), description: Some(text) });
                }
                None => break None,
            },
            () = &mut expired => {
                break Some(CloseReason {
                    code: CloseCode::Other(TOKEN_EXPIRED),
                    description: Some("access token expired; reconnect with a fresh one".into()),
                });
            }
            () = shutdown.cancelled() => {
                // Clients reconnect (to another instance, or to this one once it is back).
                break Some(CloseReason {
                    code: CloseCode::Away,
                    description: Some("server shutting down".into()),
                });
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    break None;
                }
                if session.ping(b"").await.is_err() { return; }
            }
        }
    };
    let _ = session.close(reason).await;
}
