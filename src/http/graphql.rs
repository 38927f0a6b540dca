//! GraphQL over HTTP, as the GraphQL-over-HTTP specification asks, including its SHOULDs:
//! `POST /graphql` (JSON, or multipart for uploads) and `GET /graphql` (read-only queries in
//! the URL; GraphiQL in development).
//!
//! The response media type follows `Accept`: `application/graphql-response+json` when the
//! client asks for it, `application/json` otherwise (also for `*/*` and no `Accept` at all,
//! so older clients keep working), `406` when neither is acceptable. Under
//! `application/graphql-response+json` a request that never reaches execution (unreadable
//! JSON, invalid parameters, a document that does not parse or validate) answers `400`
//! without a `data` entry; under `application/json` every such answer is `200` with
//! `errors`, as the specification asks for legacy clients. A request is read here rather than
//! by an extractor so that every refusal answers a GraphQL-shaped error with a code.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::{MultipartOptions, receive_body};
use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};

use entity::account;

use crate::accounts::service as accounts;
use crate::auth::{AuthCtx, RequestMeta};
use crate::client_ip;
use crate::config::Mode;
use crate::error::{ApiError, ErrorCode, classify_server_error};
use crate::graphql::{HttpSchema, admission, loaders, shared_answers};
use crate::state::AppState;
use crate::support_dashboard::{AnswerKey, Dashboard};

/// How a GraphQL response is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphqlResponse,
    /// `application/json`: the legacy type, always `200` for what reached GraphQL.
    Json,
}

impl MediaType {
    const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";
    const JSON: &'static str = "application/json";

    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    /// The type an `Accept` header asks for; `None` when it accepts neither.
    pub fn negotiate(accept: Option<&str>) -> Option<Self> {
        let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
            return Some(Self::Json);
        };
        // (quality, specificity, type): the best quality wins, then the more specific range;
        // wildcards get the legacy type.
        let mut best: Option<(f32, u8, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let candidate = match kind.as_str() {
                Self::GRAPHQL_RESPONSE => (quality, 2, Self::GraphqlResponse),
                Self::JSON => (quality, 1, Self::Json),
                "application/*" | "*/*" => (quality, 0, Self::Json),
                _ => continue,
            };
            if quality <= 0.0 {
                continue;
            }
            let better = best.is_none_or(|(q, specificity, _)| {
                candidate.0 > q || (candidate.0 == q && candidate.1 > specificity)
            });
            if better {
                best = Some(candidate);
            }
        }
        best.map(|(_, _, media)| media)
    }

    fn of(req: &HttpRequest) -> Option<Self> {
        let accept: Vec<&str> = req
            .headers()
            .get_all(header::ACCEPT)
            .filter_map(|value| value.to_str().ok())
            .collect();
        Self::negotiate((!accept.is_empty()).then(|| accept.join(",")).as_deref())
    }
}

/// A GraphQL-shaped error answer with `status` (no `data` entry).
pub(crate) fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    error_answer(MediaType::Json, status, code, message)
}

fn error_answer(
    media: MediaType,
    status: StatusCode,
    code: ErrorCode,
    message: &str,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type(media.content_type());
    if code == ErrorCode::Unauthenticated {
        response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, "1"));
    }
    response.body(
        json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] })
            .to_string(),
    )
}

/// A request that never became a GraphQL operation (unreadable body, invalid parameters):
/// `400` under `application/graphql-response+json`, `200` under `application/json`.
fn request_error(media: MediaType, message: &str) -> HttpResponse {
    let status = match media {
        MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
        MediaType::Json => StatusCode::OK,
    };
    error_answer(media, status, ErrorCode::Validation, message)
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
fn retry_after_secs(error: &ServerError) -> Option<u64> {
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
    let media = MediaType::of(req).unwrap_or(MediaType::Json);
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok((AuthCtx::Anonymous, None));
    };
    let refused = || {
        error_answer(
            media,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            crate::auth::ACCESS_FAILED,
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
        // The session check reads the database: failing here means it is away (or too
        // slow), which is temporary, so `503` with `Retry-After` tells clients and load
        // balancers to come back rather than that the request was wrong.
        Err(err) => {
            tracing::error!(error = ?err, "could not check an access token");
            Err(error_answer(
                media,
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                "Temporarily unavailable; try again shortly.",
            ))
        }
    }
}

/// The request parameters of the specification, each checked for its type: `query` a
/// string; `operationName` a string or null; `variables` and `extensions` maps or null.
pub fn graphql_request(
    params: &serde_json::Map<String, Value>,
) -> Result<async_graphql::Request, &'static str> {
    let query = match params.get("query") {
        Some(Value::String(query)) => query,
        Some(_) => return Err("`query` must be a string."),
        None => return Err("The request has no `query`."),
    };
    let mut request = async_graphql::Request::new(query.as_str());
    match params.get("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name.as_str()),
        Some(_) => return Err("`operationName` must be a string."),
    }
    match params.get("variables") {
        None | Some(Value::Null) => {}
        Some(variables @ Value::Object(_)) => {
            request = request.variables(Variables::from_json(variables.clone()));
        }
        Some(_) => return Err("`variables` must be a map."),
    }
    match params.get("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be a map."),
    }
    Ok(request)
}

/// Runs one operation and answers it in `media`.
async fn execute(
    req: &HttpRequest,
    state: &AppState,
    schema: &HttpSchema,
    media: MediaType,
    request: async_graphql::Request,
) -> HttpResponse {
    if request.query.len() > state.settings.max_query_bytes {
        return error_answer(
            media,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::LimitExceeded,
            "Query text is too long.",
        );
    }
    let (auth, caller) = match auth_context(req, state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut request = request;
    state.documents.prepare(&mut request);
    // The document is checked apart from its variables (the parsed document borrows the
    // request).
    let variables = std::mem::take(&mut request.variables);
    let admitted = match request.parsed_query() {
        Ok(document) => admission::admit(document, &variables, &auth),
        // A document that does not parse is answered by the executor, as always.
        Err(_) => Ok(()),
    };
    request.variables = variables;
    if let Err(error) = admitted {
        return answer(media, async_graphql::Response::from_errors(vec![error]));
    }
    // The deadline: dropping the execution rolls back whatever transaction it had open, and
    // what it had committed (a payment attempt, say) is finished by the sweeps.
    let timeout =
        chrono::Duration::seconds(i64::try_from(state.settings.request_timeout_secs).unwrap_or(60));
    let mut deadline = state.clock.sleep_until(state.clock.now() + timeout);
    let shared = tokio::select! {
        shared = shared_dashboard(state, &mut request, &auth) => shared,
        () = &mut deadline => return timed_out(),
    };
    let shared = match shared {
        Shared::Answered(body) => return ok_answer(media, body),
        Shared::Pinned(copy, key) => Some((copy, key)),
        Shared::No => None,
    };
    let mut request = loaders::register(request, &state.db, caller)
        .data(state.clone())
        .data(auth)
        .data(request_meta(req, state));
    if let Some((copy, _)) = &shared {
        request = request.data(copy.clone());
    }
    let response = tokio::select! {
        response = schema.0.execute(request) => response,
        () = &mut deadline => return timed_out(),
    };
    if let Some((copy, key)) = shared
        && response.errors.is_empty()
        && response.http_headers.is_empty()
    {
        let body = Bytes::from(serde_json::to_vec(&response).unwrap_or_else(|_| b"{}".to_vec()));
        copy.answers.keep(key, body.clone());
        return ok_answer(media, body);
    }
    answer(media, response)
}

/// The answer to a request that outlived `request_timeout_secs`.
fn timed_out() -> HttpResponse {
    metrics::counter!("storedesk_requests_shed_total", "reason" => "timeout").increment(1);
    tracing::warn!("GraphQL request took longer than request_timeout_secs; dropped");
    crate::http::shedding::unavailable(ErrorCode::Internal, "The request took too long.", None)
}

/// Whether a request is answered from the shared dashboard.
enum Shared {
    /// With the body written from the current copy for the same request and role.
    Answered(Bytes),
    /// Not yet: executed against this copy, and its answer kept under this key.
    Pinned(Arc<Dashboard>, AnswerKey),
    /// Executed as usual.
    No,
}

/// Answers an operation of the dashboard alone from the copy every agent shares
/// ([`shared_answers`]): the bytes written for the same request and role, or the copy to
/// execute it against. Computing the copy failed: executed as usual, and the resolver
/// answers the error.
async fn shared_dashboard(
    state: &AppState,
    request: &mut async_graphql::Request,
    auth: &AuthCtx,
) -> Shared {
    let operation = request.operation_name.clone();
    let only_dashboard = request
        .parsed_query()
        .is_ok_and(|doc| shared_answers::dashboard_only(doc, operation.as_deref(), auth));
    if !only_dashboard {
        return Shared::No;
    }
    let Ok(copy) = crate::tickets::dashboard::shared_dashboard(state).await else {
        return Shared::No;
    };
    let key = AnswerKey {
        role: auth.role(),
        query: request.query.clone(),
        operation,
        variables: serde_json::to_string(&request.variables).unwrap_or_default(),
    };
    match copy.answers.get(&key) {
        Some(body) => Shared::Answered(body),
        None => Shared::Pinned(copy, key),
    }
}

/// The HTTP answer of an operation that ran without errors, already written.
fn ok_answer(media: MediaType, body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media.content_type())
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body)
}

/// The HTTP answer to a GraphQL response.
fn answer(media: MediaType, mut response: async_graphql::Response) -> HttpResponse {
    let mut retry_after = None;
    for error in &mut response.errors {
        let code = classify_server_error(error);
        metrics::counter!("storedesk_graphql_errors_total", "code" => code.as_str()).increment(1);
        if code == ErrorCode::RateLimited {
            retry_after = retry_after.max(retry_after_secs(error));
        }
    }
    // Errors without a path come from before execution (parsing, validation, limits): the
    // operation never ran, so under graphql-response+json there is no `data` at all.
    let never_ran = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let mut answer = match (media, never_ran) {
        (MediaType::GraphqlResponse, true) => HttpResponse::BadRequest(),
        _ => HttpResponse::Ok(),
    };
    answer.content_type(media.content_type());
    answer.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    // Headers a resolver set (the session cookie of a browser sign-in).
    for (name, value) in &response.http_headers {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            answer.append_header((name.as_str(), value));
        }
    }
    if let Some(secs) = retry_after {
        answer.insert_header((header::RETRY_AFTER, secs));
    }
    // The answer is written in one pass; only a request that never ran (a small answer)
    // goes through a JSON tree to lose its `data` entry.
    if media == MediaType::GraphqlResponse && never_ran {
        let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
        if let Some(object) = body.as_object_mut() {
            object.remove("data");
        }
        return answer.body(body.to_string());
    }
    answer.body(serde_json::to_vec(&response).unwrap_or_else(|_| b"{}".to_vec()))
}

/// The answer to a request that accepts neither response type.
fn not_acceptable() -> HttpResponse {
    error_answer(
        MediaType::Json,
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::Validation,
        "Accept application/graphql-response+json or application/json.",
    )
}

/// What a POST body is, from its `Content-Type`.
enum Body {
    Json,
    Multipart,
}

fn body_kind(req: &HttpRequest) -> Option<Body> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = value.split(';').map(str::trim);
    let kind = parts.next()?.to_ascii_lowercase();
    match kind.as_str() {
        "application/json" => {
            // JSON is UTF-8; any other declared charset is refused rather than misread.
            let charset_ok = parts
                .filter_map(|p| {
                    p.to_ascii_lowercase()
                        .strip_prefix("charset=")
                        .map(str::to_owned)
                })
                .all(|charset| charset.trim_matches('"') == "utf-8");
            charset_ok.then_some(Body::Json)
        }
        "multipart/form-data" => Some(Body::Multipart),
        _ => None,
    }
}

/// `POST /graphql`.
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<HttpSchema>,
) -> HttpResponse {
    let Some(media) = MediaType::of(&req) else {
        return not_acceptable();
    };
    let Some(kind) = body_kind(&req) else {
        return error_answer(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Validation,
            "Send the request as application/json (or multipart/form-data with files).",
        );
    };
    // Uploads (ticket attachments) may be larger; each file is checked again on its own.
    let limit = match kind {
        Body::Multipart => state.settings.max_upload_body_bytes(),
        Body::Json => state.settings.max_body_bytes,
    };
    let too_large = || {
        error_answer(
            media,
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
            return request_error(media, "Could not read the request body.");
        };
        if body.len() + chunk.len() > limit {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    let request = match kind {
        Body::Json => match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(params)) => match graphql_request(&params) {
                Ok(request) => request,
                Err(message) => return request_error(media, message),
            },
            Ok(Value::Array(_)) => {
                return request_error(
                    media,
                    "Batched requests are not supported; send one operation per request.",
                );
            }
            Ok(_) => return request_error(media, "The request body must be a JSON object."),
            Err(_) => return request_error(media, "The request body is not valid JSON."),
        },
        Body::Multipart => {
            let content_type = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            // The number of files is checked by the resolver, which names the field.
            match receive_body(content_type, body.as_ref(), MultipartOptions::default()).await {
                Ok(request) => request,
                Err(async_graphql::ParseRequestError::UnsupportedBatch) => {
                    return request_error(
                        media,
                        "Batched requests are not supported; send one operation per request.",
                    );
                }
                Err(_) => return request_error(media, "Malformed multipart GraphQL request."),
            }
        }
    };
    execute(&req, &state, &schema, media, request).await
}

/// Whether the operation `request` would run is a mutation or subscription.
fn changes_something(request: &async_graphql::Request) -> bool {
    async_graphql::parser::parse_query(&request.query).is_ok_and(|doc| {
        doc.operations.iter().any(|(name, op)| {
            let selected = match (&request.operation_name, name) {
                (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
                (Some(_), None) => false,
                (None, _) => true,
            };
            selected && op.node.ty != OperationType::Query
        })
    })
}

/// `GET /graphql`: GraphiQL in development; otherwise a query in the URL (`query`,
/// `operationName`, and `variables` / `extensions` as JSON). Mutations are refused over GET
/// with `405` (a link or an image tag must never change anything).
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<HttpSchema>,
) -> HttpResponse {
    let query_string = req.query_string();
    if query_string.is_empty() {
        if state.settings.mode == Mode::Development {
            return super::console::graphiql(&req);
        }
        return error_response(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "Send queries with POST.",
        );
    }
    let Some(media) = MediaType::of(&req) else {
        return not_acceptable();
    };
    let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(query_string) else {
        return request_error(media, "The URL parameters cannot be read.");
    };
    let mut params = serde_json::Map::new();
    for (name, value) in pairs.into_inner() {
        let value = match name.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(&value) {
                Ok(parsed) => parsed,
                Err(_) => {
                    return request_error(media, "`variables` and `extensions` must be JSON.");
                }
            },
            _ => Value::String(value),
        };
        params.insert(name, value);
    }
    let request = match graphql_request(&params) {
        Ok(request) => request,
        Err(message) => return request_error(media, message),
    };
    if changes_something(&request) {
        let mut refused = error_answer(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Validation,
            "Mutations and subscriptions must be sent with POST.",
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return refused;
    }
    execute(&req, &state, &schema, media, request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_response_type() {
        use MediaType::*;
        for (accept, expected) in [
            (None, Some(Json)),
            (Some(""), Some(Json)),
            (
                Some("application/graphql-response+json"),
                Some(GraphqlResponse),
            ),
            (Some("application/json"), Some(Json)),
            (Some("*/*"), Some(Json)),
            (Some("application/*"), Some(Json)),
            (
                Some("application/graphql-response+json, application/json;q=0.9"),
                Some(GraphqlResponse),
            ),
            (
                Some("application/graphql-response+json;q=0.5, application/json"),
                Some(Json),
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Some(GraphqlResponse),
            ),
            (Some("text/html, */*;q=0.1"), Some(Json)),
            (Some("text/html"), None),
            (Some("application/json;q=0"), None),
        ] {
            assert_eq!(MediaType::negotiate(accept), expected, "{accept:?}");
        }
    }
}
