//! `cargo xtask bench --against progenitor`: progenitor 0.15.1 measured beside our generator in the same run.
//!
//! A harness crate (`xtask/progenitor-harness`, built outside the workspace under `target/`) links both
//! generators as libraries and times them on the same documents in one process, in turn, round after round.
//! Then both outputs are compiled back to back in one target directory, dependencies prebuilt: `cargo check`
//! and `cargo build` from clean, wall time and rustc's peak memory. Too heavy for CI (it builds progenitor and
//! both crates), so CI never runs it; `bench --quick` does not either.

use crate::bench::{Row, row};
use crate::measure::{self, Measured};
use std::path::{Path, PathBuf};
use std::process::Command;

const HARNESS_MANIFEST: &str = include_str!("../progenitor-harness/Cargo.toml.in");
const HARNESS_MAIN: &str = include_str!("../progenitor-harness/src/main.rs");

/// One document's generation, as the harness reports it.
#[derive(Debug, serde::Deserialize)]
struct Generated {
    name: String,
    ours_ms: f64,
    progenitor_ms: Option<f64>,
    progenitor_error: Option<String>,
    rounds: usize,
}

/// The rows: generation of octopus, every shared third-party document and any `--spec NAME=PATH` documents;
/// compilation of nexus's crates and the `--spec` documents'.
pub fn run(quick: bool, extra: &[(String, PathBuf)]) -> Result<Vec<Row>, String> {
    let root = crate::root();
    let dir = root.join("target/bench-progenitor");
    let harness = build_harness(&dir)?;
    let mut specs: Vec<(String, PathBuf)> = vec![
        ("octopus".into(), root.join("spec/octopus.yaml")),
        ("nexus".into(), root.join("../shared/specs/nexus.json")),
    ];
    // The other shared third-party documents are generated too (not compiled): what progenitor cannot
    // generate is part of the comparison.
    let shared = std::fs::read_dir(root.join("../shared/specs")).map_err(|e| format!("../shared/specs: {e}"))?;
    let mut others: Vec<PathBuf> = shared
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml") && !p.ends_with("nexus.json"))
        .collect();
    others.sort();
    for path in others {
        let stem = path.file_stem().map(|s| s.to_string_lossy().replace('.', "-")).unwrap_or_default();
        specs.push((stem, path));
    }
    specs.extend(extra.iter().cloned());
    let compile: Vec<&str> = std::iter::once("nexus").chain(extra.iter().map(|(n, _)| n.as_str())).collect();
    let rounds = if quick { 3 } else { 15 };
    let out = dir.join("out");
    let mut cmd = Command::new(&harness);
    cmd.arg(rounds.to_string()).arg(&out);
    for (name, path) in &specs {
        let path = std::path::absolute(path).map_err(|e| e.to_string())?;
        cmd.arg(format!("{name}={}", path.display()));
    }
    let output = cmd.output().map_err(|e| format!("{}: {e}", harness.display()))?;
    if !output.status.success() {
        return Err(format!("the harness failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    let mut rows = Vec::new();
    let mut compiled = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let g: Generated = serde_json::from_str(line).map_err(|e| format!("harness output `{line}`: {e}"))?;
        let figure = format!("generate {} (median of {}, same process)", g.name, g.rounds);
        let ours = format!("{:.1} ms", g.ours_ms);
        match (g.progenitor_ms, &g.progenitor_error) {
            (Some(p), _) => {
                rows.push(row(&figure, ours, format!("{p:.1} ms"), Some(g.ours_ms / p), "<= 0.4x"));
                compiled.push(g.name.clone());
            }
            (None, error) => {
                let why = error.clone().unwrap_or_default();
                let why: String = why.lines().next().unwrap_or_default().chars().take(90).collect();
                rows.push(row(&figure, ours, format!("cannot: {why}"), None, ""));
            }
        }
    }
    if !quick {
        let target = dir.join("target-crates");
        for name in compiled.iter().filter(|n| compile.contains(&n.as_str())) {
            rows.extend(compile_pair(&out.join(name), name, &target, 3)?);
        }
    }
    Ok(rows)
}

/// Writes the harness under `dir` and builds it in release mode; its binary's path.
fn build_harness(dir: &Path) -> Result<PathBuf, String> {
    let src = dir.join("harness");
    std::fs::create_dir_all(src.join("src")).map_err(|e| e.to_string())?;
    let codegen = std::path::absolute(crate::root().join("codegen")).map_err(|e| e.to_string())?;
    let manifest = HARNESS_MANIFEST.replace("@CODEGEN@", &codegen.display().to_string());
    std::fs::write(src.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(src.join("src/main.rs"), HARNESS_MAIN).map_err(|e| e.to_string())?;
    let target = dir.join("target-harness");
    println!("building the progenitor harness (progenitor 0.15.1 and our generator, release)...");
    measure::run(
        Command::new(crate::cargo())
            .args(["build", "--release", "--quiet"])
            .current_dir(&src)
            .env("CARGO_TARGET_DIR", &target),
    )?;
    Ok(target.join("release/progenitor-harness"))
}

/// The run with the median wall time, with the highest peak memory of all runs.
fn median(mut runs: Vec<Measured>) -> Measured {
    let peak = runs.iter().map(|m| m.peak_rss).max().unwrap_or(0);
    runs.sort_by_key(|m| m.wall);
    let mid = runs.get(runs.len() / 2).copied().unwrap_or(Measured { wall: Default::default(), peak_rss: 0 });
    Measured { peak_rss: peak, ..mid }
}

/// `cargo check` and `cargo build` of both crates generated from one document, from clean with dependencies
/// prebuilt, in turn, in one target directory.
fn compile_pair(dir: &Path, name: &str, target: &Path, rounds: usize) -> Result<Vec<Row>, String> {
    let crates = [(dir.join("ours"), format!("ours-{name}")), (dir.join("progenitor"), format!("progenitor-{name}"))];
    let cargo_in = |krate: &Path, args: &[&str]| -> Result<Measured, String> {
        measure::run(
            Command::new(crate::cargo()).args(args).arg("--quiet").current_dir(krate).env("CARGO_TARGET_DIR", target),
        )
    };
    for (krate, _) in &crates {
        cargo_in(krate, &["build"])?; // dependencies
        cargo_in(krate, &["check"])?;
    }
    // Each figure is the median of `rounds` runs, ours and progenitor's in turn (a single compile is noisy).
    let mut figures: Vec<(&str, Measured, Measured)> = Vec::new();
    for verb in ["check", "build"] {
        let mut took: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (i, (krate, package)) in crates.iter().enumerate() {
                cargo_in(krate, &["clean", "--package", package])?;
                took[i].push(cargo_in(krate, &[verb])?);
            }
        }
        let [ours, theirs] = took.map(median);
        figures.push((verb, ours, theirs));
    }
    let mut rows = Vec::new();
    for (verb, ours, theirs) in figures {
        let bound = if verb == "check" { "<= 0.5x" } else { "<= 0.4x" };
        let ratio = ours.wall.as_secs_f64() / theirs.wall.as_secs_f64();
        rows.push(row(
            &format!("{name} crate: cargo {verb} from clean, dependencies prebuilt (median of {rounds})"),
            ours.secs(),
            format!("{} (progenitor)", theirs.secs()),
            Some(ratio),
            bound,
        ));
        rows.push(row(&format!("  {name} {verb}: peak rustc memory"), ours.peak(), theirs.peak(), None, ""));
    }
    Ok(rows)
}
