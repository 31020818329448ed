//! A load driver for the emulator: `connections` concurrent keep-alive clients share `requests` reads of the
//! catalog and the ledger. Used by the load test (zero errors, no memory growth) and the load benchmark
//! (throughput, p50 and p99).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct LoadReport {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Sorted latencies of every request.
    pub latencies: Vec<Duration>,
}

impl LoadReport {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> Duration {
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len().max(1)) - 1;
        self.latencies.get(i).copied().unwrap_or_default()
    }
}

const PATHS: &[&str] = &[
    "/api/v1/esim/products?per_page=20",
    "/api/v1/esim/products/712",
    "/api/v1/products/123",
    "/api/v1/wallets",
    "/api/v1/currencies",
    "/api/v1/topups/products/4231/variants",
];

/// Sends `requests` GETs over `connections` concurrent clients with `token`; any non-200 is an error.
pub async fn drive(base: &str, token: &str, connections: usize, requests: usize) -> LoadReport {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, base, token) = (next.clone(), base.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default();
            let (mut latencies, mut errors) = (Vec::new(), 0);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                let ok = match http.get(format!("{base}{}", PATHS[i % PATHS.len()])).bearer_auth(&token).send().await {
                    Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(t.elapsed());
                errors += usize::from(!ok);
            }
            (latencies, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::with_capacity(requests), 0);
    for t in tasks {
        match t.await {
            Ok((l, e)) => {
                latencies.extend(l);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    latencies.sort();
    LoadReport { requests, errors, elapsed: started.elapsed(), latencies }
}

/// Logs in to an emulator and returns the access token.
pub async fn token(base: &str, key: &str, secret: &str) -> Option<String> {
    let body = serde_json::json!({"username": key, "password": secret});
    let v: serde_json::Value =
        reqwest::Client::new().post(format!("{base}/auth/login")).json(&body).send().await.ok()?.json().await.ok()?;
    v["data"]["access_token"].as_str().map(str::to_string)
}

/// This process's resident memory in bytes (Linux; `None` elsewhere).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
