//! Spec-diff's severities against the compiler. For every rule's fixture pair, a caller that uses every
//! public item of the client generated from `before.yaml` (`codegen::caller_source`) is compiled against
//! that client (it must build: the caller is sound) and against the client generated from `after.yaml`. It
//! builds there exactly when spec-diff reports nothing breaking for the generated API: no breaking rule outside
//! `rules::WIRE` (breaks on the wire, not in the Rust API: they must leave the caller building) and no public
//! item changed or removed in a way `rust_api::compatible` does not allow (modules, cargo features, the
//! `OPERATIONS` table and builders' signatures included, since the caller names each operation's module
//! entry). Behaviour rules change what the client does, not its API: their callers build. The same caller
//! of the Octopus client itself builds too.

#[path = "../../codegen/tests/common/mod.rs"]
mod common;

use codegen::CrateOptions;
use std::path::{Path, PathBuf};
use xtask::spec_diff::rules::{RULES, Severity, WIRE};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec-diff")
}

fn write_crate(ws: &Path, name: &str, files: &std::collections::BTreeMap<String, String>) {
    codegen::write::write(&ws.join("crates").join(name), files).unwrap();
}

/// The caller crate `name`, importing the client crate `client` as `api` with the cargo features `features`
/// and no default ones.
fn write_caller(ws: &Path, name: &str, client: &str, features: &[String], source: &str) {
    let features: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    // What a caller names for JSON, money, times and ids, beside the client.
    let dependencies = format!(
        "api = {{ package = \"{client}\", path = \"../{client}\", default-features = false, features = [{}] }}\n\
         serde_json = \"1\"\n\
         rust_decimal = {{ version = \"1\", default-features = false, features = [\"std\"] }}\n\
         chrono = {{ version = \"0.4\", default-features = false }}\nuuid = {{ version = \"1\", default-features = false }}\n",
        features.join(", ")
    );
    common::write_library(ws, name, &dependencies, source);
}

/// The cargo features of the generated crate `ws/crates/<name>`, but `default` and the TLS backends (they only
/// choose reqwest's).
fn features(ws: &Path, name: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(ws.join("crates").join(name).join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    let skip = ["default", "rustls", "rustls-no-provider", "native-tls", "native-tls-vendored"];
    let names = doc["features"].as_table().map(|t| t.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>());
    names.unwrap_or_default().into_iter().filter(|f| !skip.contains(&f.as_str())).collect()
}

#[test]
fn a_caller_of_the_base_compiles_against_the_head_exactly_when_nothing_breaks() {
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-diff-compiler");
    let _ = std::fs::remove_dir_all(&ws);
    let mut names = Vec::new();
    let mut expected = Vec::new();
    for (rule, _, _) in RULES {
        let read = |side: &str| std::fs::read_to_string(fixtures().join(rule).join(format!("{side}.yaml"))).unwrap();
        let (before, after) = (read("before"), read("after"));
        let outcome = xtask::spec_diff::compare("before.yaml", before.clone(), "after.yaml", after.clone()).unwrap();
        // The verdict's compile-time part: a breaking rule that is not a wire break, or a public item of the
        // generated crate that changed in a way not proven compatible (rust_api::compatible).
        let breaks_api = outcome.changes.iter().any(|c| c.severity == Severity::Breaking && !WIRE.contains(&c.rule))
            || !outcome.api.breaking.is_empty();
        for (side, text) in [("before", &before), ("after", &after)] {
            let opts = CrateOptions {
                crate_name: format!("{rule}-{side}"),
                spec_label: format!("{side}.yaml"),
                standalone: false,
            };
            let generated = codegen::generate_str(&format!("{rule}/{side}.yaml"), text.clone(), &opts)
                .unwrap_or_else(|d| panic!("{rule}/{side}.yaml: {d}"));
            write_crate(&ws, &format!("{rule}-{side}"), &generated.files);
        }
        let spec = codegen::load::load_str("before.yaml", before).unwrap();
        let caller = codegen::caller_source(&spec).unwrap_or_else(|d| panic!("{rule}: {d}"));
        // The caller turns on, by name, every feature of the client it was written for. A feature the later
        // client lacks is an error of cargo's that would stop the whole throwaway workspace: it is counted as
        // the caller's failure, and the caller is checked against the later client with the features left.
        let (wanted, there) = (features(&ws, &format!("{rule}-before")), features(&ws, &format!("{rule}-after")));
        let missing: Vec<&String> = wanted.iter().filter(|f| !there.contains(f)).collect();
        let missing = (!missing.is_empty()).then(|| format!("cargo: the client has no feature {missing:?}"));
        let kept: Vec<String> = wanted.iter().filter(|f| there.contains(f)).cloned().collect();
        write_caller(&ws, &format!("{rule}-self"), &format!("{rule}-before"), &wanted, &caller);
        write_caller(&ws, &format!("{rule}-caller"), &format!("{rule}-after"), &kept, &caller);
        names.extend(["before", "after", "self", "caller"].map(|s| format!("{rule}-{s}")));
        expected.push((*rule, breaks_api, missing));
    }
    // The same caller for the Octopus client itself: every operation, builder, field and variant it has.
    let octopus = std::fs::read_to_string(fixtures().join("../../../spec/octopus.yaml")).unwrap();
    let opts = CrateOptions { crate_name: "octopus-api".into(), spec_label: "octopus.yaml".into(), standalone: false };
    write_crate(&ws, "octopus-api", &codegen::generate_str("octopus.yaml", octopus.clone(), &opts).unwrap().files);
    let spec = codegen::load::load_str("octopus.yaml", octopus).unwrap();
    let octopus_features = features(&ws, "octopus-api");
    write_caller(&ws, "octopus-caller", "octopus-api", &octopus_features, &codegen::caller_source(&spec).unwrap());
    names.extend(["octopus-api".to_string(), "octopus-caller".to_string()]);
    let failed = common::check_workspace(&ws, &names);
    let failed_names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    let unsound: Vec<_> = failed.iter().filter(|(n, _)| !n.ends_with("-caller")).collect();
    assert!(unsound.is_empty(), "a generated crate or a caller of its own crate does not build: {unsound:#?}");
    let mut mismatches = Vec::new();
    for (rule, breaks_api, missing_feature) in expected {
        let broke = missing_feature.is_some() || failed_names.contains(&format!("{rule}-caller").as_str());
        if broke != breaks_api {
            let failure = failed.iter().find(|(n, _)| *n == format!("{rule}-caller")).map(|(_, e)| e.clone());
            let why = missing_feature.or(failure).unwrap_or_default();
            mismatches.push(format!(
                "{rule}: spec-diff says {}, the compiler says {}\n{why}",
                if breaks_api { "breaking" } else { "not breaking" },
                if broke { "breaking" } else { "not breaking" }
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}
