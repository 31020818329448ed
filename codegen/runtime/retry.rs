//! When and how long to wait before sending again: network errors, `429` and `5xx` only; `Retry-After`
//! honoured; otherwise exponential backoff with jitter.

use std::time::Duration;

/// How a client retries. The default: 4 attempts, backoff from 200 ms doubling to at most 10 s, and a
/// `Retry-After` of up to 60 s honoured (a longer one is returned to the caller as the `429`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` never retries.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits out by itself.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait after failed attempt `attempt` (1-based): `base * 2^(attempt-1)`, capped, with jitter that
    /// keeps it within `[d/2, d]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.max_delay);
        let half = d / 2;
        half + half.mul_f64(unit_random())
    }
}

/// Where an error body states how long to wait (the spec's `x-retry-hint`): the whole seconds that follow
/// `prefix` in the string at the JSON pointer `pointer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryHint {
    pub pointer: &'static str,
    pub prefix: &'static str,
}

/// The server's requested wait: the `Retry-After` header in seconds or, when the header is missing, the wait
/// the body states where the spec's `x-retry-hint` says (nothing, for a spec that declares none).
pub fn retry_after(headers: &reqwest::header::HeaderMap, body: &[u8]) -> Option<Duration> {
    if let Some(v) = headers.get("retry-after").and_then(|v| v.to_str().ok()) {
        return v.trim().parse::<u64>().ok().map(Duration::from_secs);
    }
    hinted_wait(crate::RETRY_HINT?, body)
}

/// The wait a body states where `hint` says.
pub fn hinted_wait(hint: RetryHint, body: &[u8]) -> Option<Duration> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = v.pointer(hint.pointer)?.as_str()?;
    let after = text.split(hint.prefix).nth(1)?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u64>().ok().map(Duration::from_secs)
}

/// A number in `[0, 1)` from the standard library's randomly keyed hasher.
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}
