//! The quota budget (opt-in, [`crate::ClientBuilder::quota_budget`]): one token bucket per rate class of the
//! spec's `x-rate-limit`, shared by every clone, stream and `with_options` handle of a client. A call waits
//! for its class's budget instead of meeting `429`s; after `429`s the class's bucket is emptied and owes
//! one more token per consecutive `429`, so the client backs off further the more it is refused.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A rate class and its documented per-minute quotas (the spec's `x-rate-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateClass {
    pub name: &'static str,
    pub sandbox: Option<u32>,
    pub production: Option<u32>,
}

#[derive(Debug)]
struct Bucket {
    per_minute: u32,
    /// Tokens available (negative: owed after `429`s).
    tokens: f64,
    last: tokio::time::Instant,
    refused: u32,
}

/// Per-minute quotas per rate class, and the buckets that spend them. Cheap to clone: clones share the
/// buckets.
#[derive(Debug, Clone)]
pub struct Budget {
    buckets: Arc<Mutex<BTreeMap<&'static str, Bucket>>>,
}

impl Budget {
    /// The documented production quotas of every class.
    pub fn production() -> Budget {
        Budget::from_quotas(crate::RATE_CLASSES.iter().filter_map(|c| Some((c.name, c.production?))))
    }

    /// The documented sandbox quotas of every class.
    pub fn sandbox() -> Budget {
        Budget::from_quotas(crate::RATE_CLASSES.iter().filter_map(|c| Some((c.name, c.sandbox?))))
    }

    /// Custom per-minute quotas by class name (a class left out is not limited). A class name the spec does
    /// not declare is ignored.
    pub fn custom(quotas: impl IntoIterator<Item = (&'static str, u32)>) -> Budget {
        Budget::from_quotas(quotas)
    }

    /// The same budget with every quota multiplied by `share` (keep half for another process: `0.5`).
    pub fn share(self, share: f64) -> Budget {
        let share = if share.is_finite() && share > 0.0 { share } else { 1.0 };
        {
            let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            for bucket in b.values_mut() {
                bucket.per_minute = ((f64::from(bucket.per_minute) * share).floor() as u32).max(1);
                bucket.tokens = bucket.tokens.min(f64::from(bucket.per_minute));
            }
        }
        self
    }

    fn from_quotas(quotas: impl IntoIterator<Item = (&'static str, u32)>) -> Budget {
        let now = tokio::time::Instant::now();
        let buckets = quotas
            .into_iter()
            .filter(|(_, q)| *q > 0)
            .map(|(name, q)| (name, Bucket { per_minute: q, tokens: f64::from(q), last: now, refused: 0 }))
            .collect();
        Budget { buckets: Arc::new(Mutex::new(buckets)) }
    }

    /// The per-minute quota of a class, if it is limited.
    pub fn quota(&self, class: &str) -> Option<u32> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).get(class).map(|b| b.per_minute)
    }

    /// Takes one token of `class`, or says how long to wait for one.
    fn try_take(&self, class: &str) -> Option<Duration> {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = b.get_mut(class)?;
        let now = tokio::time::Instant::now();
        let rate = f64::from(bucket.per_minute) / 60.0;
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(f64::from(bucket.per_minute));
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return None;
        }
        Some(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
    }

    /// Waits until `class` has budget for one request, and spends it.
    pub(crate) async fn acquire(&self, class: &'static str) {
        while let Some(wait) = self.try_take(class) {
            crate::support::trace_event!(DEBUG, class, wait_ms = wait.as_millis() as u64, "waiting for the quota budget");
            tokio::time::sleep(wait).await;
        }
    }

    /// The server refused a request of `class` with `429`: the bucket is emptied and owes one token per
    /// consecutive refusal.
    pub(crate) fn refused(&self, class: &str) {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = b.get_mut(class) {
            bucket.refused = bucket.refused.saturating_add(1);
            bucket.tokens = bucket.tokens.min(0.0) - f64::from(bucket.refused.min(60));
        }
    }

    /// A request of `class` was answered (not `429`).
    pub(crate) fn answered(&self, class: &str) {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = b.get_mut(class) {
            bucket.refused = 0;
        }
    }
}
