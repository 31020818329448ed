//! The suite's own pace on a shared host: in any rolling minute it sends at most a set share of each
//! documented per-minute quota (`x-rate-limit`), so ordinary checks never meet a 429 and leave the account's
//! other work room. A request waits only when its window is full, so a short run is not slowed at all.
//!
//! Operations are grouped by their quota value: operations the host counts in separate classes with the same
//! quota share one window here, which is stricter than the host, never looser.

use crate::spec::Spec;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The window the host counts in, plus a second of margin for clocks and latency between us and it.
const WINDOW: Duration = Duration::from_secs(61);

/// The share of each quota a remote run uses by default.
pub const DEFAULT_PERCENT: f64 = 50.0;

pub struct Pacer {
    share: f64,
    /// Send times within the window, by quota.
    windows: Mutex<BTreeMap<u32, VecDeque<Instant>>>,
    waited: Mutex<Duration>,
}

impl Pacer {
    /// A pacer that uses `percent` (above 0, at most 100) of each quota.
    pub fn new(percent: f64) -> Result<Pacer, String> {
        if !(percent > 0.0 && percent <= 100.0) {
            return Err(format!("the pace is a share of each quota, above 0 and at most 100 percent, not {percent}"));
        }
        Ok(Pacer { share: percent / 100.0, windows: Mutex::default(), waited: Mutex::default() })
    }

    /// How many requests of a class with this per-minute quota may go in one window.
    pub fn allowance(&self, quota: u32) -> usize {
        ((f64::from(quota) * self.share).floor() as usize).max(1)
    }

    /// The quota a request counts against: its operation's, or the strictest for a path the spec lacks.
    pub fn quota_of(spec: &Spec, method: &str, path_and_query: &str) -> u32 {
        spec.operation_of_request(method, path_and_query)
            .and_then(|o| o.rate_limit)
            .or_else(|| spec.strictest_rate_limit())
            .unwrap_or(1)
    }

    /// Waits until one more request against `quota` stays within the allowance, then counts it.
    pub async fn admit(&self, quota: u32) {
        let allowance = self.allowance(quota);
        loop {
            let wait = {
                let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
                let window = windows.entry(quota).or_default();
                let now = Instant::now();
                while window.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    window.pop_front();
                }
                if window.len() < allowance {
                    window.push_back(now);
                    return;
                }
                window.front().map_or(Duration::ZERO, |oldest| WINDOW.saturating_sub(now.duration_since(*oldest)))
            };
            *self.waited.lock().unwrap_or_else(|p| p.into_inner()) += wait;
            tokio::time::sleep(wait).await;
        }
    }

    /// How long requests have waited for the pace, in total.
    pub fn waited(&self) -> Duration {
        *self.waited.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_refused_outside_its_range() {
        for bad in [0.0, -5.0, 100.5, f64::NAN] {
            assert!(Pacer::new(bad).is_err(), "{bad}");
        }
        let p = Pacer::new(50.0).unwrap();
        assert_eq!((p.allowance(600), p.allowance(30), p.allowance(1)), (300, 15, 1));
    }

    #[test]
    fn quotas_come_from_the_spec() {
        let spec = Spec::embedded();
        assert_eq!(Pacer::quota_of(spec, "GET", "/api/v1/esim/products?page=2"), 600);
        assert_eq!(Pacer::quota_of(spec, "POST", "/auth/login"), 30);
        assert_eq!(Pacer::quota_of(spec, "POST", "/api/v1/esim/orders"), 120);
        // A path the spec lacks is paced as strictly as the strictest class.
        assert_eq!(Pacer::quota_of(spec, "GET", "/nowhere"), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_for_its_oldest_request_to_age_out() {
        let p = Pacer::new(10.0).unwrap(); // 3 a minute of a 30-a-minute class
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            p.admit(30).await;
        }
        assert_eq!(p.waited(), Duration::ZERO, "within the allowance nothing waits");
        // Another class has its own window.
        p.admit(600).await;
        assert_eq!(p.waited(), Duration::ZERO);
        p.admit(30).await;
        assert!(start.elapsed() >= WINDOW, "the fourth waited for the first to leave the window");
        assert!(p.waited() >= WINDOW - Duration::from_millis(10));
    }
}
