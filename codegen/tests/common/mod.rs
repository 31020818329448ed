//! What the fuzz tests share: a seeded generator (SplitMix64, so a failure names the seed that reproduces it)
//! and a throwaway workspace to compile generated crates in.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The emulator's SplitMix64 (one implementation in the tree): `Rng(seed)`, `next_u64`, `index`, `pick`,
/// `chance`.
#[allow(unused_imports)]
pub use conformance::emulator::Rng;

/// The target directory generated crates are checked in. It is shared by every test that compiles generated
/// code (third-party specs, hostile documents, fuzzed crates), so dependencies are built once.
pub fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("third-party/target")
}

/// A `cargo` run in a throwaway workspace `ws`, on the shared target directory, warnings denied. The nested
/// workspace does not see ours, so the footprint settings are passed here: no debug info and no incremental
/// cache (together they were most of the gigabytes these builds wrote).
pub fn nested_cargo(ws: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    std::process::Command::new(cargo)
        .args(args)
        .current_dir(ws)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("RUSTFLAGS", "-D warnings")
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .output()
        .expect("cargo runs")
}

/// Writes a library crate `ws/crates/<name>` with these `[dependencies]` lines and this `lib.rs`: the callers
/// the compile tests build against generated crates.
pub fn write_library(ws: &Path, name: &str, dependencies: &str, lib: &str) {
    let dir = ws.join("crates").join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{dependencies}"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
}

/// `cargo check`s the crates under `ws/crates/<name>` as one throwaway workspace, warnings denied; returns,
/// per crate, the first lines of its errors (empty when everything compiled). Every compile test passes the
/// same flags, so the shared target directory is never rebuilt for a change of flags.
pub fn check_workspace(ws: &Path, names: &[String]) -> Vec<(String, String)> {
    let members: Vec<String> = names.iter().map(|n| format!("\"crates/{n}\"")).collect();
    std::fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    let out = nested_cargo(ws, &["check", "--workspace", "--keep-going", "--quiet", "--message-format", "short"]);
    if out.status.success() {
        return Vec::new();
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut failed: Vec<(String, String)> = Vec::new();
    for name in names {
        let prefix = format!("crates/{name}/");
        let errors: Vec<&str> =
            stderr.lines().filter(|l| l.starts_with(&prefix) && l.contains("error")).take(3).collect();
        if !errors.is_empty() {
            failed.push((name.clone(), errors.join("\n")));
        }
    }
    if failed.is_empty() {
        failed.push(("(workspace)".into(), stderr.lines().take(20).collect::<Vec<_>>().join("\n")));
    }
    failed
}
