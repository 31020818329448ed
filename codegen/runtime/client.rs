//! The HTTP client every generated operation goes through: base URL, bearer token, request ids, timeouts,
//! sending, and turning a response into a typed result.

use crate::error::{ApiError, DecodeError, Error, TimeoutError, TransportError};
use serde::de::DeserializeOwned;
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
    /// The page and page-size query parameters of a paged list.
    pub paging: Option<(&'static str, &'static str)>,
    /// The body field that identifies a create request (`client_reference`), making a retry safe.
    pub idempotency_field: Option<&'static str>,
}

/// A typed success, with what the transport saw.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The response's `X-Request-Id`.
    pub request_id: Option<String>,
    pub body: T,
}

impl<T> ApiResponse<T> {
    pub fn into_body(self) -> T {
        self.body
    }

    /// The paging headers (`X-Page`, `X-Per-Page`, `X-Total-Count`, `X-Total-Pages`, `X-Page-Size`,
    /// `X-Has-More`), when the response carries them. A malformed header is an error naming it.
    pub fn paging(&self) -> Result<Option<Paging>, String> {
        Paging::from_headers(&self.headers)
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
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Result<Option<Paging>, String> {
        if !h.contains_key("x-total-count") && !h.contains_key("x-page") {
            return Ok(None);
        }
        let text = |name: &str| -> Result<&str, String> {
            let v = h.get(name).ok_or_else(|| format!("header {name} is missing"))?;
            v.to_str().map_err(|_| format!("header {name} is not text"))
        };
        let num = |name: &str| -> Result<u64, String> {
            let t = text(name)?;
            t.trim().parse().map_err(|_| format!("header {name} is not a non-negative integer: {t:?}"))
        };
        let has_more = match text("x-has-more")?.trim() {
            "true" => true,
            "false" => false,
            other => return Err(format!("header X-Has-More is not `true` or `false`: {other:?}")),
        };
        Ok(Some(Paging {
            page: num("x-page")?,
            per_page: num("x-per-page")?,
            total_count: num("x-total-count")?,
            total_pages: num("x-total-pages")?,
            page_size: num("x-page-size")?,
            has_more,
        }))
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
    user_agent: String,
    bearer_token: Option<Secret>,
}

impl ClientBuilder {
    /// A caller-supplied `reqwest::Client` (its own timeouts and TLS settings then apply).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The default per-request timeout.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Secret::new(token));
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        if reqwest::Url::parse(&base_url).is_err() {
            return Err(Error::InvalidRequest(format!("base URL {base_url:?} is not an absolute URL")));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner { base_url, http, timeout: self.timeout, bearer: RwLock::new(self.bearer_token) }),
        })
    }
}

/// The API client. Cheap to clone; clones share the connection pool and the token.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    base_url: String,
    http: reqwest::Client,
    timeout: Duration,
    bearer: RwLock<Option<Secret>>,
}

impl Client {
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            http: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string(),
            bearer_token: None,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sets (or clears) the bearer token sent to secured operations.
    pub fn set_bearer_token(&self, token: Option<String>) {
        let mut guard = self.inner.bearer.write().unwrap_or_else(|p| p.into_inner());
        *guard = token.map(Secret::new);
    }

    /// Starts a request for a generated operation. Not part of the stable API.
    #[doc(hidden)]
    pub fn request(&self, op: &'static OperationInfo, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req =
            self.inner.http.request(method, format!("{}{path}", self.inner.base_url)).timeout(self.inner.timeout);
        if op.secure {
            let guard = self.inner.bearer.read().unwrap_or_else(|p| p.into_inner());
            if let Some(token) = guard.as_ref() {
                req = req.bearer_auth(token.expose());
            }
        }
        req
    }

    /// Sends a request and reads the whole body. Not part of the stable API.
    #[doc(hidden)]
    pub async fn send<E>(
        &self,
        op: &'static OperationInfo,
        req: reqwest::RequestBuilder,
    ) -> Result<RawResponse, Error<E>> {
        let mut req = req.build().map_err(|e| Error::InvalidRequest(format!("{}: {e}", op.id)))?;
        let request_id = match req.headers().get("x-request-id").and_then(|v| v.to_str().ok()) {
            Some(id) => id.to_string(),
            None => {
                let id = new_request_id();
                if let Ok(v) = reqwest::header::HeaderValue::from_str(&id) {
                    req.headers_mut().insert("x-request-id", v);
                }
                id
            }
        };
        let transport = |e: reqwest::Error, rid: Option<String>| -> Error<E> {
            if e.is_timeout() {
                Error::Timeout(TimeoutError { operation: op.id, request_id: rid })
            } else {
                Error::Transport(Box::new(TransportError { operation: op.id, request_id: rid, source: e }))
            }
        };
        let resp = self.inner.http.execute(req).await.map_err(|e| transport(e, Some(request_id.clone())))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let request_id =
            headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string).or(Some(request_id));
        let body = resp.bytes().await.map_err(|e| transport(e, request_id.clone()))?;
        Ok(RawResponse { operation: op.id, status, headers, request_id, body })
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
}

const EXCERPT: usize = 512;

impl RawResponse {
    fn wrap<T>(self, body: T) -> ApiResponse<T> {
        ApiResponse { status: self.status, headers: self.headers, request_id: self.request_id, body }
    }

    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            DecodeError {
                operation: self.operation,
                status: self.status,
                path: if path.is_empty() || path == "?" { ".".into() } else { path },
                message: e.into_inner().to_string(),
                excerpt: crate::support::redacted_excerpt(&self.body, EXCERPT),
                request_id: self.request_id.clone(),
            }
        })
    }

    /// A JSON success body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<ApiResponse<T>, Error<E>> {
        let body = self.decode().map_err(|e| Error::Decode(Box::new(e)))?;
        Ok(self.wrap(body))
    }

    /// A JSON success body, into one variant of the operation's success enum.
    pub fn json_into<T: DeserializeOwned, U, E>(self, variant: fn(T) -> U) -> Result<ApiResponse<U>, Error<E>> {
        let body = self.decode().map_err(|e| Error::Decode(Box::new(e)))?;
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
        Error::Api(Box::new(ApiError {
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
