//! Credentials for the security schemes the spec declares (`components/securitySchemes`): an API key in a
//! header, a query parameter or a cookie; HTTP basic; an HTTP bearer token, fixed or from a provider you
//! give; OAuth2 client credentials (the token is fetched from the scheme's `tokenUrl`, shared by concurrent
//! calls, kept until shortly before it expires, and fetched again once when the server answers `401`).
//! OpenID Connect and the other OAuth2 flows take a bearer token you obtain.
//!
//! Set each credential on the builder, with the setter named after the scheme or with
//! [`ClientBuilder::credential`]. Each operation sends what its `security` asks for: the first alternative
//! whose credentials are all set, every scheme of that alternative. When none can be met (and none is
//! optional), the call ends in [`crate::Error::Auth`] before anything is sent. No credential prints: not in
//! `Debug`, not in errors (a URL carrying an API key is redacted), not in traces.
//!
//! ```ignore
//! let client = Client::builder(url)
//!     .api_key_auth("key")                                   // the spec's `ApiKeyAuth` scheme
//!     .credential("oauth", Credential::client_credentials("id", "secret").scopes(["read"]))
//!     .build()?;
//! ```

use crate::client::{ClientBuilder, OperationInfo, Secret};
use crate::error::{AuthError, AuthErrorKind};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyIn {
    Header,
    Query,
    Cookie,
}

/// What a security scheme asks the client to send.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum SecuritySchemeKind {
    /// An API key: its place and the header, parameter or cookie name.
    ApiKey { location: ApiKeyIn, name: &'static str },
    /// HTTP basic: `Authorization: Basic ...`.
    Basic,
    /// HTTP bearer: `Authorization: Bearer ...`.
    Bearer,
    /// OAuth2: a bearer token; fetched by the client from `token_url` when the scheme declares the
    /// client-credentials flow and you give [`Credential::client_credentials`].
    OAuth2 { token_url: Option<&'static str> },
    /// OpenID Connect: a bearer token you obtain.
    OpenIdConnect,
    /// The spec's token lifecycle (`x-token-lifecycle`), applied by [`ClientBuilder::credentials`] or
    /// [`ClientBuilder::bearer_token`].
    Session,
}

/// One of the spec's security schemes (the generated `security` module has one constant per scheme).
#[derive(Debug, Clone, Copy)]
pub struct SecurityScheme {
    /// The spec's name for it (its key under `components/securitySchemes`).
    pub name: &'static str,
    pub kind: SecuritySchemeKind,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TokenFuture = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>>;

/// A credential for one security scheme. It never prints.
pub struct Credential(Kind);

enum Kind {
    ApiKey(Secret),
    Basic(Secret, Secret),
    Bearer(Secret),
    Provider(Arc<dyn Fn() -> TokenFuture + Send + Sync>),
    ClientCredentials(ClientCredentials),
}

impl Credential {
    /// An API key (for an `apiKey` scheme).
    pub fn api_key(key: impl Into<String>) -> Self {
        Credential(Kind::ApiKey(Secret::new(key)))
    }

    /// A user name and password (for an `http` `basic` scheme).
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential(Kind::Basic(Secret::new(username), Secret::new(password)))
    }

    /// A fixed bearer token (for `http` `bearer`, `oauth2` and `openIdConnect` schemes).
    pub fn bearer(token: impl Into<String>) -> Self {
        Credential(Kind::Bearer(Secret::new(token)))
    }

    /// A bearer token asked of `provider` before every request (it caches and renews as it sees fit). Its
    /// failure ends the call in [`crate::Error::Auth`], with its error as the source.
    pub fn bearer_provider<F, Fut, E>(provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let provider = Arc::new(provider);
        Credential(Kind::Provider(Arc::new(move || {
            let fut = provider();
            Box::pin(async move { fut.await.map_err(Into::into) })
        })))
    }

    /// OAuth2 client credentials (for an `oauth2` scheme with the `clientCredentials` flow): the client
    /// fetches its token from the scheme's `tokenUrl` and keeps it fresh.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<String>) -> ClientCredentials {
        ClientCredentials {
            client_id: Secret::new(client_id),
            client_secret: Secret::new(client_secret),
            scopes: Vec::new(),
            in_body: false,
            token_url: None,
        }
    }

    fn kind(&self) -> &'static str {
        self.0.describe()
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::ClientCredentials(c) => c.fmt(f),
            Kind::Provider(_) => f.write_str("Credential(bearer provider)"),
            _ => write!(f, "Credential({}: <redacted>)", self.kind()),
        }
    }
}

/// OAuth2 client credentials: the client id and secret, the scopes to ask for, and how the secret travels.
pub struct ClientCredentials {
    client_id: Secret,
    client_secret: Secret,
    scopes: Vec<String>,
    in_body: bool,
    token_url: Option<String>,
}

impl ClientCredentials {
    /// The scopes to ask for (the `scope` parameter); none by default, so the server grants its default.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sends the id and secret in the form body (`client_secret_post`) instead of HTTP basic
    /// authentication (`client_secret_basic`, the default).
    pub fn secret_in_body(mut self) -> Self {
        self.in_body = true;
        self
    }

    /// The token endpoint, instead of the scheme's `tokenUrl` (which, when relative, is resolved against
    /// the client's base URL).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("in_body", &self.in_body)
            .field("token_url", &self.token_url)
            .finish()
    }
}

impl From<ClientCredentials> for Credential {
    fn from(c: ClientCredentials) -> Self {
        Credential(Kind::ClientCredentials(c))
    }
}

impl ClientBuilder {
    /// The credential of the security scheme the spec names `scheme` (its key under
    /// `components/securitySchemes`). A scheme the spec does not declare, or a credential of the wrong
    /// kind for it, is refused by [`ClientBuilder::build`].
    pub fn credential(mut self, scheme: &str, credential: impl Into<Credential>) -> Self {
        self.credential_set.push((scheme.to_string(), credential.into()));
        self
    }
}

/// How one scheme's credential is sent.
enum Apply {
    Header(reqwest::header::HeaderName, reqwest::header::HeaderValue),
    Query(&'static str, Secret),
    Cookie(Secret),
    Bearer(Secret),
    Provider(Arc<dyn Fn() -> TokenFuture + Send + Sync>),
    Fetched(Box<Fetcher>),
}

impl std::fmt::Debug for Apply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Apply::Header(name, _) => write!(f, "Header({name}: <redacted>)"),
            Apply::Query(name, _) => write!(f, "Query({name}=<redacted>)"),
            Apply::Cookie(_) => f.write_str("Cookie(<redacted>)"),
            Apply::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Apply::Provider(_) => f.write_str("Provider"),
            Apply::Fetched(x) => write!(f, "ClientCredentials(token endpoint {:?})", x.token_url.as_str()),
        }
    }
}

/// The credentials a client was built with, by scheme.
#[derive(Debug, Default)]
pub(crate) struct Store {
    set: Vec<(&'static str, Apply)>,
}

/// What one attempt carried: the query parameters holding keys (redacted from error URLs) and the fetched
/// tokens (dropped when the server refuses them).
#[derive(Default)]
pub(crate) struct Used {
    query: Vec<&'static str>,
    fetched: Vec<(usize, Secret)>,
}

impl Store {
    /// Checks each credential against the scheme it names.
    pub fn new(
        schemes: &'static [&'static SecurityScheme],
        given: Vec<(String, Credential)>,
        http: &reqwest::Client,
        base_url: &str,
    ) -> Result<Store, String> {
        let mut set: Vec<(&'static str, Apply)> = Vec::new();
        for (name, credential) in given {
            let Some(scheme) = schemes.iter().find(|s| s.name == name) else {
                let known: Vec<&str> = schemes.iter().map(|s| s.name).collect();
                return Err(format!("the spec declares no security scheme {name:?} (it declares {known:?})"));
            };
            let apply = match (scheme.kind, credential.0) {
                (SecuritySchemeKind::ApiKey { location, name: param }, Kind::ApiKey(key)) => match location {
                    ApiKeyIn::Query => Apply::Query(param, key),
                    ApiKeyIn::Cookie => Apply::Cookie(Secret::new(format!("{param}={}", key.expose()))),
                    ApiKeyIn::Header => {
                        let header = reqwest::header::HeaderName::try_from(param)
                            .map_err(|_| format!("security scheme {name:?}: {param:?} is not a header name"))?;
                        Apply::Header(header, sensitive(key.expose(), &name)?)
                    }
                },
                (SecuritySchemeKind::Basic, Kind::Basic(user, password)) => {
                    // reqwest encodes it (base64) and marks it sensitive.
                    let req = http
                        .get(base_url)
                        .basic_auth(user.expose(), Some(password.expose()))
                        .build()
                        .map_err(|_| format!("security scheme {name:?}: the base URL is not a URL"))?;
                    let value = req.headers().get(reqwest::header::AUTHORIZATION).cloned();
                    let value = value.ok_or_else(|| format!("security scheme {name:?}: no basic credentials"))?;
                    Apply::Header(reqwest::header::AUTHORIZATION, value)
                }
                (
                    SecuritySchemeKind::Bearer | SecuritySchemeKind::OAuth2 { .. } | SecuritySchemeKind::OpenIdConnect,
                    Kind::Bearer(token),
                ) => {
                    sensitive(token.expose(), &name)?;
                    Apply::Bearer(token)
                }
                (
                    SecuritySchemeKind::Bearer | SecuritySchemeKind::OAuth2 { .. } | SecuritySchemeKind::OpenIdConnect,
                    Kind::Provider(p),
                ) => Apply::Provider(p),
                (SecuritySchemeKind::OAuth2 { token_url }, Kind::ClientCredentials(c)) => {
                    let Some(url) = c.token_url.as_deref().or(token_url) else {
                        return Err(format!(
                            "security scheme {name:?} declares no client-credentials flow (no tokenUrl): give a bearer token, or `ClientCredentials::token_url`"
                        ));
                    };
                    let base = reqwest::Url::parse(&format!("{}/", base_url.trim_end_matches('/')));
                    let token_url = base
                        .and_then(|b| b.join(url))
                        .map_err(|_| format!("security scheme {name:?}: the token URL {url:?} is not a URL"))?;
                    Apply::Fetched(Box::new(Fetcher {
                        token_url,
                        client_id: c.client_id,
                        client_secret: c.client_secret,
                        scopes: c.scopes.join(" "),
                        in_body: c.in_body,
                        cached: tokio::sync::Mutex::new(None),
                    }))
                }
                (SecuritySchemeKind::Session, c) => {
                    return Err(format!(
                        "security scheme {name:?} is the client's token lifecycle: set it with `credentials` or `bearer_token`, not {}",
                        c.describe()
                    ));
                }
                (SecuritySchemeKind::ApiKey { .. }, c) => return Err(wrong_kind(&name, "an API key", &c)),
                (SecuritySchemeKind::Basic, c) => return Err(wrong_kind(&name, "a user name and password", &c)),
                (_, c) => return Err(wrong_kind(&name, "a bearer token or, for OAuth2, client credentials", &c)),
            };
            set.retain(|(n, _)| *n != scheme.name);
            set.push((scheme.name, apply));
        }
        Ok(Store { set })
    }

    fn get(&self, scheme: &SecurityScheme) -> Option<(usize, &Apply)> {
        self.set.iter().enumerate().find(|(_, (n, _))| *n == scheme.name).map(|(i, (_, a))| (i, a))
    }

    /// The alternative of `op.security` to send: the first whose credentials are all set, or carried by
    /// `req` already (a header, query parameter or cookie the caller put there with `CallOptions`).
    /// `Ok(None)`: the operation asks for nothing this store applies. `session`: the token lifecycle (or a
    /// fixed bearer token) is available; `bearer`: a fixed bearer token, which also serves bearer schemes
    /// left unset.
    pub fn choose(
        &self,
        op: &'static OperationInfo,
        session: bool,
        bearer: bool,
        req: Option<&reqwest::Request>,
    ) -> Result<Option<&'static [&'static SecurityScheme]>, AuthError> {
        if op.security.is_empty() {
            return Ok(None);
        }
        let has = |s: &SecurityScheme| match s.kind {
            SecuritySchemeKind::Session => session,
            SecuritySchemeKind::Bearer | SecuritySchemeKind::OAuth2 { .. } | SecuritySchemeKind::OpenIdConnect => {
                bearer || self.get(s).is_some() || req.is_some_and(|r| carried(s, r))
            }
            _ => self.get(s).is_some() || req.is_some_and(|r| carried(s, r)),
        };
        match op.security.iter().find(|alt| alt.iter().all(|s| has(s))) {
            Some(alt) => Ok(Some(*alt)),
            None => Err(AuthError {
                operation: op.id,
                kind: AuthErrorKind::MissingCredentials {
                    alternatives: op.security.iter().map(|alt| alt.iter().map(|s| s.name).collect()).collect(),
                },
            }),
        }
    }

    /// Puts the chosen alternative's credentials on `req` (the session's token is the caller's business).
    pub async fn apply(
        &self,
        op: &'static OperationInfo,
        alt: &'static [&'static SecurityScheme],
        req: &mut reqwest::Request,
        http: &crate::auth::Http<'_>,
        bearer: Option<&Secret>,
    ) -> Result<Used, crate::error::Error<std::convert::Infallible>> {
        let mut used = Used::default();
        for scheme in alt {
            let Some((index, apply)) = self.get(scheme) else {
                // Unset: the caller's own header (or parameter) stands; else a bearer scheme takes the fixed
                // bearer token. The session's token is the lifecycle's.
                let bearer_kind = matches!(
                    scheme.kind,
                    SecuritySchemeKind::Bearer | SecuritySchemeKind::OAuth2 { .. } | SecuritySchemeKind::OpenIdConnect
                );
                if let Some(token) = bearer.filter(|_| bearer_kind && !carried(scheme, req)) {
                    set_bearer(req, token.expose());
                }
                continue;
            };
            match apply {
                Apply::Header(name, value) => {
                    req.headers_mut().insert(name.clone(), value.clone());
                }
                Apply::Query(name, key) => {
                    req.url_mut().query_pairs_mut().append_pair(name, key.expose());
                    used.query.push(name);
                }
                Apply::Cookie(pair) => {
                    let cookie = match req.headers().get(reqwest::header::COOKIE).and_then(|v| v.to_str().ok()) {
                        Some(existing) if !existing.is_empty() => format!("{existing}; {}", pair.expose()),
                        _ => pair.expose().to_string(),
                    };
                    if let Ok(v) = sensitive(&cookie, scheme.name) {
                        req.headers_mut().insert(reqwest::header::COOKIE, v);
                    }
                }
                Apply::Bearer(token) => set_bearer(req, token.expose()),
                Apply::Provider(provide) => {
                    let token = provide()
                        .await
                        .map_err(|source| auth(op, AuthErrorKind::Provider { scheme: scheme.name, source }))?;
                    if sensitive(&token, scheme.name).is_err() {
                        let message = "the token is not a header value".to_string();
                        return Err(auth(op, AuthErrorKind::Provider { scheme: scheme.name, source: message.into() }));
                    }
                    set_bearer(req, &token);
                }
                Apply::Fetched(fetcher) => {
                    let token = fetcher.token(op, scheme.name, http).await?;
                    set_bearer(req, token.expose());
                    used.fetched.push((index, token));
                }
            }
        }
        Ok(used)
    }

    /// After a `401`: forgets the fetched tokens that attempt carried (unless another call already
    /// replaced them), so the next attempt fetches anew.
    pub async fn rejected(&self, used: &Used) {
        for (index, token) in &used.fetched {
            if let Some((_, Apply::Fetched(f))) = self.set.get(*index) {
                let mut cached = f.cached.lock().await;
                if cached.as_ref().is_some_and(|(t, _)| t == token) {
                    *cached = None;
                }
            }
        }
    }
}

impl Used {
    /// Whether a `401` may be cured by fetching the token again.
    pub fn renewable(&self) -> bool {
        !self.fetched.is_empty()
    }

    /// A transport error's URL without the values of the query parameters that carried keys.
    pub fn scrub(&self, mut e: reqwest::Error) -> reqwest::Error {
        if self.query.is_empty() {
            return e;
        }
        if let Some(url) = e.url_mut() {
            redact_query(url, &self.query);
        }
        e
    }
}

/// For the client the builder makes itself, when a scheme sends an API key in a header of its own name:
/// redirects stay on the origin. reqwest drops `Authorization` and `Cookie` on a redirect to another host,
/// but not other headers, so a key would follow the redirect there. The redirect answer is then the call's.
pub(crate) fn redirect_policy(schemes: &[&SecurityScheme]) -> Option<reqwest::redirect::Policy> {
    let header_key = |s: &&SecurityScheme| matches!(s.kind, SecuritySchemeKind::ApiKey { location: ApiKeyIn::Header, name } if !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("cookie"));
    schemes.iter().any(header_key).then(|| {
        reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt.previous().last().is_some_and(|p| p.origin() == attempt.url().origin());
            if !same_origin {
                attempt.stop()
            } else if attempt.previous().len() > 10 {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        })
    })
}

/// Whether `req` already carries what `scheme` sends (put there by the caller).
fn carried(scheme: &SecurityScheme, req: &reqwest::Request) -> bool {
    match scheme.kind {
        SecuritySchemeKind::ApiKey { location: ApiKeyIn::Header, name } => req.headers().contains_key(name),
        SecuritySchemeKind::ApiKey { location: ApiKeyIn::Query, name } => {
            req.url().query_pairs().any(|(k, _)| k == name)
        }
        SecuritySchemeKind::ApiKey { location: ApiKeyIn::Cookie, name } => {
            let cookies = req.headers().get_all(reqwest::header::COOKIE).iter().filter_map(|v| v.to_str().ok());
            cookies.flat_map(|c| c.split(';')).any(|pair| pair.trim().split('=').next() == Some(name))
        }
        SecuritySchemeKind::Session => false,
        _ => req.headers().contains_key(reqwest::header::AUTHORIZATION),
    }
}

/// Replaces the values of `names` in `url`'s query with `<redacted>`.
pub(crate) fn redact_query(url: &mut reqwest::Url, names: &[&str]) {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if names.contains(&k.as_ref()) { "<redacted>".to_string() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

fn auth(op: &'static OperationInfo, kind: AuthErrorKind) -> crate::error::Error<std::convert::Infallible> {
    crate::error::Error::Auth(Box::new(AuthError { operation: op.id, kind }))
}

fn wrong_kind(name: &str, wanted: &str, given: &Kind) -> String {
    format!("security scheme {name:?} takes {wanted}, not {}", given.describe())
}

impl Kind {
    fn describe(&self) -> &'static str {
        match self {
            Kind::ApiKey(_) => "an API key",
            Kind::Basic(..) => "a user name and password",
            Kind::Bearer(_) | Kind::Provider(_) => "a bearer token",
            Kind::ClientCredentials(_) => "OAuth2 client credentials",
        }
    }
}

/// A header value that never prints; the value is left out of the failure (it is a credential).
fn sensitive(value: &str, scheme: &str) -> Result<reqwest::header::HeaderValue, String> {
    let mut v = reqwest::header::HeaderValue::try_from(value)
        .map_err(|_| format!("security scheme {scheme:?}: the credential is not a valid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

fn set_bearer(req: &mut reqwest::Request, token: &str) {
    if let Ok(v) = sensitive(&format!("Bearer {token}"), "bearer") {
        req.headers_mut().insert(reqwest::header::AUTHORIZATION, v);
    }
}

/// OAuth2 client credentials: one token at a time, fetched by one call while the others wait.
struct Fetcher {
    token_url: reqwest::Url,
    client_id: Secret,
    client_secret: Secret,
    scopes: String,
    in_body: bool,
    /// The token and when to stop using it (`None`: until the server refuses it).
    cached: tokio::sync::Mutex<Option<(Secret, Option<Instant>)>>,
}

impl Fetcher {
    /// The cached token, or a new one. A fetch that fails on the way (network, `429`, `5xx`) is tried again
    /// as the client's retry policy allows (asking for a token changes nothing on the server).
    async fn token(
        &self,
        op: &'static OperationInfo,
        scheme: &'static str,
        http: &crate::auth::Http<'_>,
    ) -> Result<Secret, crate::error::Error<std::convert::Infallible>> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && until.is_none_or(|u| Instant::now() < u)
        {
            return Ok(token.clone());
        }
        let mut attempt = 0;
        let (token, until) = loop {
            attempt += 1;
            match self.fetch(op, scheme, http.client, http.timeout).await {
                Err(e) if e.is_retryable() && attempt < http.retry.max_attempts => {
                    let wait = http.retry.backoff(attempt);
                    crate::support::trace_event!(WARN, scheme, attempt, "the token fetch failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                result => break result?,
            }
        };
        crate::support::trace_event!(INFO, scheme, "fetched an OAuth2 token");
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    async fn fetch(
        &self,
        op: &'static OperationInfo,
        scheme: &'static str,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<(Secret, Option<Instant>), crate::error::Error<std::convert::Infallible>> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !self.scopes.is_empty() {
            form.push(("scope", &self.scopes));
        }
        if self.in_body {
            form.push(("client_id", self.client_id.expose()));
            form.push(("client_secret", self.client_secret.expose()));
        }
        let mut request = http
            .post(self.token_url.clone())
            .timeout(timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        if !self.in_body {
            // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined.
            let (id, secret) = (form_encode(self.client_id.expose()), form_encode(self.client_secret.expose()));
            request = request.basic_auth(id, Some(secret));
        }
        let failed = |e: reqwest::Error| crate::client::transport(op, e.without_url(), None);
        let started = Instant::now();
        let resp = request.send().await.map_err(failed)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(failed)?;
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            // Only the standard error code is kept: the rest of the body is not ours to print.
            let error = json
                .as_ref()
                .and_then(|j| j.get("error")?.as_str())
                .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)))
                .map(str::to_string);
            return Err(auth(op, AuthErrorKind::TokenRefused { scheme, status, error }));
        }
        let malformed =
            |message: &str| auth(op, AuthErrorKind::TokenMalformed { scheme, message: message.to_string() });
        let json = json.ok_or_else(|| malformed("the answer is not JSON"))?;
        let token = json.get("access_token").and_then(|t| t.as_str()).filter(|t| !t.is_empty());
        let token = token.ok_or_else(|| malformed("the answer has no `access_token` string"))?;
        if sensitive(token, scheme).is_err() {
            return Err(malformed("the `access_token` is not a header value"));
        }
        if let Some(kind) = json.get("token_type")
            && !kind.as_str().is_some_and(|k| k.eq_ignore_ascii_case("bearer"))
        {
            return Err(malformed("the `token_type` is not `bearer`"));
        }
        let lifetime = match json.get("expires_in") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => {
                let secs = v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
                let secs = secs.filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9);
                Some(Duration::from_secs_f64(
                    secs.ok_or_else(|| malformed("the `expires_in` is not a number of seconds"))?,
                ))
            }
        };
        // Renewed shortly before it expires: a tenth of its life early, at most 30 seconds.
        let until = lifetime.map(|l| started + l - (l / 10).min(Duration::from_secs(30)));
        Ok((Secret::new(token), until))
    }
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
