//! The tap: a loopback proxy between the generated client and the host under test. It forwards every request
//! (or answers it from a cassette), keeps each exchange for the checks, the snapshots and the recordings,
//! and passes transport failures on (a reset upstream is a reset to the client).

use crate::pace::Pacer;
use crate::redact;
use crate::serve::{Connection, bind};
use crate::spec::Spec;
use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One request and its answer, as the wire saw them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    pub method: String,
    /// Path and query.
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// `0` when the transport failed (reset, truncated body).
    pub status: u16,
    #[serde(default)]
    pub response_headers: Vec<(String, String)>,
    #[serde(default)]
    pub response_body: String,
    /// In a cassette: how many times in a row this exchange happened.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeat: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.response_body).ok()
    }

    /// The same exchange with every secret replaced.
    pub fn redacted(&self) -> Exchange {
        let mut e = self.clone();
        for (name, value) in e.request_headers.iter_mut().chain(e.response_headers.iter_mut()) {
            if redact::secret_header(name) {
                *value = redact::REDACTED.into();
            }
        }
        e.request_body = e.request_body.map(|b| redact::body(b.as_bytes()));
        e.response_body = redact::body(e.response_body.as_bytes());
        e
    }
}

/// Response headers worth keeping: the ones the spec and the checks talk about.
fn kept_header(name: &str) -> bool {
    name.starts_with("x-") || matches!(name, "content-type" | "retry-after")
}

/// Where the tap's answers come from.
pub enum Upstream {
    /// A live host.
    Forward { base: String, http: reqwest::Client },
    /// Recorded cassettes, by scenario, served in order.
    Replay { cassettes: BTreeMap<String, Vec<Exchange>> },
}

struct TapState {
    upstream: Upstream,
    scenario: String,
    /// Exchanges by scenario, in order.
    log: BTreeMap<String, Vec<Exchange>>,
    /// Replay position by scenario: (exchange index, repeats served).
    cursor: BTreeMap<String, (usize, u32)>,
    /// Requests a cassette did not expect, by scenario.
    mismatches: BTreeMap<String, Vec<String>>,
    /// Why the host could not be reached, last first.
    upstream_error: Option<String>,
    /// The pace of forwarded requests, on a shared host.
    pacer: Option<Arc<Pacer>>,
    /// Whether the current scenario is paced (a quota probe is not).
    paced: bool,
    /// Requests the client sent through the tap, counted as they arrive (the log is kept separately).
    sent: usize,
}

/// A running tap. Point the client at `base_url`.
pub struct Tap {
    pub base_url: String,
    state: Arc<Mutex<TapState>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

type Shared = Arc<Mutex<TapState>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, TapState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tap {
    pub async fn start(upstream: Upstream) -> std::io::Result<Tap> {
        let state = Arc::new(Mutex::new(TapState {
            upstream,
            scenario: "setup".into(),
            log: BTreeMap::new(),
            cursor: BTreeMap::new(),
            mismatches: BTreeMap::new(),
            upstream_error: None,
            pacer: None,
            paced: true,
            sent: 0,
        }));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (addr, handle) = bind("127.0.0.1:0", app).await?;
        Ok(Tap { base_url: format!("http://{addr}"), state, handle })
    }

    /// Files the exchanges that follow under `scenario`, paced when the tap has a pace.
    pub fn begin(&self, scenario: &str) {
        let mut st = lock(&self.state);
        st.scenario = scenario.to_string();
        st.paced = true;
    }

    /// Files the exchanges that follow under `scenario`, unpaced: it probes a quota on purpose.
    pub fn begin_unpaced(&self, scenario: &str) {
        self.begin(scenario);
        lock(&self.state).paced = false;
    }

    /// Paces forwarded requests from now on.
    pub fn pace(&self, pacer: Arc<Pacer>) {
        lock(&self.state).pacer = Some(pacer);
    }

    /// How many requests the client has sent through the tap.
    pub fn sent(&self) -> usize {
        lock(&self.state).sent
    }

    /// The exchanges of a scenario so far.
    pub fn exchanges(&self, scenario: &str) -> Vec<Exchange> {
        lock(&self.state).log.get(scenario).cloned().unwrap_or_default()
    }

    /// Every exchange of the run so far, with its scenario.
    pub fn all_exchanges(&self) -> Vec<(String, Exchange)> {
        let st = lock(&self.state);
        st.log.iter().flat_map(|(s, es)| es.iter().map(move |e| (s.clone(), e.clone()))).collect()
    }

    /// Requests the cassette of `scenario` did not expect.
    pub fn mismatches(&self, scenario: &str) -> Vec<String> {
        lock(&self.state).mismatches.get(scenario).cloned().unwrap_or_default()
    }

    /// The last failure to reach the host (connection refused, reset, a truncated body), with its URL.
    pub fn upstream_error(&self) -> Option<String> {
        lock(&self.state).upstream_error.clone()
    }

    /// Cassette entries a replay has not served yet.
    pub fn unplayed(&self, scenario: &str) -> usize {
        let st = lock(&self.state);
        let Upstream::Replay { cassettes } = &st.upstream else { return 0 };
        let total = cassettes.get(scenario).map_or(0, Vec::len);
        let (at, served) = st.cursor.get(scenario).copied().unwrap_or((0, 0));
        total.saturating_sub(at) - usize::from(served > 0 && at < total)
    }
}

async fn handle(State(s): State<Shared>, conn: Option<Extension<Connection>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
    let path = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let mut exchange = Exchange {
        method: parts.method.to_string(),
        path,
        request_headers: parts
            .headers
            .iter()
            .filter(|(n, _)| matches!(n.as_str(), "x-request-id" | "authorization" | "content-type"))
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        request_body: (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned()),
        status: 0,
        response_headers: Vec::new(),
        response_body: String::new(),
        repeat: 1,
    };
    let (forward, pacer) = {
        let mut st = lock(&s);
        st.sent += 1;
        let pacer = st.pacer.clone().filter(|_| st.paced);
        match &st.upstream {
            Upstream::Forward { base, http } => (Some((base.clone(), http.clone())), pacer),
            Upstream::Replay { .. } => (None, None),
        }
    };
    if let Some(pacer) = pacer {
        pacer.admit(Pacer::quota_of(Spec::embedded(), &exchange.method, &exchange.path)).await;
    }
    let answer = match forward {
        Some((base, http)) => {
            let answer = forward_to(&base, &http, &parts.method, &parts.headers, &exchange.path, body).await;
            answer.map_err(|e| {
                lock(&s).upstream_error = Some(format!("{} {base}{}: {e}", exchange.method, exchange.path))
            })
        }
        None => Ok(replay(&s, &exchange)),
    };
    let scenario = lock(&s).scenario.clone();
    match answer {
        Ok((status, headers, bytes)) => {
            exchange.status = status;
            exchange.response_headers = headers.clone();
            exchange.response_body = String::from_utf8_lossy(&bytes).into_owned();
            lock(&s).log.entry(scenario).or_default().push(exchange);
            let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), bytes).into_response();
            for (n, v) in headers {
                if let (Ok(name), Ok(value)) = (axum::http::HeaderName::try_from(n), HeaderValue::from_str(&v)) {
                    resp.headers_mut().insert(name, value);
                }
            }
            resp
        }
        Err(_) => {
            // The host's connection failed mid-answer: fail the client's the same way.
            lock(&s).log.entry(scenario).or_default().push(exchange);
            if let Some(Extension(c)) = conn {
                c.reset();
                std::future::pending::<()>().await;
            }
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

type Answer = (u16, Vec<(String, String)>, Bytes);

async fn forward_to(
    base: &str,
    http: &reqwest::Client,
    method: &axum::http::Method,
    headers: &HeaderMap,
    path: &str,
    body: Bytes,
) -> Result<Answer, String> {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).map_err(|e| e.to_string())?;
    let mut req = http.request(method, format!("{base}{path}")).body(body);
    for (n, v) in headers {
        if !matches!(n.as_str(), "host" | "content-length" | "connection") {
            req = req.header(n.as_str(), v.as_bytes());
        }
    }
    // The source chain says why (connection refused, DNS, TLS), not just that the request failed.
    let why = |e: reqwest::Error| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    };
    let resp = req.send().await.map_err(why)?;
    let status = resp.status().as_u16();
    let kept = resp
        .headers()
        .iter()
        .filter(|(n, _)| kept_header(n.as_str()))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = resp.bytes().await.map_err(why)?;
    Ok((status, kept, bytes))
}

/// The JSON of a body with its secrets replaced, for comparing a request with a recorded one.
fn comparable(body: Option<&str>) -> Value {
    body.map_or(Value::Null, |b| serde_json::from_str(&redact::body(b.as_bytes())).unwrap_or(Value::String(b.into())))
}

/// The recorded answer to this request, or a `599` explaining the mismatch.
fn replay(s: &Shared, request: &Exchange) -> Answer {
    let mut st = lock(s);
    let scenario = st.scenario.clone();
    let Upstream::Replay { cassettes } = &st.upstream else { unreachable!("replay is only called in replay mode") };
    let cassette = cassettes.get(&scenario).cloned().unwrap_or_default();
    let (at, served) = st.cursor.get(&scenario).copied().unwrap_or((0, 0));
    let expected = cassette.get(at);
    let matches = expected.is_some_and(|e| {
        e.method == request.method
            && e.path == request.path
            && comparable(e.request_body.as_deref()) == comparable(request.request_body.as_deref())
    });
    let Some(e) = expected.filter(|_| matches) else {
        let why = match expected {
            Some(e) => format!(
                "scenario {scenario}, request #{}: expected {} {}, got {} {}",
                at + 1,
                e.method,
                e.path,
                request.method,
                request.path
            ),
            None => format!(
                "scenario {scenario}: the cassette has no request #{}; got {} {}",
                at + 1,
                request.method,
                request.path
            ),
        };
        st.mismatches.entry(scenario).or_default().push(why.clone());
        let body = json!({"error": {"name": "ReplayMismatch", "code": "REPLAY_MISMATCH", "message": why}});
        return (599, vec![("content-type".into(), "application/json".into())], Bytes::from(body.to_string()));
    };
    let e = e.clone();
    let next = if served + 1 >= e.repeat { (at + 1, 0) } else { (at, served + 1) };
    st.cursor.insert(scenario, next);
    let mut headers = e.response_headers.clone();
    // A request id the host echoed is echoed again: this run's client sent a new one.
    if let (Some(sent), Some(recorded)) = (request.request_header("x-request-id"), e.request_header("x-request-id"))
        && e.header("x-request-id") == Some(recorded)
    {
        for (n, v) in headers.iter_mut() {
            if n.eq_ignore_ascii_case("x-request-id") {
                *v = sent.to_string();
            }
        }
    }
    let mut body = e.response_body.clone();
    // Token lifetimes are recorded in absolute time; a replay gets fresh ones so the client does not renew.
    if let Ok(mut v) = serde_json::from_str::<Value>(&body)
        && v["data"].get("access_expires_at").is_some()
    {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        v["data"]["access_expires_at"] = json!(crate::emulator::rfc3339(now + 3600));
        v["data"]["refresh_expires_at"] = json!(crate::emulator::rfc3339(now + 86_400));
        body = v.to_string();
    }
    (e.status, headers, Bytes::from(body))
}
