//! The second judge against the first: cargo-semver-checks on the crates generated from every rule's fixture
//! pair, compared with spec-diff's compile-time verdict (`spec_review::compile_breaking`). They agree, except
//! for the documented exceptions below, each with its reason; an exception that stops disagreeing fails too,
//! so the list cannot rot.
//!
//! cargo-semver-checks is not a cargo dependency: `.ci/run` installs it and sets
//! `SPEC_DIFF_REQUIRE_SEMVER_CHECKS=1`, so CI runs this for real. Without the binary the test says it was skipped
//! (and fails when that variable is set).

use std::path::{Path, PathBuf};
use std::time::Instant;
use xtask::semver_checks::{self, Verdict};
use xtask::spec_diff::rules::RULES;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec-diff")
}

/// Rules whose pairs the two judges see differently, and why. `true`: spec-diff says callers' code breaks and
/// cargo-semver-checks does not; `false`: the other way round.
/// Every exception so far is a change of a type: cargo-semver-checks 0.51 has lints for items, fields,
/// variants and argument counts that go away, none for a public field, a method argument or a return type
/// whose type changes. The compiler test (`spec_diff_compiler.rs`) shows each of these breaks a caller.
const EXCEPTIONS: &[(&str, bool, &str)] = &[
    ("error-status-removed", true, "the method's error type changes (a return type)"),
    ("parameter-type-changed", true, "a `Params` field and its setter's argument change type"),
    ("request-body-became-required", true, "the method's body argument goes from `Option<&T>` to `&T`"),
    ("request-body-became-optional", true, "the method's body argument goes from `&T` to `Option<&T>`"),
    ("request-field-became-non-nullable", true, "a constructor argument goes from `Option<T>` to `T`"),
    ("request-field-became-nullable", true, "a constructor argument goes from `T` to `Option<T>`"),
    ("request-field-type-changed", true, "a request field and its setter's argument change type"),
    ("response-field-became-nullable", true, "a response field goes from `T` to `Option<T>`"),
    ("response-field-became-optional", true, "a response field goes from `T` to `Option<T>`"),
    ("response-field-became-required", true, "a response field goes from `Option<T>` to `T`"),
    ("response-field-became-non-nullable", true, "a response field goes from `Option<T>` to `T`"),
    ("field-became-enum", true, "a response field goes from `String` to a new enum type"),
    ("rust-api-changed", true, "a field of a type no operation uses goes from `i32` to `i64`"),
];

#[test]
fn cargo_semver_checks_agrees_with_spec_diff_on_every_fixture_pair() {
    if let Err(why) = semver_checks::available() {
        let required = std::env::var("SPEC_DIFF_REQUIRE_SEMVER_CHECKS").is_ok_and(|v| v == "1");
        assert!(!required, "SPEC_DIFF_REQUIRE_SEMVER_CHECKS=1 but {why}");
        eprintln!("SKIPPED cargo_semver_checks_agrees_with_spec_diff_on_every_fixture_pair: {why}");
        return;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (work, target) = (tmp.join("semver-checks/work"), tmp.join("semver-checks/target"));
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut table = Vec::new();
    for (rule, _, _) in RULES {
        let read = |side: &str| std::fs::read_to_string(fixtures().join(rule).join(format!("{side}.yaml"))).unwrap();
        let outcome = xtask::spec_diff::compare("before.yaml", read("before"), "after.yaml", read("after")).unwrap();
        let ours = xtask::spec_review::compile_breaking(&outcome);
        let theirs = semver_checks::judge(&outcome.generated[0], &outcome.generated[1], &work, &target)
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert!(!matches!(theirs, Verdict::Skipped(_)), "{rule}: {theirs:?}");
        table.push(format!("{rule:<36} spec-diff {:<5} cargo-semver-checks {}", ours, theirs.sentence()));
        let exception = EXCEPTIONS.iter().find(|(r, _, _)| r == rule);
        match (ours == theirs.breaking(), exception) {
            (true, None) => {}
            (true, Some(_)) => problems.push(format!("{rule}: listed as an exception, but the judges now agree")),
            (false, Some((_, side, _))) if *side == ours => {}
            (false, _) => problems.push(format!(
                "{rule}: spec-diff says {}, cargo-semver-checks says {}",
                if ours { "breaking" } else { "compatible" },
                theirs.sentence()
            )),
        }
    }
    eprintln!("{}\n{} pairs judged in {:.1} s", table.join("\n"), RULES.len(), started.elapsed().as_secs_f64());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
