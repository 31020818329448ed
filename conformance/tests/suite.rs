//! The whole suite against the embedded emulator: every check passes, each scenario's transcript matches
//! its snapshot, a recording leaks no secret and replays without network, and the committed recording
//! of the emulator still replays.
//!
//! Review snapshot changes with `cargo insta review`; CI never writes them (`INSTA_UPDATE=no`).

#[path = "common/client_side.rs"]
mod client_side;

use client_side::files_under;
use conformance::emulator::{Config, default_accounts};
use conformance::redact;
use conformance::report;
use conformance::runner::{self, Host, Options, Status};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn options(host: Host, record: Option<PathBuf>) -> Options {
    Options { record, ..Options::new(host) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_against_the_emulator_with_stable_transcripts() {
    let run = runner::run(options(Host::Local(Config::fast()), None), |_| {}).await.unwrap();
    for r in &run.report.results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.id, r.message);
    }
    assert!(run.report.seconds < 30.0, "seconds, not minutes: {}", run.report.seconds);
    for r in &run.report.results {
        let transcript = runner::transcript(&run.tap.exchanges(&r.id));
        insta::assert_yaml_snapshot!(r.id.clone(), transcript);
    }
    // Another seed is another catalog, and the same transcripts.
    let other = runner::run(options(Host::Local(Config { seed: 7, ..Config::fast() }), None), |_| {}).await.unwrap();
    for r in &run.report.results {
        assert_eq!(
            runner::transcript(&run.tap.exchanges(&r.id)),
            runner::transcript(&other.tap.exchanges(&r.id)),
            "{} differs between seeds",
            r.id
        );
    }
    let md = report::markdown(&run.report);
    assert!(md.contains("| check | result | time | details |") && md.contains("`paging.walk` | ✅ pass"), "{md}");
    let junit = report::junit(&run.report);
    assert!(junit.contains("<testsuite name=\"octopus-conformance\" tests=\"20\" failures=\"0\""), "{junit}");
}

/// Every secret value the host handed out during a run, read from the tap's in-memory (unredacted) log.
fn secrets_seen(run: &runner::Run) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn collect(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    match (k.as_str(), child) {
                        (
                            "access_token" | "refresh_token" | "activation_code" | "iccid" | "card_number"
                            | "claim_url",
                            Value::String(s),
                        ) => {
                            out.insert(s.clone());
                        }
                        _ => collect(child, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    for r in &run.report.results {
        for e in run.tap.exchanges(&r.id).into_iter().chain(run.tap.exchanges("setup")) {
            if let Some(v) = e.json() {
                collect(&v, &mut out);
            }
        }
    }
    out
}

/// Every `pin_code` in a cassette is redacted or null.
fn pins_redacted(text: &str) -> bool {
    let exchanges: Vec<conformance::tap::Exchange> = serde_yaml::from_str(text).unwrap();
    exchanges.iter().filter_map(|e| e.json()).all(|v| {
        let mut ok = true;
        fn walk(v: &Value, ok: &mut bool) {
            match v {
                Value::Object(m) => m.iter().for_each(|(k, c)| {
                    if k == "pin_code" && !(c.is_null() || c == redact::REDACTED) {
                        *ok = false;
                    }
                    walk(c, ok)
                }),
                Value::Array(a) => a.iter().for_each(|c| walk(c, ok)),
                _ => {}
            }
        }
        walk(&v, &mut ok);
        ok
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_leaks_no_planted_secret_and_replays_offline() {
    // Planted credentials, unique to this test.
    let mut accounts = default_accounts();
    accounts[0].key = "planted-key-5c1e9a".into();
    accounts[0].secret = "planted-secret-0b7d44".into();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recording-audit");
    let _ = std::fs::remove_dir_all(&dir);
    let mut log = String::new();
    let host = Host::Local(Config { accounts, ..Config::fast() });
    let run = runner::run(options(host, Some(dir.clone())), |r| log.push_str(&report::progress_line(r))).await.unwrap();
    assert!(run.report.passed());
    for (format, name) in [("junit", "report.xml"), ("json", "report.json"), ("markdown", "report.md")] {
        std::fs::write(dir.join(name), report::render(report::Format::parse(format).unwrap(), &run.report)).unwrap();
    }
    let mut planted = secrets_seen(&run);
    assert!(planted.iter().any(|s| s.starts_with("LPA:1$")), "the run saw activation codes");
    assert!(planted.iter().any(|s| s.starts_with("EMU")), "the run saw voucher codes");
    planted.extend(["planted-key-5c1e9a".to_string(), "planted-secret-0b7d44".to_string()]);
    let mut written = String::from(&log);
    for f in files_under(&dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        if f.extension().is_some_and(|e| e == "yaml") && !f.ends_with("meta.yaml") {
            assert!(pins_redacted(&text), "{} holds a PIN", f.display());
        }
        written.push_str(&text);
    }
    let transcripts: String =
        run.report.results.iter().map(|r| runner::transcript(&run.tap.exchanges(&r.id)).to_string()).collect();
    written.push_str(&transcripts);
    for secret in &planted {
        assert!(
            !written.contains(secret.as_str()),
            "a secret ({} characters) reached a file, a snapshot or the log",
            secret.len()
        );
    }
    assert!(!written.contains("eyJ"), "no JWT anywhere");
    eprintln!("secret audit: {} planted or issued values, 0 leaks in {} bytes", planted.len(), written.len());

    let replay = runner::run(options(Host::Replay(dir), None), |_| {}).await.unwrap();
    for r in &replay.report.results {
        assert_eq!(r.status, Status::Pass, "replay of {}: {:?}", r.id, r.message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committed_recording_of_the_emulator_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings/emulator");
    let run = runner::run(options(Host::Replay(dir), None), |_| {}).await.unwrap();
    assert_eq!(run.report.results.len(), 20);
    for r in &run.report.results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.id, r.message);
    }
}

#[tokio::test]
async fn a_replay_names_the_request_that_does_not_match() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recording-mismatch");
    let _ = std::fs::remove_dir_all(&dir);
    let one = |host| Options { record: Some(dir.clone()), checks: vec!["errors.bad_id".into()], ..Options::new(host) };
    runner::run(one(Host::Local(Config::fast())), |_| {}).await.unwrap();
    let cassette = dir.join("errors.bad_id.yaml");
    let text =
        std::fs::read_to_string(&cassette).unwrap().replace("/api/v1/esim/products/0", "/api/v1/esim/products/7");
    std::fs::write(&cassette, text).unwrap();
    let replay = Options { checks: vec!["errors.bad_id".into()], ..Options::new(Host::Replay(dir)) };
    let run = runner::run(replay, |_| {}).await.unwrap();
    let r = &run.report.results[0];
    assert_eq!(r.status, Status::Fail);
    let message = r.message.clone().unwrap_or_default();
    assert!(message.contains("expected GET /api/v1/esim/products/7, got GET /api/v1/esim/products/0"), "{message}");
}

#[tokio::test]
async fn debug_output_of_responses_and_errors_holds_no_secret() {
    use octopus_client::models::{CreateEsimOrderRequest, CreateVoucherOrderRequest, LoginRequest};
    use rust_decimal::Decimal;
    let mut accounts = default_accounts();
    accounts[0].key = "planted-key-9d2f11".into();
    accounts[0].secret = "planted-secret-77aa30".into();
    let e = conformance::emulator::Emulator::start(Config { accounts, ..Config::fast() }).await.unwrap();
    let client = octopus_client::Client::builder(e.base_url.clone())
        .credentials("planted-key-9d2f11", "planted-secret-77aa30")
        .build()
        .unwrap();
    let mut printed = format!("{client:?}");
    let mut secrets = vec!["planted-key-9d2f11".to_string(), "planted-secret-77aa30".to_string()];
    let login = LoginRequest::new("planted-key-9d2f11", "planted-secret-77aa30");
    printed.push_str(&format!("{login:?}"));
    let tokens = client.login(&login).await.unwrap();
    printed.push_str(&format!("{tokens:?}"));
    secrets.extend([tokens.body.data.access_token.clone(), tokens.body.data.refresh_token.clone()]);
    let esim = CreateEsimOrderRequest::new(712, Decimal::new(450, 2));
    let order = client.create_esim_order(&esim).await.unwrap();
    printed.push_str(&format!("{order:?}"));
    secrets.push(order.body.activation_code.as_ref().expect("a delivered eSIM has a code").reveal().to_string());
    secrets.push(order.body.iccid.clone().expect("and an ICCID"));
    let voucher = CreateVoucherOrderRequest::new(123, Decimal::new(1000, 2), 2);
    let vouchers = client.create_voucher_order(&voucher).await.unwrap();
    printed.push_str(&format!("{vouchers:?}"));
    for v in &vouchers.body.vouchers {
        secrets.extend(v.card_number.clone());
        secrets.extend(v.pin_code.clone());
    }
    let wrong = octopus_client::Client::builder(e.base_url.clone())
        .credentials("planted-key-9d2f11", "wrong-secret-5be1")
        .build()
        .unwrap();
    let error = wrong.list_wallets(&Default::default()).await.unwrap_err();
    printed.push_str(&format!("{error:?} {error}"));
    secrets.push("wrong-secret-5be1".into());
    assert!(secrets.len() >= 9);
    for s in &secrets {
        // A four-digit PIN could be part of an id; a leaked one would print as a quoted string.
        let needle = if s.len() < 8 { format!("{s:?}") } else { s.clone() };
        assert!(!printed.contains(&needle), "a secret ({} characters) is in Debug output", s.len());
    }
}
