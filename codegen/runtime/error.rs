//! The kinds of failure a call can end in. Match on the variant, or ask the helpers (`status`, `code`,
//! `request_id`, `retry_after`, `is_retryable`); never parse a message.

use std::fmt;

/// A failed call. `E` is the typed error body the operation declares.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E = serde_json::Value> {
    /// The server answered with a status the operation treats as an error.
    Api(Box<ServiceError<E>>),
    /// The request never got a complete answer: connection refused or reset, TLS, DNS, a truncated body.
    Transport(Box<TransportError>),
    /// The request or the whole call took longer than its timeout.
    Timeout(TimeoutError),
    /// The server answered, but the body does not match the spec.
    Decode(Box<DecodeError>),
    /// The request could not be built (a parameter that cannot be encoded, an invalid base URL).
    InvalidRequest(String),
}

/// An error response, with its typed body when the body matched the declared schema. (Named apart from any
/// schema of the spec: the spec's own error object is `models::…`.)
#[derive(Debug)]
pub struct ServiceError<E> {
    pub operation: &'static str,
    pub status: u16,
    /// The declared error body; `None` when the body did not decode (see `excerpt`).
    pub body: Option<E>,
    /// The start of the raw body, with secret fields redacted.
    pub excerpt: String,
    pub request_id: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

#[derive(Debug)]
pub struct TransportError {
    pub operation: &'static str,
    pub request_id: Option<String>,
    pub source: reqwest::Error,
}

#[derive(Debug)]
pub struct TimeoutError {
    pub operation: &'static str,
    pub request_id: Option<String>,
}

/// A body that does not match its schema: where (a JSON path such as `[3].variants[0].amount`) and why.
#[derive(Debug)]
pub struct DecodeError {
    pub operation: &'static str,
    pub status: u16,
    pub path: String,
    pub message: String,
    /// The start of the raw body, with secret fields redacted.
    pub excerpt: String,
    pub request_id: Option<String>,
}

/// A failure before any typed body: what the request path (token, attempts, retries) ends in. Not part of
/// the stable API; `?` turns it into the operation's `Error<E>`. The request path is compiled once this way,
/// not once per operation's error type.
#[doc(hidden)]
#[derive(Debug)]
pub struct SendError(pub(crate) Error<std::convert::Infallible>);

impl<E> From<SendError> for Error<E> {
    fn from(e: SendError) -> Self {
        match e.0 {
            Error::Api(s) => {
                let ServiceError { operation, status, body, excerpt, request_id, headers } = *s;
                Error::Api(Box::new(ServiceError { operation, status, body: body.map(|never| match never {}), excerpt, request_id, headers }))
            }
            Error::Transport(t) => Error::Transport(t),
            Error::Timeout(t) => Error::Timeout(t),
            Error::Decode(d) => Error::Decode(d),
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
        }
    }
}

impl<E> Error<E> {
    /// The `X-Request-Id` of the exchange, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Transport(e) => e.request_id.as_deref(),
            Error::Timeout(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::InvalidRequest(_) => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The wait the server asked for before trying again (`Retry-After`, or the figure in the documented
    /// `429` body), when it answered with one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Error::Api(e) => {
                let body = e.excerpt.as_bytes();
                crate::retry::retry_after(&e.headers, body)
            }
            _ => None,
        }
    }

    /// Whether the failure is transient: a network error, a timeout, `429` or `5xx`. Whether sending the
    /// request again is safe also depends on the operation: a create without its idempotency field (such as
    /// `client_reference`) must never be sent twice blindly.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Timeout(_) => true,
            Error::Api(e) => e.status == 429 || e.status >= 500,
            _ => false,
        }
    }

    /// The typed error body, when the server answered with one that matched the spec.
    pub fn body(&self) -> Option<&E> {
        match self {
            Error::Api(e) => e.body.as_ref(),
            _ => None,
        }
    }
}

/// An error body that carries a machine-readable code (the spec's `x-error-code` names where).
pub trait HasErrorCode {
    /// The code's type: an open enum, so codes the API adds later are kept, not errors.
    type Code;
    fn code(&self) -> Option<&Self::Code>;
}

impl<E: HasErrorCode> Error<E> {
    /// The error code of the body, when the server answered with one: switch on it, never on messages.
    pub fn code(&self) -> Option<&E::Code> {
        self.body().and_then(HasErrorCode::code)
    }
}

fn rid(id: &Option<String>) -> String {
    id.as_deref().map(|r| format!(" (request id {r})")).unwrap_or_default()
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => {
                write!(f, "{}: the server answered {}{}: {}", e.operation, e.status, rid(&e.request_id), e.excerpt)
            }
            Error::Transport(e) => write!(f, "{}: transport error{}: {}", e.operation, rid(&e.request_id), e.source),
            Error::Timeout(e) => write!(f, "{}: timed out{}", e.operation, rid(&e.request_id)),
            Error::Decode(e) => write!(
                f,
                "{}: the {} response does not match the spec at `{}`{}: {}; body starts: {}",
                e.operation,
                e.status,
                e.path,
                rid(&e.request_id),
                e.message,
                e.excerpt
            ),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            _ => None,
        }
    }
}
