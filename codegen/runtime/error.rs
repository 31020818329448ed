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
    /// A create was refused because its reference is already used, and the order that reference names could
    /// not be found or read: **the order may exist and be paid**. Sending the same create again, with the
    /// same reference, is safe and resolves it; a new reference could buy it twice.
    DuplicateUnresolved(Box<DuplicateUnresolved>),
    /// A create's reference already names an order that is not the one this request asks for (another
    /// product, amount or quantity): nothing was bought by this call. Use a new reference for a new order.
    ReferenceConflict(Box<ReferenceConflict>),
    /// A paged list changed while it was walked (its total count or page count moved between pages): the
    /// items already yielded may miss some or repeat some. Walk it again from the start.
    ListChanged(Box<ListChanged>),
    /// The request could not be authenticated as its `security` asks, and was not sent: no credential set
    /// on the client meets it, or a token could not be had (see [`AuthErrorKind`]).
    Auth(Box<AuthError>),
}

/// See [`Error::Auth`]. It names schemes, never credentials.
#[derive(Debug)]
pub struct AuthError {
    pub operation: &'static str,
    pub kind: AuthErrorKind,
}

/// Why a request could not be authenticated.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No alternative of the operation's `security` has all its credentials set on the client: each
    /// alternative, as the schemes it needs together. Nothing was sent.
    MissingCredentials { alternatives: Vec<Vec<&'static str>> },
    /// The OAuth2 token endpoint of `scheme` refused (`error`: the standard code of its answer, such as
    /// `invalid_client`; the rest of its body is not kept).
    TokenRefused { scheme: &'static str, status: u16, error: Option<String> },
    /// The OAuth2 token endpoint of `scheme` answered without a usable token.
    TokenMalformed { scheme: &'static str, message: String },
    /// The bearer token provider given for `scheme` failed.
    Provider { scheme: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
}

/// See [`Error::DuplicateUnresolved`].
#[derive(Debug)]
pub struct DuplicateUnresolved {
    /// The create operation.
    pub operation: &'static str,
    /// The reference the create carried (the spec's `x-idempotency` field).
    pub reference: String,
    /// The operation that finds an order by its reference, and its query parameter.
    pub lookup: &'static str,
    pub lookup_param: &'static str,
    /// The id of the order the lookup found, when it was found but could not be read back.
    pub order_id: Option<String>,
    /// Why the order could not be resolved (the lookup's own failure).
    pub cause: String,
    /// The status of the refusal (`400`, say).
    pub status: u16,
    pub request_id: Option<String>,
}

/// See [`Error::ReferenceConflict`].
#[derive(Debug)]
pub struct ReferenceConflict {
    pub operation: &'static str,
    pub reference: String,
    /// The id of the order the reference already names.
    pub order_id: String,
    /// Each field that differs: (request field, what the request asks, what the order has).
    pub differences: Vec<(String, String, String)>,
    pub request_id: Option<String>,
}

/// See [`Error::ListChanged`].
#[derive(Debug)]
pub struct ListChanged {
    pub operation: &'static str,
    /// The page whose headers disagree with the first page's.
    pub page: u64,
    /// What changed: the header, its value on the first page, its value on this page.
    pub header: &'static str,
    pub first: u64,
    pub now: u64,
    pub request_id: Option<String>,
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
            Error::DuplicateUnresolved(d) => Error::DuplicateUnresolved(d),
            Error::ReferenceConflict(c) => Error::ReferenceConflict(c),
            Error::ListChanged(c) => Error::ListChanged(c),
            Error::Auth(a) => Error::Auth(a),
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
            Error::DuplicateUnresolved(e) => e.request_id.as_deref(),
            Error::ReferenceConflict(e) => e.request_id.as_deref(),
            Error::ListChanged(e) => e.request_id.as_deref(),
            Error::Auth(_) => None,
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

    /// Whether the failure is transient: a network error, a timeout, `429` or `5xx`, or a create whose
    /// reference could not be resolved yet. Whether sending the request again is safe also depends on the
    /// operation: a create without its idempotency field (such as `client_reference`) must never be sent
    /// twice blindly; with it, the same request again answers with the one order.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(_) | Error::Timeout(_) | Error::DuplicateUnresolved(_) => true,
            Error::Api(e) => e.status == 429 || e.status >= 500,
            Error::Auth(e) => matches!(e.kind, AuthErrorKind::TokenRefused { status, .. } if status == 429 || status >= 500),
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
            Error::DuplicateUnresolved(e) => {
                let what = match &e.order_id {
                    Some(id) => format!("order {id} was found but could not be read back"),
                    None => "the order it names could not be found".to_string(),
                };
                write!(
                    f,
                    "{}: the reference {:?} was refused as already used ({}){}, and {what}: {}. The order may exist and be paid: send the same request again with the same reference, or find it with {} ({}={:?}); never retry with a new reference",
                    e.operation,
                    e.reference,
                    e.status,
                    rid(&e.request_id),
                    e.cause,
                    e.lookup,
                    e.lookup_param,
                    e.reference
                )
            }
            Error::ReferenceConflict(e) => {
                let diffs: Vec<String> =
                    e.differences.iter().map(|(field, asked, found)| format!("{field} {asked} asked, {found} found")).collect();
                write!(
                    f,
                    "{}: the reference {:?} already names order {}, which is not this request{} ({}); nothing was bought by this call: use a new reference for a new order",
                    e.operation,
                    e.reference,
                    e.order_id,
                    rid(&e.request_id),
                    diffs.join("; ")
                )
            }
            Error::ListChanged(e) => write!(
                f,
                "{}: the list changed while it was walked{}: {} was {} on the first page and {} on page {}; walk it again",
                e.operation,
                rid(&e.request_id),
                e.header,
                e.first,
                e.now,
                e.page
            ),
            Error::Auth(e) => match &e.kind {
                AuthErrorKind::MissingCredentials { alternatives } => {
                    let alts: Vec<String> = alternatives.iter().map(|a| format!("{a:?}")).collect();
                    write!(
                        f,
                        "{}: not sent: no credentials set for its security; set every scheme of one of: {}",
                        e.operation,
                        alts.join(" or ")
                    )
                }
                AuthErrorKind::TokenRefused { scheme, status, error } => {
                    let code = error.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
                    write!(f, "{}: the token endpoint of `{scheme}` answered {status}{code}", e.operation)
                }
                AuthErrorKind::TokenMalformed { scheme, message } => {
                    write!(f, "{}: the token endpoint of `{scheme}` gave no usable token: {message}", e.operation)
                }
                AuthErrorKind::Provider { scheme, source } => {
                    write!(f, "{}: the token provider of `{scheme}` failed: {source}", e.operation)
                }
            },
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            Error::Auth(e) => match &e.kind {
                AuthErrorKind::Provider { source, .. } => Some(source.as_ref()),
                _ => None,
            },
            _ => None,
        }
    }
}
