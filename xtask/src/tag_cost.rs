//! `cargo xtask bench --tag-cost NAME=SPEC --tags a,b`: what a large spec's crate costs to `cargo check` in
//! full and with single tags' features, dependencies prebuilt: wall time and rustc's peak memory.
//!
//! Every variant keeps `rustls` on, so all of them share one dependency build; only the tag features change
//! (`--no-default-features --features rustls,<tag>`).

use crate::bench::{Row, row};
use crate::measure::{self, Measured};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(name: &str, spec: &Path, tags: &[String]) -> Result<Vec<Row>, String> {
    let dir = crate::root().join("target/bench-tags").join(name);
    let krate = dir.join("crate");
    let _ = std::fs::remove_dir_all(&krate);
    let package = format!("tags-{name}");
    let opts = codegen::CrateOptions { crate_name: package.clone(), spec_label: name.into(), standalone: true };
    let g = codegen::generate_file(spec, &opts).map_err(|d| d.to_string())?;
    codegen::write::write(&krate, &g.files).map_err(|e| e.to_string())?;
    let lines: usize = g.files.iter().filter(|(p, _)| p.ends_with(".rs")).map(|(_, f)| f.lines().count()).sum();
    let mut rows = vec![row(
        &format!("{name}: {} operations, {} types, {lines} lines", g.operations, g.types),
        format!("{:.0} ms to generate", g.timings.total().as_secs_f64() * 1e3),
        String::new(),
        None,
        "",
    )];
    let target = dir.join("target");
    let check = |features: &[&str]| -> Result<Measured, String> {
        let mut cmd = Command::new(crate::cargo());
        cmd.args(["check", "--quiet", "--no-default-features", "--features", &features.join(",")])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", &target);
        measure::run(&mut cmd)
    };
    let clean = || -> Result<Measured, String> {
        measure::run(
            Command::new(crate::cargo())
                .args(["clean", "--quiet", "--package", &package])
                .current_dir(&krate)
                .env("CARGO_TARGET_DIR", &target),
        )
    };
    println!("{name}: building the dependencies...");
    check(&["rustls"])?;
    let mut variants: Vec<(String, Vec<&str>)> = vec![("full".into(), vec!["rustls", "full"])];
    variants.extend(tags.iter().map(|t| (format!("--features {t}"), vec!["rustls", t.as_str()])));
    let mut full: Option<Measured> = None;
    for (label, features) in variants {
        clean()?;
        println!("{name}: cargo check {label}...");
        let m = check(&features)?;
        let (baseline, ratio, bound) = match full {
            Some(f) => (format!("{} (full)", f.secs()), Some(m.wall.as_secs_f64() / f.wall.as_secs_f64()), "<= 0.3x"),
            None => (String::new(), None, ""),
        };
        rows.push(row(&format!("{name}: cargo check, {label}"), m.secs(), baseline, ratio, bound));
        let memory_bound = if full.is_some() { "< 1 GiB" } else { "" };
        rows.push(row(&format!("  {name} {label}: peak rustc memory"), m.peak(), String::new(), None, memory_bound));
        full.get_or_insert(m);
    }
    Ok(rows)
}

/// `NAME=PATH` from the command line.
pub fn named_path(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s.split_once('=').ok_or_else(|| format!("`{s}`: expected NAME=PATH"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("`{name}`: a name is letters, digits, `-` and `_`"));
    }
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("{}: no such file", path.display()));
    }
    Ok((name.to_string(), path))
}
