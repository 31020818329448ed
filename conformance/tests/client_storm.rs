//! The generated client in a fault storm: 1,000 mixed operations against the emulator with faults on 20 % of
//! requests (5xx, 429, resets, truncated bodies, wrong headers) and latency up to past the client's timeout. Every call ends in success or a
//! typed error, no order is placed twice, every debit is matched by a delivery or a refund, and retries
//! wait out `Retry-After`.

use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, Outcome, Vertical};
use futures_util::StreamExt;
use octopus_client::models::{
    CreateEsimOrderRequest, CreateTopupOrderRequest, CreateVoucherOrderRequest, EsimChargesRequest,
};
use octopus_client::operations::{ListEsimProductsParams, ListWalletsParams};
use octopus_client::retry::RetryPolicy;
use octopus_client::{Client, Error};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

fn client(e: &Emulator, retry: RetryPolicy, timeout: Duration) -> Client {
    let a = &e.accounts[0];
    Client::builder(e.base_url.clone())
        .credentials(a.key.clone(), a.secret.clone())
        .retry(RetryPolicy { base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(100), ..retry })
        .timeout(timeout)
        .slow_timeout(timeout)
        .poll_interval_scale(0.01)
        .build()
        .unwrap()
}

/// The kind of ending a call had: success, or which typed error.
fn ending<T, E>(r: &Result<T, Error<E>>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(Error::Api(_)) => "api error",
        Err(Error::Transport(_)) => "transport error",
        Err(Error::Timeout(_)) => "timeout",
        Err(Error::Decode(_)) => "decode error",
        Err(_) => "other error",
    }
}

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_operations_in_a_fault_storm_lose_nothing_and_place_nothing_twice() {
    // Latency up to 300 ms against a 250 ms timeout: some calls time out after the host has acted.
    let profile = FaultProfile {
        routes: vec!["/api/v1/".into()],
        latency: Duration::from_millis(300),
        ..FaultProfile::storm(99, 0.2)
    };
    let e = Emulator::start(Config { rate_limit_scale: None, faults: Some(profile), ..Config::fast() }).await.unwrap();
    let c = client(&e, RetryPolicy { max_attempts: 6, ..RetryPolicy::default() }, Duration::from_millis(250));
    let outcomes = [
        Outcome::Delivered,
        Outcome::PendingThenDelivered,
        Outcome::PendingThenFailed,
        Outcome::Failed,
        Outcome::Cancelled,
    ];
    let endings: Vec<(usize, &'static str)> = futures_util::stream::iter(0..1_000usize)
        .map(|i| {
            let (c, e) = (&c, &e);
            async move {
                let reference = format!("storm-{i:04}");
                let outcome = outcomes[i % outcomes.len()];
                let end = match i % 8 {
                    0 => ending(&c.list_esim_products(&ListEsimProductsParams::new().per_page(20)).await),
                    1 => ending(&c.get_voucher_product(123).await),
                    2 => ending(&c.list_wallets(&ListWalletsParams::new()).await),
                    3 => ending(&c.calculate_esim_charges(&EsimChargesRequest::new(712, Decimal::new(450, 2))).await),
                    4 | 5 => {
                        e.force(Vertical::Esim, outcome, Some(&reference));
                        let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference(reference);
                        ending(&c.create_esim_order(&body).await)
                    }
                    6 => {
                        e.force(Vertical::Topups, outcome, Some(&reference));
                        let body = CreateTopupOrderRequest::new(4218, Decimal::new(99, 2))
                            .input_data([("player_id".to_string(), "7".to_string())])
                            .client_reference(reference);
                        ending(&c.create_topup_order(&body).await)
                    }
                    _ => {
                        e.force(Vertical::Vouchers, outcome, Some(&reference));
                        let quantity = 1 + (i % 7) as i32;
                        let body = CreateVoucherOrderRequest::new(123, Decimal::new(1000, 2), quantity)
                            .client_reference(reference);
                        ending(&c.create_voucher_order(&body).await)
                    }
                };
                (i, end)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, end) in &endings {
        *counts.entry(end).or_default() += 1;
    }
    assert_eq!(endings.len(), 1_000, "every call ended");
    let injected = e.fault_counts();
    e.set_faults(None);
    let admin = reqwest::Client::new();
    admin
        .post(format!("{}/_emulator/settle", e.base_url))
        .header("x-emulator-admin", e.admin_token())
        .send()
        .await
        .unwrap();
    let ledger = e.ledger();
    let orders = ledger["orders"].as_array().unwrap();
    let references: BTreeSet<&str> = orders.iter().filter_map(|o| o["client_reference"].as_str()).collect();
    assert_eq!(references.len(), orders.len(), "no order was placed twice");
    let creates_ok = endings.iter().filter(|(i, end)| i % 8 >= 4 && *end == "ok").count();
    assert!(orders.len() >= creates_ok, "every acknowledged order exists");
    let mut credits: BTreeMap<u64, Decimal> = BTreeMap::new();
    for t in ledger["transactions"].as_array().unwrap().iter().filter(|t| t["transaction_type"] == "CREDIT") {
        *credits.entry(t["_order"].as_u64().unwrap()).or_default() += dec(&t["amount"]);
    }
    let mut drift = 0;
    for o in orders {
        let (debit, refunded) =
            (dec(&o["debit"]), credits.get(&o["id"].as_u64().unwrap()).copied().unwrap_or_default());
        let expected = match o["status"].as_str().unwrap() {
            "DELIVERED" => Decimal::ZERO,
            "FAILED" | "CANCELLED" => debit,
            other => panic!("order {} did not settle: {other}", o["id"]),
        };
        drift += usize::from(refunded != expected);
    }
    assert_eq!(drift, 0, "every debit is matched by a delivery or a refund");
    eprintln!(
        "client storm: 1000 operations, endings {counts:?}; {} faults injected {injected:?}; {} orders, 0 placed twice, ledger drift {drift}",
        injected.values().sum::<u64>(),
        orders.len()
    );
    assert!(injected.values().sum::<u64>() > 150, "faults were injected: {injected:?}");
    assert!(counts.get("ok").copied().unwrap_or(0) > 900, "retries absorb most faults: {counts:?}");
    assert!(injected.get(&FaultKind::TooManyRequests).is_some_and(|n| *n > 0), "429s were injected: {injected:?}");
}

#[tokio::test]
async fn retries_wait_out_retry_after() {
    let profile = FaultProfile {
        kinds: vec![FaultKind::TooManyRequests],
        routes: vec!["/api/v1/currencies".into()],
        ..FaultProfile::storm(1, 1.0)
    };
    let e = Emulator::start(Config { faults: Some(profile), ..Config::fast() }).await.unwrap();
    let c = client(&e, RetryPolicy { max_attempts: 3, ..RetryPolicy::default() }, Duration::from_secs(5));
    let started = Instant::now();
    let r = c.list_currencies().await;
    let elapsed = started.elapsed();
    assert!(matches!(&r, Err(Error::Api(a)) if a.status == 429), "the last answer is the 429");
    assert_eq!(e.fault_counts().get(&FaultKind::TooManyRequests), Some(&3), "three attempts");
    assert!(
        elapsed >= Duration::from_secs(2),
        "two waits of Retry-After: 1 s each, not the 10 ms backoff: {elapsed:?}"
    );
}
