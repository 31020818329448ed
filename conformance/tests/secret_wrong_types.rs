//! A secret of the wrong type never prints. A host answers with every secret field (`x-secret`) in every
//! wrong-type position: an integer, an integer past `u64`, a float, an array of strings, an object, an array
//! of integers. Each planted value is searched for in everything a user sees or keeps: the error's
//! `Display` and `Debug`, a TRACE capture of the client's tracing, what `cargo xtask decode` prints (the
//! decode table it calls), and a whole conformance run's reports and cassettes.

#[path = "common/client_side.rs"]
mod client_side;
#[path = "common/proxy.rs"]
mod proxy;

use client_side::{Captured, client, files_under};

use conformance::emulator::{Config, Emulator};
use conformance::report;
use conformance::runner::{self, Host, Options};
use proxy::{Proxy, Seen};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Digits planted in every numeric position (an ICCID-like run that nothing else in a run contains).
const DIGITS: &str = "0300000123";
/// Text planted in every string inside an array or object.
const TEXT: &str = "PLANTED-SECRET";

/// The wrong-type positions a string secret can be sent in, each carrying a planted value.
fn wrong_types() -> Vec<Value> {
    vec![
        json!(8_910_300_000_123_456_789_u64),
        serde_json::from_str("89103000001234567890123").unwrap(),
        json!(8.910300000123),
        json!([format!("{TEXT}-A")]),
        json!({"value": format!("{TEXT}-O")}),
        json!([8_910_300_000_123_456_789_u64]),
    ]
}

fn leaks(text: &str) -> bool {
    text.contains(DIGITS) || text.contains(TEXT)
}

/// Replaces every secret field's value in `v` with a wrong-type planted value, the kind turning with `turn`.
fn plant(v: &mut Value, fields: &[&str], turn: &AtomicUsize) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if fields.contains(&k.as_str()) && !child.is_null() {
                    let kinds = wrong_types();
                    *child = kinds[turn.fetch_add(1, Ordering::Relaxed) % kinds.len()].clone();
                } else {
                    plant(child, fields, turn);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| plant(i, fields, turn)),
        _ => {}
    }
}

/// The secret fields of responses a run reads after logging in (the token fields break the login itself,
/// which `tokens_of_the_wrong_type_never_print` covers).
fn order_secrets() -> Vec<&'static str> {
    octopus_client::SECRET_FIELDS.iter().copied().filter(|f| !f.ends_with("_token")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_in_every_wrong_type_position_never_prints() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::fast() }).await.unwrap();
    let direct = client(&e.base_url, &e);
    // Orders whose answers carry every order secret: an eSIM (activation code, ICCID) and vouchers (card
    // number, PIN, claim URL).
    use octopus_client::models::{CreateEsimOrderRequest, CreateVoucherOrderRequest};
    let esim =
        direct.create_esim_order(&CreateEsimOrderRequest::new(712, rust_decimal::Decimal::new(450, 2))).await.unwrap();
    let vouchers = direct
        .create_voucher_order(&CreateVoucherOrderRequest::new(123, rust_decimal::Decimal::new(10, 0), 2))
        .await
        .unwrap();
    assert!(esim.body.activation_code.is_some() && !vouchers.body.vouchers.is_empty(), "secrets to plant into");

    let p = Proxy::start(&e.base_url).await;
    let c = client(&p.base_url, &e);
    // The host's own answers, as a user would paste them into `xtask decode`.
    let kept: Arc<Mutex<Vec<Value>>> = Arc::default();
    let keep = kept.clone();
    p.on_response(move |s: &Seen, body: &mut Value, _| {
        if s.method == "GET" && s.path.contains("/orders/") {
            keep.lock().unwrap().push(body.clone());
        }
    });
    c.get_esim_order(esim.body.id).await.unwrap();
    c.get_voucher_order(vouchers.body.id).await.unwrap();
    let raw = kept.lock().unwrap().clone();
    let mut seen = String::new();
    let mut planted_answers = 0;
    for kind in 0..wrong_types().len() {
        let turn = Arc::new(AtomicUsize::new(kind));
        let t = turn.clone();
        p.on_response(move |_: &Seen, body: &mut Value, _| plant(body, &order_secrets(), &t));
        let errors = [
            c.get_esim_order(esim.body.id).await.map(|_| ()).err().map(|e| (format!("{e}"), format!("{e:?}"))),
            c.get_voucher_order(vouchers.body.id).await.map(|_| ()).err().map(|e| (format!("{e}"), format!("{e:?}"))),
        ];
        for (display, debug) in errors.into_iter().map(|e| e.expect("a secret of the wrong type does not decode")) {
            assert!(!leaks(&display), "Display quotes a planted secret: {display}");
            assert!(!leaks(&debug), "Debug quotes a planted secret: {debug}");
            seen.push_str(&display);
            planted_answers += 1;
        }
        // What `cargo xtask decode` prints for the same bodies (it calls the decode table).
        for (op, answer) in ["get_esim_order", "get_voucher_order"].into_iter().zip(&raw) {
            let mut body = answer.clone();
            plant(&mut body, &order_secrets(), &AtomicUsize::new(kind));
            let bytes = serde_json::to_vec(&body).unwrap();
            let Some(Err(err)) = octopus_client::operations::decode_response(op, 200, &bytes) else {
                panic!("{op}: the planted body must not decode")
            };
            let printed = format!("{op} 200: does not decode at `{}`: {}", err.path, err.message);
            assert!(!leaks(&printed) && !leaks(&format!("{err:?}")), "xtask decode would print a secret: {printed}");
        }
    }
    let trace = captured.text();
    assert!(trace.contains("octopus.call"), "the client traced its calls");
    assert!(!leaks(&trace), "the trace holds a planted secret");
    eprintln!(
        "wrong-type secrets: {planted_answers} planted answers, {} wrong-type kinds, {} bytes of errors and {} of trace, 0 leaks",
        wrong_types().len(),
        seen.len(),
        trace.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_the_wrong_type_never_print() {
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::fast() }).await.unwrap();
    let p = Proxy::start(&e.base_url).await;
    for kind in 0..wrong_types().len() {
        p.on_response(move |s: &Seen, body: &mut Value, _| {
            if s.path.starts_with("/auth/") {
                plant(body, &["access_token", "refresh_token"], &AtomicUsize::new(kind));
            }
        });
        let c = client(&p.base_url, &e);
        let err = c.list_wallets(&Default::default()).await.expect_err("the login answer does not hold a token");
        assert!(!leaks(&format!("{err}")) && !leaks(&format!("{err:?}")), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conformance_run_against_a_host_sending_wrong_type_secrets_writes_none() {
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::fast() }).await.unwrap();
    let p = Proxy::start(&e.base_url).await;
    let turn = Arc::new(AtomicUsize::new(0));
    let t = turn.clone();
    p.on_response(move |s: &Seen, body: &mut Value, _| {
        if !s.path.starts_with("/auth/") && !s.path.starts_with("/_emulator/") {
            plant(body, &order_secrets(), &t);
        }
    });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wrong-type-secrets");
    let _ = std::fs::remove_dir_all(&dir);
    let a = &e.accounts[0];
    let options = Options {
        record: Some(dir.clone()),
        allow_orders: true,
        pace_percent: None,
        credentials: Some((a.key.clone(), a.secret.clone())),
        admin_token: Some(e.admin_token()),
        ..Options::new(Host::Url(p.base_url.clone()))
    };
    let mut log = String::new();
    let run = runner::run(options, |r| log.push_str(&report::progress_line(r))).await.unwrap();
    assert!(turn.load(Ordering::Relaxed) > 0, "secrets were planted");
    assert!(!run.report.passed(), "a host that sends secrets of the wrong type fails the suite");
    let mut written = log;
    for format in ["junit", "json", "markdown"] {
        written.push_str(&report::render(report::Format::parse(format).unwrap(), &run.report));
    }
    for f in files_under(&dir) {
        written.push_str(&std::fs::read_to_string(&f).unwrap());
    }
    for r in &run.report.results {
        written.push_str(&runner::transcript(&run.tap.exchanges(&r.id)).to_string());
    }
    assert!(!leaks(&written), "a report, a cassette or a transcript holds a planted secret");
    eprintln!(
        "wrong-type secrets in a conformance run: {} planted, {} bytes written, 0 leaks",
        turn.load(Ordering::Relaxed),
        written.len()
    );
}
