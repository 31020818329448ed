//! Per-call options over the client's defaults, for any operation, against the emulator: a retry policy
//! (none), a timeout per attempt, a bound on the whole call, extra headers, the request id, and a create's
//! idempotency reference.

use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, Outcome, Vertical};
use conformance::tap::{Tap, Upstream};
use octopus_client::models::CreateEsimOrderRequest;
use octopus_client::operations::ListWalletsParams;
use octopus_client::retry::RetryPolicy;
use octopus_client::{CallOptions, Client, Error};
use rust_decimal::Decimal;
use std::time::Duration;

fn client(base: &str, e: &Emulator) -> Client {
    let a = &e.accounts[0];
    Client::builder(base)
        .credentials(a.key.clone(), a.secret.clone())
        .retry(RetryPolicy { base_delay: Duration::from_millis(200), ..RetryPolicy::default() })
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_policy_for_one_call() {
    let faults = FaultProfile::next(FaultKind::TooManyRequests, "/api/v1/currencies", 1);
    let e = Emulator::start(Config { faults: Some(faults), ..Config::fast() }).await.unwrap();
    let c = client(&e.base_url, &e);
    let once = c.with_options(CallOptions::new().retry(RetryPolicy::none()));
    let err = once.list_currencies().await.expect_err("no retry for this call");
    assert_eq!(err.status(), Some(429));
    // The client's own default still retries, and the session is shared.
    c.list_currencies().await.expect("the default policy retries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_for_one_call_and_a_bound_on_the_whole_call() {
    let e = Emulator::start(Config { latency: Duration::from_millis(300), ..Config::fast() }).await.unwrap();
    let c = client(&e.base_url, &e);
    c.list_wallets(&ListWalletsParams::new()).await.expect("the default timeout is 30 s");
    let hurried = c.with_options(CallOptions::new().timeout(Duration::from_millis(50)).retry(RetryPolicy::none()));
    let err = hurried.list_wallets(&ListWalletsParams::new()).await.expect_err("50 ms per attempt");
    assert!(matches!(err, Error::Timeout(_)), "{err}");

    // Every attempt fails with a 5xx and the policy would retry for seconds: the total bound ends it.
    let faults = FaultProfile::next(FaultKind::ServerError, "/api/v1/currencies", 100);
    let e = Emulator::start(Config { faults: Some(faults), ..Config::fast() }).await.unwrap();
    let c = client(&e.base_url, &e);
    let bounded = c.with_options(CallOptions::new().total_timeout(Duration::from_millis(300)));
    let err = bounded.list_currencies().await.expect_err("retries past the bound");
    assert!(matches!(err, Error::Timeout(_)), "the whole call is bounded, retries included: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_a_request_id_and_a_reference_for_one_call() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let tap = Tap::start(Upstream::Forward { base: e.base_url.clone(), http: reqwest::Client::new() }).await.unwrap();
    let c = client(&tap.base_url, &e);
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    let tagged =
        c.with_options(CallOptions::new().header("x-request-id", "ignored").request_id("2F7vTVG3Y8aZrqP1wJhdEkM9oYB"));
    tap.begin("tagged");
    let resp = tagged.list_wallets(&ListWalletsParams::new()).await.unwrap();
    assert_eq!(resp.request_id.as_deref(), Some("2F7vTVG3Y8aZrqP1wJhdEkM9oYB"), "the id given for this call");
    let sent = tap.exchanges("tagged");
    assert_eq!(sent[0].request_header("x-request-id"), Some("2F7vTVG3Y8aZrqP1wJhdEkM9oYB"));
    let bad = c.with_options(CallOptions::new().header("bad header", "x"));
    assert!(matches!(bad.list_currencies().await, Err(Error::InvalidRequest(_))));

    e.force(Vertical::Esim, Outcome::Delivered, Some("per-call-ref-1"));
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2));
    let order = c.with_options(CallOptions::new().reference("per-call-ref-1")).create_esim_order(&body).await.unwrap();
    assert_eq!(order.body.client_reference.as_deref(), Some("per-call-ref-1"));
}

#[test]
fn call_options_never_print_a_header_value() {
    // A per-call credential: its name prints (to say it is there), its value never does.
    let options = CallOptions::new()
        .header("authorization", "Bearer planted-per-call-token-41c9")
        .header("x-api-key", "planted-api-key-77e0")
        .request_id("req-1");
    let debug = format!("{options:?}");
    assert!(debug.contains("authorization") && debug.contains("x-api-key"), "{debug}");
    assert!(!debug.contains("planted"), "{debug}");
    // Nor does the message of a value that is not valid HTTP (it may still be a credential).
    let bad = CallOptions::new().header("authorization", "Bearer planted-bad-\n-token");
    assert!(!format!("{bad:?}").contains("planted"));
    let client = Client::builder("http://127.0.0.1:9").build().unwrap();
    let err = futures_util::FutureExt::now_or_never(client.with_options(bad).list_currencies());
    let message = match err {
        Some(Err(e)) => e.to_string(),
        other => panic!("refused at once: {other:?}"),
    };
    assert!(message.contains("authorization") && !message.contains("planted"), "{message}");
}
