//! The token lifecycle the spec declares (`x-token-lifecycle`): log in on first use, refresh shortly before
//! the access token expires, keep the rotated refresh token, share one renewal between concurrent calls,
//! and forget everything on logout.

use crate::client::{AuthFlow, OperationInfo, Secret, new_request_id};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The API key and secret. They never print.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub key: Secret,
    pub secret: Secret,
}

#[derive(Debug, Clone)]
struct Tokens {
    access: Secret,
    access_expires: i64,
    refresh: Option<Secret>,
    refresh_expires: i64,
}

/// Why a token could not be had.
#[derive(Debug)]
pub(crate) enum Failure {
    Transport(&'static str, reqwest::Error),
    Status { operation: &'static str, status: u16, excerpt: String, request_id: Option<String> },
    Shape { operation: &'static str, message: String },
}

#[derive(Debug)]
pub(crate) struct Auth {
    flow: AuthFlow,
    credentials: Credentials,
    tokens: tokio::sync::Mutex<Option<Tokens>>,
}

/// What the auth calls need from the client.
pub(crate) struct Http<'a> {
    pub client: &'a reqwest::Client,
    pub base_url: &'a str,
    pub timeout: Duration,
    pub retry: crate::retry::RetryPolicy,
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Auth {
    pub fn new(flow: AuthFlow, credentials: Credentials) -> Self {
        Auth { flow, credentials, tokens: tokio::sync::Mutex::new(None) }
    }

    /// A valid access token. Logs in or refreshes first when the token is missing or within
    /// `refresh_before_secs` of expiry; concurrent callers wait for that one renewal.
    pub async fn token(&self, http: &Http<'_>) -> Result<Secret, Failure> {
        let mut guard = self.tokens.lock().await;
        if let Some(t) = guard.as_ref()
            && now() + (self.flow.refresh_before_secs as i64) < t.access_expires
        {
            return Ok(t.access.clone());
        }
        let fresh = self.renew(http, guard.as_ref()).await?;
        let access = fresh.access.clone();
        *guard = Some(fresh);
        Ok(access)
    }

    /// After a `401` for `used`: renew, unless another call already replaced that token.
    pub async fn rejected(&self, http: &Http<'_>, used: &Secret) -> Result<Secret, Failure> {
        let mut guard = self.tokens.lock().await;
        if let Some(t) = guard.as_ref()
            && t.access != *used
        {
            return Ok(t.access.clone());
        }
        let fresh = self.renew(http, guard.as_ref()).await?;
        let access = fresh.access.clone();
        *guard = Some(fresh);
        Ok(access)
    }

    /// Forgets the tokens (after logout).
    pub async fn clear(&self) {
        *self.tokens.lock().await = None;
    }

    async fn renew(&self, http: &Http<'_>, current: Option<&Tokens>) -> Result<Tokens, Failure> {
        if let (Some(op), Some(t)) = (self.flow.refresh, current)
            && let Some(refresh) = &t.refresh
            && now() < t.refresh_expires
        {
            let mut body = serde_json::Map::new();
            body.insert(self.flow.refresh_field.into(), Value::String(refresh.expose().to_string()));
            // One attempt: the refresh token is single-use, so a refresh that failed on the way (a network
            // error, a 5xx) may already have rotated it, and sending it again would be refused. Whatever
            // the failure, a fresh login is the safe way on.
            match self.call(http, op, Value::Object(body)).await {
                Ok(tokens) => {
                    crate::support::trace_event!(INFO, operation = op.id, "refreshed the token");
                    return Ok(tokens);
                }
                Err(_failed) => {
                    crate::support::trace_event!(WARN, operation = op.id, "the refresh failed; logging in afresh");
                }
            }
        }
        self.login(http).await
    }

    /// Logs in with the credentials, retrying network errors, `429` and `5xx` as the client's policy allows
    /// (a login changes nothing on the server, so sending it again is safe).
    async fn login(&self, http: &Http<'_>) -> Result<Tokens, Failure> {
        let mut body = serde_json::Map::new();
        body.insert(self.flow.key_field.into(), json!(self.credentials.key.expose()));
        body.insert(self.flow.secret_field.into(), json!(self.credentials.secret.expose()));
        let body = Value::Object(body);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.call(http, self.flow.login, body.clone()).await;
            let retryable = match &result {
                Err(Failure::Transport(..)) => true,
                Err(Failure::Status { status, .. }) => *status == 429 || *status >= 500,
                _ => false,
            };
            if !retryable || attempt >= http.retry.max_attempts {
                if result.is_ok() {
                    crate::support::trace_event!(INFO, operation = self.flow.login.id, attempt, "logged in");
                }
                return result;
            }
            let wait = http.retry.backoff(attempt);
            crate::support::trace_event!(
                WARN,
                operation = self.flow.login.id,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "the login failed; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes the tokens of a login or refresh the caller made by hand, so the client's session is the one
    /// the server now honours (a refresh revokes the token the client held).
    pub async fn adopt(&self, op: &'static str, body: &[u8]) -> Result<(), Failure> {
        let tokens = self.tokens_from(op, body)?;
        *self.tokens.lock().await = Some(tokens);
        Ok(())
    }

    async fn call(&self, http: &Http<'_>, op: &'static OperationInfo, body: Value) -> Result<Tokens, Failure> {
        let resp = http
            .client
            .post(format!("{}{}", http.base_url, op.path))
            .timeout(http.timeout)
            .header("x-request-id", new_request_id())
            .json(&body)
            .send()
            .await
            .map_err(|e| Failure::Transport(op.id, e))?;
        let status = resp.status().as_u16();
        let request_id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        let bytes = resp.bytes().await.map_err(|e| Failure::Transport(op.id, e))?;
        if !(200..300).contains(&status) {
            let excerpt = crate::support::redacted_excerpt(&bytes, 512);
            return Err(Failure::Status { operation: op.id, status, excerpt, request_id });
        }
        self.tokens_from(op.id, &bytes)
    }

    /// The tokens in a login or refresh response, found at the lifecycle's JSON pointers.
    fn tokens_from(&self, op: &'static str, bytes: &[u8]) -> Result<Tokens, Failure> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| Failure::Shape { operation: op, message: format!("the token response is not JSON: {e}") })?;
        let text = |pointer: &str| v.pointer(pointer).and_then(Value::as_str).map(str::to_string);
        let access = text(self.flow.access_token).ok_or_else(|| Failure::Shape {
            operation: op,
            message: format!("the token response has no string at {}", self.flow.access_token),
        })?;
        // The answer's own expiry, else the declared lifetime, else never (renewed when the server refuses it).
        let expiry = |pointer: &str, lifetime: u64| {
            let declared = || match i64::try_from(lifetime) {
                Ok(0) | Err(_) => i64::MAX,
                Ok(secs) => now().saturating_add(secs),
            };
            text(pointer).and_then(|t| parse_rfc3339(&t)).unwrap_or_else(declared)
        };
        Ok(Tokens {
            access: Secret::new(access),
            access_expires: expiry(self.flow.access_expires_at, self.flow.access_lifetime_secs),
            refresh: text(self.flow.refresh_token).map(Secret::new),
            refresh_expires: expiry(self.flow.refresh_expires_at, self.flow.refresh_lifetime_secs),
        })
    }
}

/// Server-sent text: anything that is not ASCII is refused before any byte offset is used.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if !s.is_ascii() {
        return None;
    }
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}
