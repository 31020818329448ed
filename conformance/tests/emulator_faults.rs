//! Rate limits, the IP allow-list, fault injection, and the ledger invariant after a storm of 500 mixed
//! orders with faults, all through plain HTTP.

mod common;

use common::{assert_envelope, header, login, started};
use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, default_accounts};
use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

#[tokio::test]
async fn rate_limits_follow_the_documented_table() {
    let (e, s) = started().await;
    for i in 0..600 {
        assert_eq!(s.get("/api/v1/currencies").await.0, 200, "request {i} is within 600 a minute");
    }
    let r = s.http.get(format!("{}/api/v1/currencies", e.base_url)).bearer_auth(&s.token).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = header(r.headers(), "retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait));
    let body: Value = r.json().await.unwrap();
    assert_envelope(&body, "TOO_MANY_REQUESTS");
    assert_eq!(body["error"]["message"], format!("Rate limit exceeded. Retry after {wait} seconds."));
    // Classes are separate: charges still have their own 300.
    let (status, _) = s.post("/api/v1/esim/charges", json!({"product_id": 712, "amount": 4.5})).await;
    assert_eq!(status, 200);
    // Other clients are not affected.
    assert_eq!(login(&e, 1).await.get("/api/v1/currencies").await.0, 200);

    let scaled = Emulator::start(Config { rate_limit_scale: Some(0.1), ..Config::default() }).await.unwrap();
    let s = login(&scaled, 0).await;
    let statuses: Vec<u16> = futures_util::future::join_all(
        (0..13).map(|_| s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5}))),
    )
    .await
    .into_iter()
    .map(|r| r.0)
    .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1, "120 a minute scaled by 0.1 is 12: {statuses:?}");

    let off = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.unwrap();
    let s = login(&off, 0).await;
    for _ in 0..700 {
        assert_eq!(s.get("/api/v1/currencies").await.0, 200);
    }
}

#[tokio::test]
async fn logins_are_limited_per_caller() {
    let e = Emulator::start(Config::default()).await.unwrap();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..31 {
        let r = http
            .post(format!("{}/auth/login", e.base_url))
            .json(&json!({"username": "emulator-key-42", "password": "emulator-secret-42"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 30);
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test]
async fn the_ip_allow_list_answers_403_to_login_refresh_and_every_call_and_takes_cidr_ranges() {
    let mut accounts = default_accounts();
    accounts[0].allowed_ips = Some(vec!["10.1.2.3".parse().unwrap(), "192.168.0.0/16".parse().unwrap()]);
    accounts[1].allowed_ips = Some(vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.0/8".parse().unwrap()]);
    let e = Emulator::start(Config { accounts, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| http.post(format!("{}{path}", e.base_url)).json(&body).send();
    // Login itself is refused from outside the list (the documents: login, refresh and every endpoint).
    let a = &e.accounts[0];
    let r = post("/auth/login", json!({"username": a.key, "password": a.secret})).await.unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_envelope(&body, "FORBIDDEN");
    assert_eq!(body["error"]["message"], "IP address not authorized");
    // A range that holds 127.0.0.1 admits it.
    let s = login(&e, 1).await;
    assert_eq!(s.get("/api/v1/wallets").await.0, 200);
    // Once the range no longer holds the caller, its live tokens and its refresh token are refused too.
    assert!(e.set_allowed_ips(43, Some(vec!["127.0.0.2/32".parse().unwrap()])));
    let (status, _, body) = s.get("/api/v1/wallets").await;
    assert_eq!(status, 403);
    assert_envelope(&body, "FORBIDDEN");
    let r = post("/auth/refresh", json!({"refresh_token": s.refresh})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(e.set_allowed_ips(43, None));
    assert_eq!(s.get("/api/v1/wallets").await.0, 200);
}

#[test]
fn allow_list_entries_parse_as_addresses_or_cidr_ranges() {
    use conformance::emulator::Cidr;
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    let r: Cidr = "10.0.0.0/8".parse().unwrap();
    assert!(r.contains(ip("10.255.1.2")) && !r.contains(ip("11.0.0.1")) && !r.contains(ip("::1")));
    assert!(r.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped address is its IPv4 address");
    let one: Cidr = "127.0.0.1".parse().unwrap();
    assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
    let all: Cidr = "0.0.0.0/0".parse().unwrap();
    assert!(all.contains(ip("203.0.113.9")));
    let v6: Cidr = "2001:db8::/32".parse().unwrap();
    assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
    for bad in ["10.0.0.0/33", "10.0.0/8", "::/129", "", "10.0.0.0/x"] {
        assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
    }
}

fn only(kind: FaultKind, route: &str) -> FaultProfile {
    FaultProfile {
        seed: 7,
        rate: 1.0,
        kinds: vec![kind],
        routes: vec![route.into()],
        latency: Duration::ZERO,
        limit: None,
    }
}

#[tokio::test]
async fn each_fault_kind_breaks_the_response_as_described() {
    let (e, s) = started().await;
    let url = format!("{}/api/v1/esim/products", e.base_url);
    // No connection reuse: a broken connection must not carry over into the next case.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let get = || http.get(&url).bearer_auth(&s.token).send();

    e.set_faults(Some(only(FaultKind::Reset, "/api/v1/esim")));
    assert!(get().await.is_err(), "a reset loses the answer");
    e.set_faults(Some(only(FaultKind::TruncatedBody, "/api/v1/esim")));
    let r = get().await.unwrap();
    assert!(r.bytes().await.is_err(), "a truncated body fails to read");
    e.set_faults(Some(only(FaultKind::WrongContentType, "/api/v1/esim")));
    assert!(header(get().await.unwrap().headers(), "content-type").starts_with("text/html"));
    e.set_faults(Some(only(FaultKind::ServerError, "/api/v1/esim")));
    let r = get().await.unwrap();
    assert!(r.status().is_server_error());
    assert_envelope(&r.json().await.unwrap(), "INTERNAL_SERVER_ERROR");
    e.set_faults(Some(only(FaultKind::TooManyRequests, "/api/v1/esim")));
    let r = get().await.unwrap();
    assert_eq!((r.status().as_u16(), header(r.headers(), "retry-after")), (429, "1".into()));
    e.set_faults(Some(only(FaultKind::MissingPagingHeaders, "/api/v1/esim")));
    assert!(get().await.unwrap().headers().get("x-total-count").is_none());
    e.set_faults(Some(only(FaultKind::WrongPagingHeaders, "/api/v1/esim")));
    let r = get().await.unwrap();
    let (total, pages): (u64, u64) =
        (header(r.headers(), "x-total-count").parse().unwrap(), header(r.headers(), "x-total-pages").parse().unwrap());
    assert_ne!(total.div_ceil(50), pages);
    e.set_faults(Some(only(FaultKind::MalformedEnvelope, "/api/v1/esim")));
    let r = get().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.json::<Value>().await.unwrap()["error"]["code"].is_null());
    // Other routes are untouched, and the counts add up.
    assert_eq!(s.get("/api/v1/wallets").await.0, 200);
    e.set_faults(None);
    assert_eq!(get().await.unwrap().status(), 200);
    let counts = e.fault_counts();
    assert_eq!(counts.values().sum::<u64>(), 8, "{counts:?}");
}

#[tokio::test]
async fn latency_is_added_and_seeded() {
    let profile = FaultProfile { latency: Duration::from_millis(40), ..only(FaultKind::ServerError, "/api/v1/esim") };
    let e = Emulator::start(Config { faults: Some(FaultProfile { rate: 0.0, ..profile }), ..Config::default() })
        .await
        .unwrap();
    let s = login(&e, 0).await;
    let started = std::time::Instant::now();
    for _ in 0..10 {
        assert_eq!(s.get("/api/v1/esim/products").await.0, 200);
    }
    assert!(started.elapsed() >= Duration::from_millis(100), "about 200 ms of added latency in all");
}

/// The storm's order `i`: its vertical, the outcome forced on it and its quantity. Each vertical cycles
/// through every outcome it can end with; vouchers also through quantities 1 to 8, so a partial delivery
/// meets inline and asynchronous orders, and an order of one.
fn storm_order(i: usize) -> (&'static str, &'static str, u64) {
    const OUTCOMES: [&str; 6] =
        ["delivered", "pending_then_delivered", "pending_then_failed", "failed", "cancelled", "partially_delivered"];
    let k = i / 3;
    match i % 3 {
        0 => ("vouchers", OUTCOMES[k % 6], 1 + (k / 6 % 8) as u64),
        1 => ("topups", OUTCOMES[k % 5], 1),
        _ => ("esim", OUTCOMES[k % 5], 1),
    }
}

#[tokio::test]
async fn ledger_holds_after_a_storm_of_500_orders_with_faults() {
    let profile = FaultProfile { routes: vec!["/api/v1/".into()], ..FaultProfile::storm(2026, 0.2) };
    let config = Config { rate_limit_scale: None, faults: Some(profile), ..Config::fast() };
    let e = Emulator::start(config).await.unwrap();
    let s = login(&e, 0).await;
    let results: Vec<(String, &str)> = futures_util::stream::iter(0..500)
        .map(|i| {
            let s = &s;
            let e = &e;
            async move {
                let reference = format!("storm-{i:03}");
                let (vertical, outcome, quantity) = storm_order(i);
                let (path, body) = match vertical {
                    "vouchers" => {
                        ("/api/v1/orders", json!({"product_id": 123, "denomination": 10, "quantity": quantity}))
                    }
                    "topups" => (
                        "/api/v1/topups/orders",
                        json!({"product_id": 4218, "amount": 0.99, "input_data": {"player_id": "77"}}),
                    ),
                    _ => ("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5})),
                };
                common::admin(
                    e,
                    "/_emulator/outcomes",
                    json!({"vertical": vertical, "outcome": outcome, "client_reference": reference}),
                )
                .await;
                let mut body = body;
                body["client_reference"] = json!(reference);
                (reference.clone(), place(s, path, &body, &reference).await)
            }
        })
        .buffer_unordered(24)
        .collect()
        .await;
    let placed = results.iter().filter(|r| r.1 == "placed").count();
    let recovered = results.iter().filter(|r| r.1 == "recovered").count();
    assert_eq!(placed + recovered, 500, "every order ends placed or recovered: {results:?}");

    e.set_faults(None);
    common::admin(&e, "/_emulator/settle", json!({})).await;
    let ledger = e.ledger();
    let orders = ledger["orders"].as_array().unwrap();
    let references: BTreeSet<&str> = orders.iter().filter_map(|o| o["client_reference"].as_str()).collect();
    assert_eq!(orders.len(), 500, "no order was placed twice");
    assert_eq!(references.len(), 500);

    // Every order ended the way it was forced (order 15 is a partial delivery of one code: delivered whole),
    // and every vertical reached each of its terminal statuses.
    let mut reached: BTreeSet<(&str, &str)> = BTreeSet::new();
    for o in orders {
        let (vertical, outcome, quantity) = storm_order(o["client_reference"].as_str().unwrap()[6..].parse().unwrap());
        let expected = match outcome {
            "delivered" | "pending_then_delivered" => "DELIVERED",
            "failed" | "pending_then_failed" => "FAILED",
            "cancelled" => "CANCELLED",
            _ if quantity == 1 => "DELIVERED",
            _ => "PARTIALLY_DELIVERED",
        };
        assert_eq!(o["status"], expected, "{o}");
        reached.insert((vertical, expected));
    }
    let every = ["vouchers", "topups", "esim"].into_iter().flat_map(|v| {
        let partial = (v == "vouchers").then_some((v, "PARTIALLY_DELIVERED"));
        [(v, "DELIVERED"), (v, "FAILED"), (v, "CANCELLED")].into_iter().chain(partial)
    });
    assert_eq!(reached, every.collect());
    common::assert_money_follows_delivery(&ledger);
    for w in ledger["wallets"].as_array().unwrap() {
        let mut expected = common::dec(&w["initial"]);
        for t in ledger["transactions"].as_array().unwrap().iter().filter(|t| t["wallet_id"] == w["id"]) {
            let amount = common::dec(&t["amount"]);
            expected += if t["transaction_type"] == "DEBIT" { -amount } else { amount };
        }
        assert_eq!(common::dec(&w["balance"]), expected, "no drift in wallet {}", w["id"]);
        assert!(common::dec(&w["balance"]) >= Decimal::ZERO);
    }
    let injected: u64 = e.fault_counts().values().sum();
    assert!(injected >= 100, "faults were injected: {:?}", e.fault_counts());
    eprintln!("storm: {placed} placed, {recovered} recovered by reference, faults {:?}", e.fault_counts());
}

/// Places an order the way a careful client does: retry the same reference on anything ambiguous, and on
/// `Duplicate client_reference` find the one that got through.
async fn place(s: &common::Session, path: &str, body: &Value, reference: &str) -> &'static str {
    let mut ambiguous = false;
    for _ in 0..40 {
        let sent = s.http.post(format!("{}{path}", s.base)).bearer_auth(&s.token).json(body).send().await;
        let Ok(r) = sent else {
            ambiguous = true;
            continue;
        };
        let status = r.status().as_u16();
        let Ok(v) = r.json::<Value>().await else {
            ambiguous = true;
            continue;
        };
        match status {
            200 | 201 if v["id"].is_u64() => return if ambiguous { "recovered" } else { "placed" },
            400 if v["error"]["message"] == "Duplicate client_reference" => {
                assert!(ambiguous, "a duplicate only after an ambiguous attempt");
                for _ in 0..40 {
                    let url = format!("{}{path}?client_reference={reference}", s.base);
                    let Ok(r) = s.http.get(url).bearer_auth(&s.token).send().await else { continue };
                    let found = r.json::<Value>().await.unwrap_or_default();
                    if found.as_array().is_some_and(|a| a.len() == 1) {
                        return "recovered";
                    }
                }
                return "lookup failed";
            }
            429 | 500..=599 => {
                ambiguous |= status >= 500 || v["error"]["code"].is_null();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ => ambiguous = true,
        }
    }
    "gave up"
}
