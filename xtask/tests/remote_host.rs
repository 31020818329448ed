//! The suite against a remote host: the standalone sandbox, started as its own process and reached over HTTP
//! like the partner's. Polite by default (quota probes skipped, requests paced), explicit about load, and the
//! end-of-run figures agree with the tap's own log.

#[path = "common/sandbox.rs"]
mod sandbox;

use conformance::checks::NO_CONTROL;
use conformance::runner::{self, Host, Options, Run, Status};
use conformance::tap::Exchange;
use sandbox::Sandbox;
use std::process::Command;

async fn run_against(sandbox: &Sandbox, allow: impl FnOnce(&mut Options)) -> Run {
    let mut opts = Options::new(Host::Url(sandbox.url()));
    opts.credentials = Some(sandbox.credentials());
    allow(&mut opts);
    runner::run(opts, |_| {}).await.expect("the run starts")
}

fn status_of(run: &Run, id: &str) -> Status {
    run.report.results.iter().find(|r| r.id == id).map(|r| r.status).expect("the check is in the report")
}

/// The figures counted straight from the tap's log, without the spec: requests, 2xx order creates, 429s.
fn counted(run: &Run) -> (usize, usize, usize) {
    let log: Vec<Exchange> = run.tap.all_exchanges().into_iter().map(|(_, e)| e).collect();
    let creates = ["/api/v1/orders", "/api/v1/topups/orders", "/api/v1/esim/orders"];
    let orders = log
        .iter()
        .filter(|e| e.method == "POST" && creates.contains(&e.path.as_str()) && (200..300).contains(&e.status))
        .count();
    (log.len(), orders, log.iter().filter(|e| e.status == 429).count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_allow_load_the_quota_probe_is_skipped_and_the_run_stays_light() {
    let sandbox = Sandbox::start(&["--fast"]);
    let run = run_against(&sandbox, |_| {}).await;
    let probe = run.report.results.iter().find(|r| r.id == "errors.rate_limit").unwrap();
    assert_eq!(probe.status, Status::Skip);
    let why = probe.message.as_deref().unwrap_or_default();
    assert!(why.contains("exhausts a per-minute quota") && why.contains("--allow-load"), "{why}");
    for r in &run.report.results {
        assert_ne!(r.status, Status::Fail, "{}: {:?}", r.id, r.message);
        assert!(!r.warnings.iter().any(|w| w.contains("HTTP 429")), "{}: {:?}", r.id, r.warnings);
    }
    let t = &run.report.traffic;
    assert!(t.requests < 200, "a polite run sends fewer than 200 requests, not {}", t.requests);
    assert_eq!((t.requests, t.orders_placed, t.too_many_requests), counted(&run));
    assert_eq!((t.orders_placed, t.spent.len()), (0, 0), "no --allow-orders, no orders");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_allow_load_the_probe_runs_and_the_figures_match_the_tap() {
    let sandbox = Sandbox::start(&["--fast"]);
    let run = run_against(&sandbox, |o| {
        o.allow_load = true;
        o.allow_orders = true;
    })
    .await;
    for r in &run.report.results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.id, r.message);
    }
    assert_eq!(status_of(&run, "errors.rate_limit"), Status::Pass);
    let t = &run.report.traffic;
    assert_eq!((t.requests, t.orders_placed, t.too_many_requests), counted(&run));
    assert!(t.too_many_requests >= 1, "the probe met its 429");
    assert!(t.orders_placed >= 5 && t.spent.contains_key("USD"), "{t:?}");
}

#[test]
fn the_command_line_skips_with_a_reason_and_states_the_load() {
    let sandbox = Sandbox::start(&["--fast"]);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["conformance", "--host", &sandbox.url(), "--check", "errors.rate_limit", "--check", "errors.bad_id"])
        .envs(sandbox.env.iter().cloned())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("skip errors.rate_limit") && stdout.contains("pass --allow-load to run it"), "{stdout}");
    assert!(stdout.contains("Load on the host: "), "{stdout}");
    for bad in ["0", "101", "fast"] {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["conformance", "--pace", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--pace {bad}");
    }
}

/// The checks that say they ran weaker for lack of a control surface.
fn weaker(run: &Run) -> Vec<String> {
    run.report
        .results
        .iter()
        .filter(|r| r.warnings.iter().any(|w| w.starts_with(NO_CONTROL)))
        .map(|r| r.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_admin_token_every_check_runs_in_full_over_http() {
    let sandbox = Sandbox::start(&["--fast"]);
    let run = run_against(&sandbox, |o| {
        o.allow_orders = true;
        o.allow_load = true;
        o.admin_token = Some(sandbox.var("OCTOPUS_EMULATOR_ADMIN_TOKEN"));
    })
    .await;
    for r in &run.report.results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.id, r.message);
    }
    assert_eq!(weaker(&run), Vec::<String>::new(), "no check ran weaker");
    assert_eq!(run.report.results.len(), conformance::checks::all().len(), "no check was skipped or left out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_admin_token_the_weaker_checks_say_which_and_why() {
    let sandbox = Sandbox::start(&["--fast"]);
    let run = run_against(&sandbox, |o| {
        o.allow_orders = true;
        o.allow_load = true;
    })
    .await;
    for r in &run.report.results {
        assert_eq!(r.status, Status::Pass, "{}: {:?}", r.id, r.message);
    }
    let weaker = weaker(&run);
    for id in ["branching.esim", "branching.activation_code", "errors.not_found"] {
        assert!(weaker.iter().any(|w| w == id), "{id} says it ran weaker: {weaker:?}");
    }
    // The topup check is weaker only when the host happened to answer at once.
    assert!(weaker.len() <= 4, "{weaker:?}");
}

#[test]
fn a_wrong_admin_token_is_refused_up_front() {
    let sandbox = Sandbox::start(&["--fast"]);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["conformance", "--host", &sandbox.url(), "--check", "errors.bad_id"])
        .envs(sandbox.env.iter().cloned())
        .env("OCTOPUS_EMULATOR_ADMIN_TOKEN", "not-the-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("control surface refused") && err.contains("HTTP 403"), "{err}");
}

#[tokio::test]
async fn the_sandbox_draws_a_new_admin_token_and_signing_key_at_every_start_unless_given() {
    let token = |s: &Sandbox| s.var("OCTOPUS_EMULATOR_ADMIN_TOKEN");
    let (a, b) = (Sandbox::start(&["--fast"]), Sandbox::start(&["--fast"]));
    assert_ne!(token(&a), token(&b), "the same seed, another token");
    let given = Sandbox::start(&["--fast", "--admin-token", "given-admin-token", "--signing-key", "given-key"]);
    assert_eq!(token(&given), "given-admin-token");
    let (key, secret) = given.credentials();
    let client = octopus_client::Client::builder(given.url()).build().unwrap();
    let login = client.login(&octopus_client::models::LoginRequest::new(key, secret)).await.unwrap();
    let access = login.body.data.access_token;
    assert!(conformance::emulator::jwt::verify(&access, b"given-key").is_some(), "signed with the given key");
}
