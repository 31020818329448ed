//! Every third-party spec in `../shared/specs`, and every real-world construct fixture in
//! `codegen/tests/fixtures/real-world/` (OpenAPI 3.1, multipart, parameter styles, security schemes,
//! streaming: one small document per capability), generates, and the output compiles without warnings.
//!
//! The crates are written into one throwaway workspace under the test's temp dir and checked with a
//! `cargo check` of their own, warnings denied (a separate target dir: the outer `cargo test` holds this
//! workspace's).

mod common;

use codegen::{CrateOptions, generate_file};
use std::path::Path;

#[test]
fn every_shared_spec_generates_and_compiles() {
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs");
    let Ok(entries) = std::fs::read_dir(&specs_dir) else {
        panic!("{} is missing: the shared specs must sit beside the checkout", specs_dir.display());
    };
    let mut specs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    assert!(specs.len() >= 10, "expected the ten shared specs, found {}", specs.len());
    let real_world = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-world");
    specs.extend(
        std::fs::read_dir(&real_world)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json")),
    );
    specs.sort_by_key(|p| p.file_name().map(|n| n.to_owned()));

    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("third-party");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    let mut members = Vec::new();
    for spec in &specs {
        let name = spec.file_stem().unwrap().to_string_lossy().replace('.', "-");
        let opts = CrateOptions {
            crate_name: format!("tp-{name}"),
            spec_label: spec.file_name().unwrap().to_string_lossy().into(),
            standalone: false,
        };
        let g = generate_file(spec, &opts).unwrap_or_else(|d| panic!("{} does not generate:\n{d}", spec.display()));
        codegen::write::write(&ws.join("crates").join(&name), &g.files).unwrap();
        members.push(name);
    }
    let failed = common::check_workspace(&ws, &members);
    assert!(failed.is_empty(), "generated crates do not compile: {failed:#?}");
}
