//! `cargo xtask bench --baseline-rev REV [--spec NAME=PATH]`: "nothing gets slower", measured in one run.
//!
//! The generator at git revision REV is extracted under `target/bench-rev/` (`git archive`, so the checkout
//! is untouched) and its `bootstrap` binary built in release mode; ours is built the same way. Both binaries
//! then generate nexus (and every `--spec` document) in turn, round after round, as separate processes, and
//! the two crates each wrote are compiled back to back in one target directory, dependencies prebuilt:
//! `cargo check` and `cargo build` from clean, wall time and rustc's peak memory. Every figure is a ratio
//! (ours / REV's) with the bound `<= 1.05x`. Too heavy for CI (it builds the generator twice).

use crate::bench::{Row, row};
use crate::measure::{self, Measured};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The figures for nexus and the `extra` documents, against the generator at `rev`.
pub fn run(rev: &str, quick: bool, extra: &[(String, PathBuf)]) -> Result<Vec<Row>, String> {
    let root = crate::root();
    let dir = root.join("target/bench-rev");
    let baseline = build_baseline(&root, &dir, rev)?;
    let ours = build_bootstrap(&root, &root.join("target"))?;
    let mut specs = vec![("nexus".to_string(), root.join("../shared/specs/nexus.json"))];
    specs.extend(extra.iter().cloned());
    let rounds = if quick { 3 } else { 15 };
    let mut rows = Vec::new();
    for (name, spec) in &specs {
        let spec = std::path::absolute(spec).map_err(|e| e.to_string())?;
        let ws = dir.join("ws").join(name);
        let _ = std::fs::remove_dir_all(&ws);
        let crates = [(baseline.as_path(), "baseline"), (ours.as_path(), "ours")];
        let mut took: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (i, (binary, side)) in crates.iter().enumerate() {
                let out = ws.join(side);
                let m = measure::run(Command::new(binary).arg(&spec).arg(&out).arg(format!("{side}-{name}")))?;
                took[i].push(m.wall);
            }
        }
        let [theirs, now] = took.map(|mut v| {
            v.sort();
            v[v.len() / 2]
        });
        rows.push(ratio_row(&format!("generate {name} (median of {rounds}, a process each)"), now, theirs, rev));
        if !quick {
            rows.extend(compile_both(&ws, name, rev, 3)?);
        }
    }
    Ok(rows)
}

fn ratio_row(figure: &str, now: Duration, theirs: Duration, rev: &str) -> Row {
    let secs = |d: Duration| {
        if d.as_secs() >= 1 { format!("{:.2} s", d.as_secs_f64()) } else { format!("{:.1} ms", d.as_secs_f64() * 1e3) }
    };
    let ratio = now.as_secs_f64() / theirs.as_secs_f64().max(f64::MIN_POSITIVE);
    row(figure, secs(now), format!("{} ({rev})", secs(theirs)), Some(ratio), "<= 1.05x")
}

/// Extracts `rev` into `dir/src-<rev>` and builds its bootstrap binary; the binary's path.
fn build_baseline(root: &Path, dir: &Path, rev: &str) -> Result<PathBuf, String> {
    let src = dir.join(format!("src-{}", rev.replace('/', "-")));
    if !src.join("Cargo.toml").exists() {
        std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
        let archive = Command::new("git")
            .args(["archive", "--format=tar", rev])
            .current_dir(root)
            .output()
            .map_err(|e| format!("git archive {rev}: {e}"))?;
        if !archive.status.success() {
            return Err(format!("git archive {rev}: {}", String::from_utf8_lossy(&archive.stderr).trim()));
        }
        let tar = src.join("source.tar");
        std::fs::write(&tar, &archive.stdout).map_err(|e| e.to_string())?;
        measure::run(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&src))?;
    }
    println!("building the generator at {rev} (release)...");
    build_bootstrap(&src, &dir.join("target"))
}

/// `cargo build --release` of `codegen`'s bootstrap binary in the workspace at `workspace`.
fn build_bootstrap(workspace: &Path, target: &Path) -> Result<PathBuf, String> {
    measure::run(
        Command::new(crate::cargo())
            .args(["build", "--release", "--quiet", "-p", "codegen", "--bin", "bootstrap"])
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", target),
    )?;
    Ok(target.join("release/bootstrap"))
}

/// `cargo check` and `cargo build` of both crates from clean, dependencies prebuilt, in turn, in one
/// workspace and target directory.
fn compile_both(ws: &Path, name: &str, rev: &str, rounds: usize) -> Result<Vec<Row>, String> {
    let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"baseline\", \"ours\"]\n";
    std::fs::write(ws.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let cargo = |args: &[&str]| -> Result<Measured, String> {
        measure::run(
            Command::new(crate::cargo()).args(args).arg("--quiet").current_dir(ws).env("CARGO_INCREMENTAL", "0"),
        )
    };
    cargo(&["build", "--workspace"])?; // dependencies
    let packages = [format!("baseline-{name}"), format!("ours-{name}")];
    let mut rows = Vec::new();
    for verb in ["check", "build"] {
        let mut took: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..rounds {
            for (i, package) in packages.iter().enumerate() {
                cargo(&["clean", "--package", package])?;
                took[i].push(cargo(&[verb, "--package", package])?);
            }
        }
        let [theirs, now] = took.map(crate::against_progenitor::median);
        let figure = format!("{name} crate: cargo {verb} from clean, dependencies prebuilt (median of {rounds})");
        rows.push(ratio_row(&figure, now.wall, theirs.wall, rev));
        rows.push(row(&format!("  {name} {verb}: peak rustc memory"), now.peak(), theirs.peak(), None, "<= 1.05x"));
    }
    Ok(rows)
}
