//! The client's `tracing` feature, captured at TRACE: a span per call with the operation, method, path
//! template, request id, attempts, status and elapsed time, and events for logins, refreshes, retries and a
//! recovered create, while planted credentials, tokens and the activation code appear nowhere.

#[path = "common/client_side.rs"]
mod client_side;

use client_side::Captured;
use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, Outcome, Vertical};
use octopus_client::Client;
use octopus_client::models::CreateEsimOrderRequest;
use octopus_client::operations::ListWalletsParams;
use octopus_client::retry::RetryPolicy;
use rust_decimal::Decimal;

use std::time::Duration;
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "planted-trace-key-5c1d";
const SECRET: &str = "planted-trace-secret-9e27";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_tells_the_story_and_holds_no_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut config = Config::fast();
    config.accounts[0].key = KEY.into();
    config.accounts[0].secret = SECRET.into();
    config.access_ttl_secs = 60; // within the renewal margin: the second call refreshes
    // The first create is served, then its answer is lost: the client recovers it by reference.
    config.faults = Some(FaultProfile::next(FaultKind::Reset, "/api/v1/esim/orders", 1));
    config.rate_limit_scale = None;
    let e = Emulator::start(config).await.unwrap();
    let c = Client::builder(e.base_url.clone())
        .credentials(KEY, SECRET)
        .retry(RetryPolicy { base_delay: Duration::from_millis(5), ..RetryPolicy::default() })
        .build()
        .unwrap();
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    e.force(Vertical::Esim, Outcome::Delivered, Some("trace-1"));
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("trace-1");
    let mut order = c.create_esim_order(&body).await.unwrap();
    let code = order.body.take_activation_code().expect("the recovered order has its code");
    drop(_guard);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "octopus.call",
        "operation=\"list_wallets\"",
        "path=\"/api/v1/esim/orders\"",
        "method=\"POST\"",
        "request_id=",
        "attempts=",
        "status=200",
        "elapsed_ms=",
        "logged in",
        "refreshed the token",
        "retrying",
        "recovered it by its reference",
        "recovered=true",
    ] {
        assert!(text.contains(expected), "the trace has {expected:?}:\n{text}");
    }
    for secret in [KEY, SECRET, code.reveal(), "eyJ", "LPA:"] {
        assert!(!text.contains(secret), "the trace leaks {secret:?}");
    }
}
