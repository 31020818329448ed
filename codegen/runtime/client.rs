//! The HTTP client every generated operation goes through: base URL, credentials and the token lifecycle,
//! request ids, timeouts, safe retries, and turning a response into a typed result.

use crate::auth::{Auth, Credentials, Failure, Http};
use crate::error::{DecodeError, Error, SendError, ServiceError, TimeoutError, TransportError};
use crate::retry::{RetryPolicy, retry_after};
use serde::de::DeserializeOwned;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Static facts about one operation, from the spec.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub module: &'static str,
    /// Whether the operation needs the bearer token.
    pub secure: bool,
    /// How a paged list pages (the spec's `x-paging`).
    pub paging: Option<PagingInfo>,
    /// Safe to send twice: GET, HEAD, PUT, DELETE, OPTIONS, or a POST the spec marks `x-safe-to-retry`.
    pub retry_safe: bool,
    /// How a create request is made safe to retry (`x-idempotency`).
    pub idempotency: Option<Idempotency>,
    /// The least time a call needs (`x-timeout-seconds`); it raises the client's request timeout.
    pub timeout_secs: Option<u64>,
    /// The first documented success status (what a recovered create answers with).
    pub success_status: u16,
    /// How the client's cache treats the operation (`x-cache`); `None`: never cached.
    pub cache: Option<CachePolicy>,
    /// The operation's quota class (`x-rate-limit`), which the quota budget spends.
    pub rate_class: Option<&'static str>,
    /// A success body the caller reads as a stream (server-sent events, a download): a `2xx` answer is
    /// handed over at its headers, and the request's timeout bounds the wait for them, not the body
    /// (`crate::stream`).
    pub streamed: bool,
    /// The spec's `security` for the operation, beyond the token lifecycle (which `secure` covers): the
    /// alternatives, each the schemes it needs together (`crate::credentials`); empty: none.
    pub security: &'static [&'static [&'static crate::credentials::SecurityScheme]],
}

/// How the client's cache (feature `cache`) treats an operation (the spec's `x-cache`).
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    /// How long an answer is fresh; `0`: never cached.
    pub ttl_secs: u64,
    /// The resource a cached answer is about: its name, and the path parameter holding its id.
    pub resource: Option<(&'static str, &'static str)>,
    /// For a create: an answer `404` drops the cached answers about this resource (name), whose id is the
    /// request body's field.
    pub invalidates_on_not_found: Option<(&'static str, &'static str)>,
}

/// The query parameters that page a list, and the response headers that describe a page.
#[derive(Debug, Clone, Copy)]
pub struct PagingInfo {
    pub page_param: &'static str,
    pub size_param: &'static str,
    pub headers: PagingHeaders,
}

/// The names of the headers that describe a page (`has_more` is `true` or `false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagingHeaders {
    pub page: &'static str,
    pub per_page: &'static str,
    pub total_count: &'static str,
    pub total_pages: &'static str,
    pub page_size: &'static str,
    pub has_more: &'static str,
}

/// A create request that carries its own reference can be retried: a duplicate is refused by the server,
/// and the one order is found again with the lookup operation (`crate::recovery`).
#[derive(Debug, Clone, Copy)]
pub struct Idempotency {
    /// The body field that identifies the request (`client_reference`).
    pub field: &'static str,
    /// The list operation that finds a request by that field.
    pub lookup: &'static OperationInfo,
    /// Its query parameter for the field.
    pub lookup_param: &'static str,
    /// The by-id read that answers with the whole order (a list item may leave out what a create answers
    /// with, such as a one-time activation code), and the field of the found item that fills its one path
    /// parameter.
    pub read: Option<(&'static OperationInfo, &'static str)>,
    /// The request fields a found order must repeat to be this request's (request field, order field).
    pub matches: &'static [(&'static str, &'static str)],
    /// How the server says the reference is taken; `None`: any `400` or `409` may mean it.
    pub duplicate: Option<DuplicateAnswer>,
}

/// The answer that refuses a create because its reference is taken (the spec's `x-idempotency.duplicate`):
/// its status, and text the string at `pointer` contains.
#[derive(Debug, Clone, Copy)]
pub struct DuplicateAnswer {
    pub status: u16,
    pub pointer: &'static str,
    pub contains: &'static str,
}

/// How the client logs in and rotates its token (the spec's `x-token-lifecycle`).
#[derive(Debug, Clone, Copy)]
pub struct AuthFlow {
    pub login: &'static OperationInfo,
    pub refresh: Option<&'static OperationInfo>,
    pub logout: Option<&'static OperationInfo>,
    /// Login body fields for the API key and secret.
    pub key_field: &'static str,
    pub secret_field: &'static str,
    /// Refresh body field for the refresh token.
    pub refresh_field: &'static str,
    /// JSON pointers into the login and refresh responses.
    pub access_token: &'static str,
    pub refresh_token: &'static str,
    pub access_expires_at: &'static str,
    pub refresh_expires_at: &'static str,
    /// How long tokens live when an answer does not say when they expire; `0`: until the server refuses them.
    pub access_lifetime_secs: u64,
    pub refresh_lifetime_secs: u64,
    /// Renew this long before the access token expires.
    pub refresh_before_secs: u64,
}

/// A typed success, with what the transport saw.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The response's `X-Request-Id`.
    pub request_id: Option<String>,
    /// True when a create was refused because its reference was already used, and `body` is the order that
    /// reference names, found again and checked against the request (same reference, and the fields the spec's
    /// `x-idempotency.match` lists). An earlier attempt of this call, an earlier call or another process
    /// placed it; the API holds one order, paid once. False for every other answer.
    pub recovered: bool,
    pub body: T,
    /// The paging headers of the operation, when it pages.
    pub(crate) paging_headers: Option<&'static PagingHeaders>,
    /// The operation that answered.
    pub(crate) operation: &'static str,
    /// `Some(stale)` when the answer came from the client's cache.
    pub(crate) cached: Option<bool>,
}

impl<T> ApiResponse<T> {
    pub fn into_body(self) -> T {
        self.body
    }

    /// The operation that answered (its `operationId`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Whether the answer came from the client's cache (feature `cache`), fresh or stale, rather than
    /// from the server for this call.
    pub fn cached(&self) -> bool {
        self.cached.is_some()
    }

    /// Whether the answer came from the cache past its time to live (a refresh runs in the background).
    pub fn stale(&self) -> bool {
        self.cached == Some(true)
    }

    /// The page this response is, read from the headers the spec's `x-paging` names; `None` for an operation
    /// that does not page. A missing or malformed header is an error naming it.
    pub fn paging(&self) -> Result<Option<Paging>, String> {
        self.paging_headers.map(|names| Paging::from_headers(&self.headers, names)).transpose()
    }
}

/// The paging headers of a list response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
    pub total_count: u64,
    pub total_pages: u64,
    pub page_size: u64,
    pub has_more: bool,
}

impl Paging {
    /// Reads the headers `names` names.
    pub fn from_headers(h: &reqwest::header::HeaderMap, names: &PagingHeaders) -> Result<Paging, String> {
        let text = |name: &str| -> Result<&str, String> {
            let v = h.get(name).ok_or_else(|| format!("header {name} is missing"))?;
            v.to_str().map_err(|_| format!("header {name} is not text"))
        };
        let num = |name: &str| -> Result<u64, String> {
            let t = text(name)?;
            t.trim().parse().map_err(|_| format!("header {name} is not a non-negative integer: {t:?}"))
        };
        let has_more = match text(names.has_more)?.trim() {
            "true" => true,
            "false" => false,
            other => return Err(format!("header {} is not `true` or `false`: {other:?}", names.has_more)),
        };
        Ok(Paging {
            page: num(names.page)?,
            per_page: num(names.per_page)?,
            total_count: num(names.total_count)?,
            total_pages: num(names.total_pages)?,
            page_size: num(names.page_size)?,
            has_more,
        })
    }
}

/// A secret string: it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Configures a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    slow_timeout: Option<Duration>,
    user_agent: String,
    bearer_token: Option<Secret>,
    credentials: Option<Credentials>,
    /// The credentials of the spec's security schemes (`crate::credentials`).
    pub(crate) credential_set: Vec<(String, crate::credentials::Credential)>,
    retry: RetryPolicy,
    poll_scale: f64,
    request_ids: Option<RequestIds>,
    budget: Option<crate::budget::Budget>,
    #[cfg(feature = "cache")]
    cache: Option<crate::cache::CacheConfig>,
}

/// Makes the `X-Request-Id` of each request that does not carry one.
#[derive(Clone)]
pub struct RequestIds(Arc<dyn Fn() -> String + Send + Sync>);

impl std::fmt::Debug for RequestIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestIds(caller's)")
    }
}

impl ClientBuilder {
    /// A caller-supplied `reqwest::Client` (its own connect timeout and TLS settings then apply).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The per-request timeout (default 30 s). Operations the spec marks slower (`x-timeout-seconds`, such as
    /// order creation at 75 s) get at least their own figure. For a streamed answer (events, a download) it
    /// bounds the wait for the answer to start and then each read of the body, never the whole stream
    /// (`crate::stream`).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The timeout of the operations the spec marks slow (`x-timeout-seconds`), replacing the spec's figure.
    pub fn slow_timeout(mut self, t: Duration) -> Self {
        self.slow_timeout = Some(t);
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// A fixed bearer token, for a caller that manages tokens itself.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Secret::new(token));
        self
    }

    /// The API key and secret: the client logs in on first use and keeps its token fresh (when the spec
    /// declares a token lifecycle).
    pub fn credentials(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Some(Credentials { key: Secret::new(key), secret: Secret::new(secret) });
        self
    }

    /// The caller's own request ids (for example its trace ids) instead of generated KSUIDs. The API keeps
    /// any id shorter than 64 characters.
    pub fn request_ids(mut self, make: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.request_ids = Some(RequestIds(Arc::new(make)));
        self
    }

    /// Multiplies the documented poll intervals of the `wait_for_*` helpers (for a fast emulator, say).
    pub fn poll_interval_scale(mut self, scale: f64) -> Self {
        self.poll_scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keeps every call within a per-minute quota per rate class (the spec's `x-rate-limit`):
    /// `Budget::production()`, `Budget::sandbox()` or `Budget::custom(..)`. A call waits for its class's
    /// budget instead of meeting `429`s; every clone, stream and `with_options` handle shares it.
    pub fn quota_budget(mut self, budget: crate::budget::Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Caches answers as the spec's `x-cache` says (feature `cache`): see [`crate::cache`].
    #[cfg(feature = "cache")]
    pub fn cache(mut self, config: crate::cache::CacheConfig) -> Self {
        self.cache = Some(config);
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        if reqwest::Url::parse(&base_url).is_err() {
            return Err(Error::InvalidRequest(format!("base URL {base_url:?} is not an absolute URL")));
        }
        let http = match self.http {
            Some(h) => h,
            None => {
                let builder = reqwest::Client::builder().connect_timeout(self.connect_timeout).user_agent(self.user_agent);
                let builder = match crate::credentials::redirect_policy(crate::security::SCHEMES) {
                    Some(policy) => builder.redirect(policy),
                    None => builder,
                };
                builder.build().map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))?
            }
        };
        let auth = match (crate::AUTH, self.credentials) {
            (Some(flow), Some(c)) => Some(Auth::new(flow, c)),
            (None, Some(_)) => {
                return Err(Error::InvalidRequest(
                    "credentials given, but the spec declares no token lifecycle".into(),
                ));
            }
            _ => None,
        };
        let schemes = crate::credentials::Store::new(crate::security::SCHEMES, self.credential_set, &http, &base_url)
            .map_err(Error::InvalidRequest)?;
        Ok(Client {
            call: None,
            inner: Arc::new(Inner {
                base_url,
                http,
                timeout: self.timeout,
                slow_timeout: self.slow_timeout,
                bearer: RwLock::new(self.bearer_token),
                auth,
                schemes,
                retry: self.retry,
                poll_scale: self.poll_scale,
                request_ids: self.request_ids,
                budget: self.budget,
                #[cfg(feature = "cache")]
                cache: self.cache.map(|c| Arc::new(crate::cache::Cache::new(c))),
            }),
        })
    }
}

/// The API client. Cheap to clone; clones share the connection pool and the tokens.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
    /// Overrides for the calls made through this handle ([`Client::with_options`]).
    pub(crate) call: Option<Arc<CallOptions>>,
}

/// Settings for the calls made through one handle, over the client's defaults: a timeout, a retry policy,
/// extra headers, a request id, and for creates the idempotency reference. Any operation takes them, so
/// there is no second method per operation:
///
/// ```ignore
/// let once = client.with_options(CallOptions::new().retry(RetryPolicy::none()).total_timeout(Duration::from_secs(5)));
/// once.get_esim_order(42).await?;
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    request_id: Option<String>,
    reference: Option<String>,
    /// `false`: a create refused as a duplicate answers with the refusal, not with the order it names.
    resolve_duplicates: Option<bool>,
    /// A header that is not valid HTTP, reported when a call is made.
    invalid: Option<String>,
}

/// Header values never print (a per-call `Authorization` or API key is a secret); their names do.
impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self.headers.iter().map(|(name, _)| format!("{name}: <redacted>")).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("headers", &headers)
            .field("request_id", &self.request_id)
            .field("reference", &self.reference)
            .field("resolve_duplicates", &self.resolve_duplicates)
            .field("invalid", &self.invalid)
            .finish()
    }
}

impl CallOptions {
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Each attempt's timeout, instead of the client's (and of the spec's `x-timeout-seconds`).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// A bound on the whole call, token renewal, retries and waits included: past it the call ends in
    /// `Error::Timeout`. A streamed answer's call ends when its stream starts; the stream is bounded per read.
    pub fn total_timeout(mut self, t: Duration) -> Self {
        self.total_timeout = Some(t);
        self
    }

    /// The retry policy for these calls (`RetryPolicy::none()` sends once).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// An extra header on every request of these calls. A name or value that is not valid HTTP is refused
    /// when the call is made, as `Error::InvalidRequest`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (reqwest::header::HeaderName::try_from(name), reqwest::header::HeaderValue::try_from(value)) {
            (Ok(n), Ok(v)) => self.headers.push((n, v)),
            // The value is left out of the message: it may be a credential.
            _ => self.invalid = Some(format!("the header {name:?} is not a valid HTTP header (name or value)")),
        }
        self
    }

    /// The `X-Request-Id` to send, instead of a generated one.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// For a create: the idempotency reference (`client_reference`) to send when the body carries none, so
    /// the call may be retried and recovered safely.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// For a create: whether a refusal as a duplicate of its reference is answered with the order that
    /// reference names (the default, `true`), or with the refusal itself (`false`: for a tool that judges
    /// the host's answers; retries stay as safe, and a caller must then resolve the reference itself).
    pub fn resolve_duplicates(mut self, resolve: bool) -> Self {
        self.resolve_duplicates = Some(resolve);
        self
    }
}

#[derive(Debug)]
struct Inner {
    base_url: String,
    http: reqwest::Client,
    timeout: Duration,
    slow_timeout: Option<Duration>,
    bearer: RwLock<Option<Secret>>,
    auth: Option<Auth>,
    schemes: crate::credentials::Store,
    retry: RetryPolicy,
    poll_scale: f64,
    request_ids: Option<RequestIds>,
    budget: Option<crate::budget::Budget>,
    #[cfg(feature = "cache")]
    cache: Option<Arc<crate::cache::Cache>>,
}

/// What one attempt produced.
enum Attempt {
    Answer(RawResponse),
    /// No complete answer; `maybe_delivered` when the request may have reached the server.
    Failed {
        error: reqwest::Error,
        maybe_delivered: bool,
    },
    /// A streamed operation's answer did not start (or its error body did not arrive) within the timeout.
    Late,
}

/// `f`, bounded by `limit` when there is one; `None` when the limit passed first.
async fn within<F: std::future::Future>(limit: Option<Duration>, f: F) -> Option<F::Output> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, f).await.ok(),
        None => Some(f.await),
    }
}

impl Client {
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            http: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            slow_timeout: None,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string(),
            bearer_token: None,
            credentials: None,
            credential_set: Vec::new(),
            retry: RetryPolicy::default(),
            poll_scale: 1.0,
            request_ids: None,
            budget: None,
            #[cfg(feature = "cache")]
            cache: None,
        }
    }

    /// The client's cache, when it was built with one (feature `cache`): invalidation and counts.
    #[cfg(feature = "cache")]
    pub fn cache(&self) -> Option<&crate::cache::Cache> {
        self.inner.cache.as_deref()
    }

    /// Calls to make now so the cache holds them (feature `cache`): the guide's pre-warm at start-up.
    ///
    /// ```ignore
    /// let warmed = client.prewarm().call(client.list_countries()).call(client.list_categories()).run().await;
    /// ```
    #[cfg(feature = "cache")]
    pub fn prewarm<'a>(&self) -> crate::cache::Prewarm<'a> {
        crate::cache::Prewarm::new()
    }

    /// The quota budget, when the client was built with one.
    pub fn quota_budget(&self) -> Option<&crate::budget::Budget> {
        self.inner.budget.as_ref()
    }

    /// A handle whose calls use `options` over the client's defaults. It shares the connection pool and the
    /// session with `self`; the options apply to every call made through it.
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client { inner: self.inner.clone(), call: Some(Arc::new(options)) }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sets (or clears) a fixed bearer token.
    pub fn set_bearer_token(&self, token: Option<String>) {
        let mut guard = self.inner.bearer.write().unwrap_or_else(|p| p.into_inner());
        *guard = token.map(Secret::new);
    }

    fn http(&self) -> Http<'_> {
        Http {
            client: &self.inner.http,
            base_url: &self.inner.base_url,
            timeout: self.inner.timeout,
            retry: self.inner.retry,
        }
    }

    /// Forgets the session's tokens. The generated logout operation calls it after the server answers.
    #[doc(hidden)]
    pub async fn clear_session(&self) {
        if let Some(auth) = &self.inner.auth {
            auth.clear().await;
        }
        self.set_bearer_token(None);
    }

    /// Makes the tokens of a successful login or refresh the caller made by hand the session's. The
    /// generated login and refresh operations call it.
    #[doc(hidden)]
    pub async fn adopt_session(&self, resp: &RawResponse) {
        if let Some(auth) = &self.inner.auth
            && (200..300).contains(&resp.status)
        {
            // A body without tokens leaves the session as it was: the caller sees the decode error.
            let _ = auth.adopt(resp.operation, &resp.body).await;
        }
    }

    /// Starts a request for a generated operation. Not part of the stable API.
    #[doc(hidden)]
    pub fn request(&self, op: &'static OperationInfo, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let per_call = self.call.as_ref().and_then(|c| c.timeout);
        let timeout = match (per_call, op.timeout_secs, self.inner.slow_timeout) {
            (Some(t), _, _) => t,
            (None, Some(_), Some(slow)) => slow,
            (None, Some(secs), None) => self.inner.timeout.max(Duration::from_secs(secs)),
            (None, None, _) => self.inner.timeout,
        };
        self.inner.http.request(method, format!("{}{path}", self.inner.base_url)).timeout(timeout)
    }

    /// The token to send, if the operation is secured: the fixed one, or the lifecycle's.
    pub(crate) async fn token(&self, op: &'static OperationInfo) -> Result<Option<Secret>, Error<Infallible>> {
        if !op.secure {
            return Ok(None);
        }
        let bearer = self.fixed_bearer();
        // The session's token goes only where the alternative chosen includes it (`exchange` chooses again
        // with the request, and reports a requirement nothing meets).
        let chosen = self.inner.schemes.choose(op, bearer.is_some() || self.inner.auth.is_some(), bearer.is_some(), None);
        if let Ok(Some(alt)) = chosen
            && !alt.iter().any(|s| matches!(s.kind, crate::credentials::SecuritySchemeKind::Session))
        {
            return Ok(None);
        }
        if let Some(t) = bearer {
            return Ok(Some(t));
        }
        match &self.inner.auth {
            Some(auth) => auth.token(&self.http()).await.map(Some).map_err(auth_error),
            None => Ok(None),
        }
    }

    fn fixed_bearer(&self) -> Option<Secret> {
        self.inner.bearer.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// One exchange. `this` is a fresh copy of the request (bodies are in memory, so copies are cheap).
    async fn attempt(&self, mut this: reqwest::Request, op: &'static OperationInfo, token: Option<&Secret>) -> Attempt {
        if let Some(t) = token
            && let Ok(v) = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", t.expose()))
        {
            this.headers_mut().insert(reqwest::header::AUTHORIZATION, v);
        }
        // A streamed answer's body is the caller's to read: the request's timeout bounds the wait for its
        // headers (and for an error body), never the stream (which has an idle timeout per read instead).
        let limit = if op.streamed { this.timeout_mut().take() } else { None };
        let Some(sent) = within(limit, self.inner.http.execute(this)).await else { return Attempt::Late };
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                let maybe_delivered = !e.is_connect();
                return Attempt::Failed { error: e, maybe_delivered };
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        let (read, unread) = if op.streamed && (200..300).contains(&status) {
            (Ok(bytes::Bytes::new()), Some(Box::new((resp, limit))))
        } else {
            let Some(read) = within(limit, resp.bytes()).await else { return Attempt::Late };
            (read, None)
        };
        match read {
            Ok(body) => {
                Attempt::Answer(RawResponse {
                    operation: op.id,
                    status,
                    headers,
                    request_id,
                    body,
                    recovered: false,
                    paging: op.paging.as_ref().map(|p| &p.headers),
                    cached: None,
                    unread,
                })
            }
            // A truncated body: the server acted on the request.
            Err(e) => Attempt::Failed { error: e, maybe_delivered: true },
        }
    }

    /// Sends a request and reads the whole body, with the token, retries and recovery the spec allows.
    /// With the `tracing` feature the call is a span (`octopus.call`) with the operation id, method, path
    /// template, request id, attempts, status and elapsed time. Not part of the stable API.
    #[doc(hidden)]
    pub async fn send(&self, op: &'static OperationInfo, req: reqwest::RequestBuilder) -> Result<RawResponse, SendError> {
        self.send_untyped(op, req).await.map_err(SendError)
    }

    /// `send`'s body. Its errors carry no typed body, so it is compiled once, not once per error type.
    async fn send_untyped(
        &self,
        op: &'static OperationInfo,
        req: reqwest::RequestBuilder,
    ) -> Result<RawResponse, Error<Infallible>> {
        let mut req = req.build().map_err(|e| Error::InvalidRequest(format!("{}: {e}", op.id)))?;
        if let Some(call) = &self.call {
            if let Some(bad) = &call.invalid {
                return Err(Error::InvalidRequest(format!("{}: {bad}", op.id)));
            }
            if let (Some(i), Some(reference)) = (op.idempotency, &call.reference) {
                with_body_field(&mut req, i.field, reference);
            }
            // Replacing, not adding: the call's own headers win over the operation's, and its request id
            // over both.
            for (name, value) in &call.headers {
                req.headers_mut().insert(name.clone(), value.clone());
            }
            if let Some(id) = &call.request_id {
                let value = reqwest::header::HeaderValue::try_from(id.as_str())
                    .map_err(|_| Error::InvalidRequest(format!("{}: request id {id:?} is not a header value", op.id)))?;
                req.headers_mut().insert("x-request-id", value);
            }
        }
        let request_id = match req.headers().get("x-request-id").and_then(|v| v.to_str().ok()) {
            Some(id) => id.to_string(),
            None => {
                let id = self.inner.request_ids.as_ref().map_or_else(new_request_id, |make| (make.0)());
                if let Ok(v) = reqwest::header::HeaderValue::from_str(&id) {
                    req.headers_mut().insert("x-request-id", v);
                }
                id
            }
        };
        // A streamed body has no bytes to key an answer by: never cached.
        #[cfg(feature = "cache")]
        if let Some(cache) = &self.inner.cache
            && req.body().is_none_or(|b| b.as_bytes().is_some())
        {
            return self.send_cached(cache, op, req, request_id).await;
        }
        self.send_spanned(op, req, request_id).await
    }

    /// With the cache: a fresh entry answers at once; a stale one answers at once and starts the key's one
    /// refresh; otherwise the request is sent and its success kept. A create answered `404` drops the
    /// cached answers about the resource it names (`x-cache.invalidates_on_not_found`).
    #[cfg(feature = "cache")]
    async fn send_cached(
        &self,
        cache: &Arc<crate::cache::Cache>,
        op: &'static OperationInfo,
        req: reqwest::Request,
        request_id: String,
    ) -> Result<RawResponse, Error<Infallible>> {
        use crate::cache::{Key, Lookup};
        let policy = match op.cache {
            Some(p) if p.ttl_secs > 0 => p,
            Some(CachePolicy { invalidates_on_not_found: Some((resource, field)), .. }) => {
                let gone = crate::cache::body_id(&req, field);
                let resp = self.send_spanned(op, req, request_id).await?;
                if resp.status == 404
                    && let Some(id) = gone
                {
                    crate::support::trace_event!(INFO, operation = op.id, resource, id = %id, "cache: 404, resource invalidated");
                    cache.invalidate_resource(resource, &id);
                }
                return Ok(resp);
            }
            _ => return self.send_spanned(op, req, request_id).await,
        };
        let key = Key::of(op, &req);
        match cache.lookup(&key) {
            Lookup::Fresh(answer) => {
                crate::support::trace_event!(DEBUG, operation = op.id, "cache: hit");
                Ok(answer)
            }
            Lookup::Stale { answer, refresh } => {
                crate::support::trace_event!(DEBUG, operation = op.id, refresh, "cache: stale hit");
                if refresh && let Some(again) = req.try_clone() {
                    let (client, guard) = (self.clone(), crate::cache::Refreshing { cache: cache.clone(), key });
                    tokio::spawn(async move {
                        let mut again = again;
                        let id = client.inner.request_ids.as_ref().map_or_else(new_request_id, |make| (make.0)());
                        if let Ok(v) = reqwest::header::HeaderValue::from_str(&id) {
                            again.headers_mut().insert("x-request-id", v);
                        }
                        let path = again.url().path().to_string();
                        let generation = guard.cache.generation();
                        if let Ok(resp) = client.send_spanned(op, again, id).await {
                            guard.cache.store(guard.key.clone(), op, policy, &path, &resp, generation);
                        }
                        drop(guard);
                    });
                }
                Ok(answer)
            }
            Lookup::Miss => {
                crate::support::trace_event!(DEBUG, operation = op.id, "cache: miss");
                let path = req.url().path().to_string();
                let generation = cache.generation();
                let resp = self.send_spanned(op, req, request_id).await?;
                cache.store(key, op, policy, &path, &resp, generation);
                Ok(resp)
            }
        }
    }

    /// `send_traced` in the call's span (feature `tracing`).
    async fn send_spanned(
        &self,
        op: &'static OperationInfo,
        req: reqwest::Request,
        request_id: String,
    ) -> Result<RawResponse, Error<Infallible>> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let span = tracing::info_span!(
                "octopus.call",
                operation = op.id,
                method = op.method,
                path = op.path,
                request_id = %request_id,
                attempts = tracing::field::Empty,
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
                recovered = tracing::field::Empty,
            );
            let started = std::time::Instant::now();
            let result = self.send_traced(op, req, request_id).instrument(span.clone()).await;
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            if let Ok(resp) = &result {
                span.record("status", resp.status);
                span.record("recovered", resp.recovered);
            }
            result
        }
        #[cfg(not(feature = "tracing"))]
        self.send_traced(op, req, request_id).await
    }

    /// The call's own attempts under the per-call total timeout, when one is set. A timeout that ends a
    /// create's recovery is the recovery's failure (the order may exist), not a plain timeout.
    async fn send_traced(
        &self,
        op: &'static OperationInfo,
        req: reqwest::Request,
        request_id: String,
    ) -> Result<RawResponse, Error<Infallible>> {
        let recovering = crate::recovery::Recovering::default();
        match self.call.as_ref().and_then(|c| c.total_timeout) {
            None => self.attempts(op, req, request_id, &recovering).await,
            Some(limit) => {
                let id = request_id.clone();
                match tokio::time::timeout(limit, self.attempts(op, req, request_id, &recovering)).await {
                    Ok(result) => result,
                    Err(_) => Err(recovering.timed_out().unwrap_or(Error::Timeout(TimeoutError {
                        operation: op.id,
                        request_id: Some(id),
                    }))),
                }
            }
        }
    }

    /// The body of `send`: token, attempts and retries, then, for a create refused as a duplicate of its
    /// reference, the recovery of the order that reference names.
    async fn attempts(
        &self,
        op: &'static OperationInfo,
        req: reqwest::Request,
        request_id: String,
        recovering: &crate::recovery::Recovering,
    ) -> Result<RawResponse, Error<Infallible>> {
        // A streamed body cannot be replayed: one attempt, whatever it brings.
        if req.body().is_some_and(|b| b.as_bytes().is_none()) {
            return self.send_once(op, req, &request_id).await;
        }
        // A create carrying its reference may be retried; without one it never is.
        let reference = op.idempotency.and_then(|i| body_field(&req, i.field));
        let retryable = op.retry_safe || reference.is_some();
        let policy = self.policy();
        let mut token = self.token(op).await?;
        let (resp, ambiguous) = self.exchange(op, &req, &request_id, retryable, policy, &mut token).await?;
        let resolve = self.call.as_ref().and_then(|c| c.resolve_duplicates).unwrap_or(true);
        match (op.idempotency, reference) {
            (Some(i), Some(reference)) if resolve && crate::recovery::may_refuse_duplicate(&i, resp.status) => {
                let asked = crate::recovery::Asked { op, idempotency: i, reference, request: &req, ambiguous };
                self.recover(asked, resp, recovering).await
            }
            _ => Ok(resp),
        }
    }

    /// A request whose body is a stream (an upload from a `Stream`, a multipart form with a streamed file)
    /// is sent exactly once: a `5xx`, a `429`, a `401` or a lost connection is the caller's answer (a typed
    /// `Error::Api` or `Error::Transport`), never a second attempt whose body was already spent.
    async fn send_once(
        &self,
        op: &'static OperationInfo,
        req: reqwest::Request,
        request_id: &str,
    ) -> Result<RawResponse, Error<Infallible>> {
        let token = self.token(op).await?;
        crate::support::trace_record!("attempts", 1u32);
        if let (Some(budget), Some(class)) = (&self.inner.budget, op.rate_class) {
            budget.acquire(class).await;
        }
        match self.attempt(req, op, token.as_ref()).await {
            Attempt::Answer(resp) => {
                if let (Some(budget), Some(class)) = (&self.inner.budget, op.rate_class) {
                    if resp.status == 429 {
                        budget.refused(class);
                    } else {
                        budget.answered(class);
                    }
                }
                Ok(resp)
            }
            Attempt::Failed { error, .. } => Err(transport(op, error, Some(request_id.to_string()))),
            Attempt::Late => {
                Err(Error::Timeout(TimeoutError { operation: op.id, request_id: Some(request_id.to_string()) }))
            }
        }
    }

    /// The retry policy of this handle's calls.
    pub(crate) fn policy(&self) -> RetryPolicy {
        self.call.as_ref().and_then(|c| c.retry).unwrap_or(self.inner.retry)
    }

    /// Sends `req` until it has an answer to keep: a non-retryable status, or the last attempt's. Renews
    /// the token once on a `401`; honours `Retry-After` on a `429`; backs off on `5xx` and network errors
    /// (only when `retryable`). Also says whether an attempt may have reached the server without its
    /// answer reaching us (`ambiguous`).
    pub(crate) async fn exchange(
        &self,
        op: &'static OperationInfo,
        req: &reqwest::Request,
        request_id: &str,
        retryable: bool,
        policy: RetryPolicy,
        token: &mut Option<Secret>,
    ) -> Result<(RawResponse, bool), Error<Infallible>> {
        let (mut attempt, mut reauthenticated, mut ambiguous) = (0u32, false, false);
        // The spec's security schemes: which to send is settled before anything is sent.
        let bearer = self.fixed_bearer();
        let session = bearer.is_some() || self.inner.auth.is_some();
        let chosen = self.inner.schemes.choose(op, session, bearer.is_some(), Some(req));
        let chosen = chosen.map_err(|e| Error::Auth(Box::new(e)))?;
        loop {
            attempt += 1;
            crate::support::trace_record!("attempts", attempt);
            let last = attempt >= policy.max_attempts || !retryable;
            let Some(mut this) = req.try_clone() else {
                return Err(Error::InvalidRequest(format!("{}: a streaming body cannot be sent again", op.id)));
            };
            let used = match chosen {
                Some(alt) => {
                    let http = Http { retry: policy, ..self.http() };
                    self.inner.schemes.apply(op, alt, &mut this, &http, bearer.as_ref()).await?
                }
                None => crate::credentials::Used::default(),
            };
            if let (Some(budget), Some(class)) = (&self.inner.budget, op.rate_class) {
                budget.acquire(class).await;
            }
            let answer = match self.attempt(this, op, token.as_ref()).await {
                Attempt::Failed { error, maybe_delivered } => Attempt::Failed { error: used.scrub(error), maybe_delivered },
                answer => answer,
            };
            if let (Some(budget), Some(class), Attempt::Answer(resp)) = (&self.inner.budget, op.rate_class, &answer) {
                if resp.status == 429 {
                    budget.refused(class);
                } else {
                    budget.answered(class);
                }
            }
            match answer {
                Attempt::Failed { error, maybe_delivered } => {
                    ambiguous |= maybe_delivered;
                    if last {
                        return Err(transport(op, error, Some(request_id.to_string())));
                    }
                    let wait = policy.backoff(attempt);
                    crate::support::trace_event!(
                        WARN,
                        reason = "network error",
                        maybe_delivered,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                Attempt::Answer(resp)
                    if resp.status == 401
                        && !reauthenticated
                        && (used.renewable() || (op.secure && self.inner.auth.is_some() && token.is_some())) =>
                {
                    // Once per call: renew the token (log in again, or fetch a new OAuth2 token) and repeat the
                    // same request.
                    reauthenticated = true;
                    attempt -= 1;
                    crate::support::trace_event!(INFO, reason = "401", "renewing the token and sending again");
                    self.inner.schemes.rejected(&used).await;
                    if op.secure
                        && let (Some(auth), Some(used)) = (&self.inner.auth, token.clone())
                    {
                        *token = Some(auth.rejected(&self.http(), &used).await.map_err(auth_error)?);
                    }
                }
                Attempt::Answer(resp) if resp.status == 429 || resp.status >= 500 => {
                    ambiguous |= resp.status >= 500;
                    let wait = if resp.status == 429 {
                        retry_after(&resp.headers, &resp.body).unwrap_or_else(|| policy.backoff(attempt))
                    } else {
                        policy.backoff(attempt)
                    };
                    if last || wait > policy.max_retry_after {
                        return Ok((resp, ambiguous));
                    }
                    crate::support::trace_event!(
                        WARN,
                        reason = if resp.status == 429 { "429" } else { "5xx" },
                        status = resp.status,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                Attempt::Answer(resp) => return Ok((resp, ambiguous)),
                Attempt::Late => {
                    ambiguous = true;
                    if last {
                        let request_id = Some(request_id.to_string());
                        return Err(Error::Timeout(TimeoutError { operation: op.id, request_id }));
                    }
                    tokio::time::sleep(policy.backoff(attempt)).await;
                }
            }
        }
    }
}

/// A path template with its one parameter filled in (`/orders/{id}` → `/orders/42`).
pub(crate) fn fill_path(template: &str, value: &str) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(open), Some(close)) if open < close => format!("{}{value}{}", &template[..open], &template[close + 1..]),
        _ => template.to_string(),
    }
}

/// Sets a string field of the request's JSON object body when it is absent or empty.
fn with_body_field(req: &mut reqwest::Request, field: &str, value: &str) {
    let Some(bytes) = req.body().and_then(|b| b.as_bytes()) else { return };
    let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice::<serde_json::Value>(bytes) else { return };
    if map.get(field).and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty()) {
        return;
    }
    map.insert(field.to_string(), serde_json::Value::String(value.to_string()));
    if let Ok(body) = serde_json::to_vec(&map) {
        *req.body_mut() = Some(body.into());
    }
}

/// A string field of the request's JSON body.
fn body_field(req: &reqwest::Request, field: &str) -> Option<String> {
    let bytes = req.body()?.as_bytes()?;
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    v.get(field)?.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

pub(crate) fn transport<E>(op: &'static OperationInfo, e: reqwest::Error, request_id: Option<String>) -> Error<E> {
    if e.is_timeout() {
        Error::Timeout(TimeoutError { operation: op.id, request_id })
    } else {
        Error::Transport(Box::new(TransportError { operation: op.id, request_id, source: e }))
    }
}

fn auth_error<E>(f: Failure) -> Error<E> {
    match f {
        Failure::Transport(op, e) if e.is_timeout() => Error::Timeout(TimeoutError { operation: op, request_id: None }),
        Failure::Transport(op, e) => {
            Error::Transport(Box::new(TransportError { operation: op, request_id: None, source: e }))
        }
        Failure::Status { operation, status, excerpt, request_id } => Error::Api(Box::new(ServiceError {
            operation,
            status,
            body: None,
            excerpt,
            request_id,
            headers: reqwest::header::HeaderMap::new(),
        })),
        Failure::Shape { operation, message } => Error::Decode(Box::new(DecodeError {
            operation,
            status: 200,
            path: ".".into(),
            message,
            excerpt: String::new(),
            request_id: None,
        })),
    }
}

/// The outcome of waiting for a terminal status.
#[derive(Debug, Clone)]
#[must_use = "a pending result still needs handling: the order is paid and continues in the background"]
pub enum Waited<T> {
    /// The status became terminal.
    Done(ApiResponse<T>),
    /// The deadline passed first; this is the last answer.
    Pending(ApiResponse<T>),
}

impl<T> Waited<T> {
    /// The last answer, terminal or not.
    pub fn into_response(self) -> ApiResponse<T> {
        match self {
            Waited::Done(r) | Waited::Pending(r) => r,
        }
    }
}

impl Client {
    /// Calls `fetch` until `done` says yes or `deadline` passes, waiting per `schedule` ((interval, for how
    /// long) in seconds; the last interval repeats), scaled by the client's poll scale. Not part of the
    /// stable API; the generated `wait_for_*` methods use it.
    #[doc(hidden)]
    pub async fn poll<T, E, F, Fut>(
        &self,
        schedule: &[(u64, u64)],
        deadline: Duration,
        done: impl Fn(&T) -> bool,
        fetch: F,
    ) -> Result<Waited<T>, Error<E>>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<ApiResponse<T>, Error<E>>>,
    {
        let started = std::time::Instant::now();
        loop {
            let resp = fetch().await?;
            if done(&resp.body) {
                return Ok(Waited::Done(resp));
            }
            let elapsed = started.elapsed();
            let mut until = 0;
            let every = schedule
                .iter()
                .find(|(_, span)| {
                    until += span;
                    elapsed < Duration::from_secs(until).mul_f64(self.inner.poll_scale)
                })
                .or(schedule.last())
                .map_or(5, |(every, _)| *every);
            let wait = Duration::from_secs(every).mul_f64(self.inner.poll_scale);
            if elapsed + wait > deadline {
                return Ok(Waited::Pending(resp));
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// A response with its whole body, before decoding. Not part of the stable API.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawResponse {
    pub operation: &'static str,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub request_id: Option<String>,
    pub body: bytes::Bytes,
    /// The order a create's reference names, found again after the create was refused as a duplicate.
    pub recovered: bool,
    /// The operation's paging headers, when it pages.
    pub paging: Option<&'static PagingHeaders>,
    /// `Some(stale)` when the answer came from the client's cache.
    pub cached: Option<bool>,
    /// A streamed operation's `2xx` answer, its body not read yet (`body` is empty), with the idle timeout
    /// for each read of it.
    pub unread: Option<Box<(reqwest::Response, Option<Duration>)>>,
}

const EXCERPT: usize = 512;

impl RawResponse {
    pub(crate) fn wrap<T>(self, body: T) -> ApiResponse<T> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            recovered: self.recovered,
            body,
            paging_headers: self.paging,
            operation: self.operation,
            cached: self.cached,
        }
    }

    /// The body as `T`. Generic code is compiled once per body type, so it is kept to the decoder call; the
    /// failure is described by a function compiled once.
    fn decode<T: DeserializeOwned>(&self) -> Result<T, Box<DecodeError>> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| self.decode_failure(e))
    }

    fn decode_failure(&self, e: serde_path_to_error::Error<serde_json::Error>) -> Box<DecodeError> {
        let path = e.path().to_string();
        Box::new(DecodeError {
            operation: self.operation,
            status: self.status,
            path: if path.is_empty() || path == "?" { ".".into() } else { path },
            message: crate::support::without_values(&e.into_inner().to_string()),
            excerpt: crate::support::redacted_excerpt(&self.body, EXCERPT),
            request_id: self.request_id.clone(),
        })
    }

    /// A JSON success body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<ApiResponse<T>, Error<E>> {
        let body = self.decode().map_err(Error::Decode)?;
        Ok(self.wrap(body))
    }

    /// A JSON success body, into one variant of the operation's success enum.
    pub fn json_into<T: DeserializeOwned, U, E>(self, variant: fn(T) -> U) -> Result<ApiResponse<U>, Error<E>> {
        let body = self.decode().map_err(Error::Decode)?;
        Ok(self.wrap(variant(body)))
    }

    /// A success whose body is fixed by its status (an enum variant without data).
    pub fn with_body<U, E>(self, body: U) -> Result<ApiResponse<U>, Error<E>> {
        Ok(self.wrap(body))
    }

    /// A raw-bytes success body, into one variant of the operation's success enum.
    pub fn bytes_into<U, E>(self, variant: fn(Vec<u8>) -> U) -> Result<ApiResponse<U>, Error<E>> {
        let body = variant(self.body.to_vec());
        Ok(self.wrap(body))
    }

    /// A text success body, into one variant of the operation's success enum.
    pub fn text_into<U, E>(self, variant: fn(String) -> U) -> Result<ApiResponse<U>, Error<E>> {
        let body = variant(String::from_utf8_lossy(&self.body).into_owned());
        Ok(self.wrap(body))
    }

    /// A success without a body (any body is ignored).
    pub fn empty<E>(self) -> Result<ApiResponse<()>, Error<E>> {
        Ok(self.wrap(()))
    }

    /// A raw-bytes success body.
    pub fn bytes<E>(self) -> Result<ApiResponse<Vec<u8>>, Error<E>> {
        let body = self.body.to_vec();
        Ok(self.wrap(body))
    }

    /// A text success body.
    pub fn text<E>(self) -> Result<ApiResponse<String>, Error<E>> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        Ok(self.wrap(body))
    }

    /// An error response with a typed body (kept as an excerpt when it does not decode).
    pub fn error<E: DeserializeOwned>(self) -> Error<E> {
        let body = serde_json::from_slice::<E>(&self.body).ok();
        self.api_error(body)
    }

    /// An error response, into one variant of the operation's error enum.
    pub fn error_into<T: DeserializeOwned, E>(self, variant: fn(T) -> E) -> Error<E> {
        let body = serde_json::from_slice::<T>(&self.body).ok().map(variant);
        self.api_error(body)
    }

    /// An error response whose status the spec does not declare.
    pub fn unexpected<E>(self) -> Error<E> {
        self.api_error(None)
    }

    fn api_error<E>(self, body: Option<E>) -> Error<E> {
        Error::Api(Box::new(ServiceError {
            operation: self.operation,
            status: self.status,
            body,
            excerpt: crate::support::redacted_excerpt(&self.body, EXCERPT),
            request_id: self.request_id,
            headers: self.headers,
        }))
    }
}

/// A KSUID-format id: 27 base-62 characters of a timestamp and 128 random bits.
pub fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const KSUID_EPOCH: u64 = 1_400_000_000;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let ts = now.as_secs().saturating_sub(KSUID_EPOCH) as u32;
    let mut random = [0u8; 16];
    for (i, chunk) in random.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(now.as_nanos());
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    let mut bytes = [0u8; 20];
    bytes[..4].copy_from_slice(&ts.to_be_bytes());
    bytes[4..].copy_from_slice(&random);
    base62_27(bytes)
}

fn base62_27(mut n: [u8; 20]) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 27];
    for slot in out.iter_mut().rev() {
        // Divide the 160-bit big-endian number by 62, keeping the remainder.
        let mut rem = 0u32;
        for byte in n.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}
