//! Verifies a webhook delivery as the spec's `x-webhook-signature` describes: the hex HMAC-SHA256 of the raw
//! body, compared in constant time; a timestamp no older than the allowed age; the event id for dedupe, from
//! the signed body where the spec says it is there; and a dedupe store, so an event is acted on once.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The headers and limits of the signature scheme (from the spec).
#[derive(Debug, Clone, Copy)]
pub struct SignatureScheme {
    pub signature_header: &'static str,
    pub timestamp_header: &'static str,
    pub event_id_header: &'static str,
    pub max_age_secs: i64,
    /// Where the signed body carries the event's id (a JSON pointer such as `/id`). When declared, that id
    /// is the dedupe key: the id header is not signed, so a replay could carry any id there.
    pub event_id_pointer: Option<&'static str>,
    /// Where the signed body carries when the event was made (RFC 3339). When declared, an event older than
    /// a dedupe store remembers is refused: it could not be told from a replay.
    pub created_at_pointer: Option<&'static str>,
}

/// A delivery that passed: deduplicate on `event_id` (or let [`verify_once`] do it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The event's id: the signed body's, where the spec says the body carries it; else the header's.
    pub event_id: String,
    /// Unix seconds the sender stamped in the (unsigned) timestamp header.
    pub timestamp: i64,
    /// Unix seconds the event was made, from the signed body, where the spec says it carries them.
    pub created_at: Option<i64>,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent or not text.
    MissingHeader(&'static str),
    /// The timestamp is not Unix seconds.
    MalformedTimestamp,
    /// The timestamp is older than the allowed age (or more than that far in the future).
    Stale { age_secs: i64 },
    /// The signature does not match the body.
    BadSignature,
    /// The signed body has no event id (or no creation time) where the spec says it has one.
    MissingInBody(&'static str),
    /// The unsigned id header names another event than the signed body: a tampered or replayed delivery.
    EventIdMismatch,
    /// The event was already handled (a sender's retry, or a replay): acknowledge it and do nothing.
    Duplicate { event_id: String },
    /// The event was made longer ago than the dedupe store remembers, so a replay cannot be ruled out.
    TooOld { age_secs: i64 },
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::MissingHeader(h) => write!(f, "webhook header {h} is missing"),
            WebhookError::MalformedTimestamp => f.write_str("webhook timestamp is not Unix seconds"),
            WebhookError::Stale { age_secs } => write!(f, "webhook timestamp is {age_secs} s away from now"),
            WebhookError::BadSignature => f.write_str("webhook signature does not match the body"),
            WebhookError::MissingInBody(p) => write!(f, "the signed webhook body has nothing at {p}"),
            WebhookError::EventIdMismatch => f.write_str("the webhook's event id header disagrees with its signed body"),
            WebhookError::Duplicate { event_id } => write!(f, "webhook event {event_id} was already handled"),
            WebhookError::TooOld { age_secs } => {
                write!(f, "webhook event was made {age_secs} s ago, longer than deliveries are remembered")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

/// Checks `raw_body` (exactly the bytes received) against the signature headers, with `secret` and the
/// current time `now_unix`. Deduplicate the returned event id before acting on the event, or use
/// [`verify_once`], which does.
pub fn verify(
    raw_body: &[u8],
    headers: &reqwest::header::HeaderMap,
    secret: &[u8],
    now_unix: i64,
) -> Result<Verified, WebhookError> {
    let scheme = crate::WEBHOOK_SIGNATURE;
    let header = |name: &'static str| -> Option<&str> { headers.get(name).and_then(|v| v.to_str().ok()) };
    let required = |name: &'static str| header(name).ok_or(WebhookError::MissingHeader(name));
    let signature = required(scheme.signature_header)?;
    let timestamp: i64 =
        required(scheme.timestamp_header)?.trim().parse().map_err(|_| WebhookError::MalformedTimestamp)?;
    // Saturating: an extreme timestamp is stale, never an overflow.
    let age_secs = now_unix.saturating_sub(timestamp);
    if age_secs.unsigned_abs() > scheme.max_age_secs.unsigned_abs() {
        return Err(WebhookError::Stale { age_secs });
    }
    let given = decode_hex(signature.trim()).ok_or(WebhookError::BadSignature)?;
    // `verify_slice` compares in constant time.
    keyed(secret).chain_update(raw_body).verify_slice(&given).map_err(|_| WebhookError::BadSignature)?;
    let header_id = header(scheme.event_id_header).map(str::trim);
    let body: Option<serde_json::Value> = match (scheme.event_id_pointer, scheme.created_at_pointer) {
        (None, None) => None,
        _ => serde_json::from_slice(raw_body).ok(),
    };
    let signed = |pointer: &'static str| -> Result<String, WebhookError> {
        match body.as_ref().and_then(|b| b.pointer(pointer)) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(n @ serde_json::Value::Number(_)) => Ok(n.to_string()),
            _ => Err(WebhookError::MissingInBody(pointer)),
        }
    };
    let event_id = match scheme.event_id_pointer {
        Some(pointer) => {
            let id = signed(pointer)?;
            if header_id.is_some_and(|h| h != id) {
                return Err(WebhookError::EventIdMismatch);
            }
            id
        }
        None => header_id.ok_or(WebhookError::MissingHeader(scheme.event_id_header))?.to_string(),
    };
    let created_at = match scheme.created_at_pointer {
        Some(pointer) => {
            Some(crate::auth::parse_rfc3339(&signed(pointer)?).ok_or(WebhookError::MissingInBody(pointer))?)
        }
        None => None,
    };
    Ok(Verified { event_id, timestamp, created_at })
}

/// [`verify`], then dedupe in `store`: the first delivery of an event passes; a duplicate (the sender's
/// retry, or a captured delivery replayed with a fresh timestamp) is `WebhookError::Duplicate`, to be
/// acknowledged with a `2xx` and not acted on. An event made longer ago than the store remembers is
/// `WebhookError::TooOld` (it could be a replay). If handling a passed event fails, call
/// [`DedupeStore::forget`] so the sender's retry is handled.
pub fn verify_once(
    raw_body: &[u8],
    headers: &reqwest::header::HeaderMap,
    secret: &[u8],
    now_unix: i64,
    store: &impl DedupeStore,
) -> Result<Verified, WebhookError> {
    let verified = verify(raw_body, headers, secret, now_unix)?;
    if let Some(made) = verified.created_at {
        let age_secs = now_unix.saturating_sub(made);
        if age_secs > store.remembers_secs() {
            return Err(WebhookError::TooOld { age_secs });
        }
    }
    if !store.first_sighting(&verified.event_id, now_unix) {
        return Err(WebhookError::Duplicate { event_id: verified.event_id });
    }
    Ok(verified)
}

/// Where the ids of handled webhook events are remembered (in memory, a database, a cache shared by every
/// receiver process).
pub trait DedupeStore {
    /// Records `event_id` as seen at `now_unix`; `true` when it was not seen before (within what the store
    /// remembers). Must be atomic across the receivers that share the store.
    fn first_sighting(&self, event_id: &str, now_unix: i64) -> bool;
    /// Forgets `event_id`, so its next delivery is handled (after handling it failed).
    fn forget(&self, event_id: &str);
    /// How long, in seconds, an id is remembered.
    fn remembers_secs(&self) -> i64;
}

/// An in-memory [`DedupeStore`] for one process: ids are remembered for a time to live, then dropped.
#[derive(Debug)]
pub struct MemoryDedupe {
    ttl_secs: i64,
    seen: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl MemoryDedupe {
    /// Remembers each id for `ttl` (make it longer than the sender retries a delivery).
    pub fn new(ttl: std::time::Duration) -> Self {
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        MemoryDedupe { ttl_secs, seen: std::sync::Mutex::new(std::collections::HashMap::new()) }
    }
}

impl DedupeStore for MemoryDedupe {
    fn first_sighting(&self, event_id: &str, now_unix: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let ttl = self.ttl_secs;
        seen.retain(|_, at| now_unix.saturating_sub(*at) <= ttl);
        if seen.contains_key(event_id) {
            return false;
        }
        seen.insert(event_id.to_string(), now_unix);
        true
    }

    fn forget(&self, event_id: &str) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(event_id);
    }

    fn remembers_secs(&self) -> i64 {
        self.ttl_secs
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`: what a sender signs with (tests, relays).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    keyed(key).chain_update(message).finalize().into_bytes().into()
}

fn keyed(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

