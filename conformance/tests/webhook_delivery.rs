//! Webhook delivery from the emulator to a receiver in this test that verifies every delivery with the
//! generated client's `webhook::verify_once` and dedupes it: retries after non-2xx answers, a duplicate and a
//! stale timestamp from the fault profile, `product.update` from catalog changes, order and wallet events, and
//! the ledger's record of every attempt.

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::{admin, login};
use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, ProductChange};
use octopus_client::models::WebhookEventPayload;
use octopus_client::webhook::{MemoryDedupe, WebhookError, verify_once};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    /// Events accepted once each: (event id, type, body).
    accepted: Vec<(String, String, Value)>,
    duplicates: usize,
    stale: usize,
    refused: usize,
    /// Accepted events the generated client's `WebhookEventPayload` does not decode as their type.
    undecoded: usize,
    /// Requests still to answer 503 before answering normally.
    fail_next: usize,
}

struct Receiver {
    secret: Mutex<String>,
    dedupe: MemoryDedupe,
    seen: Mutex<Seen>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let secret = r.secret.lock().unwrap().clone();
    let mut seen = r.seen.lock().unwrap();
    if seen.fail_next > 0 {
        seen.fail_next -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match verify_once(&body, &headers, secret.as_bytes(), now, &r.dedupe) {
        Ok(v) => {
            let body: Value = serde_json::from_slice(&body).unwrap();
            let kind = headers.get("x-event-type").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
            assert_eq!(body["type"], kind.as_str(), "X-Event-Type names the body's type");
            let typed = serde_json::from_value::<WebhookEventPayload>(body.clone());
            let known = match typed {
                Ok(WebhookEventPayload::ProductWebhookEvent(p)) => kind == "product.update" && p.data.id == 123,
                Ok(WebhookEventPayload::OrderWebhookEvent(_)) => kind.starts_with("order."),
                Ok(WebhookEventPayload::WalletWebhookEvent(_)) => kind.starts_with("wallet."),
                _ => false,
            };
            seen.undecoded += usize::from(!known);
            seen.accepted.push((v.event_id, kind, body));
            StatusCode::OK
        }
        // Already handled: acknowledge, do nothing.
        Err(WebhookError::Duplicate { .. }) => {
            seen.duplicates += 1;
            StatusCode::OK
        }
        Err(WebhookError::Stale { .. }) => {
            seen.stale += 1;
            StatusCode::UNAUTHORIZED
        }
        Err(_) => {
            seen.refused += 1;
            StatusCode::UNAUTHORIZED
        }
    }
}

async fn receiver() -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver {
        secret: Mutex::new(String::new()),
        dedupe: MemoryDedupe::new(Duration::from_secs(3600)),
        seen: Mutex::new(Seen::default()),
    });
    // `/moved` sends the emulator on to `/hooks`: a redirect it must not follow.
    let moved = || async { (axum::http::StatusCode::TEMPORARY_REDIRECT, [("location", "/hooks")]) };
    let app = axum::Router::new()
        .route("/hooks", axum::routing::post(receive))
        .route("/moved", axum::routing::post(moved))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, url)
}

/// Waits until the ledger's deliveries satisfy `done` (or fails after five seconds).
async fn deliveries_until(e: &Emulator, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..250 {
        let ledger = e.ledger();
        let deliveries = ledger["webhook_deliveries"].as_array().cloned().unwrap_or_default();
        if done(&deliveries) {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("deliveries never settled: {}", e.ledger()["webhook_deliveries"]);
}

fn settled(ds: &[Value], n: usize) -> bool {
    ds.len() >= n && ds.iter().all(|d| d["state"] == "delivered" || d["state"] == "failed")
}

fn product_updates(r: &Receiver) -> Vec<Value> {
    let seen = r.seen.lock().unwrap();
    seen.accepted.iter().filter(|(_, t, _)| t == "product.update").map(|(_, _, b)| b["data"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_retried_deduped_and_stale_ones_refused() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let (r, url) = receiver().await;
    // Only loopback receivers; the secret comes back from the admin surface.
    let (status, body) = admin(&e, "/_emulator/webhooks", json!({"client_id": 42, "url": "http://192.0.2.1/x"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("BAD_REQUEST")));
    let (status, body) = admin(&e, "/_emulator/webhooks", json!({"client_id": 42, "url": url})).await;
    assert_eq!(status, 200, "{body}");
    let secret = body["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    *r.secret.lock().unwrap() = secret.clone();

    // Two 503s, then the delivery lands: three attempts, one event handled.
    r.seen.lock().unwrap().fail_next = 2;
    let (status, body) = admin(&e, "/_emulator/catalog/products/123", json!({"change": "delist"})).await;
    assert_eq!((status, body["events"].as_u64()), (200, Some(1)), "{body}");
    let ds = deliveries_until(&e, |ds| settled(ds, 1)).await;
    let statuses: Vec<Value> = ds[0]["attempts"].as_array().unwrap().iter().map(|a| a["status"].clone()).collect();
    assert_eq!(statuses, [json!(503), json!(503), json!(200)]);
    assert_eq!((ds[0]["type"].as_str(), ds[0]["state"].as_str()), (Some("product.update"), Some("delivered")));
    assert_eq!(product_updates(&r), [json!({"id": 123, "change": "delisted"})]);

    // A duplicate on demand: handled once, acknowledged twice.
    e.set_faults(Some(FaultProfile::next(FaultKind::WebhookDuplicate, "product.", 1)));
    e.change_product(123, ProductChange::Listed(true)).unwrap();
    let ds = deliveries_until(&e, |ds| settled(ds, 2)).await;
    let copies: Vec<bool> =
        ds[1]["attempts"].as_array().unwrap().iter().map(|a| a["duplicate"].as_bool().unwrap()).collect();
    assert_eq!(copies, [false, true]);
    assert_eq!(r.seen.lock().unwrap().duplicates, 1);
    assert_eq!(product_updates(&r).len(), 2);

    // A stale timestamp on demand: refused by the receiver, retried fresh, then handled.
    // (A profile's limit counts every fault injected so far: the duplicate was one.)
    e.set_faults(Some(FaultProfile::next(FaultKind::WebhookStale, "product.", 2)));
    e.change_product(123, ProductChange::Discount(rust_decimal::Decimal::new(45, 1))).unwrap();
    let ds = deliveries_until(&e, |ds| settled(ds, 3)).await;
    let attempts = ds[2]["attempts"].as_array().unwrap();
    assert_eq!((attempts[0]["stale"].as_bool(), attempts[0]["status"].as_u64()), (Some(true), Some(401)));
    assert_eq!((attempts[1]["stale"].as_bool(), attempts[1]["status"].as_u64()), (Some(false), Some(200)));
    assert_eq!(r.seen.lock().unwrap().stale, 1);
    assert_eq!(
        product_updates(&r),
        [
            json!({"id": 123, "change": "delisted"}),
            json!({"id": 123, "change": "added"}),
            json!({"id": 123, "change": "changed"})
        ]
    );
    assert_eq!(r.seen.lock().unwrap().refused, 0, "every delivery verifies");
    assert_eq!(r.seen.lock().unwrap().undecoded, 0, "every event decodes as its type with the generated client");
    // The ledger never shows the secret.
    assert!(!e.ledger().to_string().contains(&secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_and_wallet_events_are_delivered_and_retries_are_bounded() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let (r, url) = receiver().await;
    let secret = e.register_webhook(42, &url, Some("test-secret-4c1d")).unwrap();
    *r.secret.lock().unwrap() = secret;
    let s = login(&e, 0).await;
    let (status, order) = s
        .post(
            "/api/v1/orders",
            json!({"product_id": 123, "denomination": 50, "quantity": 1, "client_reference": "hook-1"}),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    let ds = deliveries_until(&e, |ds| settled(ds, 2)).await;
    let types: Vec<&str> = ds.iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["wallet.debited", "order.delivered"]);
    let seen = r.seen.lock().unwrap().accepted.clone();
    let order_event = &seen.iter().find(|(_, t, _)| t == "order.delivered").unwrap().2;
    assert_eq!(order_event["data"]["id"], order["id"]);
    assert_eq!(order_event["data"]["reference_code"], "hook-1");
    assert!(!order_event.to_string().contains("card_number"), "no codes in the event");
    assert_eq!(r.seen.lock().unwrap().undecoded, 0, "every event decodes as its type with the generated client");
    // Account 43 registered nothing: its events go nowhere, and 42's receiver gets none of them.
    // A receiver that always fails: the first attempt and one per retry (three in `Config::fast()`), then given up.
    r.seen.lock().unwrap().fail_next = usize::MAX;
    e.change_product(123, ProductChange::SoldOut(true)).unwrap();
    let ds = deliveries_until(&e, |ds| settled(ds, 3)).await;
    assert_eq!((ds[2]["state"].as_str(), ds[2]["attempts"].as_array().unwrap().len()), (Some("failed"), 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_a_failed_attempt_never_followed() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let (r, url) = receiver().await;
    let secret = e.register_webhook(42, &url.replace("/hooks", "/moved"), None).unwrap();
    *r.secret.lock().unwrap() = secret;
    e.change_product(123, ProductChange::SoldOut(true)).unwrap();
    let ds = deliveries_until(&e, |ds| settled(ds, 1)).await;
    let statuses: Vec<Value> = ds[0]["attempts"].as_array().unwrap().iter().map(|a| a["status"].clone()).collect();
    assert_eq!(statuses, vec![json!(307); 4], "every attempt stops at the redirect");
    assert_eq!(ds[0]["state"], "failed");
    assert!(r.seen.lock().unwrap().accepted.is_empty());
}
