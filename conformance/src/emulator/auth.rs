//! `/auth/*` and the gate in front of `/api/v1`: HS256 JWTs with refresh rotation, logout revoking every
//! token of the client, the IP allow-list and the per-minute rate limits.

use super::http::{err, ok, rfc3339, unauthorized, validation};
use super::state::State;
use super::{Break, Shared, jwt, lock};
use crate::serve::Connection;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Request, State as St};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The authenticated client of a request (set by [`gate`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientId(pub u64);

/// What an `/api/v1` handler works with: the emulator's state and the client [`gate`] authenticated.
pub struct Caller {
    pub s: super::Shared,
    pub c: u64,
}

impl axum::extract::FromRequestParts<super::Shared> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &super::Shared,
    ) -> Result<Self, Response> {
        match parts.extensions.get::<ClientId>() {
            Some(ClientId(c)) => Ok(Caller { s: state.clone(), c: *c }),
            // Every `/api/v1` route is behind the gate; a request without a client is the emulator's own bug.
            None => {
                Err(super::http::err(500, "InternalServerError", "INTERNAL_SERVER_ERROR", "No authenticated client"))
            }
        }
    }
}

/// Issues an access and a refresh token for `client_id`, answered in the auth envelope.
fn issue(st: &mut State, client_id: u64) -> Value {
    let t = super::http::now();
    let (access_ttl, refresh_ttl) = (st.config.access_ttl_secs, st.config.refresh_ttl_secs);
    let mut token = |kind: &str, ttl: i64| {
        let jti = format!("{kind}-{}", st.id());
        st.tokens.insert(jti.clone(), (client_id, true));
        (jwt::sign(&json!({"sub": client_id, "jti": jti, "typ": kind, "exp": t + ttl}), &st.signing_key), t + ttl)
    };
    let (access, access_exp) = token("access", access_ttl);
    let (refresh, refresh_exp) = token("refresh", refresh_ttl);
    json!({"success": true, "data": {
        "access_token": access, "refresh_token": refresh,
        "access_expires_at": rfc3339(access_exp), "refresh_expires_at": rfc3339(refresh_exp), "client_id": client_id
    }})
}

/// The valid token's client and id, checking signature, kind, expiry and revocation.
fn token_claims(st: &State, token: &str, kind: &str) -> Option<(u64, String)> {
    let claims = jwt::verify(token, &st.signing_key)?;
    let jti = claims["jti"].as_str()?.to_string();
    let live = st.tokens.get(&jti).is_some_and(|(_, live)| *live)
        || (kind == "refresh" && st.breaks(Break::RevokedRefreshAccepted) && st.tokens.contains_key(&jti));
    let valid = claims["typ"] == kind && claims["exp"].as_i64().is_some_and(|e| e > super::http::now()) && live;
    valid.then(|| (claims["sub"].as_u64().unwrap_or(0), jti))
}

/// The client a bearer token authenticates, or the documented 401.
pub fn authenticate(st: &State, headers: &HeaderMap) -> Result<u64, Response> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(unauthorized("Authorization header required"));
    };
    let token = auth.strip_prefix("Bearer ").unwrap_or("");
    token_claims(st, token, "access").map(|(c, _)| c).ok_or_else(|| unauthorized("Invalid token"))
}

/// Whether the client's IP allow-list (none: every address) admits `peer`.
fn ip_allowed(st: &State, client: u64, peer: Option<IpAddr>) -> bool {
    st.account(client)
        .and_then(|a| a.allowed_ips.as_ref())
        .is_none_or(|ranges| peer.is_some_and(|p| ranges.iter().any(|r| r.contains(p))))
}

fn ip_refused() -> Response {
    err(403, "ForbiddenError", "FORBIDDEN", "IP address not authorized")
}

/// The documented allow-list covers login and refresh too: a client's credentials from elsewhere get `403`.
pub async fn login(St(s): St<Shared>, conn: Option<Extension<Connection>>, body: Bytes) -> Response {
    let body = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let (user, pass) = (body["username"].as_str().unwrap_or(""), body["password"].as_str().unwrap_or(""));
    if user.is_empty() || pass.is_empty() {
        return validation("Username and password are required");
    }
    let mut st = lock(&s);
    let Some(client_id) = st.accounts.iter().find(|a| a.key == user && a.secret == pass).map(|a| a.client_id) else {
        return unauthorized("Invalid credentials");
    };
    if !ip_allowed(&st, client_id, conn.map(|c| c.peer.ip())) {
        return ip_refused();
    }
    ok(issue(&mut st, client_id))
}

pub async fn refresh(St(s): St<Shared>, conn: Option<Extension<Connection>>, body: Bytes) -> Response {
    let body = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let Some(token) = body["refresh_token"].as_str().filter(|t| !t.is_empty()) else {
        return validation("Refresh token is required");
    };
    let mut st = lock(&s);
    let Some((client_id, jti)) = token_claims(&st, token, "refresh") else {
        return unauthorized("Invalid token");
    };
    if !ip_allowed(&st, client_id, conn.map(|c| c.peer.ip())) {
        return ip_refused();
    }
    // Rotation: the presented refresh token is spent.
    if let Some(t) = st.tokens.get_mut(&jti) {
        t.1 = false;
    }
    ok(issue(&mut st, client_id))
}

pub async fn logout(St(s): St<Shared>, headers: HeaderMap) -> Response {
    let mut st = lock(&s);
    let client_id = match authenticate(&st, &headers) {
        Ok(c) => c,
        Err(e) => return e,
    };
    for t in st.tokens.values_mut().filter(|t| t.0 == client_id) {
        t.1 = false;
    }
    ok(json!({"success": true, "data": {"message": "Successfully logged out"}}))
}

/// The documented rate class of a request and its sandbox limit per minute, from the spec's `x-rate-limit`;
/// `None` for a request no operation matches (it is answered 404 and counted nowhere).
fn rate_class(method: &Method, path: &str) -> Option<(&'static str, u32)> {
    let op = crate::spec::Spec::embedded().operation(method.as_str(), path)?;
    Some((op.rate_class.as_deref()?, op.rate_limit?))
}

/// Counts the request against its rolling one-minute window; `Err(seconds)` when the window is full.
fn spend(st: &mut State, who: String, method: &Method, path: &str) -> Result<(), u64> {
    let Some(scale) = st.config.rate_limit_scale else { return Ok(()) };
    let Some((class, limit)) = rate_class(method, path) else { return Ok(()) };
    let limit = ((f64::from(limit) * scale).ceil() as usize).max(1);
    let now = Instant::now();
    let window = st.windows.entry((who, class)).or_default();
    while window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
        window.pop_front();
    }
    if window.len() >= limit {
        let oldest = window.front().copied().unwrap_or(now);
        let wait = Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
        return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
    }
    window.push_back(now);
    Ok(())
}

pub fn too_many(seconds: u64, with_header: bool) -> Response {
    let mut resp = err(
        429,
        "TooManyRequestsError",
        "TOO_MANY_REQUESTS",
        &format!("Rate limit exceeded. Retry after {seconds} seconds."),
    );
    if with_header {
        resp.headers_mut().insert("retry-after", HeaderValue::from(seconds));
    }
    resp
}

/// In front of every route: authentication (for `/api/v1`), the IP allow-list and the rate limits.
pub async fn gate(St(s): St<Shared>, conn: Option<Extension<Connection>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let peer = conn.map(|c| c.peer.ip());
    {
        let mut st = lock(&s);
        let who = if path.starts_with("/api/v1/") {
            let client = if st.breaks(Break::NoTokenAccepted) && !req.headers().contains_key("authorization") {
                Ok(st.accounts[0].client_id)
            } else {
                authenticate(&st, req.headers())
            };
            let client = match client {
                Ok(c) => c,
                Err(e) => return e,
            };
            if !ip_allowed(&st, client, peer) {
                return ip_refused();
            }
            req.extensions_mut().insert(ClientId(client));
            format!("client-{client}")
        } else {
            format!("peer-{}", peer.map_or_else(String::new, |p| p.to_string()))
        };
        if let Err(seconds) = spend(&mut st, who, req.method(), &path) {
            return too_many(seconds, !st.breaks(Break::RateLimitWithoutRetryAfter));
        }
    }
    next.run(req).await
}
