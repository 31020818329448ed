//! The client's cache (feature `cache`) as the catalog guide's "Caching strategy" asks, against the emulator
//! through a counting proxy (`common/proxy.rs`): the time to live of each class of data, stale-while-
//! revalidate with exactly one refresh under concurrent readers, `never` operations, the whole request as the
//! key, and the quota budget. The guide's `404 NOT_FOUND` at order time and the `product.update` webhook are
//! played twice: by the proxy (a forced `404`) and an in-test signed delivery, and by the emulator itself (it
//! delists the product; it delivers `product.update` to a receiver registered through its admin surface).

#[path = "common/proxy.rs"]
mod proxy;

#[path = "../examples/catalog_cache.rs"]
#[allow(dead_code)] // The example's `main` is not used here.
mod example;

use conformance::emulator::{Config, Emulator, ProductChange};
use octopus_client::models::{AvailabilityRequest, CreateVoucherOrderRequest, VoucherChargesRequest};
use octopus_client::operations::{ListTransactionsParams, ListVoucherProductsParams, ListWalletsParams};
use octopus_client::{Budget, CacheConfig, Client, ManualClock};
use proxy::{Act, Proxy};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

const PRODUCT: i64 = 123;
/// 2026-12-06T10:00:00Z, when the test's webhook event was made.
const MADE: i64 = 1_796_551_200;

async fn setup() -> (Emulator, Proxy) {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let proxy = Proxy::start(&e.base_url).await;
    (e, proxy)
}

fn client(e: &Emulator, base: &str, clock: &ManualClock) -> Client {
    let a = &e.accounts[0];
    Client::builder(base)
        .credentials(a.key.clone(), a.secret.clone())
        .cache(CacheConfig::new().clock(clock.clone()))
        .build()
        .unwrap()
}

/// The guide's answer for a product that is not sold (any more).
fn not_found() -> Act {
    Act::Answer {
        status: 404,
        headers: vec![],
        body: serde_json::json!({"error": {"name": "NotFoundError", "code": "NOT_FOUND", "message": "Product not found"}}),
    }
}

/// Product 123 is delisted: its order and its read answer `404 NOT_FOUND`.
fn delisted(proxy: &Proxy) {
    proxy.on_request(|s| {
        if s.is("POST", "/api/v1/orders") || s.is("GET", "/api/v1/products/123") { not_found() } else { Act::Forward }
    });
}

/// Waits until the proxy has seen `n` requests to `path` (a background refresh landing).
async fn seen(proxy: &Proxy, method: &str, path: &str, n: usize) {
    let started = Instant::now();
    while proxy.count(method, path) < n {
        assert!(started.elapsed() < Duration::from_secs(10), "{method} {path}: {} of {n}", proxy.count(method, path));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Each class: fresh up to its time to live (no request), then served stale while one refresh runs, then
/// fresh again. The figures are the guide's table; the client reads them from the spec's `x-cache`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_class_lives_as_long_as_the_guide_says() {
    let (e, proxy) = setup().await;
    let charges = VoucherChargesRequest::new(Decimal::new(10, 0), 1);
    macro_rules! class {
        ($ttl:expr, $method:literal, $path:expr, $call:expr) => {{
            let clock = ManualClock::new();
            let c = client(&e, &proxy.base_url, &clock);
            let call = || $call(c.clone());
            let before = proxy.count($method, $path);
            let first = call().await.unwrap();
            assert!(!first.cached(), "{}: the first call reaches the server", $path);
            clock.advance(Duration::from_secs($ttl - 1));
            let hit = call().await.unwrap();
            assert!(hit.cached() && !hit.stale(), "{}: fresh 1 s before its {} s", $path, $ttl);
            assert_eq!(proxy.count($method, $path), before + 1, "{}: a fresh hit sends nothing", $path);
            clock.advance(Duration::from_secs(2));
            let stale = call().await.unwrap();
            assert!(stale.cached() && stale.stale(), "{}: past {} s it is stale", $path, $ttl);
            seen(&proxy, $method, $path, before + 2).await;
            // The refresh stored its answer: fresh again, nothing more sent.
            let mut again = call().await.unwrap();
            for _ in 0..100 {
                if !again.stale() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                again = call().await.unwrap();
            }
            assert!(again.cached() && !again.stale(), "{}: refreshed", $path);
            assert_eq!(proxy.count($method, $path), before + 2, "{}", $path);
            assert_eq!(again.body, first.body);
        }};
    }
    class!(86_400, "GET", "/api/v1/countries", |c: Client| async move { c.list_countries().await });
    class!(86_400, "GET", "/api/v1/currencies", |c: Client| async move { c.list_currencies().await });
    class!(43_200, "GET", "/api/v1/categories", |c: Client| async move { c.list_categories().await });
    class!(43_200, "GET", "/api/v1/subcategories", |c: Client| async move { c.list_subcategories().await });
    class!(3_600, "GET", "/api/v1/products", |c: Client| async move {
        c.list_voucher_products(&ListVoucherProductsParams::new()).await
    });
    class!(900, "GET", "/api/v1/products/123", |c: Client| async move { c.get_voucher_product(PRODUCT).await });
    let ch = charges.clone();
    class!(300, "POST", "/api/v1/products/123/charges", |c: Client| {
        let ch = ch.clone();
        async move { c.calculate_voucher_charges(PRODUCT, &ch).await }
    });
    class!(3_600, "GET", "/api/v1/topups/products", |c: Client| async move {
        c.list_topup_products(&Default::default()).await
    });
    class!(3_600, "GET", "/api/v1/esim/products", |c: Client| async move {
        c.list_esim_products(&Default::default()).await
    });
}

/// Stale-while-revalidate: 32 concurrent readers of a stale entry are all answered at once from the cache,
/// and exactly one refresh reaches the server (single-flight), however slow it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_entry_is_served_at_once_and_refreshed_exactly_once() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let path = "/api/v1/products/123";
    c.get_voucher_product(PRODUCT).await.unwrap();
    clock.advance(Duration::from_secs(901));
    proxy.on_request(move |s| if s.is("GET", path) { Act::Delay(Duration::from_millis(500)) } else { Act::Forward });
    let started = Instant::now();
    let readers: Vec<_> = (0..32)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_voucher_product(PRODUCT).await.unwrap() })
        })
        .collect();
    for r in readers {
        let r = r.await.unwrap();
        assert!(r.cached() && r.stale(), "every reader is answered from the stale entry");
    }
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "nobody waited for the slow refresh: {:?}",
        started.elapsed()
    );
    seen(&proxy, "GET", path, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(proxy.count("GET", path), 2, "one first read and exactly one refresh");
    let stats = c.cache().unwrap().stats();
    assert_eq!((stats.stale_hits, stats.refreshes), (32, 1), "{stats:?}");
    // The proxy counts the refresh when it arrives, before its delay: wait for its answer to be stored.
    let started = Instant::now();
    while c.get_voucher_product(PRODUCT).await.unwrap().stale() {
        assert!(started.elapsed() < Duration::from_secs(5), "the refresh never replaced the entry");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(proxy.count("GET", path), 2, "stale readers while the refresh ran started no other");
}

/// What the guide says never to cache (availability, mobile lookups, wallets and transactions) and orders
/// reach the server on every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_operations_are_never_cached() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let asked = AvailabilityRequest::new(Decimal::new(10, 0), 1);
    for _ in 0..3 {
        assert!(!c.list_wallets(&ListWalletsParams::new()).await.unwrap().cached());
        assert!(!c.list_transactions(&ListTransactionsParams::new()).await.unwrap().cached());
        assert!(!c.check_voucher_availability(PRODUCT, &asked).await.unwrap().cached());
        assert!(!c.list_voucher_orders(&Default::default()).await.unwrap().cached());
    }
    assert_eq!(proxy.count("GET", "/api/v1/wallets"), 3);
    assert_eq!(proxy.count("GET", "/api/v1/transactions"), 3);
    assert_eq!(proxy.count("POST", "/api/v1/products/123/availability"), 3);
    assert_eq!(proxy.count("GET", "/api/v1/orders"), 3);
    assert_eq!(c.cache().unwrap().stats().entries, 0);
}

/// The key is the whole request: another query or another charges body is another entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_the_whole_request_query_and_body() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let (one, two) =
        (VoucherChargesRequest::new(Decimal::new(10, 0), 1), VoucherChargesRequest::new(Decimal::new(10, 0), 2));
    let a = c.calculate_voucher_charges(PRODUCT, &one).await.unwrap();
    let b = c.calculate_voucher_charges(PRODUCT, &two).await.unwrap();
    assert!(!b.cached(), "another body is another request");
    assert_ne!(a.body, b.body);
    assert!(c.calculate_voucher_charges(PRODUCT, &one).await.unwrap().cached());
    assert_eq!(proxy.count("POST", "/api/v1/products/123/charges"), 2);

    c.list_voucher_products(&ListVoucherProductsParams::new().search("steam".to_string())).await.unwrap();
    let other = c.list_voucher_products(&ListVoucherProductsParams::new().search("pubg".to_string())).await.unwrap();
    assert!(!other.cached(), "another query is another request");
    assert_eq!(proxy.count("GET", "/api/v1/products"), 2);

    // Invalidation by operation drops that operation's entries only.
    c.cache().unwrap().invalidate_operation("list_voucher_products");
    assert!(
        !c.list_voucher_products(&ListVoucherProductsParams::new().search("steam".to_string())).await.unwrap().cached()
    );
    assert!(c.calculate_voucher_charges(PRODUCT, &one).await.unwrap().cached());
}

/// The guide's "product not found at order time": the order answers `404 NOT_FOUND` (the product was
/// delisted between the cache read and the order), the client drops that product's cached detail and
/// charges by itself, the re-fetch reaches the server and says whether it is gone, and only then is the order
/// retried. The list, which the spec ties to no product, stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_answered_not_found_invalidates_its_product() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let charges = VoucherChargesRequest::new(Decimal::new(10, 0), 1);
    c.list_voucher_products(&ListVoucherProductsParams::new()).await.unwrap();
    c.get_voucher_product(PRODUCT).await.unwrap();
    c.calculate_voucher_charges(PRODUCT, &charges).await.unwrap();
    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached());

    delisted(&proxy);
    let order = CreateVoucherOrderRequest::new(PRODUCT, Decimal::new(10, 0), 1)
        .client_reference(format!("CACHE_{}", std::process::id()));
    let err = c.create_voucher_order(&order).await.expect_err("delisted");
    assert_eq!(err.status(), Some(404));
    // Invalidated: the re-fetch reaches the server, which says the product is gone: surface it.
    let gone = c.get_voucher_product(PRODUCT).await.expect_err("the re-fetch is not served from the cache");
    assert_eq!(gone.status(), Some(404));
    assert!(!c.calculate_voucher_charges(PRODUCT, &charges).await.unwrap().cached(), "its charges went too");
    assert!(c.list_voucher_products(&ListVoucherProductsParams::new()).await.unwrap().cached(), "the list stays");

    // Relisted: the re-fetch answers, and the order is retried.
    proxy.heal();
    c.cache().unwrap().invalidate_resource("voucher-product", "123");
    let back = c.get_voucher_product(PRODUCT).await.unwrap();
    assert!(!back.cached());
    let placed = c.create_voucher_order(&order).await.unwrap();
    assert_eq!(placed.body.product_id, Some(PRODUCT));
}

/// A verified `product.update` delivery invalidates its product in one call. The receiver is an in-test
/// axum server; the delivery is signed as the documents say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_product_update_invalidates_its_product() {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::HeaderMap;
    use hmac::{Hmac, Mac};
    use octopus_client::webhook::{MemoryDedupe, verify_once};
    use std::sync::Arc;

    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let listed = c.list_voucher_products(&ListVoucherProductsParams::new()).await.unwrap();
    let other = listed.body.iter().map(|p| p.id).find(|id| *id != PRODUCT).expect("a second product");
    c.get_voucher_product(PRODUCT).await.unwrap();
    c.get_voucher_product(other).await.unwrap();
    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached());

    let secret: &'static [u8] = b"whsec-catalog";
    let store = Arc::new(MemoryDedupe::new(Duration::from_secs(86_400)));
    let receiver = axum::Router::new()
        .route(
            "/hooks",
            axum::routing::post(move |State((c, store)): State<(Client, Arc<MemoryDedupe>)>, headers: HeaderMap, body: Bytes| async move {
                let now = MADE + 5;
                let mut h = octopus_client::reqwest::header::HeaderMap::new();
                for (k, v) in &headers {
                    h.insert(k.as_str().parse::<octopus_client::reqwest::header::HeaderName>().unwrap(), v.to_str().unwrap().parse().unwrap());
                }
                match verify_once(&body, &h, secret, now, &*store) {
                    Ok(_) => {
                        c.cache().unwrap().invalidate_event(&body);
                        axum::http::StatusCode::OK
                    }
                    Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                }
            }),
        )
        .with_state((c.clone(), store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let now = MADE + 5;
    let body =
        r#"{"id":"evt_product_1","type":"product.update","created_at":"2026-12-06T10:00:00Z","data":{"id":123}}"#;
    let send = |signature: String| {
        reqwest::Client::new()
            .post(&url)
            .header("x-signature", signature)
            .header("x-timestamp", now.to_string())
            .header("x-event-id", "evt_product_1")
            .body(body)
            .send()
    };
    // A forged delivery changes nothing.
    assert_eq!(send("00".repeat(32)).await.unwrap().status(), 401);
    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached());

    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body.as_bytes());
    let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(send(signature).await.unwrap().status(), 200);
    assert!(!c.get_voucher_product(PRODUCT).await.unwrap().cached(), "the product named by the event is fetched again");
    assert!(c.get_voucher_product(other).await.unwrap().cached(), "another product stays");
    assert_eq!(proxy.count("GET", "/api/v1/products/123"), 2);
}

/// The pre-warm helper fetches what it is given into the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prewarm_fills_the_cache() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let warmed =
        c.prewarm().call(c.list_countries()).call(c.list_categories()).call(c.get_voucher_product(-1)).run().await;
    assert_eq!(warmed.warmed, 2);
    assert_eq!(warmed.failed.len(), 1, "a failing call is reported, not cached");
    assert!(c.list_countries().await.unwrap().cached());
    assert!(c.list_categories().await.unwrap().cached());
    assert_eq!(proxy.count("GET", "/api/v1/countries"), 1);
}

/// The quota budget: a class's calls wait for its budget instead of meeting `429`s, and every handle of a
/// client (clones, `with_options`) spends one budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quota_budget_paces_a_class_across_handles() {
    let (e, proxy) = setup().await;
    let a = &e.accounts[0];
    // 60 reads a minute: a burst of 60, then one a second.
    let c = Client::builder(&proxy.base_url)
        .credentials(a.key.clone(), a.secret.clone())
        .quota_budget(Budget::custom([("reads", 60)]))
        .build()
        .unwrap();
    assert_eq!(Budget::production().quota("reads"), Some(300));
    assert_eq!(Budget::sandbox().quota("reads"), Some(600));
    let other = c.with_options(octopus_client::CallOptions::new());
    let started = Instant::now();
    for i in 0..62 {
        let h = if i % 2 == 0 { &c } else { &other };
        h.list_wallets(&ListWalletsParams::new()).await.unwrap();
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1900), "the 61st and 62nd reads waited about a second each: {took:?}");
    assert_eq!(proxy.count("GET", "/api/v1/wallets"), 62);

    // After 429s the class backs off further: the bucket owes a token per consecutive refusal.
    proxy.on_request(|s| {
        if s.is("GET", "/api/v1/currencies") && s.nth <= 2 {
            Act::Answer { status: 429, headers: vec![("retry-after", "0".into())], body: serde_json::json!({}) }
        } else {
            Act::Forward
        }
    });
    let fast = Client::builder(&proxy.base_url)
        .credentials(a.key.clone(), a.secret.clone())
        .quota_budget(Budget::custom([("reads", 600)]))
        .build()
        .unwrap();
    let started = Instant::now();
    fast.list_currencies().await.unwrap();
    // Two refusals: the bucket is emptied and owes 1, then 2 tokens (10 a second): about 0.1 + 0.3 s.
    assert!(started.elapsed() >= Duration::from_millis(350), "{:?}", started.elapsed());
}

/// The example program, and its `buy` (the README's): a product gone at order time is `None`; one that was
/// only missing once is ordered on the retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_and_its_not_found_recovery() {
    let (e, proxy) = setup().await;
    let a = &e.accounts[0];
    example::catalog(&e.base_url, &a.key, &a.secret, true).await.unwrap();

    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    c.get_voucher_product(PRODUCT).await.unwrap();
    // Gone: the order and the re-fetch both answer 404.
    delisted(&proxy);
    let order = CreateVoucherOrderRequest::new(PRODUCT, Decimal::new(10, 0), 1)
        .client_reference(format!("BUY_{}", std::process::id()));
    assert!(example::buy(&c, &order).await.unwrap().is_none());
    assert_eq!(proxy.count("GET", "/api/v1/products/123"), 2, "the re-fetch was not served from the cache");
    // Missing once: the first order answers 404, the re-fetch finds the product, the retry places the order.
    proxy.on_request(move |s| if s.is("POST", "/api/v1/orders") && s.nth == 2 { not_found() } else { Act::Forward });
    let order = CreateVoucherOrderRequest::new(PRODUCT, Decimal::new(10, 0), 1)
        .client_reference(format!("BUY2_{}", std::process::id()));
    let placed = example::buy(&c, &order).await.unwrap().expect("placed on the retry");
    assert_eq!(placed.product_id, Some(PRODUCT));
    assert_eq!(proxy.count("POST", "/api/v1/orders"), 3);
}

/// The guide's flow end to end against the emulator itself: the product is cached, the emulator delists it,
/// the order answers `404 NOT_FOUND`, the entry is invalidated, the re-fetch answers `404`; relisted, the
/// re-fetch answers and the order is placed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_404_flow_when_the_emulator_delists_the_product() {
    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    c.get_voucher_product(PRODUCT).await.unwrap();
    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached());
    e.change_product(PRODUCT as u64, ProductChange::Listed(false)).unwrap();
    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached(), "the cache does not know yet");
    let order = CreateVoucherOrderRequest::new(PRODUCT, Decimal::new(10, 0), 1).client_reference("CACHE_DELISTED_1");
    let err = c.create_voucher_order(&order).await.expect_err("delisted");
    assert_eq!(err.status(), Some(404));
    let reads = proxy.count("GET", "/api/v1/products/123");
    let gone = c.get_voucher_product(PRODUCT).await.expect_err("invalidated: the re-fetch reaches the emulator");
    assert_eq!((gone.status(), proxy.count("GET", "/api/v1/products/123")), (Some(404), reads + 1));
    e.change_product(PRODUCT as u64, ProductChange::Listed(true)).unwrap();
    assert!(!c.get_voucher_product(PRODUCT).await.unwrap().cached());
    c.create_voucher_order(&order).await.expect("relisted: the order is placed");
}

/// A `product.update` the emulator delivers (signed, to a receiver registered through its admin surface)
/// invalidates the product it names, and only that one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_update_the_emulator_delivers_invalidates_its_product() {
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::HeaderMap;
    use octopus_client::webhook::{MemoryDedupe, verify_once};
    use std::sync::{Arc, Mutex};

    let (e, proxy) = setup().await;
    let clock = ManualClock::new();
    let c = client(&e, &proxy.base_url, &clock);
    let listed = c.list_voucher_products(&ListVoucherProductsParams::new()).await.unwrap();
    let other = listed.body.iter().map(|p| p.id).find(|id| *id != PRODUCT).expect("a second product");
    c.get_voucher_product(PRODUCT).await.unwrap();
    c.get_voucher_product(other).await.unwrap();

    type Shared = (Client, Arc<MemoryDedupe>, Arc<Mutex<String>>);
    let secret: Arc<Mutex<String>> = Arc::default();
    let store = Arc::new(MemoryDedupe::new(Duration::from_secs(86_400)));
    let receiver = axum::Router::new()
        .route(
            "/hooks",
            axum::routing::post(
                |State((c, store, secret)): State<Shared>, headers: HeaderMap, body: Bytes| async move {
                    let now =
                        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
                    let mut h = octopus_client::reqwest::header::HeaderMap::new();
                    for (k, v) in &headers {
                        h.insert(k.as_str().parse::<octopus_client::reqwest::header::HeaderName>().unwrap(), v.clone());
                    }
                    let key = secret.lock().unwrap().clone();
                    match verify_once(&body, &h, key.as_bytes(), now, &*store) {
                        Ok(_) => {
                            c.cache().unwrap().invalidate_event(&body);
                            axum::http::StatusCode::OK
                        }
                        Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                    }
                },
            ),
        )
        .with_state((c.clone(), store, secret.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    *secret.lock().unwrap() = e.register_webhook(e.accounts[0].client_id, &url, None).unwrap();

    assert!(c.get_voucher_product(PRODUCT).await.unwrap().cached());
    e.change_product(PRODUCT as u64, ProductChange::Discount(Decimal::new(7, 0))).unwrap();
    let started = Instant::now();
    while c.get_voucher_product(PRODUCT).await.unwrap().cached() {
        assert!(started.elapsed() < Duration::from_secs(10), "the delivery invalidated the product");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(c.get_voucher_product(other).await.unwrap().cached(), "another product stays");
}
