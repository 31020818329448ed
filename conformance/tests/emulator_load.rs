//! The emulator under load: 64 concurrent clients, 20,000 requests, zero errors, and no growth in memory
//! from one run to the next. Throughput and latency are measured by `cargo bench -p conformance`.

use conformance::emulator::{Config, Emulator};
use conformance::load::{drive, resident_bytes, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_requests_on_64_connections_without_errors_or_growth() {
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.unwrap();
    let a = &e.accounts[0];
    let t = token(&e.base_url, &a.key, &a.secret).await.unwrap();
    let first = drive(&e.base_url, &t, 64, 20_000).await;
    assert_eq!(first.errors, 0, "the first 20,000 requests");
    let before = resident_bytes();
    let second = drive(&e.base_url, &t, 64, 20_000).await;
    let after = resident_bytes();
    assert_eq!(second.errors, 0, "the second 20,000 requests");
    if let (Some(before), Some(after)) = (before, after) {
        let growth = after.saturating_sub(before);
        eprintln!("load: resident memory {} MiB before the second run, {} MiB after", before >> 20, after >> 20);
        assert!(growth < 16 << 20, "memory grew by {} MiB over 20,000 requests", growth >> 20);
    }
}
