//! Verifies a webhook delivery as the spec's `x-webhook-signature` describes: the hex HMAC-SHA256 of the raw
//! body, compared in constant time; a timestamp no older than the allowed age; the event id for dedupe.

use sha2::{Digest, Sha256};

/// The headers and limits of the signature scheme (from the spec).
#[derive(Debug, Clone, Copy)]
pub struct SignatureScheme {
    pub signature_header: &'static str,
    pub timestamp_header: &'static str,
    pub event_id_header: &'static str,
    pub max_age_secs: i64,
}

/// A delivery that passed: deduplicate on `event_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub event_id: String,
    /// Unix seconds the sender stamped.
    pub timestamp: i64,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// A required header is absent or not text.
    MissingHeader(&'static str),
    /// The timestamp is not Unix seconds.
    MalformedTimestamp,
    /// The timestamp is older than the allowed age (or more than that far in the future).
    Stale { age_secs: i64 },
    /// The signature does not match the body.
    BadSignature,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::MissingHeader(h) => write!(f, "webhook header {h} is missing"),
            WebhookError::MalformedTimestamp => f.write_str("webhook timestamp is not Unix seconds"),
            WebhookError::Stale { age_secs } => write!(f, "webhook timestamp is {age_secs} s away from now"),
            WebhookError::BadSignature => f.write_str("webhook signature does not match the body"),
        }
    }
}

impl std::error::Error for WebhookError {}

/// Checks `raw_body` (exactly the bytes received) against the signature headers, with `secret` and the
/// current time `now_unix`. Deduplicate the returned event id before acting on the event.
pub fn verify(
    raw_body: &[u8],
    headers: &reqwest::header::HeaderMap,
    secret: &[u8],
    now_unix: i64,
) -> Result<Verified, WebhookError> {
    let scheme = crate::WEBHOOK_SIGNATURE;
    let header = |name: &'static str| -> Result<&str, WebhookError> {
        headers.get(name).and_then(|v| v.to_str().ok()).ok_or(WebhookError::MissingHeader(name))
    };
    let signature = header(scheme.signature_header)?;
    let timestamp: i64 =
        header(scheme.timestamp_header)?.trim().parse().map_err(|_| WebhookError::MalformedTimestamp)?;
    let event_id = header(scheme.event_id_header)?.to_string();
    let age_secs = now_unix - timestamp;
    if age_secs.abs() > scheme.max_age_secs {
        return Err(WebhookError::Stale { age_secs });
    }
    let expected = hmac_sha256(secret, raw_body);
    let given = decode_hex(signature.trim()).ok_or(WebhookError::BadSignature)?;
    if !constant_time_eq(&expected, &given) {
        return Err(WebhookError::BadSignature);
    }
    Ok(Verified { event_id, timestamp })
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Equal bytes, in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
