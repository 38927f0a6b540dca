//! GraphQL over HTTP: `POST /graphql` (JSON), `GET /graphql` (GraphiQL, or read-only queries).
//!
//! The request is read here rather than by the async-graphql extractor so that every refusal
//! (oversized body, batch, mutation over GET, bad token) answers a GraphQL-shaped error with a
//! code, and so that batching is refused outright.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::{GraphiQLSource, MultipartOptions, receive_body};
use async_graphql::parser::types::OperationType;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use entity::account;

use crate::accounts::service as accounts;
use crate::auth::{AuthCtx, RequestMeta};
use crate::clock::SharedClock;
use crate::config::Mode;
use crate::error::{ApiError, ErrorCode, classify_server_error};
use crate::graphql::{AppSchema, loaders};
use crate::http::client_ip;
use crate::state::AppState;

fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if code == ErrorCode::Unauthenticated {
        response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
    }
    response.json(json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    }))
}

/// Where the request came from. The socket peer is the client unless it is a trusted proxy:
/// `X-Forwarded-For` from anyone else would let a client pick its own throttle key.
pub(crate) fn request_meta(req: &HttpRequest, state: &AppState) -> RequestMeta {
    let forwarded = req
        .headers()
        .get_all(header::X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>();
    let ip = req.peer_addr().map(|addr| {
        client_ip::client_ip(
            addr.ip(),
            forwarded.into_iter(),
            &state.settings.trusted_proxies,
        )
        .to_string()
    });
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|ua| ua.chars().filter(|c| !c.is_control()).take(512).collect());
    RequestMeta { ip, user_agent }
}

/// The `extensions.retryAfterSeconds` of a `RATE_LIMITED` error.
fn retry_after_secs(error: &async_graphql::ServerError) -> Option<u64> {
    match error.extensions.as_ref()?.get("retryAfterSeconds")? {
        async_graphql::Value::Number(secs) => secs.as_u64(),
        _ => None,
    }
}

/// The caller of a request from its bearer token: anonymous without one, refused (as an
/// HTTP response) with a bad one.
pub(crate) async fn auth_context(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(AuthCtx, Option<account::Model>), HttpResponse> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok((AuthCtx::Anonymous, None));
    };
    let refused = || {
        error_response(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            accounts::ACCESS_FAILED,
        )
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 4096)
        .ok_or_else(refused)?;
    match accounts::authenticate(state, token).await {
        Ok((auth, account)) => Ok((auth, Some(account))),
        Err(ApiError::Unauthenticated(_)) => Err(refused()),
        Err(err) => {
            tracing::error!(error = ?err, "could not check an access token");
            Err(error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Internal error.",
            ))
        }
    }
}

async fn execute(
    req: &HttpRequest,
    state: &AppState,
    schema: &AppSchema,
    request: async_graphql::Request,
) -> HttpResponse {
    if request.query.len() > state.settings.max_query_bytes {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::LimitExceeded,
            "Query text is too long.",
        );
    }
    let (auth, caller) = match auth_context(req, state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let request = loaders::register(request, &state.db, caller)
        .await
        .data(state.clone())
        .data(auth)
        .data(request_meta(req, state));
    // The deadline: dropping the execution rolls back whatever transaction it had open, and
    // what it had committed (a payment attempt, say) is finished by the sweeps.
    let timeout =
        chrono::Duration::seconds(i64::try_from(state.settings.request_timeout_secs).unwrap_or(60));
    let deadline = state.clock.sleep_until(state.clock.now() + timeout);
    let mut response = tokio::select! {
        response = schema.execute(request) => response,
        () = deadline => {
            metrics::counter!("storedesk_requests_shed_total", "reason" => "timeout").increment(1);
            tracing::warn!("GraphQL request took longer than request_timeout_secs; dropped");
            return crate::http::shedding::unavailable(
                ErrorCode::Internal,
                "The request took too long.",
                None,
            );
        }
    };
    let mut retry_after = None;
    for error in &mut response.errors {
        let code = classify_server_error(error);
        metrics::counter!("storedesk_graphql_errors_total", "code" => code.as_str()).increment(1);
        if code == ErrorCode::RateLimited {
            retry_after = retry_after.max(retry_after_secs(error));
        }
    }
    let mut answer = HttpResponse::Ok();
    answer.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if let Some(secs) = retry_after {
        answer.insert_header((header::RETRY_AFTER, secs));
    }
    answer.json(response)
}

/// `POST /graphql`.
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    // Uploads (ticket attachments) may be larger; each file is checked again on its own.
    let limit = if multipart {
        state.settings.max_upload_body_bytes()
    } else {
        state.settings.max_body_bytes
    };
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::LimitExceeded,
            "Request body is too large.",
        )
    };
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > limit)
    {
        return too_large();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::Validation,
                "Could not read the request body.",
            );
        };
        if body.len() + chunk.len() > limit {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The number of files is checked by the resolver, which names the field in its answer.
    let request = match receive_body(content_type, body.as_ref(), MultipartOptions::default()).await
    {
        Ok(request) => request,
        Err(async_graphql::ParseRequestError::UnsupportedBatch) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::Validation,
                "Batched requests are not supported; send one operation per request.",
            );
        }
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::Validation,
                "Malformed GraphQL request.",
            );
        }
    };
    execute(&req, &state, &schema, request).await
}

/// `GET /graphql`: GraphiQL in development; otherwise a query in the URL. Mutations are refused
/// over GET (a link or an image tag must never change anything).
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let query_string = req.query_string();
    if query_string.is_empty() {
        if state.settings.mode == Mode::Development {
            return HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(GraphiQLSource::build().endpoint("/graphql").finish());
        }
        return error_response(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "Send queries with POST.",
        );
    }
    let Ok(request) = async_graphql::http::parse_query_string(query_string) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            "Malformed GraphQL request.",
        );
    };
    let is_mutation = async_graphql::parser::parse_query(&request.query).is_ok_and(|doc| {
        doc.operations.iter().any(|(name, op)| {
            let selected = match (&request.operation_name, name) {
                (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
                (Some(_), None) => false,
                (None, _) => true,
            };
            selected && op.node.ty != OperationType::Query
        })
    });
    if is_mutation {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Validation,
            "Mutations and subscriptions must be sent with POST.",
        );
    }
    execute(&req, &state, &schema, request).await
}

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
        loaders::insert(&mut data, &state.db, caller, false).await;
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
/// silent, or the access token expires.
async fn serve_socket(
    mut session: actix_ws::Session,
    mut client: actix_ws::AggregatedMessageStream,
    inbox: mpsc::Sender<Vec<u8>>,
    graphql: impl futures_util::Stream<Item = WsMessage>,
    expired: impl std::future::Future<Output = ()>,
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
