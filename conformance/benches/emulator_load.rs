//! `cargo bench -p conformance --bench emulator_load`: the emulator's throughput and p50/p99 latency at 64
//! concurrent connections over 20,000 requests (after a warm-up run), in release mode.

use conformance::emulator::{Config, Emulator};
use conformance::load::{drive, token};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let e =
            Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.expect("the emulator starts");
        let a = &e.accounts[0];
        let t = token(&e.base_url, &a.key, &a.secret).await.expect("login");
        drive(&e.base_url, &t, 64, 5_000).await;
        let r = drive(&e.base_url, &t, 64, 20_000).await;
        println!(
            "emulator load: {} requests, 64 connections, {} errors: {:.0} requests/s, p50 {:.2?}, p99 {:.2?}",
            r.requests,
            r.errors,
            r.per_second(),
            r.percentile(0.50),
            r.percentile(0.99)
        );
    });
}
