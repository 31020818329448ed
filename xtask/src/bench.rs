//! `cargo xtask bench [--quick] [--json PATH]`: the whole pipeline measured against baselines run side by side
//! in the same process, reported as ratios (numbers drift on shared machines; ratios much less). Runs in
//! release mode (re-running itself there when started from a debug build). `--quick` runs fewer rounds and
//! skips the compile-cost figures; it fails only when the harness breaks, never on a slow machine. `--only
//! FAMILY` runs one family (`generation`, `catalog walk`, ...), for profiling.

use codegen::CrateOptions;
use conformance::emulator::{Config, Emulator};
use conformance::runner::{self, Host, Options};
use futures_util::StreamExt;
use octopus_client::operations::ListVoucherProductsParams;
use serde::Serialize;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    figure: String,
    ours: String,
    baseline: String,
    /// ours / baseline, in the direction the figure states.
    ratio: Option<f64>,
    bound: String,
}

pub fn row(figure: &str, ours: String, baseline: String, ratio: Option<f64>, bound: &str) -> Row {
    Row { figure: figure.into(), ours, baseline, ratio, bound: bound.into() }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Measure the pipeline against baselines in the same run, in release mode.
///
/// Generation, generated code, compile cost, client overhead, decoding, catalog walks, the conformance
/// suite and the emulator under load, each as a ratio against its baseline.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fewer rounds and no compile cost; fails only when the harness breaks
    #[arg(long)]
    quick: bool,
    /// One figure family only (`generation`, `catalog walk`, ...), for profiling
    #[arg(long, value_name = "FAMILY")]
    only: Option<String>,
    /// Also write the rows as JSON
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Measure against another generator in the same run instead (builds it; not for CI)
    #[arg(long, value_enum)]
    against: Option<Against>,
    /// Instead: generation and compile cost against the generator at this git revision, in the same run
    /// (nexus and the --spec documents; "nothing gets slower", bound 1.05x; builds the generator twice)
    #[arg(long, value_name = "REV", conflicts_with = "against")]
    baseline_rev: Option<String>,
    /// With --against or --baseline-rev: another document to generate and compile, as NAME=PATH (repeatable)
    #[arg(long = "spec", value_name = "NAME=PATH", value_parser = crate::tag_cost::named_path)]
    specs: Vec<(String, PathBuf)>,
    /// Instead: `cargo check` cost of NAME=PATH's crate in full and with single tags (see --tags)
    #[arg(long, value_name = "NAME=PATH", value_parser = crate::tag_cost::named_path)]
    tag_cost: Option<(String, PathBuf)>,
    /// With --tag-cost: the tags to check alone, comma-separated
    #[arg(long, value_delimiter = ',', requires = "tag_cost")]
    tags: Vec<String>,
}

/// The generators `--against` can run.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Against {
    /// progenitor 0.15.1, as a library in a harness crate built outside the workspace
    Progenitor,
}

pub fn run(a: Args) -> ExitCode {
    let (quick, json, only) = (a.quick, a.json, a.only);
    let mut args: Vec<String> = Vec::new();
    if a.against.is_some() {
        args.extend(["--against".into(), "progenitor".into()]);
    }
    if let Some(rev) = &a.baseline_rev {
        args.extend(["--baseline-rev".into(), rev.clone()]);
    }
    for (name, path) in &a.specs {
        args.extend(["--spec".into(), format!("{name}={}", path.display())]);
    }
    if let Some((name, path)) = &a.tag_cost {
        args.extend(["--tag-cost".into(), format!("{name}={}", path.display())]);
    }
    if !a.tags.is_empty() {
        args.extend(["--tags".into(), a.tags.join(",")]);
    }
    if quick {
        args.push("--quick".into());
    }
    if let Some(o) = &only {
        args.extend(["--only".into(), o.clone()]);
    }
    if let Some(j) = &json {
        args.extend(["--json".into(), j.display().to_string()]);
    }
    if cfg!(debug_assertions) {
        // Timings of a debug build mean nothing: run the release build with the same arguments.
        let cargo = crate::cargo();
        let status = Command::new(cargo)
            .args(["run", "--quiet", "--release", "--package", "xtask", "--", "bench"])
            .args(args)
            .current_dir(crate::root())
            .status();
        return match status {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: cannot run the release build: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match crate::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cargo xtask bench{}: release build, {cores} cores\n", if quick { " --quick" } else { "" });
    let mut rows = Vec::new();
    let (specs, tag_cost, tags) = (a.specs, a.tag_cost, a.tags);
    let mut steps: Vec<(&str, Step)> = vec![
        ("generation", Box::new(generation)),
        ("generated code", Box::new(code_size)),
        ("compile cost", Box::new(compile_cost)),
        ("client overhead", Box::new(|q| runtime.block_on(client_overhead(q)))),
        ("decode throughput", Box::new(decode_throughput)),
        ("catalog walk", Box::new(|q| runtime.block_on(catalog_walk(q)))),
        ("catalog cache", Box::new(|q| runtime.block_on(catalog_cache(q)))),
        ("conformance", Box::new(|q| runtime.block_on(conformance_suite(q)))),
        ("emulator", Box::new(|q| runtime.block_on(emulator_load(q)))),
    ];
    // The heavy comparisons run alone.
    if a.against.is_some() {
        steps = vec![
            ("against progenitor", Box::new(|q| crate::against_progenitor::run(q, &specs))),
            ("corpus", Box::new(crate::against_progenitor::corpus)),
        ];
    } else if let Some(rev) = &a.baseline_rev {
        steps = vec![("against revision", Box::new(|q| crate::against_rev::run(rev, q, &specs)))];
    } else if let Some((name, path)) = &tag_cost {
        steps = vec![("tag cost", Box::new(move |_| crate::tag_cost::run(name, path, &tags)))];
    }
    for (name, step) in steps {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        match step(quick) {
            Ok(r) => {
                for x in &r {
                    println!("{}", line(x));
                }
                rows.extend(r);
            }
            Err(e) => {
                eprintln!("error: the {name} benchmark broke: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("\n{}", table(&rows));
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&serde_json::json!({"cores": cores, "quick": quick, "rows": rows}));
        if let Err(e) =
            text.map_err(|e| e.to_string()).and_then(|t| std::fs::write(&path, t).map_err(|e| e.to_string()))
        {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// One family of figures: `quick` in, rows out (or why the harness broke).
type Step<'a> = Box<dyn Fn(bool) -> Result<Vec<Row>, String> + 'a>;

fn line(r: &Row) -> String {
    let ratio = r.ratio.map_or(String::new(), |x| format!("{x:.2}x"));
    format!("  {:<58} {:>14} {:>14} {:>7} {}", r.figure, r.ours, r.baseline, ratio, r.bound)
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("| figure | ours | baseline | ratio | bound |\n|---|---|---|---|---|\n");
    for r in rows {
        let ratio = r.ratio.map_or(String::new(), |x| format!("{x:.2}x"));
        out.push_str(&format!("| {} | {} | {} | {} | {} |\n", r.figure, r.ours, r.baseline, ratio, r.bound));
    }
    out
}

fn spec_path(name: &str) -> PathBuf {
    match name {
        "octopus" => crate::root().join("spec/octopus.yaml"),
        other => crate::root().join("../shared/specs").join(other),
    }
}

fn opts(name: &str) -> CrateOptions {
    CrateOptions { crate_name: package(name), spec_label: name.into(), standalone: true }
}

/// The generated crate's package name for a spec file name (`nexus.json` → `bench-nexus-json`).
fn package(name: &str) -> String {
    format!("bench-{}", name.replace('.', "-"))
}

/// Generation wall time, median of runs, with the stage split. Progenitor is measured in the same run by
/// `--against progenitor`, never quoted as a fixed number.
fn generation(quick: bool) -> Result<Vec<Row>, String> {
    let runs = if quick { 3 } else { 15 };
    let mut rows = Vec::new();
    for (name, bound) in [("octopus", "< 15 ms"), ("nexus.json", "< 37 ms")] {
        let text = std::fs::read_to_string(spec_path(name)).map_err(|e| format!("{name}: {e}"))?;
        let mut walls = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            let g = codegen::generate_str(name, text.clone(), &opts(name)).map_err(|d| d.to_string())?;
            walls.push(t.elapsed());
            last = Some(g.timings);
        }
        let wall = median(walls);
        rows.push(row(&format!("generate {name} (median of {runs})"), ms(wall), String::new(), None, bound));
        if let Some(t) = last {
            let split = format!(
                "load {:.1}, validate {:.1}, model {:.1}, emit {:.1}, format {:.1} ms",
                t.load.as_secs_f64() * 1e3,
                t.validate.as_secs_f64() * 1e3,
                t.model.as_secs_f64() * 1e3,
                t.emit.as_secs_f64() * 1e3,
                t.format.as_secs_f64() * 1e3
            );
            rows.push(row(&format!("  {name} stages (CPU)"), split, String::new(), None, ""));
        }
    }
    Ok(rows)
}

/// Lines of generated code per operation and per schema.
fn code_size(_quick: bool) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for name in ["octopus", "nexus.json"] {
        let text = std::fs::read_to_string(spec_path(name)).map_err(|e| format!("{name}: {e}"))?;
        let g = codegen::generate_str(name, text, &opts(name)).map_err(|d| d.to_string())?;
        let lines: usize = g.files.iter().filter(|(p, _)| p.ends_with(".rs")).map(|(_, f)| f.lines().count()).sum();
        let figure = format!("{name}: {lines} lines, {} operations, {} types", g.operations, g.types);
        let per =
            format!("{:.0} per op, {:.0} per type", lines as f64 / g.operations as f64, lines as f64 / g.types as f64);
        rows.push(row(&figure, per, String::new(), None, ""));
    }
    Ok(rows)
}

/// `cargo check` and `cargo build` of a generated crate from clean (dependencies prebuilt) and after a
/// one-line spec change. Against progenitor: `--against progenitor`.
fn compile_cost(quick: bool) -> Result<Vec<Row>, String> {
    if quick {
        return Ok(vec![row("compile cost", "skipped (--quick)".into(), String::new(), None, "")]);
    }
    let ws = std::env::temp_dir().join("octopus-bench-compile");
    let target = ws.join("target");
    let mut rows = Vec::new();
    for name in ["octopus", "nexus.json"] {
        let dir = ws.join(name.replace('.', "-"));
        let _ = std::fs::remove_dir_all(&dir);
        let text = std::fs::read_to_string(spec_path(name)).map_err(|e| e.to_string())?;
        let g = codegen::generate_str(name, text.clone(), &opts(name)).map_err(|d| d.to_string())?;
        codegen::write::write(&dir, &g.files).map_err(|e| e.to_string())?;
        let cargo = |args: &[&str]| -> Result<Duration, String> {
            let t = Instant::now();
            let out = Command::new(crate::cargo())
                .args(args)
                .arg("--quiet")
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &target)
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(format!("cargo {args:?} in {}: {}", dir.display(), String::from_utf8_lossy(&out.stderr)));
            }
            Ok(t.elapsed())
        };
        let package = package(name);
        cargo(&["build"])?; // dependencies
        cargo(&["check"])?;
        cargo(&["clean", "--package", &package])?;
        let check = cargo(&["check"])?;
        cargo(&["clean", "--package", &package])?;
        let build = cargo(&["build"])?;
        // A one-line spec change: every file's header carries the spec's hash, so all of them change.
        let changed = format!("{text}\n");
        let g = codegen::generate_str(name, changed, &opts(name)).map_err(|d| d.to_string())?;
        codegen::write::write(&dir, &g.files).map_err(|e| e.to_string())?;
        let incremental = cargo(&["build"])?;
        let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        let bounds = if name == "nexus.json" { ["< 5 s", "< 8 s"] } else { ["", ""] };
        for ((verb, took), bound) in [("check", check), ("build", build)].into_iter().zip(bounds) {
            rows.push(row(&format!("{name} crate: cargo {verb} from clean"), secs(took), String::new(), None, bound));
        }
        rows.push(row(
            &format!("{name} crate: cargo build after a spec change"),
            secs(incremental),
            String::new(),
            None,
            "",
        ));
    }
    Ok(rows)
}

/// Requests per second of a generated call against the same request made with plain reqwest + serde_json,
/// interleaved in rounds so both see the same machine.
async fn client_overhead(quick: bool) -> Result<Vec<Row>, String> {
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.map_err(|e| e.to_string())?;
    let a = &e.accounts[0];
    let client = octopus_client::Client::builder(e.base_url.clone())
        .credentials(a.key.clone(), a.secret.clone())
        .build()
        .map_err(|e| e.to_string())?;
    client.get_esim_product(712).await.map_err(|e| format!("{e:?}"))?;
    let token = conformance::load::token(&e.base_url, &a.key, &a.secret).await.ok_or("login failed")?;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/esim/products/712", e.base_url);
    let (rounds, per) = if quick { (3, 200) } else { (10, 1_000) };
    let (mut ours, mut plain) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per {
            client.get_esim_product(712).await.map_err(|e| format!("{e:?}"))?;
        }
        ours += t.elapsed();
        let t = Instant::now();
        for _ in 0..per {
            let r = http
                .get(&url)
                .bearer_auth(&token)
                .header("x-request-id", octopus_client::client::new_request_id())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let _: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
        }
        plain += t.elapsed();
    }
    let n = (rounds * per) as f64;
    let (ours_rps, plain_rps) = (n / ours.as_secs_f64(), n / plain.as_secs_f64());
    Ok(vec![row(
        "generated get_esim_product vs reqwest + serde_json (requests/s)",
        format!("{ours_rps:.0}/s"),
        format!("{plain_rps:.0}/s"),
        Some(ours_rps / plain_rps),
        ">= 0.95x",
    )])
}

/// MB/s decoding a 10,000-item product page with the generated types against `serde_json::Value`.
fn decode_throughput(quick: bool) -> Result<Vec<Row>, String> {
    let item = |i: usize| {
        serde_json::json!({"id": i, "name": format!("Product {i}"), "category": "Gaming", "sub_category": "PC Gaming",
            "country_code": "USA", "currency_code": "USD", "image_url": "https://cdn.example.com/x.png",
            "delivery_mode": "Code with PIN", "delivery_time": "Instant", "validity": "12 months",
            "available_denominations": [{"min_value": 10.0, "max_value": 10.0, "discount": 3.0}, {"min_value": 50.0, "max_value": 50.0, "discount": 3.5}]})
    };
    let page = serde_json::to_vec(&(0..10_000).map(item).collect::<Vec<_>>()).map_err(|e| e.to_string())?;
    let rounds = if quick { 5 } else { 30 };
    let (mut ours, mut value) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let typed: Vec<octopus_client::models::VoucherProduct> =
            serde_json::from_slice(&page).map_err(|e| e.to_string())?;
        ours.push(t.elapsed());
        std::hint::black_box(typed);
        let t = Instant::now();
        let v: serde_json::Value = serde_json::from_slice(&page).map_err(|e| e.to_string())?;
        value.push(t.elapsed());
        std::hint::black_box(v);
    }
    let mb = page.len() as f64 / 1e6;
    let (o, v) = (mb / median(ours).as_secs_f64(), mb / median(value).as_secs_f64());
    Ok(vec![row(
        &format!("decode a 10,000-item page ({mb:.1} MB), MB/s"),
        format!("{o:.0} MB/s"),
        format!("{v:.0} MB/s (Value)"),
        Some(o / v),
        "",
    )])
}

/// Every page of a 10,000+-item catalog at latency L per request, sequentially and k at a time, against
/// the bound L x ceil(pages / k) + L.
async fn catalog_walk(quick: bool) -> Result<Vec<Row>, String> {
    let latencies: &[u64] = if quick { &[5] } else { &[20, 50] };
    let mut rows = Vec::new();
    for &l in latencies {
        rows.extend(walk_at(Duration::from_millis(l)).await?);
    }
    Ok(rows)
}

async fn walk_at(latency: Duration) -> Result<Vec<Row>, String> {
    let config = Config { rate_limit_scale: None, latency, extra_vouchers: 9_000, ..Config::default() };
    let e = Emulator::start(config).await.map_err(|e| e.to_string())?;
    let a = &e.accounts[0];
    let client = octopus_client::Client::builder(e.base_url.clone())
        .credentials(a.key.clone(), a.secret.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let per_page = 100;
    let mut rows = Vec::new();
    for k in [1usize, 4, 8, 16] {
        let params = ListVoucherProductsParams::new().limit(per_page);
        let t = Instant::now();
        let items: Vec<_> = client.list_voucher_products_stream(&params, k).collect().await;
        let took = t.elapsed();
        let count = items.iter().filter(|r| r.is_ok()).count();
        if count != items.len() || count < 10_000 {
            return Err(format!("the walk with k = {k} saw {count} items of {}", items.len()));
        }
        let pages = count.div_ceil(per_page as usize) as u32;
        let bound = latency * pages.div_ceil(k as u32) + latency;
        let target = if k == 8 { "<= 1.2x at k = 8" } else { "" };
        rows.push(row(
            &format!("walk {count} items, {pages} pages, L = {} ms, k = {k}", latency.as_millis()),
            ms(took),
            format!("{} (bound)", ms(bound)),
            Some(took.as_secs_f64() / bound.as_secs_f64()),
            target,
        ));
    }
    Ok(rows)
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1))).copied().unwrap_or_default()
}

/// The cache (feature `cache`) against the uncached client in the same run: reads per second of a cached
/// product detail; p99 of reads while a background refresh runs (the host answering in 20 ms), against the
/// uncached read's p99 at the same latency; and the requests a reseller's catalog traffic sends over a
/// simulated hour (the guide's mix, on a clock the bench drives) with and without the cache.
async fn catalog_cache(quick: bool) -> Result<Vec<Row>, String> {
    use octopus_client::models::{AvailabilityRequest, VoucherChargesRequest};
    use octopus_client::operations::ListWalletsParams;
    use octopus_client::{CacheConfig, Client, ManualClock};
    let build = |e: &Emulator, clock: Option<&ManualClock>| {
        let a = &e.accounts[0];
        let b = Client::builder(e.base_url.clone()).credentials(a.key.clone(), a.secret.clone());
        let b = match clock {
            Some(c) => b.cache(CacheConfig::new().clock(c.clone())),
            None => b,
        };
        b.build().map_err(|e| e.to_string())
    };
    let err = |e: octopus_client::Error<octopus_client::models::ErrorEnvelope>| format!("{e:?}");
    let mut rows = Vec::new();

    // 1. Reads per second, interleaved rounds.
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.map_err(|e| e.to_string())?;
    let clock = ManualClock::new();
    let (cached, plain) = (build(&e, Some(&clock))?, build(&e, None)?);
    cached.get_voucher_product(123).await.map_err(err)?;
    plain.get_voucher_product(123).await.map_err(err)?;
    let (rounds, per) = if quick { (3, 200) } else { (10, 1_000) };
    let (mut ours, mut base) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per {
            let r = cached.get_voucher_product(123).await.map_err(err)?;
            if !r.cached() {
                return Err("a cached read reached the server".into());
            }
        }
        ours += t.elapsed();
        let t = Instant::now();
        for _ in 0..per {
            plain.get_voucher_product(123).await.map_err(err)?;
        }
        base += t.elapsed();
    }
    let n = (rounds * per) as f64;
    let (o, b) = (n / ours.as_secs_f64(), n / base.as_secs_f64());
    rows.push(row(
        "cached get_voucher_product vs uncached (reads/s)",
        format!("{o:.0}/s"),
        format!("{b:.0}/s"),
        Some(o / b),
        "",
    ));

    // 2. p99 while a background refresh runs, the host answering in 20 ms.
    let latency = Duration::from_millis(20);
    let e = Emulator::start(Config { rate_limit_scale: None, latency, ..Config::default() })
        .await
        .map_err(|e| e.to_string())?;
    let clock = ManualClock::new();
    let (cached, plain) = (build(&e, Some(&clock))?, build(&e, None)?);
    cached.get_voucher_product(123).await.map_err(err)?;
    let cycles = if quick { 5 } else { 20 };
    let (mut during, mut uncached) = (Vec::new(), Vec::new());
    for _ in 0..cycles {
        clock.advance(Duration::from_secs(901));
        loop {
            let t = Instant::now();
            let r = cached.get_voucher_product(123).await.map_err(err)?;
            if !r.stale() {
                break;
            }
            during.push(t.elapsed());
            tokio::task::yield_now().await;
        }
        let t = Instant::now();
        plain.get_voucher_product(123).await.map_err(err)?;
        uncached.push(t.elapsed());
    }
    let refreshes = cached.cache().map_or(0, |c| c.stats().refreshes);
    if refreshes != cycles {
        return Err(format!("{refreshes} refreshes for {cycles} stale cycles"));
    }
    let (o, b) = (p99(during.clone()), p99(uncached));
    rows.push(row(
        &format!("p99 of {} reads during {cycles} background refreshes (L = 20 ms) vs uncached", during.len()),
        format!("{:.3} ms", o.as_secs_f64() * 1e3),
        ms(b),
        Some(o.as_secs_f64() / b.as_secs_f64()),
        "",
    ));

    // 3. A simulated hour of a reseller's catalog traffic, the guide's mix per minute: reference data on
    // each page view, product lists (3 filters), product detail (10 products), charges (5 quantities), and
    // what is never cached (availability, wallets).
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.map_err(|e| e.to_string())?;
    let clock = ManualClock::new();
    let probe = build(&e, None)?;
    let ids: Vec<i64> = probe
        .list_voucher_products(&ListVoucherProductsParams::new())
        .await
        .map_err(err)?
        .body
        .iter()
        .map(|p| p.id)
        .take(10)
        .collect();
    let mut sent = [0u64; 2];
    let mut calls = 0u64;
    for (i, client) in [build(&e, None)?, build(&e, Some(&clock))?].iter().enumerate() {
        calls = 0;
        for _minute in 0..60 {
            for _ in 0..5 {
                client.list_countries().await.map_err(err)?;
                client.list_categories().await.map_err(err)?;
                calls += 2;
            }
            for search in ["steam", "pubg", "netflix"] {
                client.list_voucher_products(&ListVoucherProductsParams::new().search(search)).await.map_err(err)?;
                calls += 1;
            }
            for id in ids.iter().chain(ids.iter()) {
                client.get_voucher_product(*id).await.map_err(err)?;
                calls += 1;
            }
            for q in 1..=5 {
                client
                    .calculate_voucher_charges(
                        123,
                        &VoucherChargesRequest::new(octopus_client::models::PositiveMoney::from(10), q),
                    )
                    .await
                    .map_err(err)?;
                calls += 1;
            }
            client
                .check_voucher_availability(
                    123,
                    &AvailabilityRequest::new(octopus_client::models::PositiveMoney::from(10), 1),
                )
                .await
                .map_err(err)?;
            client.list_wallets(&ListWalletsParams::new()).await.map_err(err)?;
            calls += 2;
            clock.advance(Duration::from_secs(60));
            // Let the minute's background refreshes land.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        sent[i] = match client.cache() {
            Some(c) => {
                let s = c.stats();
                calls - s.hits - s.stale_hits + s.refreshes
            }
            None => calls,
        };
    }
    rows.push(row(
        &format!("requests sent in a simulated hour of the guide's mix ({calls} calls)"),
        format!("{} cached", sent[1]),
        format!("{} uncached", sent[0]),
        Some(sent[1] as f64 / sent[0] as f64),
        "",
    ));
    Ok(rows)
}

async fn conformance_suite(_quick: bool) -> Result<Vec<Row>, String> {
    let opts = Options::new(Host::Local(Config::fast()));
    let t = Instant::now();
    let run = runner::run(opts, |_| {}).await?;
    let took = t.elapsed();
    if !run.report.passed() {
        return Err("the conformance suite failed against the emulator".into());
    }
    Ok(vec![row(
        &format!("conformance suite, {} checks, embedded emulator", run.report.results.len()),
        format!("{:.2} s", took.as_secs_f64()),
        String::new(),
        None,
        "< 10 s",
    )])
}

async fn emulator_load(quick: bool) -> Result<Vec<Row>, String> {
    let e = Emulator::start(Config { rate_limit_scale: None, ..Config::default() }).await.map_err(|e| e.to_string())?;
    let a = &e.accounts[0];
    let token = conformance::load::token(&e.base_url, &a.key, &a.secret).await.ok_or("login failed")?;
    let n = if quick { 5_000 } else { 20_000 };
    conformance::load::drive(&e.base_url, &token, 64, 2_000).await;
    let r = conformance::load::drive(&e.base_url, &token, 64, n).await;
    if r.errors > 0 {
        return Err(format!("{} errors under load", r.errors));
    }
    Ok(vec![row(
        &format!("emulator: {n} requests on 64 connections, 0 errors"),
        format!("{:.0}/s", r.per_second()),
        String::new(),
        None,
        &format!("p50 {}, p99 {}", ms(r.percentile(0.5)), ms(r.percentile(0.99))),
    )])
}
