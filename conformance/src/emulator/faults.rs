//! Fault injection: a seeded profile that adds latency and breaks responses at a given rate (or on given
//! routes), and the deterministic envelope break the conformance checks are proven with.

use super::http::err;
use super::{Break, Shared, lock};
use crate::serve::Connection;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State as St};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// `500`, `502` or `503` with the envelope, before the request is served.
    ServerError,
    /// `429` with `Retry-After: 1`, before the request is served.
    TooManyRequests,
    /// The request is served, then the connection is reset: the answer is lost.
    Reset,
    /// The request is served; the body stops halfway and the connection closes.
    TruncatedBody,
    /// The request is served; the answer says `text/html`.
    WrongContentType,
    /// The request is served; `X-Total-Count` is a page larger than the other paging headers say.
    WrongPagingHeaders,
    /// The request is served; the paging headers are gone.
    MissingPagingHeaders,
    /// A `500` whose body is not the error envelope, before the request is served.
    MalformedEnvelope,
    /// A webhook delivery is sent twice (same event id, same body): the receiver must dedupe it. `routes` are
    /// event-type prefixes (`product.`, `order.`) for this kind.
    WebhookDuplicate,
    /// A webhook delivery's `X-Timestamp` is ten minutes old (past the documented five): the receiver must
    /// reject it. The attempt counts as failed unless the receiver answers 2xx, so the retry is fresh.
    WebhookStale,
}

impl FaultKind {
    pub const ALL: [FaultKind; 8] = [
        FaultKind::ServerError,
        FaultKind::TooManyRequests,
        FaultKind::Reset,
        FaultKind::TruncatedBody,
        FaultKind::WrongContentType,
        FaultKind::WrongPagingHeaders,
        FaultKind::MissingPagingHeaders,
        FaultKind::MalformedEnvelope,
    ];

    /// Whether the kind breaks webhook deliveries (not API requests).
    pub fn is_webhook(self) -> bool {
        matches!(self, FaultKind::WebhookDuplicate | FaultKind::WebhookStale)
    }
}

/// Which faults, how often and where. `rate` is the share of requests that get one of `kinds`; `latency`
/// adds a uniform delay up to that much to every request.
#[derive(Debug, Clone)]
pub struct FaultProfile {
    pub seed: u64,
    pub rate: f64,
    pub kinds: Vec<FaultKind>,
    /// Path prefixes the faults apply to; empty is every API route.
    pub routes: Vec<String>,
    pub latency: Duration,
    /// At most this many faults in all (then the host behaves); `None` is no limit.
    pub limit: Option<u64>,
}

impl FaultProfile {
    /// Every kind at `rate`, everywhere.
    pub fn storm(seed: u64, rate: f64) -> FaultProfile {
        FaultProfile {
            seed,
            rate,
            kinds: FaultKind::ALL.to_vec(),
            routes: Vec::new(),
            latency: Duration::ZERO,
            limit: None,
        }
    }

    /// The next `count` requests on routes starting with `route` get `kind`; everything after is served.
    pub fn next(kind: FaultKind, route: &str, count: u64) -> FaultProfile {
        FaultProfile {
            kinds: vec![kind],
            routes: vec![route.into()],
            limit: Some(count),
            ..FaultProfile::storm(1, 1.0)
        }
    }
}

/// What the profile injected, by kind.
pub type FaultCounts = BTreeMap<FaultKind, u64>;

fn draw(s: &Shared, path: &str) -> (Option<FaultKind>, Duration) {
    if path.starts_with("/_emulator") {
        return (None, Duration::ZERO);
    }
    pick(&mut lock(s), path, |k| !k.is_webhook())
}

/// The fault a webhook delivery of `event_type` gets, if the profile draws one of its webhook kinds.
pub fn draw_webhook(st: &mut super::state::State, event_type: &str) -> Option<FaultKind> {
    pick(st, event_type, FaultKind::is_webhook).0
}

/// Draws from the profile's kinds of one domain (`domain`) for `key` (a path, or an event type), with its
/// latency.
fn pick(st: &mut super::state::State, key: &str, domain: fn(FaultKind) -> bool) -> (Option<FaultKind>, Duration) {
    let Some(mut profile) = st.config.faults.clone() else { return (None, Duration::ZERO) };
    profile.kinds.retain(|k| domain(*k));
    if !(profile.routes.is_empty() || profile.routes.iter().any(|r| key.starts_with(r))) {
        return (None, Duration::ZERO);
    }
    let spent = profile.limit.is_some_and(|limit| st.fault_counts.values().sum::<u64>() >= limit);
    let rng = st.fault_rng.get_or_insert(super::catalog::Rng(profile.seed));
    let latency = if profile.latency.is_zero() {
        Duration::ZERO
    } else {
        profile.latency.mul_f64((rng.next_u64() % 1_000) as f64 / 1_000.0)
    };
    let hit = (rng.next_u64() % 1_000_000) as f64 / 1_000_000.0 < profile.rate && !profile.kinds.is_empty() && !spent;
    let kind = hit.then(|| profile.kinds[(rng.next_u64() % profile.kinds.len() as u64) as usize]);
    if let Some(k) = kind {
        *st.fault_counts.entry(k).or_default() += 1;
    }
    (kind, latency)
}

/// 500, 502 or 503, drawn from the profile's seeded generator (so a storm sees all three, reproducibly).
fn server_error_status(s: &Shared) -> u16 {
    let mut st = lock(s);
    let seed = st.config.faults.as_ref().map_or(1, |p| p.seed);
    let rng = st.fault_rng.get_or_insert(super::catalog::Rng(seed));
    [500, 502, 503][(rng.next_u64() % 3) as usize]
}

pub async fn inject(St(s): St<Shared>, conn: Option<Extension<Connection>>, req: Request, next: Next) -> Response {
    let (kind, mut latency) = draw(&s, req.uri().path());
    if req.uri().path().starts_with("/api/") {
        latency += lock(&s).config.latency;
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let envelope_broken = lock(&s).breaks(Break::ErrorEnvelopeMalformed);
    let resp = match kind {
        Some(FaultKind::ServerError) => {
            let status = server_error_status(&s);
            return err(status, "InternalServerError", "INTERNAL_SERVER_ERROR", "Injected fault");
        }
        Some(FaultKind::TooManyRequests) => return super::auth::too_many(1, true),
        Some(FaultKind::MalformedEnvelope) => {
            return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{\"error\": \"Internal\"}").into_response();
        }
        _ => next.run(req).await,
    };
    let mut resp = if envelope_broken && resp.status().as_u16() >= 400 { malformed(resp).await } else { resp };
    match kind {
        Some(FaultKind::Reset) => {
            if let Some(Extension(c)) = conn {
                c.reset();
                // The reset wins the race: the response is never written.
                std::future::pending::<()>().await;
            }
            resp
        }
        Some(FaultKind::TruncatedBody) => {
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            // The length promises the whole body; the stream stops halfway with an error, so the server
            // closes the connection mid-body.
            // (The pause lets the head and the first half leave before the cut.)
            use futures_util::StreamExt;
            let half: Result<axum::body::Bytes, std::io::Error> = Ok(bytes.slice(..bytes.len() / 2));
            let cut = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::other("truncated on purpose"))
            });
            let stream = futures_util::stream::iter([half]).chain(cut);
            let mut resp = Response::from_parts(parts, Body::from_stream(stream));
            resp.headers_mut().insert("content-length", HeaderValue::from(bytes.len().max(2)));
            resp
        }
        Some(FaultKind::WrongContentType) => {
            resp.headers_mut().insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
            resp
        }
        Some(FaultKind::WrongPagingHeaders) => {
            let number = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if let Some(names) = crate::spec::Spec::embedded().paging_headers()
                && let (Some(n), Some(per)) = (number(&names.total_count), number(&names.per_page))
                && let Ok(total) = HeaderName::try_from(names.total_count.as_str())
            {
                // A whole page more than the other headers account for.
                resp.headers_mut().insert(total, HeaderValue::from(n + per));
            }
            resp
        }
        Some(FaultKind::MissingPagingHeaders) => {
            for h in crate::spec::Spec::embedded().paging_header_names() {
                resp.headers_mut().remove(h);
            }
            resp
        }
        _ => resp,
    }
}

/// The same error, without the envelope: `{"message": ...}`.
async fn malformed(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let body = serde_json::json!({"message": v["error"]["message"]});
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(body.to_string()))
}
