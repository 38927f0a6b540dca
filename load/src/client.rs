//! GraphQL over HTTP as the harness speaks it.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// An HTTP client for one server, keeping connections alive.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

/// Why a request counts as failed.
#[derive(Debug, Clone)]
pub struct Failure(pub String);

impl Client {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8080`) with room for
    /// `connections` kept-alive connections.
    pub fn new(base: &str, connections: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections.max(1) * 2)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one operation; checks only what a load test must (status and an `errors`
    /// entry), without parsing the answer, so the harness spends little of the machine.
    pub async fn send(&self, token: Option<&str>, body: &Value) -> Result<bytes::Bytes, Failure> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let bytes = answered(request).await?;
        if memchr_errors(&bytes) {
            return Err(Failure(preview(&bytes)));
        }
        Ok(bytes)
    }

    /// `GET path` with a bearer token; `200` is success.
    pub async fn get(&self, token: Option<&str>, path: &str) -> Result<bytes::Bytes, Failure> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answered(request).await
    }

    /// Sends one operation and parses the answer's `data` (for set-up, not for load).
    pub async fn data(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let body = json!({ "query": query, "variables": variables });
        let bytes = self
            .send(token, &body)
            .await
            .map_err(|Failure(why)| anyhow::anyhow!("{why}"))?;
        let value: Value = serde_json::from_slice(&bytes).context("the answer is not JSON")?;
        match value.get("data") {
            Some(data) if !data.is_null() => Ok(data.clone()),
            _ => bail!("no data in {value}"),
        }
    }

    /// Signs in; answers the access token.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let data = self
            .data(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await
            .with_context(|| format!("cannot sign in as {email}"))?;
        data["login"]["accessToken"]
            .as_str()
            .map(str::to_owned)
            .context("login answered no token")
    }
}

/// The body of a `200` answer to `request`; anything else is a failure.
async fn answered(request: reqwest::RequestBuilder) -> Result<bytes::Bytes, Failure> {
    let response = request.send().await.map_err(|e| Failure(e.to_string()))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| Failure(e.to_string()))?;
    if status != reqwest::StatusCode::OK {
        return Err(Failure(format!("HTTP {status}: {}", preview(&bytes))));
    }
    Ok(bytes)
}

/// Whether a GraphQL answer has a top-level `errors` entry. A field named `errors` in data
/// would also match; no query of the harness selects one.
fn memchr_errors(body: &[u8]) -> bool {
    body.windows(8).any(|w| w == b"\"errors\"")
}

fn preview(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::memchr_errors;

    #[test]
    fn an_errors_entry_is_found_and_data_alone_is_not() {
        assert!(memchr_errors(
            br#"{"data":null,"errors":[{"message":"x"}]}"#
        ));
        assert!(!memchr_errors(br#"{"data":{"orders":{"totalCount":3}}}"#));
    }
}
