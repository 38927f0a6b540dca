//! The one place where failures become GraphQL errors with `extensions.code`.
//!
//! Services return [`ApiError`] directly: an expected failure is built with its code
//! ([`ApiError::validation`], [`ApiError::InvalidState`], …) where the rule is checked, and a
//! database error converts into `INTERNAL` with `?` (a service that expects a unique
//! violation maps it to `CONFLICT` itself, see `db::conflict_on_duplicate`). One enum rather
//! than one per domain, because every domain's failures already fall into the closed list of
//! codes the API documents, and a per-domain enum would only be mapped back onto it. Only
//! [`ApiError`] becomes an `async_graphql::Error`; internal causes are logged (inside the
//! request span, so with its request id) and never reach the client.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::{ErrorExtensions, ServerError, Value};

/// The closed list of error codes of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No valid credentials.
    Unauthenticated,
    /// Signed in but not allowed.
    Forbidden,
    /// Does not exist or may not be seen.
    NotFound,
    /// Bad input; `extensions.field` names the input.
    Validation,
    /// Clashes with existing data (duplicate email, idempotency key reuse).
    Conflict,
    /// The object is not in a state that allows this.
    InvalidState,
    /// A size, depth or count limit was exceeded.
    LimitExceeded,
    /// Too many attempts; try later.
    RateLimited,
    /// Something failed on our side.
    Internal,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 9] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::Validation,
        Self::Conflict,
        Self::InvalidState,
        Self::LimitExceeded,
        Self::RateLimited,
        Self::Internal,
    ];

    /// The code with this wire name.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Validation => "VALIDATION",
            Self::Conflict => "CONFLICT",
            Self::InvalidState => "INVALID_STATE",
            Self::LimitExceeded => "LIMIT_EXCEEDED",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
        }
    }
}

/// An error as the API reports it.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a client
/// message, which would bypass the codes below. Only [`From<ApiError>`] for
/// `async_graphql::Error` turns it into something a client sees.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// See [`ErrorCode::Unauthenticated`].
    Unauthenticated(&'static str),
    /// See [`ErrorCode::Forbidden`].
    Forbidden,
    /// See [`ErrorCode::NotFound`]; the string names the kind of object.
    NotFound(&'static str),
    /// See [`ErrorCode::Validation`].
    Validation {
        /// Input field (camelCase, as in the schema).
        field: Cow<'static, str>,
        /// What is wrong, for people.
        message: String,
    },
    /// See [`ErrorCode::Conflict`].
    Conflict {
        /// Input field that clashes, when there is one.
        field: Option<&'static str>,
        /// What clashes.
        message: String,
    },
    /// See [`ErrorCode::InvalidState`].
    InvalidState(String),
    /// See [`ErrorCode::LimitExceeded`].
    LimitExceeded(String),
    /// See [`ErrorCode::RateLimited`].
    RateLimited {
        /// What to do, for people.
        message: String,
        /// When to try again, in seconds (`extensions.retryAfterSeconds`, and the
        /// `Retry-After` header of the HTTP response).
        retry_after_secs: u64,
    },
    /// See [`ErrorCode::Internal`]; the cause is logged, not shown.
    Internal(Arc<anyhow::Error>),
}

impl ApiError {
    /// A validation error on `field`.
    pub fn validation(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A rate-limit refusal: try again in `retry_after` (rounded up to whole seconds).
    pub fn rate_limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Self::RateLimited {
            message: message.into(),
            retry_after_secs: secs.max(1),
        }
    }

    /// An internal error with its cause (logged, never shown).
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(cause.into()))
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(message) => (*message).to_owned(),
            Self::Forbidden => "You are not allowed to do this.".to_owned(),
            Self::NotFound(what) => format!("{what} not found."),
            Self::Validation { message, .. } | Self::Conflict { message, .. } => message.clone(),
            Self::InvalidState(message)
            | Self::LimitExceeded(message)
            | Self::RateLimited { message, .. } => message.clone(),
            Self::Internal(_) => "Internal error.".to_owned(),
        }
    }

    /// The code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Validation { .. } => ErrorCode::Validation,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::InvalidState(_) => ErrorCode::InvalidState,
            Self::LimitExceeded(_) => ErrorCode::LimitExceeded,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        if let ApiError::Internal(cause) = &err {
            tracing::error!(error = ?cause, "internal error while serving a request");
        }
        let code = err.code();
        let field: Option<String> = match &err {
            ApiError::Validation { field, .. } => Some(field.to_string()),
            ApiError::Conflict { field, .. } => field.map(str::to_owned),
            _ => None,
        };
        let retry_after = match &err {
            ApiError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let Some(field) = field {
                ext.set("field", field);
            }
            if let Some(secs) = retry_after {
                ext.set("retryAfterSeconds", secs);
            }
        })
    }
}

/// Result type of resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Gives every error that lacks a code one, from what async-graphql itself reports
/// (parse and validation failures, limits), so clients can always switch on `code`.
/// Returns the error's code.
pub fn classify_server_error(err: &mut ServerError) -> ErrorCode {
    let existing = err
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .and_then(|code| match code {
            Value::String(name) => ErrorCode::from_wire(name),
            _ => None,
        });
    if let Some(code) = existing {
        return code;
    }
    let message = err.message.as_str();
    // The texts async-graphql uses for its depth, complexity, directive and recursion limits.
    let code = if message.contains("nested too deep")
        || message.contains("too complex")
        || message.contains("cannot be greater than")
        || message.contains("recursion limit exceeded")
    {
        ErrorCode::LimitExceeded
    } else {
        ErrorCode::Validation
    };
    let mut ext = err.extensions.take().unwrap_or_default();
    ext.set("code", Value::from(code.as_str()));
    err.extensions = Some(ext);
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(message: &str) -> (ErrorCode, ServerError) {
        let mut err = ServerError::new(message, None);
        let code = classify_server_error(&mut err);
        (code, err)
    }

    #[test]
    fn async_graphql_limits_are_limit_exceeded_and_the_rest_validation() {
        assert_eq!(
            classify("Query is nested too deep.").0,
            ErrorCode::LimitExceeded
        );
        assert_eq!(
            classify("Query is too complex.").0,
            ErrorCode::LimitExceeded
        );
        assert_eq!(
            classify("recursion limit exceeded.").0,
            ErrorCode::LimitExceeded
        );
        let (code, err) = classify("Unknown field \"nope\" on type \"Query\".");
        assert_eq!(code, ErrorCode::Validation);
        assert_eq!(
            err.extensions.unwrap().get("code"),
            Some(&Value::from("VALIDATION"))
        );
    }

    #[test]
    fn an_existing_code_is_kept() {
        let mut err: ServerError = async_graphql::Error::from(ApiError::NotFound("Order"))
            .into_server_error(Default::default());
        assert_eq!(classify_server_error(&mut err), ErrorCode::NotFound);
        assert_eq!(err.message, "Order not found.");
    }

    #[test]
    fn every_code_round_trips_through_its_wire_name() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_wire(code.as_str()), Some(code));
        }
    }
}
